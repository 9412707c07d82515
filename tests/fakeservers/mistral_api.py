"""Mistral's chat completions API as documented: plain and SSE (usage on the last chunk); embeddings; audio
transcriptions (Voxtral: usage with prompt_audio_seconds)."""

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
    if path.endswith("/embeddings"):
        return "json", 200, _embeddings(body, model)
    if path.endswith("/audio/transcriptions"):
        return "json", 200, _transcription(model)
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


def _embeddings(body: dict[str, Any], model: str) -> dict[str, Any]:
    inputs = body.get("input")
    count = len(inputs) if isinstance(inputs, list) else 1
    t = replies.TOKENS["mistral.embeddings"]
    return {
        "id": "embd-aad6fc62b17349b192ef09225058bc45",
        "object": "list",
        "data": [{"object": "embedding", "embedding": [-0.016632080078125, 0.0701904296875, 0.03143310546875],
                  "index": i} for i in range(count)],
        "model": model,
        "usage": {"prompt_tokens": t["prompt_tokens"], "total_tokens": t["prompt_tokens"], "completion_tokens": 0},
    }


def _transcription(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "text": "This week, I traveled to Chicago.",
        "language": "en",
        "segments": [],
        "usage": {"prompt_audio_seconds": replies.AUDIO_BILLED_S, "prompt_tokens": 4, "total_tokens": 1149,
                  "completion_tokens": 52},
    }
