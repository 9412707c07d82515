"""Request kinds of an API call, and the unit each one is counted in (column `api_calls.kind`).

    chat           text generation (chat, completions, responses): priced by its tokens
    embedding      embeddings: priced by its input tokens (the token columns)
    image          image generation: `units` = images per request (+ image_size, image_quality)
    transcription  speech-to-text: `units` = seconds of audio per request
    speech         text-to-speech: `units` = characters of text per request (counted, never stored)

A row's `units` are per request, like its token counts: the row stands for `requests × units`
images, seconds or characters. docs/capture.md and docs/methodology.md § 3.8.
"""

from __future__ import annotations

CHAT = "chat"
REQUEST_KINDS: tuple[str, ...] = ("chat", "embedding", "image", "transcription", "speech")

UNIT_OF_KIND: dict[str, str | None] = {
    "chat": None, "embedding": None, "image": "image", "transcription": "audio_second", "speech": "character",
}
"""The unit of `api_calls.units` for each kind (None: the kind counts tokens, `units` is 0)."""

MAX_UNITS_PER_REQUEST = 10_000_000.0
"""Largest plausible `units` of one request (images, audio seconds, characters): far above any
API's limit (OpenAI: 10 images, 25 MB of audio, 4,096 characters a request)."""
