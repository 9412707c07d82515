"""Turn one observed or declared call into an `ApiCallRecord` and hand it to the ledger.

The record is linked to the run that was current when the call started (its `RunFrame`),
or stands alone (run_id None, project from the settings) outside any run. A failure here
(ledger missing, bad configuration) becomes one warning for the whole process and never
reaches the caller.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from typing import Any, Callable

from ..ledger.notice import FrugalAIWarning
from ..ledger.records import ApiCallRecord, CallStatus
from ..measure.context import RunFrame
from ..measure.ids import new_id

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


def _env_reader(names: tuple[str, ...]) -> Callable[[], tuple[object, ...]]:
    """The raw values of `names` in the environment, read cheaply (on every call made outside
    a run): one dict look-up each in CPython's `os.environ._data`, else `os.environ.get`."""
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


# The project depends on the settings: re-read when one of these changes (the ledger path
# included, so that each test, pointing at its own ledger, reads its own configuration).
_project_env = _env_reader(("FRUGAL_AI_PROJECT", "FRUGAL_AI_CONFIG", "FRUGAL_AI_LEDGER"))
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


def submit(record: ApiCallRecord) -> None:
    global _submit
    if _submit is None:
        from ..ledger import submit as ledger_submit

        _submit = ledger_submit
    _submit(record)


def emit_call(
    *,
    provider: str,
    model: str,
    start: float,
    end: float,
    input_tokens: int,
    output_tokens: int,
    reasoning_tokens: int,
    latency_s: float | None,
    status: CallStatus,
    frame: RunFrame | None,
    tags: dict[str, str] | None = None,
    host: str = "",
    path: str = "",
    http_status: int | None = None,
    local: bool = False,
    source: str = "capture",
) -> ApiCallRecord | None:
    """Build the record and submit it. Returns it, or None when the ledger refused it (warned)."""
    try:
        if frame is not None:
            merged = dict(frame.tags)
            if tags:
                merged.update(tags)
            run_id, name, project = frame.id, frame.name, frame.project
        else:
            merged = dict(tags) if tags else {}
            run_id, name, project = None, None, default_project()
        record = ApiCallRecord(
            id=new_id(),
            provider=provider,
            model=model,
            start=start,
            end=end,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            reasoning_tokens=reasoning_tokens,
            latency_s=latency_s,
            status=status,
            run_id=run_id,
            name=name,
            project=project,
            tags=merged,
            host=host,
            path=path,
            http_status=http_status,
            local=local,
            source=source,
        )
        submit(record)
        return record
    except Exception as exc:
        warn_once(f"could not record an API call ({type(exc).__name__}: {exc})")
        return None
