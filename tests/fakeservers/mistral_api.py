"""Mistral's chat completions API as documented: plain and SSE (usage on the last chunk)."""

from __future__ import annotations

from typing import Any, Iterator

from . import replies


def _usage() -> dict[str, int]:
    t = replies.TOKENS["mistral"]
    return {
        "prompt_tokens": t["prompt_tokens"],
        "completion_tokens": t["completion_tokens"],
        "total_tokens": t["prompt_tokens"] + t["completion_tokens"],
    }


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return "json", 500, {"object": "error", "message": "Internal server error", "type": "internal_error"}
    if body.get("stream"):
        return "sse", 200, _stream(model, echo)
    return "json", 200, {
        "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
        "object": "chat.completion",
        "model": model,
        "created": 1702256327,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(replies.text_deltas(model, echo)), "tool_calls": None},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(),
    }


def _stream(model: str, echo: str) -> Iterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
            "object": "chat.completion.chunk",
            "created": 1702256327,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield replies.sse(chunk({"role": "assistant", "content": ""}, None))
    deltas = replies.text_deltas(model, echo)
    for text in deltas[:-1]:
        yield replies.sse(chunk({"content": text}, None))
    last = chunk({"content": deltas[-1]}, "stop")
    last["usage"] = _usage()
    yield replies.sse(last)
    yield replies.sse("[DONE]")
