"""Capture for clients on `requests` and `urllib3`: the wrapper put around `HTTPConnectionPool.urlopen`.

Every `requests` call goes through urllib3's connection pool (`HTTPAdapter.send` calls
`urlopen`), and so does every client built on either: huggingface_hub's InferenceClient
before 1.0, smaller providers' SDKs, in-house wrappers, direct urllib3 users. One wrapper
there covers them all, with the same routes, parsers and observer as the httpx transports.

A captured request's response is the very object urllib3 made, its class swapped for a
subclass (same name) whose raw reads — `_raw_read` (plain reads, `read1`, `drain_conn`)
and `_handle_chunk` (chunked streams, read by `read_chunked`) — hand each body chunk, as it came off the wire and
before the caller's copy is decoded, to the observer, then return it unchanged. The call
is recorded when the body has been read to its end (or the response is closed).

urllib3's own retries and redirects (`Retry`, `redirect=True`) happen inside one
`urlopen`: they are one row, with the outcome of the last attempt. urllib3 1.x (which
reads its body differently) is not captured.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from . import emit, transport
from .observe import CallObserver
from .parsers import parser_for
from .patching import NOT_RECORDED, MethodPatch, Observed, observe_with, run_to_link, unobserve
from .providers import dependent_caches, route, stored_path

# (pool host, pool port, URL without query) -> (route, parser, host, path to store), or _SKIP.
# Cleared with the route cache.
_targets: dict[tuple[Any, Any, str], tuple[Any, ...]] = {}
_TARGETS_MAX = 2048
_SKIP: tuple[Any, ...] = (None, None, "", "")
dependent_caches.append(_targets)

# Set while a captured urlopen runs on this thread: its retries and redirects call urlopen
# again, and are part of the same call.
_inside = threading.local()

_PRELOAD_CONTENT_AT = 9  # urlopen's positional index of preload_content (after method, url)


def _target(pool_host: str, pool_port: int | None, url: str) -> tuple[Any, ...]:
    key = (pool_host, pool_port, url.partition("?")[0])
    found = _targets.get(key)
    if found is None:
        host, port, path = key
        if path[:1] != "/" and "://" in path:  # through an HTTP proxy, urlopen gets the absolute URL
            from urllib3.util import parse_url

            parsed = parse_url(path)
            host, port, path = parsed.host or host, parsed.port, parsed.path or "/"
        where = route(host, port, path)
        found = _SKIP if where is None else (where, parser_for(where.wire_format), host, stored_path(path))
        if len(_targets) >= _TARGETS_MAX:
            _targets.clear()
        _targets[key] = found
    return found


def _observer_for(pool: Any, method: Any, url: Any, body: Any) -> CallObserver | None:
    """A new observer if this request is to be captured, else None. Never raises."""
    try:
        if method != "POST" and (not isinstance(method, str) or method.upper() != "POST"):
            return None
        where, parser, host, path = _target(pool.host, pool.port, url)
        if where is None:
            return None
        frame = run_to_link()
        if frame is NOT_RECORDED:
            return None
        if type(body) is str:
            body = body.encode("utf-8", "replace")
        return CallObserver(where, host, path, frame, body if type(body) is bytes else None, parser)
    except Exception as exc:
        emit.warn_once(f"request not inspected ({type(exc).__name__})")
        return None


def _attach(observer: CallObserver, response: Any, preloaded: bool, decoded: bool) -> None:
    try:
        status = response.status
        if 300 <= status < 400:
            observer.done = True  # a redirect: the call is recorded when its target answers
            return
        headers = response.headers
        found = getattr(headers, "_container", None)  # HTTPHeaderDict: lower-cased name -> [name, values...]
        if type(found) is dict:
            content_type, content_encoding = found.get("content-type"), found.get("content-encoding")
            content_type = content_type[-1] if content_type else ""
            content_encoding = ", ".join(content_encoding[1:]) if content_encoding else ""
        else:
            content_type, content_encoding = headers.get("content-type") or "", headers.get("content-encoding") or ""
        observer.start_response(status, content_type.encode("latin-1", "replace"),
                                content_encoding.encode("latin-1", "replace"))
        if preloaded:
            # urllib3 read (and, if asked, decoded) the whole body inside urlopen.
            if decoded:
                observer.decoder = None
            body = response._body
            if type(body) is bytes and body:
                observer.feed(body)
            observer.finish("end")
            return
        if not hasattr(response, "_raw_read"):
            observer.done = True  # not urllib3 2's response: its body is not followed
            return
        observe_with(response, _ObservedEncodedResponse if content_encoding else _ObservedResponse, observer)
    except Exception as exc:
        observer.done = True
        emit.warn_once(f"response not followed ({type(exc).__name__})")


class _ObservedResponse(Observed):
    """Mixin put before the response's own class: raw body bytes pass through unchanged."""

    def _raw_read(self, amt: int | None = None, **kwargs: Any) -> bytes:
        observer = self._frugal_ai_observer
        try:
            data = super()._raw_read(amt, **kwargs)  # type: ignore[misc]
        except BaseException:
            observer.finish("error")
            raise
        if data:
            observer.feed(data)
        if (amt is None or not data or self.length_remaining == 0 or _fp_closed(self)) and amt != 0:
            observer.finish("end")
            unobserve(self)  # recorded: the rest of this response runs as without capture
        return data  # type: ignore[no-any-return]

    def read_chunked(self, amt: int | None = None, decode_content: bool | None = None) -> Any:
        # A body without content encoding: each chunk is seen as it is handed on. The end of
        # the generator is the end of the body; an exception raised by a chunk's read ends
        # the call as failed.
        observer = self._frugal_ai_observer
        feed = observer.feed
        chunks = self._frugal_ai_chunks = super().read_chunked(amt, decode_content)  # type: ignore[misc]
        try:
            for chunk in chunks:
                feed(chunk)
                yield chunk
        except GeneratorExit:
            raise  # the caller stopped reading: recorded when the response is closed or dropped
        except BaseException:
            observer.finish("error")
            raise
        observer.finish("end")
        unobserve(self)

    def close(self) -> None:
        chunks = self.__dict__.get("_frugal_ai_chunks")
        if chunks is not None and chunks.gi_running:
            # urllib3 closes a broken chunked body before raising: the raise ends the call.
            super(Observed, self).close()  # type: ignore[misc]
            return
        super().close()


