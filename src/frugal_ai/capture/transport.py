"""The wrappers put around `HTTPTransport.handle_request` and `AsyncHTTPTransport.handle_async_request`.

Requests that are not a POST to a known GenAI endpoint go straight through after one
cached route look-up. A captured request gets a `CallObserver`; its response keeps the
same status, headers and bytes, but its body stream is wrapped so the observer sees each
chunk as the caller reads it, and records the call when the stream ends or is closed.
Errors raised by the transport (timeouts, refused connections) are recorded as failed
calls and re-raised unchanged.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any, AsyncIterator, Callable, Iterator

from ..measure.context import current_run
from . import emit
from .observe import CallObserver
from .providers import route

# Switched by instrument.py; read on every request (module globals: the cheapest read).
ENABLED = False
RECORD_OUTSIDE_RUNS = False


def _observer_for(request: Any) -> CallObserver | None:
    """A new observer if this request is to be captured, else None. Never raises."""
    try:
        if request.method != "POST":
            return None
        url = request.url
        host = url.host
        path = url.path
        found = route(host, url.port, path)
        if found is None:
            return None
        frame = current_run()
        if frame is None:
            if not RECORD_OUTSIDE_RUNS:
                return None
        elif not frame.capture_api:
            return None
        # The body bytes are only looked at later, for the `model` key, and only when the
        # response does not name the model. A streamed upload has none to look at.
        body = getattr(request, "_content", None)
        return CallObserver(found, host, path, frame, body if isinstance(body, bytes) else None)
    except Exception as exc:
        emit.warn_once(f"request not inspected ({type(exc).__name__})")
        return None


def _attach(observer: CallObserver, response: Any, stream_cls: type) -> None:
    try:
        content_type = content_encoding = b""
        # One pass over the raw header list: cheaper than two case-insensitive look-ups.
        for name, value in response.headers.raw:
            size = len(name)
            if size == 12 and name.lower() == b"content-type":
                content_type = value
            elif size == 16 and name.lower() == b"content-encoding":
                content_encoding = value
        status = response.status_code
        if 300 <= status < 400:
            observer.done = True  # a redirect: the call is recorded when its target answers
            return
        observer.start_response(status, content_type, content_encoding)
        response.stream = stream_cls(response.stream, observer)
    except Exception as exc:
        observer.done = True
        emit.warn_once(f"response not followed ({type(exc).__name__})")


class _ObservedSyncStream:
    """Mixin for the client module's `SyncByteStream`: chunks pass through unchanged."""

    def __init__(self, inner: Any, observer: CallObserver) -> None:
        self._inner = inner
        self._observer = observer

    def __iter__(self) -> Iterator[bytes]:
        observer = self._observer
        try:
            for chunk in self._inner:
                observer.feed(chunk)
                yield chunk
        except GeneratorExit:
            observer.finish("closed")
            raise
        except BaseException:
            observer.finish("error")
            raise
        observer.finish("end")

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._observer.finish("closed")


class _ObservedAsyncStream:
    """Mixin for the client module's `AsyncByteStream`: chunks pass through unchanged."""

    def __init__(self, inner: Any, observer: CallObserver) -> None:
        self._inner = inner
        self._observer = observer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        observer = self._observer
        try:
            async for chunk in self._inner:
                observer.feed(chunk)
                yield chunk
        except (GeneratorExit, asyncio.CancelledError):
            # The caller stopped reading (or its task was cancelled): abandoned, not failed.
            observer.finish("closed")
            raise
        except BaseException:
            observer.finish("error")
            raise
        observer.finish("end")

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._observer.finish("closed")


def stream_classes(module: ModuleType) -> tuple[type, type]:
    """Stream wrappers that pass the client module's own isinstance checks."""
    sync_cls = type("ObservedSyncStream", (_ObservedSyncStream, module.SyncByteStream), {})
    async_cls = type("ObservedAsyncStream", (_ObservedAsyncStream, module.AsyncByteStream), {})
    return sync_cls, async_cls


def wrap_sync(original: Callable[..., Any], stream_cls: type) -> Callable[..., Any]:
    def handle_request(self: Any, request: Any) -> Any:
        if not ENABLED:
            return original(self, request)
        observer = _observer_for(request)
        if observer is None:
            return original(self, request)
        try:
            response = original(self, request)
        except Exception:
            observer.finish("error")
            raise
        _attach(observer, response, stream_cls)
        return response

    handle_request.__wrapped__ = original  # type: ignore[attr-defined]
    handle_request.__frugal_ai__ = True  # type: ignore[attr-defined]
    return handle_request


def wrap_async(original: Callable[..., Any], stream_cls: type) -> Callable[..., Any]:
    async def handle_async_request(self: Any, request: Any) -> Any:
        if not ENABLED:
            return await original(self, request)
        observer = _observer_for(request)
        if observer is None:
            return await original(self, request)
        try:
            response = await original(self, request)
        except Exception:
            observer.finish("error")
            raise
        _attach(observer, response, stream_cls)
        return response

    handle_async_request.__wrapped__ = original  # type: ignore[attr-defined]
    handle_async_request.__frugal_ai__ = True  # type: ignore[attr-defined]
    return handle_async_request
