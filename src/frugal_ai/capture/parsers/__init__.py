"""One parser per wire format. Each reads only the model name and the token counts.

The seam: each module `parsers/<name>_format.py` defines `WIRE_FORMAT = WireFormat(...)`
with its name, `read_body`, `read_event`, `marker`, `usage_keys` and `model_key` (see
`WireFormat`); `parser_for(name)` imports it on first use and checks it. Adding a wire
format is adding one such module and its routes in `providers.py`.

Unknown shapes leave `usage` untouched; the parsers never raise on odd input (the caller
still guards them).

Token convention in the ledger (the estimator's): `input_tokens` counts every prompt token
the model processed (cached ones included), `output_tokens` the visible generated tokens,
`reasoning_tokens` the hidden (reasoning) ones; generated = output + reasoning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable


class Usage:
    """What a parser has seen so far of one call.

    A plain class whose class attributes are the defaults: one is made for every captured
    call, and making it runs no code (a dataclass would run its `__init__`).
    """

    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    # True once a usage block (or its equivalent) was read: without it the counts are unknown.
    complete: bool = False


def as_int(value: Any) -> int:
    """A token count from JSON: ints (and integral floats) only, anything else counts 0."""
    if type(value) is int:  # the usual case first: this runs on every captured call
        return value if value >= 0 else 0
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    return 0


def as_model(value: Any) -> str | None:
    """A model name from JSON: a short non-empty string, or None."""
    if isinstance(value, str) and 0 < len(value) <= 200:
        return value
    return None


def take_model(doc: dict[str, Any], key: str, usage: Usage) -> None:
    """Set `usage.model` from `doc[key]` when it holds a plausible model name."""
    model = as_model(doc.get(key))
    if model is not None:
        usage.model = model


ReadFn = Callable[[Any, Usage], None]


@dataclass(frozen=True, slots=True)
class WireFormat:
    """How to read one wire format: what each module in `parsers/` defines as `WIRE_FORMAT`.

    `read_body(doc, usage)`   a whole JSON response (already decoded) -> fills `usage`
    `read_event(doc, usage)`  one streamed event (an SSE `data:` payload or an NDJSON line)
    `marker`                  a byte string found only in events worth decoding: the stream
                              observer skips every other event after the first undecoded
    `usage_keys`, `model_key` the top-level keys of a plain body that hold the counts and the
                              model name: only their values are decoded, not the reply (no
                              usage keys: the body is decoded whole)
    `text_keys`               the keys whose string values are generated text (a stream's
                              deltas, a reply's message): their characters are counted as they
                              pass, for a reply that turns out to carry no usage (capture/
                              approximate.py); empty: never approximated
    Derived once here, for the observer's hot path: `usage_needles` (each usage key quoted, as
    bytes), `model_pattern` (the model key's string value in raw JSON) and `text_pattern` (a
    text key's JSON string value, escapes included, in group 1).
    """

    name: str
    read_body: ReadFn
    read_event: ReadFn
    marker: bytes
    usage_keys: tuple[str, ...]
    model_key: str | None
    text_keys: tuple[str, ...] = ()
    usage_needles: tuple[tuple[str, bytes], ...] = field(init=False)
    model_pattern: re.Pattern[bytes] | None = field(init=False)
    text_pattern: re.Pattern[bytes] | None = field(init=False)

    def __post_init__(self) -> None:
        if not self.marker:
            raise ValueError(f"wire format {self.name}: an empty marker would decode every event")
        needles = tuple((key, b'"' + key.encode() + b'"') for key in self.usage_keys)
        pattern = (re.compile(b'"' + self.model_key.encode() + rb'"\s*:\s*"([^"\\]{1,200})"')
                   if self.model_key else None)
        text = (re.compile(rb'"(?:' + b"|".join(re.escape(k.encode()) for k in self.text_keys)
                           # The string's body as runs of plain bytes between escapes (one
                           # alternative per character made long deltas 4x slower to scan).
                           + rb')"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"') if self.text_keys else None)
        object.__setattr__(self, "usage_needles", needles)
        object.__setattr__(self, "model_pattern", pattern)
        object.__setattr__(self, "text_pattern", text)


def parser_for(wire_format: str) -> WireFormat:
    """The parser of a wire format (its module imported on first use). Raises LookupError
    for a module that does not define a `WIRE_FORMAT` of that name."""
    found = _PARSERS.get(wire_format)
    if found is None:
        import importlib

        module = importlib.import_module(f"{__name__}.{wire_format}_format")
        found = getattr(module, "WIRE_FORMAT", None)
        if not isinstance(found, WireFormat) or found.name != wire_format:
            raise LookupError(f"{module.__name__} does not define WIRE_FORMAT = WireFormat({wire_format!r}, ...)")
        _PARSERS[wire_format] = found
    return found


_PARSERS: dict[str, WireFormat] = {}
