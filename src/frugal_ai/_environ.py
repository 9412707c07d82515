"""Cheap change detection on environment variables, for the hot path of the settings in force
(config.settings_in_force, asked by every tracked run and every captured call).

    pairs = env_pairs(names)                     # now
    env_size() == len_then and ENV_ITEMS >= pairs   # later: nothing added, removed or changed

`os.environ.get` costs about 0.5 µs a key (it encodes the key, then decodes the value).
CPython keeps the encoded mapping in `os.environ._data`, which every change to `os.environ`
updates: one C-level subset test of its items view against the pairs taken earlier answers
for all the names at once (a few hundred ns), and its size tells a variable added or removed, of any
name. Where `_data` is absent, `os.environ` itself stands in (slower, as correct).
"""

from __future__ import annotations

import os
from typing import Any, Callable, ItemsView


def _raw() -> tuple[Any, Callable[[str], Any]]:
    data = getattr(os.environ, "_data", None)
    encode = getattr(os.environ, "encodekey", None)
    if isinstance(data, dict) and callable(encode):
        return data, encode
    return os.environ, lambda name: name


_DATA, _ENCODE = _raw()
ENV_ITEMS: ItemsView[Any, Any] = _DATA.items()
env_size: Callable[[], int] = _DATA.__len__


def env_pairs(names: tuple[str, ...]) -> frozenset[tuple[Any, Any]]:
    """The (key, value) pairs of those of `names` that are set now, as `ENV_ITEMS` holds them."""
    keys = [_ENCODE(n) for n in names]
    return frozenset((k, _DATA[k]) for k in keys if k in _DATA)
