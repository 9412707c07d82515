"""Anthropic's Messages API wire format.

Shapes read:
  body            {"model", "usage": {"input_tokens", "output_tokens",
                   "cache_creation_input_tokens", "cache_read_input_tokens"}}
  message_start   {"type": "message_start", "message": {"model", "usage": {...}}}
  message_delta   {"type": "message_delta", "usage": {"output_tokens", maybe "input_tokens"...}}
                   whose counts are cumulative for the whole message.
Anthropic's `input_tokens` leaves out cached prompt tokens; they are added back so that
input counts every prompt token processed, as for the other providers. Extended thinking
is counted inside `output_tokens` and not reported apart, so it stays there (the generated
total is right) and `reasoning_tokens` stays 0.
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, as_int, take_model


_INPUT_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def _read_usage(block: Any, usage: Usage) -> None:
    if not isinstance(block, dict):
        return
    if any(k in block for k in _INPUT_KEYS):
        usage.input_tokens = sum(as_int(block.get(k)) for k in _INPUT_KEYS)
    if "output_tokens" in block:
        usage.output_tokens = as_int(block.get("output_tokens"))
        usage.complete = True


def read_body(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    take_model(doc, "model", usage)
    _read_usage(doc.get("usage"), usage)


def read_event(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    kind = doc.get("type")
    if kind == "message_start":
        read_body(doc.get("message"), usage)
        # The start event's output count is a placeholder; only message_delta completes it.
        usage.complete = False
    elif kind == "message_delta":
        _read_usage(doc.get("usage"), usage)


WIRE_FORMAT = WireFormat(
    name="anthropic", read_body=read_body, read_event=read_event, marker=b'"usage"',
    usage_keys=("usage",), model_key="model",
)
