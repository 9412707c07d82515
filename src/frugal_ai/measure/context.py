"""Which tracked run is current: the link between a `track` block and the API calls made in it.

A ContextVar carries the innermost run, so asyncio tasks started inside a run, and
`asyncio.to_thread` (which copies the context), see it. `loop.run_in_executor`, a plain `threading.Thread` or a `ThreadPoolExecutor` worker does NOT inherit context
variables: code there sees no current run (its API calls are recorded without a run, and a
`track` there starts a new root run). To carry the run into such a thread, wrap the target
with `bind(fn)`:

    with frugal_ai.track("batch"):
        pool.submit(bind(call_model), prompt)   # call_model's API calls link to "batch"

We deliberately do not guess (e.g. "the one run active in the process"): with several
threads, a guess would link calls to the wrong run silently.
"""

from __future__ import annotations

import contextvars
import functools
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from .attribution import Span

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class RunFrame:
    """The identity of a run in progress: what an API call made inside it needs to know."""

    id: str
    name: str
    project: str = "default"
    tags: dict[str, str] = field(default_factory=dict)
    parent: "RunFrame | None" = None
    capture_api: bool = True
    # The measurement's own bookkeeping for this run (frugal_ai.measure); not for API callers.
    span: "Span | None" = field(default=None, repr=False, compare=False)


_current: ContextVar[RunFrame | None] = ContextVar("frugal_ai_run", default=None)


def current_run() -> RunFrame | None:
    """The innermost run in progress in this context, or None outside any run."""
    return _current.get()


def run_reader() -> Callable[[], RunFrame | None]:
    """A function that answers `current_run()` with no call around it (the context
    variable's own getter): for hot paths that read the run on every call (API capture)."""
    return _current.get


def bind(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` wrapped to run in a copy of the current context (so, inside the current run),
    wherever it is called: for `threading.Thread(target=bind(f))` and `executor.submit(bind(f))`.
    """
    ctx = contextvars.copy_context()

    @functools.wraps(fn)
    def bound(*args: Any, **kwargs: Any) -> T:
        # A context can be entered by one thread at a time: give each call its own copy.
        return ctx.copy().run(fn, *args, **kwargs)

    return bound
