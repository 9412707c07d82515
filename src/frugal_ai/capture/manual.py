"""Record a GenAI API call by hand: for clients that are not captured automatically
(requests-based clients, other languages' logs, batch jobs billed afterwards)."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from ..errors import InputError
from ..ledger.records import ApiCallRecord
from ..measure.context import RunFrame, current_run
from ..ids import new_id
from . import emit


def record_llm_call(
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    provider: str | None = None,
    latency_s: float | None = None,
    tags: dict[str, str] | None = None,
    reasoning_tokens: int = 0,
    at: datetime | None = None,
    requests: int = 1,
) -> ApiCallRecord | None:
    """Record a call to a GenAI API in the ledger, linked to the enclosing `track` run if any.

    `output_tokens` counts the visible generated tokens and `reasoning_tokens` the hidden
    (reasoning) ones, apart: what the provider bills as output is their sum. `provider` is a factor-base provider key
    (openai, anthropic, mistral, google, cohere, azure, ollama, openai-compatible); left
    out, it is stored empty and the report finds it from the model catalogue. Returns the
    record, or None if the ledger could not take it (a warning says why).

    `at` is when the call ended (a timezone-aware datetime, or a naive one read as UTC;
    default now): the row belongs to that day's month in the report. `requests` is how many
    identical requests the row stands for — token counts stay per request, as in
    `estimate_llm` — so a month of usage can be loaded as one row and is estimated as
    `requests` requests of that size (never one giant request). From a usage export that
    gives totals over N requests, pass the totals divided by N (rounded): docs/usage.md says
    what range that adds. `latency_s` is the duration of one request (like the token counts,
    per request): the report then also estimates the call from its duration and spans both
    estimates (docs/methodology.md § 3.10).

    Raises `InputError` for arguments that cannot describe a call (negative tokens, no model).

    Example:
        >>> import frugal_ai
        >>> frugal_ai.record_llm_call("gpt-4o-mini", 1200, 300, provider="openai", latency_s=2.1)
    """
    if not isinstance(model, str) or not model.strip():
        raise InputError("record_llm_call: model must be a non-empty string")
    counts = {"input_tokens": input_tokens, "output_tokens": output_tokens, "reasoning_tokens": reasoning_tokens}
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"record_llm_call: {key} must be a non-negative integer, got {value!r}")
    if latency_s is not None:
        if isinstance(latency_s, bool) or not isinstance(latency_s, (int, float)) or not math.isfinite(latency_s) or latency_s < 0:
            raise InputError(f"record_llm_call: latency_s must be a non-negative number of seconds, got {latency_s!r}")
        latency_s = float(latency_s)
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise InputError("record_llm_call: provider must be a non-empty string when given")
    if tags is not None and (
        not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
    ):
        raise InputError("record_llm_call: tags must be a dict of strings to strings")
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise InputError(f"record_llm_call: requests must be a positive integer, got {requests!r}")
    end = time.time() if at is None else _epoch_s(at)
    _warn_if_unknown(model.strip(), provider)
    return _record(
        ApiCallRecord(
            id=new_id(),
            provider=(provider or "").strip().lower(),
            model=model.strip(),
            start=end - (latency_s or 0.0),
            end=end,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            reasoning_tokens=reasoning_tokens,
            latency_s=latency_s,
            status="ok",
            source="manual",
            requests=requests,
        ),
        current_run(),
        tags,
    )


def _warn_if_unknown(model: str, provider: str | None) -> None:
    """Warn once per name the catalogue does not know: the report prices it by a fallback
    class with a wide range (docs/methodology.md), which the user may prefer to fix."""
    try:
        from ..factors import factor_set

        fs = factor_set()
        if fs.find_modality(model) is not None:
            return
        fs.model(model, provider=(provider or "").strip().lower() or None)
    except InputError:
        from ..ledger.notice import warn_once

        warn_once(f"unknown-model:{model}", f"model {model!r} is not in the catalogue: the report prices it by a "
                  "fallback class read from its name, with a wide range (see `frugal-ai models list`)")
    except Exception:  # never break the caller over a warning
        pass


def _epoch_s(at: object) -> float:
    """`at` as UTC seconds since the epoch (a naive datetime is UTC)."""
    if not isinstance(at, datetime):
        raise InputError(f"record_llm_call: at must be a datetime, got {at!r}")
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.timestamp()


def _record(call: ApiCallRecord, frame: RunFrame | None, tags: dict[str, str] | None) -> ApiCallRecord | None:
    """Link `call` to the run `frame` (or, outside any run, to the configured project), add
    `tags` over the run's, and submit it. None when the ledger refused it (warned once)."""
    try:
        if frame is not None:
            merged = dict(frame.tags)
            if tags:
                merged.update(tags)
            call.run_id, call.name, call.project = frame.id, frame.name, frame.project
        else:
            merged = dict(tags) if tags else {}
            call.project = emit.default_project()
        call.tags = merged
        emit.submit(call)
        return call
    except Exception as exc:
        emit.warn_once(f"could not record an API call ({type(exc).__name__}: {exc})")
        return None