class _ObservedEncodedResponse(_ObservedResponse):
    """A compressed body: the chunks read off the wire are seen (the caller may get them
    decoded or not), and undone on the capture's copy."""

    def read_chunked(self, amt: int | None = None, decode_content: bool | None = None) -> Any:
        observer = self._frugal_ai_observer
        chunks = self._frugal_ai_chunks = super(_ObservedResponse, self).read_chunked(amt, decode_content)  # type: ignore[misc]
        try:
            yield from chunks
        except GeneratorExit:
            raise
        except BaseException:
            observer.finish("error")
            raise
        observer.finish("end")
        unobserve(self)

    def _handle_chunk(self, amt: int | None) -> bytes:
        data = super()._handle_chunk(amt)  # type: ignore[misc]
        if data:
            self._frugal_ai_observer.feed(data)
        return data  # type: ignore[no-any-return]


def _fp_closed(response: Any) -> bool:
    fp = response._fp
    if fp is None:
        return True
    isclosed = getattr(fp, "isclosed", None)
    if isclosed is not None:
        return bool(isclosed())
    return bool(getattr(fp, "closed", False))


def wrap_urlopen(original: Callable[..., Any]) -> Callable[..., Any]:
    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not transport.ENABLED or getattr(_inside, "active", False):
            return original(self, method, url, *args, **kwargs)
        observer = _observer_for(self, method, url, args[0] if args else kwargs.get("body"))
        if observer is None:
            return original(self, method, url, *args, **kwargs)
        _inside.active = True
        try:
            response = original(self, method, url, *args, **kwargs)
        except Exception:
            observer.finish("error")
            raise
        finally:
            _inside.active = False
        if len(args) > _PRELOAD_CONTENT_AT:
            preload = args[_PRELOAD_CONTENT_AT]
            decode = args[_PRELOAD_CONTENT_AT + 1] if len(args) > _PRELOAD_CONTENT_AT + 1 else True
        else:
            preload = kwargs.get("preload_content", True)
            decode = kwargs.get("decode_content", True)
        _attach(observer, response, bool(preload), bool(decode))
        return response

    return urlopen


# -- switching on and off (instrument.py) ---------------------------------------------------
_patch = MethodPatch(wrap_urlopen)


def patch(module: Any) -> bool:
    """Wrap `urllib3.connectionpool.HTTPConnectionPool.urlopen`; False for urllib3 1.x."""
    if int(str(getattr(module, "__version__", "0")).split(".")[0] or 0) < 2:
        return False
    from urllib3.connectionpool import HTTPConnectionPool

    return _patch.patch(HTTPConnectionPool, "urlopen")


unpatch = _patch.unpatch
