"""A real `HTTPTransport` whose connection pool answers in-process (no socket).

The transport's own `handle_request` (the method capture wraps) runs unchanged; only the
connection pool under it is replaced, so tests can control exactly when each body chunk
is produced.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable


class _Pool:
    def __init__(self, core: Any, answer: Callable[[Any], tuple[int, list[tuple[bytes, bytes]], Iterable[bytes]]]) -> None:
        self._core = core
        self._answer = answer

    def handle_request(self, request: Any) -> Any:
        status, headers, body = self._answer(request)
        return self._core.Response(status, headers=headers, content=body)

    def close(self) -> None:
        pass


def pool_transport(client_module: Any, answer: Callable[[Any], tuple[int, list[tuple[bytes, bytes]], Iterable[bytes]]]) -> Any:
    """`client_module.HTTPTransport()` answering with `answer(httpcore_request)`."""
    core = importlib.import_module("httpcore2" if client_module.__name__ == "httpx2" else "httpcore")
    transport = client_module.HTTPTransport()
    transport._pool = _Pool(core, answer)
    return transport
