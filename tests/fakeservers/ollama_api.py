"""Ollama's native API as documented: /api/chat, /api/generate (JSON or NDJSON), /api/embed."""

from __future__ import annotations

import json
from typing import Any, Iterator

from . import replies

_CREATED_AT = "2023-08-04T19:22:45.499127Z"


def _final_counts() -> dict[str, Any]:
    t = replies.TOKENS["ollama"]
    return {
        "done": True,
        "done_reason": "stop",
        "total_duration": 4883583458,
        "load_duration": 1334875,
        "prompt_eval_count": t["prompt_eval_count"],
        "prompt_eval_duration": 342546000,
        "eval_count": t["eval_count"],
        "eval_duration": 4535599000,
    }


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any]:
    if "fail-500" in model:
        return "json", 500, {"error": "model runner has unexpectedly stopped"}
    if path == "/api/embed":
        return "json", 200, {
            "model": model,
            "embeddings": [[0.010071029, -0.0017594862, 0.05007221]],
            "total_duration": 14143917,
            "load_duration": 1019500,
            "prompt_eval_count": 8,
        }
    chat = path == "/api/chat"
    deltas = replies.text_deltas(model, echo)
    if body.get("stream", True):  # Ollama streams unless told not to
        return "ndjson", 200, _stream(model, deltas, chat)
    doc: dict[str, Any] = {"model": model, "created_at": _CREATED_AT}
    if chat:
        doc["message"] = {"role": "assistant", "content": "".join(deltas)}
    else:
        doc["response"] = "".join(deltas)
    doc.update(_final_counts())
    return "json", 200, doc


def _stream(model: str, deltas: list[str], chat: bool) -> Iterator[bytes]:
    for text in deltas:
        doc: dict[str, Any] = {"model": model, "created_at": _CREATED_AT, "done": False}
        if chat:
            doc["message"] = {"role": "assistant", "content": text}
        else:
            doc["response"] = text
        yield json.dumps(doc).encode() + b"\n"
    last: dict[str, Any] = {"model": model, "created_at": _CREATED_AT}
    if chat:
        last["message"] = {"role": "assistant", "content": ""}
    else:
        last["response"] = ""
    last.update(_final_counts())
    yield json.dumps(last).encode() + b"\n"
