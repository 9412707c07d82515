"""Cheap change detection on environment variables, for the hot paths (capture, ledger)."""

from __future__ import annotations

import os
from typing import Callable


def env_reader(names: tuple[str, ...]) -> Callable[[], tuple[object, ...]]:
    """A function returning the raw values of `names`, as cheaply as this platform allows.

    Callers compare the result on every record to notice a changed setting. `os.environ.get`
    costs about 0.5 µs a key (it encodes the key, then decodes the value); CPython keeps the
    encoded mapping in `os.environ._data`, which every change to `os.environ` updates: one
    dict look-up there is ~20x cheaper. Falls back to `os.environ.get` where that is absent.
    """
    data = getattr(os.environ, "_data", None)
    encode = getattr(os.environ, "encodekey", None)
    if isinstance(data, dict) and callable(encode):
        try:
            keys = tuple(encode(n) for n in names)
        except Exception:
            pass
        else:
            get = data.get
            return lambda: tuple(map(get, keys))
    env = os.environ
    return lambda: tuple(map(env.get, names))
