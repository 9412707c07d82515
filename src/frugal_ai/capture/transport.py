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

from ..measure.context import run_reader
from . import emit
from .kinds import multipart_field
from .observe import CallObserver
from .parsers import parser_for
from .providers import dependent_caches, route, stored_path

# What `current_run()` answers, without the call around it (read on every request).
_current_run = run_reader()

# Switched by instrument.py; read on every request (module globals: the cheapest read).
ENABLED = False
RECORD_OUTSIDE_RUNS = False


# Request target (host, port, path as the URL holds them, undecoded) -> (route, host, the
# path to store (`stored_path`: nothing outside the known route), parser), or _SKIP: the
# URL's `host` and `path` properties decode (IDNA, percent-escapes) on every read; a target
# seen before costs one dict look-up instead.
_targets: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}
_TARGETS_MAX = 2048
_SKIP: tuple[Any, ...] = (None, "", "", None)
dependent_caches.append(_targets)


def _target(url: Any) -> tuple[Any, ...]:
    ref = getattr(url, "_uri_reference", None)  # httpx and httpx2 both keep the parsed URL there
    key = None if ref is None else (ref.host, ref.port, ref.path)
    found = _targets.get(key) if key is not None else None
    if found is None:
        host, path = url.host, url.path
        where = route(host, url.port, path)
        found = _SKIP if where is None else (where, host, stored_path(path), parser_for(where.wire_format))
        if key is not None:
            if len(_targets) >= _TARGETS_MAX:
                _targets.clear()
            _targets[key] = found
    return found


def _observer_for(request: Any) -> CallObserver | None:
    """A new observer if this request is to be captured, else None. Never raises."""
    try:
        if request.method != "POST":
            return None
        url = request.url
        ref = getattr(url, "_uri_reference", None)
        # A target seen before: one dict look-up here (`_target` computes and remembers it).
        found = None if ref is None else _targets.get((ref.host, ref.port, ref.path))
        where, host, path, parser = _target(url) if found is None else found
        if where is None:
            return None
        frame = _current_run()
        if frame is None:
            if not RECORD_OUTSIDE_RUNS:
                return None
        elif not frame.capture_api:
            return None
        # The body bytes are only looked at later, for the `model` key, and only when the
        # response does not name the model. A streamed upload has none to look at.
        body = getattr(request, "_content", None)
        observer = CallObserver(where, host, path, frame, body if type(body) is bytes else None, parser)
        if where.kind == "transcription" and type(body) is not bytes:
            # An audio upload (multipart): its `model` form field, not the file.
            observer.request_model = multipart_field(request, "model")
        return observer
    except Exception as exc:
        emit.warn_once(f"request not inspected ({type(exc).__name__})")
        return None


_CONTENT_TYPE = b"content-type"
_CONTENT_ENCODING = b"content-encoding"


def _attach(observer: CallObserver, response: Any, stream_cls: type) -> None:
    try:
        content_type = content_encoding = b""
        headers = response.headers
        items = getattr(headers, "_list", None)
        if type(items) is list:
            # httpx / httpx2 keep (raw name, lower-cased name, value) triples: no copy, no lower().
            for _, name, value in items:
                if name == _CONTENT_TYPE:
                    content_type = value
                elif name == _CONTENT_ENCODING:
                    content_encoding = value
        else:
            for name, value in headers.raw:
                name = name.lower()
                if name == _CONTENT_TYPE:
                    content_type = value
                elif name == _CONTENT_ENCODING:
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
        feed = observer.feed
        try:
            for chunk in self._inner:
                feed(chunk)
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
        feed = observer.feed
        try:
            async for chunk in self._inner:
                feed(chunk)
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
