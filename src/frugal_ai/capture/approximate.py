"""Tokens from characters, for a captured call whose reply carried no usage.

An OpenAI-style stream made without `stream_options.include_usage` (and any reply whose usage
could not be read) says nothing of its tokens. The observer counts, as the reply passes, the
characters of its generated text (`text_chars`: the string values of the wire format's
`text_keys`), and at the end those of the request's messages (`request_chars`); only the two
counts are kept, never the text. `tokens_of(chars)` converts them with the factor base's
characters per token (constants.toml `approximation.chars_per_token`, central value); the row
is stored with source `approximated`, and the report widens its range by that constant's
bounds and counts it in its data quality (docs/capture.md).

The factor base is loaded off the caller's thread: `warm()` (called when a call that may need
it starts) loads it on a daemon thread, so that the call's end seldom waits for it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

from ..ledger.query import APPROXIMATED_SOURCE

__all__ = ["APPROXIMATED_SOURCE", "asks_usage", "chars_per_token", "request_chars", "text_chars", "tokens_of", "warm"]

log = logging.getLogger("frugal_ai.capture")

_CONSTANT = "approximation.chars_per_token"
# Request keys whose text the model reads: chat messages, the Responses API's input and
# instructions, legacy prompts, Anthropic-style system prompts.
_REQUEST_KEYS = ("messages", "input", "prompt", "instructions", "system")
# Inside a message or an input item: its text, and a tool call's arguments.
_TEXT_KEYS = ("content", "text", "arguments")

# A request that asked for the usage block (OpenAI's stream_options.include_usage): a stream of
# it that ends without one was abandoned by the caller, and stays partial with what was seen.
_ASKS_USAGE = re.compile(rb'"include_usage"\s*:\s*true')

_chars_per_token: float | None = None
_failed = False
_loader: threading.Thread | None = None
_lock = threading.Lock()


def text_chars(pattern: re.Pattern[bytes], data: bytes, end: int) -> int:
    """The characters of the text values `pattern` finds in `data[:end]` (JSON escapes read as
    the one character they stand for, UTF-8 as characters, not bytes)."""
    total = 0
    for match in pattern.finditer(data, 0, end):
        raw = match.group(1)
        if b"\\" in raw:
            try:
                total += len(json.loads(b'"' + raw + b'"'))
                continue
            except ValueError:
                pass
        total += len(raw) if raw.isascii() else len(raw.decode("utf-8", "ignore"))
    return total


def request_chars(body: bytes | None) -> int:
    """The characters of the text a request gives the model (0 for a body that is not JSON)."""
    if not body:
        return 0
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 0
    if not isinstance(doc, dict):
        return 0
    return sum(_text_in(doc.get(key)) for key in _REQUEST_KEYS)


def _text_in(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(_text_in(item) for item in value)
    if isinstance(value, dict):
        return sum(_text_in(value.get(key)) for key in _TEXT_KEYS)
    return 0


def asks_usage(body: bytes | None) -> bool:
    """Whether a request asked its stream to end with a usage block."""
    return body is not None and b"include_usage" in body and _ASKS_USAGE.search(body) is not None


def warm() -> None:
    """Start loading the characters-per-token constant on a daemon thread (once a process)."""
    global _loader
    if _chars_per_token is not None or _failed or _loader is not None:
        return
    with _lock:
        if _loader is None:
            _loader = threading.Thread(target=_load, name="frugal-ai-approximate", daemon=True)
            _loader.start()


def _load() -> None:
    global _chars_per_token, _failed
    try:
        from ..factors import factor_set

        value = float(factor_set().constant(_CONSTANT))
        if value <= 0:
            raise ValueError(f"{_CONSTANT} must be positive")
        _chars_per_token = value
    except Exception as exc:  # a broken factor base: calls keep their unknown token counts
        log.debug("capture: %s not available (%s)", _CONSTANT, exc)
        _failed = True


def chars_per_token() -> float | None:
    """The central characters per token, None when the factor base cannot give it."""
    if _chars_per_token is None and not _failed:
        loader = _loader
        if loader is not None and loader.is_alive():
            loader.join()
        if _chars_per_token is None and not _failed:
            _load()
    return _chars_per_token


def tokens_of(chars: int, per_token: float) -> int:
    """Whole tokens for `chars` characters (at least 1 for any text)."""
    return max(1, round(chars / per_token)) if chars > 0 else 0
