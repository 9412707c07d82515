"""Run ids: unique across processes and hosts, and cheap enough for the hot path.

80 random bits drawn once per process (and again in a forked child) followed by a counter:
`os.urandom` + `uuid4` per call would cost a microsecond or two; this costs a few hundred ns.
"""

from __future__ import annotations

import itertools
import os

_prefix = os.urandom(10).hex()
_counter = itertools.count()


def new_id() -> str:
    """A new id: 20 random hex digits for this process, then a 10-hex-digit counter."""
    return f"{_prefix}{next(_counter):010x}"


def _after_fork_in_child() -> None:
    global _prefix, _counter
    _prefix = os.urandom(10).hex()
    _counter = itertools.count()


os.register_at_fork(after_in_child=_after_fork_in_child)
