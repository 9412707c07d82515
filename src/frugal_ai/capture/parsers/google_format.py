"""Google Gemini's generateContent / streamGenerateContent wire format (AI Studio and Vertex AI).

Shapes read:
  body / each streamed chunk  {"modelVersion", "usageMetadata": {"promptTokenCount",
                               "candidatesTokenCount", "thoughtsTokenCount",
                               "toolUsePromptTokenCount"}}
  a non-SSE stream            a JSON array of such chunks
Streamed counts are cumulative: the chunk whose candidate has a finishReason holds the
call's. Gemini counts thinking apart from the candidates: output = candidates, reasoning = thoughts.
The model is also in the URL (`models/<name>:generateContent`), used when the body lacks it.
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, as_int, as_model, take_model


def read_body(doc: Any, usage: Usage) -> None:
    if isinstance(doc, list):
        for item in doc:
            read_body(item, usage)
        return
    if not isinstance(doc, dict):
        return
    take_model(doc, "modelVersion", usage)
    meta = doc.get("usageMetadata")
    if not isinstance(meta, dict):
        return
    thoughts = as_int(meta.get("thoughtsTokenCount"))
    usage.input_tokens = as_int(meta.get("promptTokenCount")) + as_int(meta.get("toolUsePromptTokenCount"))
    usage.output_tokens = as_int(meta.get("candidatesTokenCount"))
    usage.reasoning_tokens = thoughts
    usage.complete = True


def read_event(doc: Any, usage: Usage) -> None:
    # Every streamed chunk carries usageMetadata; the counts are final only on the chunk
    # whose candidate has a finishReason.
    read_body(doc, usage)
    if isinstance(doc, dict):
        candidates = doc.get("candidates")
        usage.complete = isinstance(candidates, list) and any(
            isinstance(c, dict) and c.get("finishReason") for c in candidates
        )


def model_from_path(path: str) -> str | None:
    """`/v1beta/models/gemini-2.0-flash:generateContent` -> `gemini-2.0-flash` (Vertex paths too)."""
    head, sep, _ = path.rpartition(":")
    if not sep:
        return None
    name = head.rpartition("/models/")[2]
    return as_model(name) if name and name != head else None


WIRE_FORMAT = WireFormat(
    name="google", read_body=read_body, read_event=read_event, marker=b'"usageMetadata"',
    usage_keys=("usageMetadata",), model_key="modelVersion",
)
