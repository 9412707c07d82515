"""Anthropic's Messages API as documented: plain and SSE."""

from __future__ import annotations

from typing import Any, Iterator

from . import replies


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return "json", 500, {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}
    if "fail-400" in model:
        return "json", 400, {"type": "error", "error": {"type": "invalid_request_error", "message": "Invalid request"}}
    if body.get("stream"):
        return "sse", 200, _stream(model, echo)
    t = replies.TOKENS["anthropic"]
    return "json", 200, {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "".join(replies.text_deltas(model, echo))}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": t["input_tokens"],
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": t["cache_read_input_tokens"],
            "output_tokens": t["output_tokens"],
            "service_tier": "standard",
        },
    }


def _stream(model: str, echo: str) -> Iterator[bytes]:
    t = replies.TOKENS["anthropic.stream"]
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": t["input_tokens"], "output_tokens": 1},
        },
    }
    yield replies.sse(start, event="message_start")
    yield replies.sse(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        event="content_block_start",
    )
    yield replies.sse({"type": "ping"}, event="ping")
    for text in replies.text_deltas(model, echo):
        yield replies.sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
            event="content_block_delta",
        )
    yield replies.sse({"type": "content_block_stop", "index": 0}, event="content_block_stop")
    yield replies.sse(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": t["output_tokens"]},
        },
        event="message_delta",
    )
    yield replies.sse({"type": "message_stop"}, event="message_stop")
