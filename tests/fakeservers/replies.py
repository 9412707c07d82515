"""Which provider replay answers a path, and the token counts each replay reports."""

from __future__ import annotations

from typing import Any

from . import anthropic_api, cohere_api, google_api, mistral_api, ollama_api, openai_api

# The raw counts each replay puts in its usage block (tests assert the ledger against them).
TOKENS: dict[str, dict[str, int]] = {
    "openai.chat": {"prompt_tokens": 19, "completion_tokens": 10, "reasoning_tokens": 0},
    "openai.chat.reasoning": {"prompt_tokens": 19, "completion_tokens": 74, "reasoning_tokens": 64},
    "openai.responses": {"input_tokens": 36, "output_tokens": 87, "reasoning_tokens": 0},
    "openai.embeddings": {"prompt_tokens": 8},
    # gpt-image-1, one 1024x1024 image at medium quality: 1,056 output (image) tokens.
    "openai.images": {"input_tokens": 9, "output_tokens": 1056},
    "anthropic": {"input_tokens": 12, "cache_read_input_tokens": 3, "output_tokens": 6},
    "anthropic.stream": {"input_tokens": 25, "output_tokens": 15},
    "mistral": {"prompt_tokens": 10, "completion_tokens": 12},
    "google": {"promptTokenCount": 8, "candidatesTokenCount": 12, "thoughtsTokenCount": 5},
    "cohere": {"tokens.input_tokens": 71, "tokens.output_tokens": 10, "billed.input_tokens": 5},
    "ollama": {"prompt_eval_count": 26, "eval_count": 282},
    # Embeddings of the other providers, and audio.
    "mistral.embeddings": {"prompt_tokens": 11},
    "cohere.embed": {"billed.input_tokens": 6},
    "google.embed": {"promptTokenCount": 7},
    # gpt-4o-transcribe's token usage of a 9.5-second clip (audio tokens read, text tokens written).
    "openai.transcribe": {"input_tokens": 162, "audio_tokens": 162, "output_tokens": 31},
}
# Seconds of the audio every fake transcription reply describes (verbose_json's exact duration,
# the rounded-up billed seconds of whisper-1's json usage, Mistral's prompt_audio_seconds).
AUDIO_DURATION_S = 9.47
AUDIO_BILLED_S = 10


def model_in_path(path: str) -> str | None:
    return google_api.model_in_path(path)


def answer(path: str, body: dict[str, Any], model: str, echo: str) -> tuple[str, int, Any] | None:
    """(kind, http status, payload): kind 'json' (payload a document) or 'sse' / 'ndjson'
    (payload an iterable of wire bytes). None: no replay for this path."""
    if path in ("/api/chat", "/api/generate", "/api/embed"):
        return ollama_api.answer(path, body, model, echo)
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return google_api.answer(path, body, model, echo)
    if ":embedContent" in path or ":batchEmbedContents" in path:
        return google_api.embed(path, body, model)
    if path in ("/v2/chat", "/v1/chat"):
        return cohere_api.answer(path, body, model, echo)
    if path in ("/v2/embed", "/v1/embed"):
        return cohere_api.embed(path, body, model)
    if path.endswith(("/embeddings", "/audio/transcriptions")) and model.startswith(("mistral", "codestral", "voxtral")):
        return mistral_api.answer(path, body, model, echo)
    if path.endswith(("/audio/transcriptions", "/audio/translations", "/audio/speech")):
        return openai_api.answer(path, body, model, echo)
    if path.endswith("/v1/messages"):
        return anthropic_api.answer(path, body, model, echo)
    if path.endswith("/chat/completions") and model.startswith(("mistral", "codestral", "ministral")):
        return mistral_api.answer(path, body, model, echo)
    if path.endswith(("/chat/completions", "/responses", "/embeddings", "/completions", "/images/generations")):
        return openai_api.answer(path, body, model, echo)
    return None


# Replies in other writing systems, for a model named "...-lang-<key>" (capture of text
# without usage, counted per writing system). In "mixed", the deltas in another script than
# Latin hold no spaces, so that which script their neighbours' spaces count with is not in doubt.
TEXT_IN: dict[str, list[str]] = {
    "el": ["Η ακρόαση", " αποτελεί επίσης", " ένδειξη της", " ημερομηνίας για", " το δικαίωμα ταχείας", " δίκης."],
    "ru": ["Быстрая коричневая", " лиса прыгает", " через ленивую", " собаку, пока комиссия", " изучает отчёт."],
    "bg": ["Бързата кафява", " лисица прескача", " мързеливото куче,", " докато комисията", " обсъжда доклада."],
    "ja": ["素早い茶色の", "狐が怠け者の", "犬を飛び越える間に、", "委員会は年次", "報告書を検討している。"],
    "mixed": ["The annual report", " - ", "годовой", " ", "отчёт", " - ", "年次報告書", ", ", "η", " ", "έκθεση",
              " (2026)."],
}


def text_deltas(model: str, echo: str) -> list[str]:
    """The reply, cut as a model streams it."""
    lang = model.rpartition("-lang-")[2] if "-lang-" in model else ""
    if lang in TEXT_IN:
        return list(TEXT_IN[lang])
    words = ["Hello", " there", ", ", f"you said {echo}." if echo else "world."]
    if "long" in model:
        words = words + [f" word{i}" for i in range(196)]
    if "huge" in model:
        # A reply over the capture's 4 MB body limit (capture/observe.py BODY_LIMIT_BYTES).
        words = words + [" " + "lorem ipsum " * 100_000 for _ in range(5)]
    return words


def sse(data: Any, event: str | None = None, sep: bytes = b"\n\n") -> bytes:
    import json

    head = f"event: {event}\n".encode() if event else b""
    payload = data if isinstance(data, str) else json.dumps(data)
    return head + b"data: " + payload.encode() + sep
