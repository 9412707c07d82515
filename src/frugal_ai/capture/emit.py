"""What captured and declared calls share on their way to the ledger: the ledger's entry
point, the project of calls made outside any run, and the one warning per process that a
failure (ledger missing, bad configuration) becomes; it never reaches the caller.
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any, Callable

from .._environ import env_reader
from ..ledger.notice import FrugalAIWarning

log = logging.getLogger("frugal_ai.capture")

_submit: Callable[[Any], None] | None = None
_project: str | None = None
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


# The project depends on the settings: re-read when one of these changes (the ledger path
# included, so that each test, pointing at its own ledger, reads its own configuration).
_project_env = env_reader(("FRUGAL_AI_PROJECT", "FRUGAL_AI_CONFIG", "FRUGAL_AI_LEDGER"))
_project_key: tuple[object, ...] | None = None


def default_project() -> str:
    """The configured project (calls made outside any run use it); read again when a
    FRUGAL_AI_PROJECT, FRUGAL_AI_CONFIG or FRUGAL_AI_LEDGER variable changes."""
    global _project, _project_key
    key = _project_env()
    if _project is None or key != _project_key:
        try:
            from ..config import load_settings

            _project = load_settings().project
        except Exception as exc:  # a bad config must not break the caller's API call
            warn_once(f"settings unreadable ({type(exc).__name__}); project 'default' used")
            _project = "default"
        _project_key = key
    return _project


def reset() -> None:
    """Forget the cached project and ledger entry point (tests; after settings change)."""
    global _project, _project_key, _submit
    _project = _project_key = None
    _submit = None


def submit(record: Any) -> None:
    """Hand an `ApiCallRecord` to the ledger (imported on first use)."""
    global _submit
    if _submit is None:
        from ..ledger import submit as ledger_submit

        _submit = ledger_submit
    _submit(record)
