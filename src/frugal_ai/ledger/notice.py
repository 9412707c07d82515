"""One warning per problem: measurement and storage failures never stop the user's program,
and never flood it either.

`warn_once(key, message)` issues a `FrugalAIWarning` (a `UserWarning`) the first time `key`
is seen in this process, and logs it on the `frugal_ai` logger; later calls with the same
key are silent. Anyone in frugal-ai whose failure must degrade to a warning can use it.
"""

from __future__ import annotations

import logging
import threading
import warnings

logger = logging.getLogger("frugal_ai")


class FrugalAIWarning(UserWarning):
    """frugal-ai could not measure or record something; the program went on."""


_seen: set[str] = set()
_lock = threading.Lock()


def warn_once(key: str, message: str) -> bool:
    """Warn about `message` unless `key` was already warned about. Returns True if it warned."""
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
    logger.debug("frugal-ai: %s", message)
    try:
        warnings.warn(f"frugal-ai: {message}", FrugalAIWarning, stacklevel=3)
    except Exception:  # warnings turned into errors by the user's filters: never raise from here
        logger.warning("frugal-ai: %s", message)
    return True


def forget(prefix: str = "") -> None:
    """Forget warned keys starting with `prefix` (all by default): for tests."""
    with _lock:
        for key in [k for k in _seen if k.startswith(prefix)]:
            _seen.discard(key)
