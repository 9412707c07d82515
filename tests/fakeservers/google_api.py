"""Google's Gemini API (generateContent, streamGenerateContent?alt=sse; embedContent, batchEmbedContents) as documented."""

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


def embed(path: str, body: dict[str, Any], model: str) -> tuple[str, int, Any]:
    """models/{model}:batchEmbedContents (what google-genai sends) and :embedContent: the embedding
    values, and usageMetadata with the prompt's tokens (google-genai reads it into usage_metadata).
    A model name holding "nousage" answers without usageMetadata (its older replies)."""
    if "fail-500" in model:
        return "json", 500, {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}
    values = {"values": [0.013168523, -0.008711934, -0.046782676]}
    if ":batchEmbedContents" in path:
        requests = body.get("requests") if isinstance(body.get("requests"), list) else [{}]
        doc: dict[str, Any] = {"embeddings": [values for _ in requests]}
    else:
        doc = {"embedding": values}
    if "nousage" not in model:
        n = replies.TOKENS["google.embed"]["promptTokenCount"]
        doc["usageMetadata"] = {"promptTokenCount": n, "totalTokenCount": n}
    return "json", 200, doc
