"""OpenAI's API as documented: chat completions, responses, embeddings (plain and SSE), image generation,
audio transcriptions (json, verbose_json, text) and speech (audio bytes)."""

from __future__ import annotations

import base64
import struct
from typing import Any, Iterator

from . import replies

_CREATED = 1741569952


def _usage_chat(model: str) -> dict[str, Any]:
    reasoning = model.startswith(("o1", "o3", "o4", "gpt-5"))
    t = replies.TOKENS["openai.chat.reasoning" if reasoning else "openai.chat"]
    return {
        "prompt_tokens": t["prompt_tokens"],
        "completion_tokens": t["completion_tokens"],
        "total_tokens": t["prompt_tokens"] + t["completion_tokens"],
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": t["reasoning_tokens"],
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _error(status: int, message: str) -> tuple[str, int, Any]:
    return "json", status, {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return _error(500, "The server had an error while processing your request.")
    if "fail-400" in model:
        return _error(400, "Invalid request.")
    if path.endswith("/embeddings"):
        return "json", 200, _embeddings(body, model)
    if path.endswith("/images/generations"):
        return "json", 200, _images(body, model)
    if path.endswith(("/audio/transcriptions", "/audio/translations")):
        return _transcription(body, model)
    if path.endswith("/audio/speech"):
        return "audio", 200, _MP3_FRAME * 40
    if path.endswith("/responses"):
        if body.get("stream"):
            return "sse", 200, _responses_stream(model, echo)
        return "json", 200, _response_object(model, echo, done=True)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return "sse", 200, _chat_stream(model, echo, include_usage)
    return "json", 200, _chat(model, echo)


def _chat(model: str, echo: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "".join(replies.text_deltas(model, echo)),
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage_chat(model),
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _chat_stream(model: str, echo: str, include_usage: bool) -> Iterator[bytes]:
    def with_usage_null(doc: dict[str, Any]) -> dict[str, Any]:
        if include_usage:
            doc["usage"] = None  # the API sends an explicit null on every chunk but the last
        return doc

    yield replies.sse(with_usage_null(_chunk(model, {"role": "assistant", "content": "", "refusal": None}, None)))
    for text in replies.text_deltas(model, echo):
        yield replies.sse(with_usage_null(_chunk(model, {"content": text}, None)))
    yield replies.sse(with_usage_null(_chunk(model, {}, "stop")))
    if include_usage:
        last = _chunk(model, {}, None)
        last["choices"] = []
        last["usage"] = _usage_chat(model)
        yield replies.sse(last)
    yield replies.sse("[DONE]")


def _response_object(model: str, echo: str, *, done: bool) -> dict[str, Any]:
    t = replies.TOKENS["openai.responses"]
    text = "".join(replies.text_deltas(model, echo))
    return {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": "completed" if done else "in_progress",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ]
        if done
        else [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": t["input_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": t["output_tokens"],
            "output_tokens_details": {"reasoning_tokens": t["reasoning_tokens"]},
            "total_tokens": t["input_tokens"] + t["output_tokens"],
        }
        if done
        else None,
        "user": None,
        "metadata": {},
    }


def _responses_stream(model: str, echo: str) -> Iterator[bytes]:
    seq = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal seq
        seq += 1
        return replies.sse({"type": kind, "sequence_number": seq, **fields}, event=kind)

    yield event("response.created", response=_response_object(model, echo, done=False))
    yield event("response.in_progress", response=_response_object(model, echo, done=False))
    item = "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b"
    message = {"type": "message", "id": item, "status": "in_progress", "role": "assistant", "content": []}
    yield event("response.output_item.added", output_index=0, item=message)
    part = {"type": "output_text", "text": "", "annotations": []}
    yield event("response.content_part.added", item_id=item, output_index=0, content_index=0, part=part)
    deltas = replies.text_deltas(model, echo)
    for text in deltas:
        yield event("response.output_text.delta", item_id=item, output_index=0, content_index=0, delta=text,
                    logprobs=[])
    full = "".join(deltas)
    yield event("response.output_text.done", item_id=item, output_index=0, content_index=0, text=full, logprobs=[])
    done_part = {"type": "output_text", "text": full, "annotations": []}
    yield event("response.content_part.done", item_id=item, output_index=0, content_index=0, part=done_part)
    yield event("response.output_item.done", output_index=0,
                item={**message, "status": "completed", "content": [done_part]})
    yield event("response.completed", response=_response_object(model, echo, done=True))


def _embeddings(body: dict[str, Any], model: str) -> dict[str, Any]:
    inputs = body.get("input")
    count = len(inputs) if isinstance(inputs, list) else 1
    vector = [0.0023064255, -0.009327292, 0.015797347, -0.0077780345]
    if body.get("encoding_format") == "base64":
        value: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    else:
        value = vector
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": value} for i in range(count)],
        "model": model,
        "usage": {"prompt_tokens": replies.TOKENS["openai.embeddings"]["prompt_tokens"], "total_tokens": 8},
    }




# A 1x1 transparent PNG: the image itself does not matter to capture.
_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def _images(body: dict[str, Any], model: str) -> dict[str, Any]:
    """gpt-image-1 returns base64 images and a usage block (image tokens); DALL-E 3 returns no usage."""
    count = body.get("n") if isinstance(body.get("n"), int) else 1
    doc: dict[str, Any] = {"created": _CREATED, "data": [{"b64_json": _PNG_B64} for _ in range(count)]}
    if model.startswith("gpt-image"):
        t = replies.TOKENS["openai.images"]
        doc["usage"] = {
            "input_tokens": t["input_tokens"], "output_tokens": t["output_tokens"],
            "total_tokens": t["input_tokens"] + t["output_tokens"],
            "input_tokens_details": {"text_tokens": t["input_tokens"], "image_tokens": 0},
        }
    return doc


# A silent MPEG-1 layer III frame header and padding: the audio itself does not matter to capture.
_MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413


def _transcription(body: dict[str, Any], model: str) -> tuple[str, int, Any]:
    """whisper-1: json with usage {type: duration}, verbose_json with the exact duration, or text;
    gpt-4o-transcribe (and -mini): json with token usage (audio tokens read, text tokens written)."""
    text = "The quick brown fox jumped over the lazy dog."
    fmt = body.get("response_format") or "json"
    if fmt in ("text", "srt", "vtt"):
        return "text", 200, (text + "\n").encode()
    if model.startswith("gpt-4o"):
        t = replies.TOKENS["openai.transcribe"]
        return "json", 200, {"text": text, "usage": {
            "type": "tokens", "input_tokens": t["input_tokens"],
            "input_token_details": {"text_tokens": 0, "audio_tokens": t["audio_tokens"]},
            "output_tokens": t["output_tokens"], "total_tokens": t["input_tokens"] + t["output_tokens"]}}
    usage = {"type": "duration", "seconds": replies.AUDIO_BILLED_S}
    if fmt == "verbose_json":
        return "json", 200, {"task": "transcribe", "language": "english", "duration": replies.AUDIO_DURATION_S,
                             "text": text, "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": replies.AUDIO_DURATION_S,
                                                         "text": text, "tokens": [50364, 440], "temperature": 0.0,
                                                         "avg_logprob": -0.28, "compression_ratio": 1.0,
                                                         "no_speech_prob": 0.01}],
                             "usage": usage}
    return "json", 200, {"text": text, "usage": usage}
