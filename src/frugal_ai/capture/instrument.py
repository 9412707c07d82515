"""Switch automatic capture of GenAI API calls on and off for the whole process.

Capture works one level below every SDK: it wraps the transports of `httpx` and `httpx2`
(`HTTPTransport.handle_request`, `AsyncHTTPTransport.handle_async_request`), which openai,
anthropic, mistralai, google-genai, cohere, ollama and litellm all send through. Whichever
of the two is installed is wrapped; if `httpx` is aliased to `httpx2`, once.

Example:
    >>> import frugal_ai
    >>> frugal_ai.instrument()      # every call from now on is recorded
    >>> frugal_ai.uninstrument()    # and no longer

`track(capture_api=True)` calls `instrument_for_runs()`: calls made inside a tracked run
are recorded, calls outside one only if `instrument()` was called.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from typing import Any

from . import patching, transport

CLIENT_MODULES = ("httpx", "httpx2")
# Other HTTP stacks: the client module, and the capture module that wraps it (its
# `patch(module) -> bool` and `unpatch()`). Each is patched when the program imports it.
OTHER_STACKS: tuple[tuple[str, str], ...] = (
    ("urllib3", "urllib3_pool"), ("botocore", "botocore_client"), ("aiohttp", "aiohttp_session"),
)

_lock = threading.Lock()
# class -> (attribute name, original function, wrapper installed)
_patched: dict[type, tuple[str, Any, Any]] = {}


def instrument() -> None:
    """Record every GenAI API call this process makes, inside a tracked run or not.

    Idempotent and thread-safe; cheap after the first call. Imports `httpx` / `httpx2`
    if they are installed and not yet imported.
    """
    with _lock:
        _patch_all()
        transport.RECORD_OUTSIDE_RUNS = True
        transport.ENABLED = True


def instrument_for_runs() -> None:
    """Record the GenAI API calls made inside tracked runs (what `track` asks for).

    Does not widen capture to calls outside runs; leaves `instrument()`'s choice alone.
    """
    if transport.ENABLED:
        return
    with _lock:
        _patch_all()
        transport.ENABLED = True


def uninstrument() -> None:
    """Stop capturing and restore the original transport methods. Idempotent and thread-safe.

    Responses already being read are still recorded when they end.
    """
    with _lock:
        transport.ENABLED = False
        transport.RECORD_OUTSIDE_RUNS = False
        for cls, (name, original, wrapper) in list(_patched.items()):
            # Restore only if nobody wrapped over us meanwhile; otherwise stay in place, switched off.
            if cls.__dict__.get(name) is wrapper:
                setattr(cls, name, original)
                del _patched[cls]
        patching.forget_imports()
        for _, capture_module in OTHER_STACKS:
            module = sys.modules.get(f"{__package__}.{capture_module}")
            if module is not None:
                module.unpatch()


def is_instrumented() -> bool:
    """True while capture is switched on (by `instrument()` or by a tracked run)."""
    return transport.ENABLED


def _patch_all() -> None:
    for module_name in CLIENT_MODULES:
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
        _patch_module(module)
    for module_name, capture_module in OTHER_STACKS:
        # Patched now if the program has imported it, else when it does (not imported here).
        if module_name in sys.modules or importlib.util.find_spec(module_name) is not None:
            patching.when_imported(module_name, importlib.import_module(f"{__package__}.{capture_module}").patch)


def _patch_module(module: Any) -> None:
    sync_cls = getattr(module, "HTTPTransport", None)
    async_cls = getattr(module, "AsyncHTTPTransport", None)
    if sync_cls is None or async_cls is None:
        return
    if sync_cls in _patched and async_cls in _patched:
        return
    sync_stream, async_stream = transport.stream_classes(module)
    for cls, name, wrap, stream in (
        (sync_cls, "handle_request", transport.wrap_sync, sync_stream),
        (async_cls, "handle_async_request", transport.wrap_async, async_stream),
    ):
        if cls in _patched:
            continue
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "__frugal_ai__", False):
            continue
        wrapper = wrap(original, stream)
        setattr(cls, name, wrapper)
        _patched[cls] = (name, original, wrapper)
