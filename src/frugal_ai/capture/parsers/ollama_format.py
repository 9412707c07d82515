"""Ollama's native API: /api/chat, /api/generate (JSON or NDJSON stream) and /api/embed.

Shapes read:
  body / last NDJSON line  {"model", "done": true, "prompt_eval_count", "eval_count"}
  embed                     {"model", "prompt_eval_count"}
Thinking models count their thinking inside `eval_count`; Ollama does not report it apart,
so it stays in `output_tokens` (the generated total is right).
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, as_int, take_model


def read_body(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    take_model(doc, "model", usage)
    if "prompt_eval_count" in doc or "eval_count" in doc:
        usage.input_tokens = as_int(doc.get("prompt_eval_count"))
        usage.output_tokens = as_int(doc.get("eval_count"))
        usage.complete = True


read_event = read_body


# The counts are top-level fields: a plain body is decoded whole (it is small).
WIRE_FORMAT = WireFormat(
    name="ollama", read_body=read_body, read_event=read_event, marker=b'eval_count"',
    usage_keys=(), model_key="model",
)
