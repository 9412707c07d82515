"""Google's Gemini API (generateContent, streamGenerateContent?alt=sse) as documented."""

from __future__ import annotations

import re
from typing import Any, Iterator

from . import replies

_MODEL = re.compile(r"/models/([^/:]+):")


def model_in_path(path: str) -> str | None:
    found = _MODEL.search(path)
    return found.group(1) if found else None


def _usage(final: bool) -> dict[str, Any]:
    t = replies.TOKENS["google"]
    if not final:
        # Chunks before the last carry the prompt count only.
        return {"promptTokenCount": t["promptTokenCount"], "totalTokenCount": t["promptTokenCount"]}
    return {
        "promptTokenCount": t["promptTokenCount"],
        "candidatesTokenCount": t["candidatesTokenCount"],
        "thoughtsTokenCount": t["thoughtsTokenCount"],
        "totalTokenCount": sum(t.values()),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": t["promptTokenCount"]}],
    }


def _candidate(text: str, finish: bool) -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = "STOP"
    return cand


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return "json", 500, {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}
    if ":streamGenerateContent" in path:
        return "sse", 200, _stream(model, echo)
    return "json", 200, {
        "candidates": [_candidate("".join(replies.text_deltas(model, echo)), True)],
        "usageMetadata": _usage(True),
        "modelVersion": model,
        "responseId": "mI3kaJ_9NNqVz7IPo7TkqAg",
    }


def _stream(model: str, echo: str) -> Iterator[bytes]:
    deltas = replies.text_deltas(model, echo)
    for i, text in enumerate(deltas):
        last = i == len(deltas) - 1
        doc = {
            "candidates": [_candidate(text, last)],
            "usageMetadata": _usage(last),
            "modelVersion": model,
            "responseId": "mI3kaJ_9NNqVz7IPo7TkqAg",
        }
        yield replies.sse(doc, sep=b"\r\n\r\n")
