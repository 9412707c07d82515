"""Tokens from characters, for a captured call whose reply carried no usage.

An OpenAI-style stream made without `stream_options.include_usage` (and any reply whose usage
could not be read) says nothing of its tokens. The observer counts, as the reply passes, the
characters of its generated text (`text_chars`: the string values of the wire format's
`text_keys`), and at the end those of the request's messages (`request_chars`), each per
writing system (ledger/scripts.py: Latin and the rest, Greek, Cyrillic, Chinese/Japanese/
Korean, Arabic/Hebrew, Indic); only the counts are kept, never the text. `tokens_of_scripts`
converts them with each writing system's characters per token (constants.toml
`approximation.chars_per_token[_<script>]`, central values); the row is stored with source
`approximated` (`approximated:<scripts>` when it held other writing systems than the
default: `scripts.source_for`), and the report widens its range by those constants' bounds
and counts it in its data quality (docs/capture.md).

Counting costs nothing more for ASCII text. Other text is not decoded: the bytes of the text
values a chunk holds are mapped at once by one 256-byte table (`bytes.translate`: each UTF-8
lead byte to its writing system, `_LEADS`) and counted with `bytes.count`, a few C passes
over the text and no Python loop per character. The ASCII spaces of that text count with the
writing system it holds most of (the per-language figures are per character of running text,
spaces included).

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
from ..ledger.scripts import SCRIPTS, constant_key, source_for

__all__ = ["APPROXIMATED_SOURCE", "asks_usage", "chars_per_token", "count_text", "new_counts", "request_chars",
           "source_for", "text_chars", "tokens_of", "tokens_of_scripts", "warm"]

log = logging.getLogger("frugal_ai.capture")


# Writing system of each UTF-8 byte that starts a character (ledger/scripts.SCRIPTS index), and
# _CONT for the bytes that continue one. A lead byte names a block of 64 code points (2-byte
# characters) or 4,096 (3-byte): Greek U+0380-03FF, Cyrillic U+0400-053F, Hebrew and Arabic
# U+0580-07FF, Indic and Southeast Asian U+0800-0FFF (Devanagari .. Tibetan), CJK U+3000-D7FF
# (kana, ideographs, Hangul) and U+F000-FFFF (fullwidth forms, compatibility ideographs). The
# rest is the default: Latin, punctuation, symbols, emoji, and the scripts of U+1000-1FFF
# (Georgian, Myanmar, Khmer, Ethiopic, polytonic Greek), which share their lead byte with
# Vietnamese Latin letters.
_CONT = len(SCRIPTS)


def _leads() -> bytes:
    table = bytearray(256)
    index = {name: i for i, name in enumerate(SCRIPTS)}
    spans = {
        "greek": (0xCE, 0xCF),
        "cyrillic": (0xD0, 0xD4),
        "arabic": (0xD6, 0xDF),
        "brahmic": (0xE0, 0xE0),
        "cjk": (0xE3, 0xED),
    }
    for name, (first, last) in spans.items():
        table[first:last + 1] = bytes([index[name]]) * (last - first + 1)
    table[0xEF] = index["cjk"]
    table[0x80:0xC0] = bytes([_CONT]) * 0x40
    return bytes(table)


_LEADS = _leads()
_OTHERS = tuple(range(1, len(SCRIPTS)))
# Request keys whose text the model reads: chat messages, the Responses API's input and
# instructions, legacy prompts, Anthropic-style system prompts.
_REQUEST_KEYS = ("messages", "input", "prompt", "instructions", "system")
# Inside a message or an input item: its text, and a tool call's arguments.
_TEXT_KEYS = ("content", "text", "arguments")

# A request that asked for the usage block (OpenAI's stream_options.include_usage): a stream of
# it that ends without one was abandoned by the caller, and stays partial with what was seen.
_ASKS_USAGE = re.compile(rb'"include_usage"\s*:\s*true')

_chars_per_token: tuple[float, ...] | None = None  # central characters per token, SCRIPTS order
_failed = False
_loader: threading.Thread | None = None
_lock = threading.Lock()


def new_counts() -> list[int]:
    """Characters per writing system (ledger/scripts.SCRIPTS order), all zero."""
    return [0] * len(SCRIPTS)


def count_text(text: str, counts: list[int]) -> int:
    """Add `text`'s characters to `counts` per writing system; its length."""
    n = len(text)
    if text.isascii():
        counts[0] += n
    else:
        _count_utf8(text.encode("utf-8", "surrogatepass"), counts)
    return n


