"""Which tracked run is current: the link between a `track` block and the API calls made in it.

A ContextVar carries the innermost run, so asyncio tasks started inside a run see it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(slots=True, frozen=True)
class RunFrame:
    """The identity of a run in progress: what an API call made inside it needs to know."""

    id: str
    name: str
    project: str = "default"
    tags: dict[str, str] = field(default_factory=dict)
    parent: "RunFrame | None" = None
    capture_api: bool = True


_current: ContextVar[RunFrame | None] = ContextVar("frugal_ai_run", default=None)


def current_run() -> RunFrame | None:
    """The innermost run in progress in this context, or None outside any run."""
    return _current.get()
