"""Cohere's chat and embed wire format (API v2, and v1).

Shapes read:
  v2 chat body       {"usage": {"tokens": {"input_tokens", "output_tokens"},
                      "billed_units": {...same keys}}}
  v2 stream          event {"type": "message-end", "delta": {"usage": {...}}}
  v1 chat / embed    {"meta": {"tokens": {...}, "billed_units": {...}}}
  v1 stream          event {"event_type": "stream-end", "response": {"meta": {...}}}
`tokens` (what the model processed, prompt template included) is preferred to
`billed_units`. Cohere does not echo the model: it comes from the request.
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, as_int


def _read_counts(block: Any, usage: Usage) -> None:
    if not isinstance(block, dict):
        return
    counts = block.get("tokens")
    if not isinstance(counts, dict):
        counts = block.get("billed_units")
    if not isinstance(counts, dict):
        return
    usage.input_tokens = as_int(counts.get("input_tokens"))
    usage.output_tokens = as_int(counts.get("output_tokens"))
    usage.complete = True


def read_body(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    if "usage" in doc:
        _read_counts(doc.get("usage"), usage)
    elif "meta" in doc:
        _read_counts(doc.get("meta"), usage)


def read_event(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    delta = doc.get("delta")
    if isinstance(delta, dict) and "usage" in delta:
        _read_counts(delta.get("usage"), usage)
    elif isinstance(doc.get("response"), dict):
        read_body(doc["response"], usage)


WIRE_FORMAT = WireFormat(
    name="cohere", read_body=read_body, read_event=read_event, marker=b'_tokens"',
    usage_keys=("usage", "meta"), model_key=None,
)
