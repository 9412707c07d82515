"""One method of a client library's class, replaced by a wrapper and put back: what the
requests / urllib3 and botocore captures switch on and off (instrument.py calls them)."""

from __future__ import annotations

from typing import Any, Callable


class MethodPatch:
    """`cls.name` wrapped by `wrap(original)` while patched."""

    def __init__(self, wrap: Callable[[Any], Any]) -> None:
        self._wrap = wrap
        self._installed: tuple[type, str, Any, Any] | None = None

    def patch(self, cls: type, name: str) -> bool:
        """Install the wrapper (idempotent); False when the method is missing or already wrapped."""
        if self._installed is not None:
            return True
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "__frugal_ai__", False):
            return False
        wrapper = self._wrap(original)
        wrapper.__wrapped__ = original
        wrapper.__frugal_ai__ = True
        setattr(cls, name, wrapper)
        self._installed = (cls, name, original, wrapper)
        return True

    def unpatch(self) -> None:
        """Restore the original, unless someone wrapped over us meanwhile (then stay, switched off)."""
        if self._installed is None:
            return
        cls, name, original, wrapper = self._installed
        if cls.__dict__.get(name) is wrapper:
            setattr(cls, name, original)
            self._installed = None