def _count_utf8(raw: bytes, counts: list[int]) -> int:
    """Add the characters of UTF-8 text `raw` to `counts` per writing system; how many."""
    kinds = raw.translate(_LEADS)
    chars = rest = len(raw) - kinds.count(_CONT)
    top = top_n = 0
    for i in _OTHERS:
        k = kinds.count(i)
        if k:
            counts[i] += k
            rest -= k
            if k > top_n:
                top, top_n = i, k
    if top:
        # Spaces between another writing system's words count with it.
        spaces = raw.count(b" ")
        counts[top] += spaces
        rest -= spaces
    counts[0] += rest
    return chars


def text_chars(pattern: re.Pattern[bytes], data: bytes, end: int, counts: list[int] | None = None) -> int:
    """The characters of the text values `pattern` finds in `data[:end]` (JSON escapes read as
    the one character they stand for, UTF-8 as characters, not bytes), added to `counts` per
    writing system when given (the text other than ASCII counted at once, after the scan)."""
    total = 0  # ASCII text, and all text when `counts` is None
    others: list[bytes] | None = None
    for match in pattern.finditer(data, 0, end):
        raw = match.group(1)
        if b"\\" in raw:
            try:
                text = json.loads(b'"' + raw + b'"')
            except ValueError:
                pass
            else:
                if counts is None or text.isascii():
                    total += len(text)
                elif others is None:
                    others = [text.encode("utf-8", "surrogatepass")]
                else:
                    others.append(text.encode("utf-8", "surrogatepass"))
                continue
        if raw.isascii():
            total += len(raw)
        elif counts is None:
            total += len(raw.decode("utf-8", "ignore"))
        elif others is None:
            others = [raw]
        else:
            others.append(raw)
    if counts is not None:
        counts[0] += total
        if others is not None:
            total += _count_utf8(others[0] if len(others) == 1 else b"".join(others), counts)
    return total


def request_chars(body: bytes | None, counts: list[int] | None = None) -> int:
    """The characters of the text a request gives the model (0 for a body that is not JSON),
    added to `counts` per writing system when given."""
    if not body:
        return 0
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 0
    if not isinstance(doc, dict):
        return 0
    into = counts if counts is not None else new_counts()
    return sum(_text_in(doc.get(key), into) for key in _REQUEST_KEYS)


def _text_in(value: Any, counts: list[int]) -> int:
    if isinstance(value, str):
        return count_text(value, counts)
    if isinstance(value, list):
        return sum(_text_in(item, counts) for item in value)
    if isinstance(value, dict):
        return sum(_text_in(value.get(key), counts) for key in _TEXT_KEYS)
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

        fs = factor_set()
        values = tuple(float(fs.constant(constant_key(name))) for name in SCRIPTS)
        if min(values) <= 0:
            raise ValueError("approximation.chars_per_token* must be positive")
        _chars_per_token = values
    except Exception as exc:  # a broken factor base: calls keep their unknown token counts
        log.debug("capture: approximation.chars_per_token* not available (%s)", exc)
        _failed = True


def chars_per_token() -> tuple[float, ...] | None:
    """The central characters per token of each writing system (ledger/scripts.SCRIPTS order),
    None when the factor base cannot give them."""
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


def tokens_of_scripts(counts: list[int], per_token: tuple[float, ...]) -> int:
    """Whole tokens for characters counted per writing system, each at its characters per token
    (at least 1 for any text; the default system alone gives `tokens_of`'s figure)."""
    if not any(counts):
        return 0
    return max(1, round(sum(n / c for n, c in zip(counts, per_token) if n)))
