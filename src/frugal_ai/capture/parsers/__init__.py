"""One parser per wire format. Each reads only the model name and the token counts.

A parser module exposes:
  `read_body(doc, usage)`   a whole JSON response (already decoded) -> fills `usage`
  `read_event(doc, usage)`  one streamed event (an SSE `data:` payload or an NDJSON line)
  `USAGE_KEYS`, `MODEL_KEY` the top-level keys of a plain body that hold the counts and
                            the model name: only their values are decoded, not the reply
  `MARKER`                  a byte string found only in events worth decoding: the stream
                            wrapper skips every other event after the first without decoding it.
Unknown shapes leave `usage` untouched; the parsers never raise on odd input (the caller
still guards them).

Token convention in the ledger (the estimator's): `input_tokens` counts every prompt token
the model processed (cached ones included), `output_tokens` the visible generated tokens,
`reasoning_tokens` the hidden (reasoning) ones; generated = output + reasoning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(slots=True)
class Usage:
    """What a parser has seen so far of one call."""

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


def parser_for(wire_format: str) -> ModuleType:
    """The parser module of a wire format (imported on first use)."""
    module = _PARSERS.get(wire_format)
    if module is None:
        import importlib

        module = importlib.import_module(f"{__name__}.{wire_format}_format")
        # Precomputed once: the quoted keys searched for in plain bodies, and the model pattern.
        module.USAGE_NEEDLES = tuple((key, b'"' + key.encode() + b'"') for key in module.USAGE_KEYS)
        model_key = module.MODEL_KEY
        module.MODEL_PATTERN = (
            re.compile(b'"' + model_key.encode() + rb'"\s*:\s*"([^"\\]{1,200})"') if model_key else None
        )
        _PARSERS[wire_format] = module
    return module


_PARSERS: dict[str, ModuleType] = {}
