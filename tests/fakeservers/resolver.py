"""Resolve chosen host names to 127.0.0.1, and refuse every other name: an offline guard.

The capture decides provider and locality from the URL's host, so tests that want the
remote path (e.g. `api.openai.com`) point the real SDK at `http://api.openai.com:<port>`
and let this resolver send the connection to the fake server on loopback. The request goes
through the very same transport code as a real remote call; only name resolution changes.
Any name not mapped raises `socket.gaierror`, so a test cannot reach the internet.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any, Iterator

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@contextlib.contextmanager
def resolve_to_loopback(*names: str) -> Iterator[None]:
    original = socket.getaddrinfo
    mapped = {n.lower() for n in names}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        name = name.lower()
        if name in mapped:
            return original("127.0.0.1", port, *args, **kwargs)
        if name in _LOOPBACK or name.startswith("127."):
            return original(name, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"test resolver: {name} is not mapped (offline tests)")

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = original
