"""`frugal_ai.track`: measure the local energy of a function or a block, and link the API
calls made inside it to that run.

    @frugal_ai.track("invoice-ocr", tags={"team": "finance"})
    def ocr(page): ...

    @frugal_ai.track()                      # name: the qualified name, here "summarise"
    async def summarise(text): ...

    with frugal_ai.track("nightly-batch"):  # or `async with`
        ...

Works on sync and async functions, sync and async generator functions (the run spans the
iteration) and as a context manager. Runs nest: a run started inside another is its child,
and its energy is part of its parent's. The wrapped code's results, exceptions (the same
object), cancellation and metadata (`functools.wraps`) are unchanged; a run that raises is
recorded as failed. If measuring fails, the code runs all the same, after one warning.

The hot path only reads two clocks, sets a ContextVar and registers the run with the
process's meter; codecarbon and SQLite are never touched there (see meter.py). A run's record
reaches the ledger when the measurement interval covering its end has been measured.
"""

from __future__ import annotations

import functools
import inspect
import os
import socket
import time
from contextvars import Token
from pathlib import Path
from typing import Any, Callable, TypeVar, overload

from .. import _hooks
from ..config import Settings, settings_in_force
from ..ledger import writer_in_force
from ..ledger.notice import warn_once
from ..ledger.records import RunRecord
from . import recursion
from .attribution import Span
from .context import RunFrame, _current
from ..ids import new_id
from .meter import meter

F = TypeVar("F", bound=Callable[..., Any])

_HOST = socket.gethostname()
_PID = os.getpid()


def _after_fork_in_child() -> None:
    global _PID
    _PID = os.getpid()


os.register_at_fork(after_in_child=_after_fork_in_child)
_fallback_settings: Settings | None = None


def _current_settings() -> Settings:
    """The settings in force (config.settings_in_force); with a bad configuration, the
    defaults, after one warning: measuring must not break the caller."""
    global _fallback_settings
    try:
        return settings_in_force()
    except Exception as e:
        warn_once("track-config", f"configuration error ({e}); measuring with default settings")
        if _fallback_settings is None:
            _fallback_settings = Settings()
        return _fallback_settings


def _instrument_capture() -> None:
    """Switch on automatic capture of GenAI API calls made inside runs.

    Capture's `instrument_for_runs()` (set as `_hooks.capture_runs` by the package) records
    calls inside tracked runs only (calls outside any run are recorded only if the user
    called `frugal_ai.instrument()`). Never `instrument()` itself: that would widen capture
    to every call of the process.
    """
    try:
        _hooks.capture_runs()
    except Exception as e:
        warn_once("track-instrument", f"cannot capture API calls ({type(e).__name__}: {e})")


class _Active:
    """One run in progress: what ending it needs."""

    __slots__ = ("span", "frame", "token", "parent")

    def __init__(self, span: Span, frame: RunFrame, token: Token[RunFrame | None] | None,
                 parent: RunFrame | None) -> None:
        self.span, self.frame, self.token, self.parent = span, frame, token, parent


def _ledger_in_force() -> Path | None:
    try:
        return writer_in_force().path
    except Exception:  # the meter falls back to the ledger in force at the end (and warns there)
        return None


def _begin(name: str, tags: dict[str, str], capture_api: bool) -> _Active | None:
    try:
        settings = _current_settings()
        m = meter()
        if m.state == "idle":
            m.ensure_started(settings)
        parent = _current.get()
        parent_span = parent.span if parent is not None else None
        if parent_span is not None and (parent_span.record is None or parent_span.record.pid != _PID):
            # A run of the process we were forked from (a Pool created inside a run): it is
            # our run's parent in the ledger, but this process's meter measures our run alone.
            parent_span = None
        run_id = new_id()
        start_pc = time.perf_counter()  # after the settings: the first call may load them (~50 ms)
        record = RunRecord(id=run_id, name=name, start=time.time(), end=0.0,
                           parent_id=parent.id if parent is not None else None, project=settings.project,
                           tags=tags, host=_HOST, pid=_PID, zone=settings.country)
        depth = parent_span.depth + 1 if parent_span is not None else 1
        if depth > recursion._room:  # deep nesting (recursion): room for our wrapper's frames
            recursion.room_for(depth)
        span = Span(run_id, start_pc, parent=parent_span, record=record, ledger=_ledger_in_force(), depth=depth)
        m.open_span(span)
        frame = RunFrame(run_id, name, settings.project, tags, parent, capture_api, span)
        return _Active(span, frame, _current.set(frame), parent)
    except RecursionError:  # the user's recursion is at the limit: it will raise there itself
        return None
    except Exception as e:
        warn_once("track-begin", f"cannot track runs ({type(e).__name__}: {e}); code runs untracked")
        return None


def _end(active: _Active | None, failed: bool) -> None:
    """End a run; restore the ContextVar unless a generator's wrapper already did (token None)."""
    if active is None:
        return
    try:
        span = active.span
        span.end_pc = time.perf_counter()
        record = span.record
        if record is not None:
            record.end = time.time()
            if failed:
                record.status = "failed"
        if active.token is not None:
            try:
                _current.reset(active.token)
            except ValueError:  # ended in another context (e.g. entered in one task, exited in another)
                _current.set(active.parent)
        meter().close_span(span)
        if span.depth == recursion.FREE_DEPTH + 1:
            recursion.release(span.depth)
    except Exception as e:
        warn_once("track-end", f"cannot record a run ({type(e).__name__}: {e})")


