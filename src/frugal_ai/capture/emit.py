"""What captured and declared calls share on their way to the ledger: the ledger's entry
point, the project of calls made outside any run, and the one warning per process that a
failure (ledger missing, bad configuration) becomes; it never reaches the caller.
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any, Callable

from ..config import settings_in_force
from ..ledger.notice import FrugalAIWarning

log = logging.getLogger("frugal_ai.capture")

_submit: Callable[[Any], None] | None = None
_warned = False
_warn_lock = threading.Lock()


def warn_once(message: str) -> None:
    """One warning per process for a capture failure; later ones go to the debug log only."""
    global _warned
    with _warn_lock:
        first = not _warned
        _warned = True
    if first:
        warnings.warn(f"frugal-ai: API call capture degraded: {message}", FrugalAIWarning, stacklevel=3)
    else:
        log.debug("capture degraded: %s", message)


def default_project() -> str:
    """The project of the settings in force (calls made outside any run use it); a changed
    FRUGAL_AI_PROJECT counts from the next call (config.settings_in_force)."""
    try:
        return settings_in_force().project
    except Exception as exc:  # a bad config must not break the caller's API call
        warn_once(f"settings unreadable ({type(exc).__name__}); project 'default' used")
        return "default"


def submit(record: Any) -> None:
    """Hand an `ApiCallRecord` to the ledger (imported on first use)."""
    global _submit
    if _submit is None:
        from ..ledger import submit as ledger_submit

        _submit = ledger_submit
    _submit(record)
