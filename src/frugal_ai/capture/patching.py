"""How the requests / urllib3 and botocore captures reach into their client library: one
method wrapped and put back (`MethodPatch`, switched by instrument.py), and a response object
of the library's own handed back with its class swapped for a subclass (same name) that lets
an observer see what the caller reads (`observe_with`)."""

from __future__ import annotations

import importlib.abc
import sys
import threading
from typing import Any, Callable

from . import transport
from .observe import CallObserver
from .transport import _current_run

# What `run_to_link` answers for a call that is not to be recorded.
NOT_RECORDED: Any = object()


def run_to_link() -> Any:
    """The run a call made now belongs to (None: outside any run, recorded since `instrument()`
    was called), or NOT_RECORDED."""
    frame = _current_run()
    if frame is None:
        return None if transport.RECORD_OUTSIDE_RUNS else NOT_RECORDED
    return frame if frame.capture_api else NOT_RECORDED


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


class Observed:
    """Base of the mixins put before a response's own class. A response closed, or dropped
    without being closed nor read to its end (huggingface_hub stops reading at `[DONE]` and
    never closes), is recorded then, with what was seen."""

    _frugal_ai_observer: CallObserver

    def close(self) -> None:
        try:
            super().close()  # type: ignore[misc]
        finally:
            self._frugal_ai_observer.finish("closed")

    def __del__(self) -> None:
        observer = self.__dict__.get("_frugal_ai_observer")
        if observer is not None:
            observer.finish("closed")
        finalizer = getattr(super(), "__del__", None)
        if finalizer is not None:
            finalizer()


def read_through(observer: CallObserver, read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`read(*args, **kwargs)`, its bytes fed to the observer; an exception ends the call as failed."""
    try:
        data = read(*args, **kwargs)
    except BaseException:
        observer.finish("error")
        raise
    if data:
        observer.feed(data)
    return data


_observed: dict[tuple[type, type], type] = {}
# Swapped class -> the object's own class.
_own_class: dict[type, type] = {}


def observe_with(obj: Any, mixin: type, observer: CallObserver) -> None:
    """Swap `obj`'s class for `mixin` + its class (cached, same name), following `observer`."""
    cls = type(obj)
    found = _observed.get((cls, mixin))
    if found is None:
        found = type(cls.__name__, (mixin, cls), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _observed[(cls, mixin)] = found
        _own_class[found] = cls
    obj.__class__ = found
    obj._frugal_ai_observer = observer


def unobserve(obj: Any) -> None:
    """Give a recorded call's object back its own class and fields: its later reads, `close()`
    and finalizer run as without capture (no wrapper frames left on them)."""
    cls = _own_class.get(type(obj))
    if cls is not None:
        obj.__class__ = cls
        fields = obj.__dict__
        fields.pop("_frugal_ai_observer", None)
        fields.pop("_frugal_ai_chunks", None)


# -- patching a client library when it is imported, not before ---------------------------------
class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs a callback on a module right after its first import (then forgets it): instrument()
    need not import a client library (botocore takes ~0.35 s) that the program may never use."""

    def __init__(self) -> None:
        self.waiting: dict[str, Callable[[Any], None]] = {}
        self._lock = threading.Lock()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        with self._lock:
            callback = self.waiting.pop(fullname, None)
        if callback is not None and spec.loader is not None:
            spec.loader = _CallingLoader(spec.loader, callback)
        return spec


class _CallingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, callback: Callable[[Any], None]) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        module.__spec__.loader = module.__loader__ = self._loader
        try:
            self._callback(module)
        except Exception as exc:  # the program's import must go on whatever happens here
            from . import emit

            emit.warn_once(f"{module.__name__} not instrumented ({type(exc).__name__})")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


_after_import = _AfterImport()


def when_imported(name: str, callback: Callable[[Any], None]) -> None:
    """`callback(module)` once `name` is imported: now if it already is, else right after its import."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
        return
    with _after_import._lock:
        _after_import.waiting[name] = callback
    if _after_import not in sys.meta_path:
        sys.meta_path.insert(0, _after_import)


def forget_imports() -> None:
    """Drop the callbacks still waiting for an import."""
    with _after_import._lock:
        _after_import.waiting.clear()