def _begin_step_wise(name: str, tags: dict[str, str], capture: bool) -> tuple[_Active | None, RunFrame | None]:
    """Begin a generator's run, and the frame to make current around each of its steps.

    The run is current only while the generator's own code runs, not while its consumer
    does; so the wrappers set and reset the ContextVar around each step.
    """
    active = _begin(name, tags, capture)
    if active is None:
        return None, _current.get()
    _current.reset(active.token)
    active.token = None
    return active, active.frame


class Tracker:
    """What `track(...)` returns: a decorator and a (sync or async) context manager."""

    def __init__(self, name: str | None = None, *, tags: dict[str, str] | None = None, capture_api: bool = True) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"track name must be a string, got {type(name).__name__}")
        self.name = name
        self.tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self.capture_api = capture_api
        self._stack: list[_Active | None] = []
        if capture_api:
            _instrument_capture()

    # -- context manager ----------------------------------------------------------------------------
    def __enter__(self) -> RunFrame | None:
        active = _begin(self.name or "run", self.tags, self.capture_api)
        self._stack.append(active)
        return active.frame if active is not None else None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        _end(self._pop(), failed=exc_type is not None)
        return None  # never swallow the exception

    async def __aenter__(self) -> RunFrame | None:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    def _pop(self) -> _Active | None:
        # The same Tracker may be entered by several tasks at once: end the one current here.
        current = _current.get()
        for i in range(len(self._stack) - 1, -1, -1):
            a = self._stack[i]
            if a is not None and a.frame is current:
                return self._stack.pop(i)
        return self._stack.pop() if self._stack else None

    # -- decorator ----------------------------------------------------------------------------------
    def __call__(self, fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"track(...) decorates a function, got {type(fn).__name__}")
        name = self.name or getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "run")
        tags, capture = self.tags, self.capture_api
        if inspect.isasyncgenfunction(fn):
            wrapper: Callable[..., Any] = _wrap_async_gen(fn, name, tags, capture)
        elif inspect.iscoroutinefunction(fn):
            wrapper = _wrap_async(fn, name, tags, capture)
        elif inspect.isgeneratorfunction(fn):
            wrapper = _wrap_gen(fn, name, tags, capture)
        else:
            wrapper = _wrap_sync(fn, name, tags, capture)
        return functools.wraps(fn)(wrapper)  # type: ignore[return-value]


def _wrap_sync(fn: Callable[..., Any], name: str, tags: dict[str, str], capture: bool) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = _begin(name, tags, capture)
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            _end(active, True)
            raise
        _end(active, False)
        return result

    return wrapper


def _wrap_async(fn: Callable[..., Any], name: str, tags: dict[str, str], capture: bool) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = _begin(name, tags, capture)
        try:
            result = await fn(*args, **kwargs)
        except BaseException:  # cancellation included: the run did not complete
            _end(active, True)
            raise
        _end(active, False)
        return result

    return wrapper


def _wrap_gen(fn: Callable[..., Any], name: str, tags: dict[str, str], capture: bool) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        active, inner = _begin_step_wise(name, tags, capture)
        failed = True
        try:
            send_value: Any = None
            thrown: BaseException | None = None
            while True:
                token = _current.set(inner)
                try:
                    item = gen.throw(thrown) if thrown is not None else gen.send(send_value)
                except StopIteration as stop:
                    failed = False
                    return stop.value
                finally:
                    _current.reset(token)
                thrown = None
                try:
                    send_value = yield item
                except GeneratorExit:
                    failed = False  # closed early by its consumer: a normal end
                    token = _current.set(inner)
                    try:
                        gen.close()
                    finally:
                        _current.reset(token)
                    raise
                except BaseException as e:
                    thrown, send_value = e, None
        finally:
            _end(active, failed)

    return wrapper


def _wrap_async_gen(fn: Callable[..., Any], name: str, tags: dict[str, str], capture: bool) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        agen = fn(*args, **kwargs)
        active, inner = _begin_step_wise(name, tags, capture)
        failed = True
        try:
            send_value: Any = None
            thrown: BaseException | None = None
            while True:
                token = _current.set(inner)
                try:
                    if thrown is not None:
                        item = await agen.athrow(thrown)
                    else:
                        item = await agen.asend(send_value)
                except StopAsyncIteration:
                    failed = False
                    return
                finally:
                    _current.reset(token)
                thrown = None
                try:
                    send_value = yield item
                except GeneratorExit:
                    failed = False
                    token = _current.set(inner)
                    try:
                        await agen.aclose()
                    finally:
                        _current.reset(token)
                    raise
                except BaseException as e:
                    thrown, send_value = e, None
        finally:
            _end(active, failed)

    return wrapper


@overload
def track(name: F) -> F: ...
@overload
def track(name: str | None = None, *, tags: dict[str, str] | None = None, capture_api: bool = True) -> Tracker: ...


def track(name: Any = None, *, tags: dict[str, str] | None = None, capture_api: bool = True) -> Any:
    """Measure the local energy of a function or a block, and link API calls made in it.

    `name` defaults to the function's qualified name ("run" for a bare `with track():`);
    `tags` is a small str -> str dict stored with every run; `capture_api` switches on
    automatic capture of the GenAI API calls made inside runs and links them to the run;
    calls outside any run are captured only if `frugal_ai.instrument()` was called.

    Example:
        >>> @track("invoice-ocr", tags={"team": "finance"})
        ... def ocr(page: bytes) -> str: ...
        >>> with track("nightly-batch"):
        ...     pass

    `@track` without parentheses works too.
    """
    if callable(name):  # bare @track
        return Tracker(None, tags=tags, capture_api=capture_api)(name)
    return Tracker(name, tags=tags, capture_api=capture_api)
