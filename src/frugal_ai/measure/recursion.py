"""Tracking must not shorten the user's recursion: room for the wrappers' own frames.

A tracked function runs inside its wrapper, one extra Python frame per call. A tracked
recursive function therefore uses two frames per level, and would hit Python's recursion
limit at half the depth the untracked one reaches (and record every level as failed). So
when tracked runs nest deeper than `FREE_DEPTH`, the recursion limit is raised by one per
tracked level (in steps of `STEP`), plus `MARGIN` frames for the tracking's own calls,
and put back when the outermost run that raised it ends. The user's own frames then meet
the same limit as without tracking, give or take `STEP + MARGIN` levels (up to
`FREE_DEPTH` nested tracked runs use the limit as it is, one frame each).

A program that changes the limit itself meanwhile keeps its own value: we never put back
over it. The limit is per interpreter: while one thread recurses deep inside tracked runs,
another thread's untracked recursion may go that much deeper too.
"""

from __future__ import annotations

import sys
import threading

# Tracked runs nested up to this depth fit in the limit as it is (ordinary nesting).
FREE_DEPTH = 32
# Raise the room by this many tracked levels at a time (one setrecursionlimit per STEP levels).
STEP = 32
# Frames the tracking itself calls below a wrapper (settings, ids, the meter, the ContextVar).
MARGIN = 16

_lock = threading.Lock()
_room = FREE_DEPTH  # tracked runs nested up to this depth have room
_base: int | None = None  # the program's own limit while we have raised it
_ours = 0  # the limit we set


def room_for(depth: int) -> None:
    """Make room for a tracked run nested `depth` deep. Call only when depth > `room()`."""
    global _room, _base, _ours
    with _lock:
        if depth <= _room:
            return
        current = sys.getrecursionlimit()
        if _base is None or current != _ours:  # first raise, or the program set its own limit
            _base = current
        _room = depth + STEP
        _ours = _base + _room + MARGIN  # one frame per tracked level, the first FREE_DEPTH too
        sys.setrecursionlimit(_ours)


def room() -> int:
    """The tracked nesting depth that has room now (read on the hot path, without the lock)."""
    return _room


def release(depth: int) -> None:
    """The run at `depth` ended: if it was the outermost beyond FREE_DEPTH, put the limit back."""
    global _room, _base
    if depth != FREE_DEPTH + 1 or _base is None:
        return
    with _lock:
        if _base is None:
            return
        try:
            if sys.getrecursionlimit() == _ours:  # else the program set its own: leave it
                sys.setrecursionlimit(_base)
        except RecursionError:  # still too deep for the old limit somewhere: keep the room
            return
        _base, _room = None, FREE_DEPTH
