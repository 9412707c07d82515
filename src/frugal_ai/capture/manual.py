"""Record a GenAI API call by hand: for clients that are not captured automatically
(requests-based clients, other languages' logs, batch jobs billed afterwards)."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from ..errors import InputError
from ..ledger.kinds import MAX_UNITS_PER_REQUEST, REQUEST_KINDS
from ..ledger.records import ApiCallRecord
from ..measure.context import RunFrame, current_run
from ..ids import new_id
from . import emit
from .kinds import image_size_ok


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
    call = _checked_call("record_llm_call", model, provider, latency_s, tags, at, requests,
                         input_tokens=input_tokens, output_tokens=output_tokens, reasoning_tokens=reasoning_tokens)
    _warn_if_unknown(call.model, provider)
    return _record(call, current_run(), tags)


def record_call(
    kind: str,
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    reasoning_tokens: int = 0,
    images: int = 0,
    size: str | None = None,
    quality: str | None = None,
    audio_seconds: float = 0.0,
    characters: int = 0,
    provider: str | None = None,
    latency_s: float | None = None,
    tags: dict[str, str] | None = None,
    at: datetime | None = None,
    requests: int = 1,
) -> ApiCallRecord | None:
    """Record a call of any request kind in the ledger, as `record_llm_call` does for chat.

    `kind` is one of "chat", "embedding", "image", "transcription", "speech", and gives the
    quantity that prices it, per request (the row stands for `requests` such requests):

        chat           input_tokens, output_tokens, reasoning_tokens (= record_llm_call)
        embedding      input_tokens
        image          images (n), size ("1024x1536"), quality (the model's level: low, medium,
                       high, standard, hd; default: the model's reference)
        transcription  audio_seconds (seconds of audio transcribed)
        speech         characters (of the text spoken)

    A quantity that does not belong to the kind is an `InputError` (an image call with
    audio seconds, say), as are a missing one (an image call with no images) and the
    arguments `record_llm_call` refuses. Returns the record, or None if the ledger could
    not take it (a warning says why). docs/capture.md, "Request kinds and their units".

    Example:
        >>> import frugal_ai
        >>> frugal_ai.record_call("image", "gpt-image-1", images=4, size="1024x1024", quality="high")
        >>> frugal_ai.record_call("transcription", "whisper-1", audio_seconds=312.5)
    """
    if kind not in REQUEST_KINDS:
        raise InputError(f"record_call: kind must be one of {', '.join(REQUEST_KINDS)}, got {kind!r}")
    given = {"input_tokens": input_tokens, "output_tokens": output_tokens, "reasoning_tokens": reasoning_tokens,
             "images": images, "size": size, "quality": quality, "audio_seconds": audio_seconds, "characters": characters}
    allowed = _QUANTITIES[kind]
    stray = [k for k, v in given.items() if k not in allowed and v not in (0, 0.0, None)]
    if stray:
        raise InputError(f"record_call: {', '.join(stray)} do not describe a {kind} call (it takes {', '.join(allowed)})")
    units, image_size, image_quality = 0.0, "", ""
    if kind == "image":
        units = _positive_count("images", images, integer=True)
        image_size = _image_size(size)
        image_quality = _word("quality", quality)
    elif kind == "transcription":
        units = _positive_count("audio_seconds", audio_seconds, integer=False)
    elif kind == "speech":
        units = _positive_count("characters", characters, integer=True)
    call = _checked_call("record_call", model, provider, latency_s, tags, at, requests, input_tokens=input_tokens,
                         output_tokens=output_tokens, reasoning_tokens=reasoning_tokens)
    call.request_kind, call.units, call.image_size, call.image_quality = kind, units, image_size, image_quality
    _warn_if_unknown(call.model, provider)
    return _record(call, current_run(), tags)


# The quantities each kind takes (record_call's keywords).
_QUANTITIES: dict[str, tuple[str, ...]] = {
    "chat": ("input_tokens", "output_tokens", "reasoning_tokens"),
    "embedding": ("input_tokens",),
    "image": ("images", "size", "quality"),
    "transcription": ("audio_seconds",),
    "speech": ("characters",),
}


def _positive_count(name: str, value: object, *, integer: bool) -> float:
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or not 0 < value <= MAX_UNITS_PER_REQUEST:  # type: ignore[arg-type]
        what = "a positive integer" if integer else "a positive number"
        raise InputError(f"record_call: {name} must be {what} per request, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _image_size(size: object) -> str:
    if size is None:
        return ""
    text = size.strip().lower() if isinstance(size, str) else ""
    if not image_size_ok(text):
        raise InputError(f"record_call: image size {size!r} is not WIDTHxHEIGHT (e.g. 1024x1024)")
    return text


def _word(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise InputError(f"record_call: {name} must be a short string, got {value!r}")
    return value.strip().lower()


def _checked_call(who: str, model: object, provider: object, latency_s: object, tags: object, at: object,
                  requests: object, **counts: object) -> ApiCallRecord:
    """The record of a manual call, its common arguments checked (`who` names the function in errors)."""
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"{who}: model must be a non-empty string")
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{who}: {key} must be a non-negative integer, got {value!r}")
    if latency_s is not None:
        if isinstance(latency_s, bool) or not isinstance(latency_s, (int, float)) or not math.isfinite(latency_s) or latency_s < 0:
            raise InputError(f"{who}: latency_s must be a non-negative number of seconds, got {latency_s!r}")
        latency_s = float(latency_s)
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise InputError(f"{who}: provider must be a non-empty string when given")
    if tags is not None and (
        not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
    ):
        raise InputError(f"{who}: tags must be a dict of strings to strings")
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise InputError(f"{who}: requests must be a positive integer, got {requests!r}")
    end = time.time() if at is None else _epoch_s(at, who)
    return ApiCallRecord(
        id=new_id(),
        provider=(provider or "").strip().lower(),  # type: ignore[union-attr]
        model=model.strip(),
        start=end - (latency_s or 0.0),  # type: ignore[operator]
        end=end,
        latency_s=latency_s,  # type: ignore[arg-type]
        status="ok",
        source="manual",
        requests=requests,
        **counts,  # type: ignore[arg-type]
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


def _epoch_s(at: object, who: str = "record_llm_call") -> float:
    """`at` as UTC seconds since the epoch (a naive datetime is UTC)."""
    if not isinstance(at, datetime):
        raise InputError(f"{who}: at must be a datetime, got {at!r}")
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
