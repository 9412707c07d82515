"""Capture for clients on `aiohttp`: the wrapper put around `ClientSession._request`.

Every aiohttp request (`session.post`, `session.request`, `async with session.post(...)`)
goes through `ClientSession._request`, which returns once the response's headers are in.
litellm's async path (its aiohttp transport under httpx), google-genai's async client when
aiohttp is installed, and the openai / anthropic `DefaultAioHttpClient` all send there.
Tracing hooks (`TraceConfig`) were not used: they must be given to each session when it is
made, so sessions made before `instrument()` (or by a library) would be missed.

A captured response's body reader (`response.content`, aiohttp's `StreamReader`) has its
class swapped for a subclass, without new fields, whose `feed_data`, `feed_eof` and
`set_exception` hand each chunk to the observer as the connection delivers it (already
decompressed when aiohttp decompresses), then do what they always do. The reader goes back
to its own class when the call is recorded: at the end of the body, on an error, or when
the caller releases or closes the response before its end (recorded as abandoned).
"""

from __future__ import annotations

from typing import Any, Callable

from . import emit, transport
from .observe import CallObserver
from .parsers import parser_for
from .patching import NOT_RECORDED, MethodPatch, run_to_link
from .providers import dependent_caches, route, stored_path

# (base URL, URL without query) -> (route, parser, host, stored path), or _SKIP. Cleared with the route cache.
_targets: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}
_TARGETS_MAX = 2048
_SKIP: tuple[Any, ...] = (None, None, "", "")
dependent_caches.append(_targets)

# id(reader) -> (observer, reader) of each body being followed (the reader has __slots__:
# nothing can be stored on it).
_followed: dict[int, tuple[CallObserver, Any]] = {}
_FOLLOWED_MAX = 10_000


def _target(session: Any, str_or_url: Any) -> tuple[Any, ...]:
    """The route of a request's URL, remembered per (base URL, URL string without its query):
    building the URL (yarl) costs more than the rest of the capture."""
    text = str_or_url.partition("?")[0] if type(str_or_url) is str else str(str_or_url.with_query(None))
    key = (session._base_url, text)
    found = _targets.get(key)
    if found is None:
        url = session._build_url(text)
        where = route(url.host or "", url.port, url.path)
        found = _SKIP if where is None else (where, parser_for(where.wire_format), url.host, stored_path(url.path))
        if len(_targets) >= _TARGETS_MAX:
            _targets.clear()
        _targets[key] = found
    return found


def _request_body(data: Any, json: Any) -> bytes | None:
    """What the observer may read the `model` key from, when the reply does not name it."""
    if json is not None:
        model = json.get("model") if isinstance(json, dict) else None
        return b'{"model": "%s"}' % model.encode("utf-8", "replace") if isinstance(model, str) else None
    if type(data) is bytes:
        return data
    if type(data) is str:
        return data.encode("utf-8", "replace")
    return None


def _observer_for(session: Any, method: Any, str_or_url: Any, kwargs: dict[str, Any]) -> CallObserver | None:
    """A new observer if this request is to be captured, else None. Never raises."""
    try:
        if method != "POST" and (not isinstance(method, str) or method.upper() != "POST"):
            return None
        where, parser, host, path = _target(session, str_or_url)
        if where is None:
            return None
        frame = run_to_link()
        if frame is NOT_RECORDED:
            return None
        body = _request_body(kwargs.get("data"), kwargs.get("json"))
        return CallObserver(where, host, path, frame, body, parser)
    except Exception as exc:
        emit.warn_once(f"request not inspected ({type(exc).__name__})")
        return None


def _attach(observer: CallObserver, session: Any, response: Any, kwargs: dict[str, Any]) -> None:
    try:
        status = response.status
        headers = response.headers
        encoding = headers.get("Content-Encoding") or ""
        if encoding:
            auto = kwargs.get("auto_decompress")
            if auto is None:
                auto = getattr(session, "auto_decompress", True)
            # aiohttp decompresses before the reader when asked to (its default): the observer
            # then sees plain bytes.
            encoding = "" if auto else encoding
        observer.start_response(status, (headers.get("Content-Type") or "").encode("latin-1", "replace"),
                                encoding.encode("latin-1", "replace"))
        reader = response.content
        for chunk in list(reader._buffer):  # what arrived with the headers, not read yet
            observer.feed(chunk)
        if reader.exception() is not None:
            observer.finish("error")
        elif reader.is_eof():
            observer.finish("end")
        elif type(reader) is _StreamReader:
            if len(_followed) >= _FOLLOWED_MAX:  # bodies nobody reads nor closes: forget the oldest
                _forget(next(iter(_followed)))
            _followed[id(reader)] = (observer, reader)
            reader.__class__ = _ObservedStreamReader
        else:
            observer.done = True  # a reader of another class: its body is not followed
    except Exception as exc:
        observer.done = True
        emit.warn_once(f"response not followed ({type(exc).__name__})")


def _forget(key: int) -> CallObserver | None:
    found = _followed.pop(key, None)
    if found is None:
        return None
    observer, reader = found
    reader.__class__ = _StreamReader
    return observer


def wrap_request(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _request(self: Any, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        if not transport.ENABLED:
            return await original(self, method, str_or_url, **kwargs)
        observer = _observer_for(self, method, str_or_url, kwargs)
        if observer is None:
            return await original(self, method, str_or_url, **kwargs)
        try:
            response = await original(self, method, str_or_url, **kwargs)
        except BaseException:
            observer.finish("error")
            raise
        _attach(observer, self, response, kwargs)
        return response

    return _request


# -- switching on and off (instrument.py) ---------------------------------------------------
_StreamReader: Any = None
_ObservedStreamReader: Any = None


def _reader_class(base: type, closed_error: type) -> type:
    """The body reader's subclass (no new fields, so an instance's class can be swapped)."""

    class ObservedStreamReader(base):  # type: ignore[misc,valid-type]
        __slots__ = ()

        def feed_data(self, data: bytes, *args: Any) -> Any:
            found = _followed.get(id(self))
            if found is not None:
                found[0].feed(data)
            return base.feed_data(self, data, *args)

        def feed_eof(self) -> None:
            observer = _forget(id(self))
            try:
                base.feed_eof(self)
            finally:
                if observer is not None:
                    observer.finish("end")

        def set_exception(self, exc: BaseException, *args: Any) -> None:
            observer = _forget(id(self))
            try:
                base.set_exception(self, exc, *args)
            finally:
                if observer is not None:
                    # `release()` / `close()` before the end set exactly this error: abandoned.
                    observer.finish("closed" if type(exc) is closed_error else "error")

    ObservedStreamReader.__module__ = base.__module__
    ObservedStreamReader.__qualname__ = base.__qualname__
    return ObservedStreamReader


_patch = MethodPatch(wrap_request)


def patch(module: Any) -> bool:
    """Wrap `aiohttp.ClientSession._request`; False for an aiohttp without it."""
    global _StreamReader, _ObservedStreamReader
    session_cls = getattr(module, "ClientSession", None)
    if session_cls is None:
        return False
    if _ObservedStreamReader is None:
        from aiohttp.client_exceptions import ClientConnectionError
        from aiohttp.streams import StreamReader

        _StreamReader, _ObservedStreamReader = StreamReader, _reader_class(StreamReader, ClientConnectionError)
    return _patch.patch(session_cls, "_request")


# Bodies already being read are still recorded when they end.
unpatch = _patch.unpatch
