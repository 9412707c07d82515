"""Cohere's chat API v2 as documented: plain and SSE (usage on message-end); embed (v2, v1)."""

from __future__ import annotations

from typing import Any, Iterator

from . import replies


def _usage() -> dict[str, Any]:
    t = replies.TOKENS["cohere"]
    return {
        "billed_units": {"input_tokens": t["billed.input_tokens"], "output_tokens": t["tokens.output_tokens"]},
        "tokens": {"input_tokens": t["tokens.input_tokens"], "output_tokens": t["tokens.output_tokens"]},
    }


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return "json", 500, {"message": "internal server error"}
    if body.get("stream"):
        return "sse", 200, _stream(model, echo)
    return "json", 200, {
        "id": "c14c80c3-18eb-4519-9460-6c92edd8cfb4",
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "".join(replies.text_deltas(model, echo))}]},
        "usage": _usage(),
    }


def _stream(model: str, echo: str) -> Iterator[bytes]:
    msg_id = "29f14a5a-11de-4cae-9800-25e4747408ea"
    yield replies.sse(
        {
            "id": msg_id,
            "type": "message-start",
            "delta": {"message": {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}},
        },
        event="message-start",
    )
    yield replies.sse(
        {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
        event="content-start",
    )
    for text in replies.text_deltas(model, echo):
        yield replies.sse(
            {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": text}}}},
            event="content-delta",
        )
    yield replies.sse({"type": "content-end", "index": 0}, event="content-end")
    yield replies.sse(
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": _usage()}}, event="message-end"
    )


def embed(path: str, body: dict[str, Any], model: str) -> tuple[str, int, Any]:
    """POST /v2/embed (and v1): embeddings by type; the billed input tokens in `meta`. Like the
    real API it echoes the texts, which the capture must never store."""
    if "fail-500" in model:
        return "json", 500, {"message": "internal server error"}
    texts = body.get("texts") if isinstance(body.get("texts"), list) else []
    vector = [0.016296387, -0.008354187, -0.04699707]
    meta = {"api_version": {"version": "2" if path.startswith("/v2") else "1"},
            "billed_units": {"input_tokens": replies.TOKENS["cohere.embed"]["billed.input_tokens"]}}
    if path.startswith("/v2"):
        return "json", 200, {"id": "da6e531f-54c6-4a73-bf92-f60566d8d753", "embeddings": {"float": [vector for _ in texts]},
                             "texts": texts, "meta": meta, "response_type": "embeddings_by_type"}
    return "json", 200, {"id": "da6e531f-54c6-4a73-bf92-f60566d8d753", "embeddings": [vector for _ in texts],
                         "texts": texts, "meta": meta, "response_type": "embeddings_floats"}
