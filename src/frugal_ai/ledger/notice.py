"""One warning per problem: measurement and storage failures never stop the user's program,
and never flood it either.

`warn_once(key, message)` issues a `FrugalAIWarning` (a `UserWarning`) the first time `key`
is seen in this process, and logs it on the `frugal_ai` logger; later calls with the same
key are silent. Anyone in frugal-ai whose failure must degrade to a warning can use it.

They stay real `warnings.warn` warnings, so that users filter them as any other
(`warnings.filterwarnings("ignore", category=FrugalAIWarning)`, `-W`, pytest), but they
print as one line, `frugal-ai: warning: ...`, without the source path and code line of
Python's default format (which would show frugal-ai's internals, or a line of the user's
code that did nothing wrong). This is done by wrapping `warnings.formatwarning` once, on
import: the wrapper formats `FrugalAIWarning` and hands every other warning to the
formatter that was in place, so other warnings print exactly as before.
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
_PREFIX = "frugal-ai: "


def format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None) -> str:
    """`frugal-ai: warning: ...` on one line for a `FrugalAIWarning`; any other warning as Python formats it."""
    if isinstance(category, type) and issubclass(category, FrugalAIWarning):
        text = str(message)
        return f"{_PREFIX}warning: {text.removeprefix(_PREFIX)}\n"
    return _previous_format(message, category, filename, lineno, line)


def _install_format() -> None:
    global _previous_format
    current = warnings.formatwarning
    if getattr(current, "_frugal_ai", False):
        return
    _previous_format = current
    warnings.formatwarning = format_warning  # type: ignore[assignment]


_previous_format = warnings.formatwarning
format_warning._frugal_ai = True  # type: ignore[attr-defined]
_install_format()


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
