"""The request kind of a captured call, and its units, read from the path, the request and the reply.

    kind           path (any provider)                                   units per request
    embedding      /embeddings, /embed, /api/embed(dings),               0 (input tokens from usage)
                   :embedContent, :batchEmbedContents
    image          /images/generations                                   images the reply holds (else the
                                                                         request's `n`, else 1); `size`,
                                                                         `quality` from the request
    transcription  /audio/transcriptions, /audio/translations            seconds of audio: usage
                                                                         {type: duration, seconds}, verbose_json
                                                                         `duration`, Mistral's
                                                                         `prompt_audio_seconds`
    speech         /audio/speech                                         characters of the request's `input`
    chat           anything else                                         0 (tokens)

Only these few values are read: the counts, never the prompt, the text to speak, the audio or
the transcript (the request's `input` is measured, not kept). ledger/kinds.py names the units.
"""

from __future__ import annotations

import json
import re
from typing import Any

CHAT = "chat"

_EMBEDDING_TAILS = ("/embeddings", "/embed", ":embedContent", ":batchEmbedContents")
_KIND_TAILS: tuple[tuple[tuple[str, ...], str], ...] = (
    (_EMBEDDING_TAILS, "embedding"),
    (("/images/generations",), "image"),
    (("/audio/transcriptions", "/audio/translations"), "transcription"),
    (("/audio/speech",), "speech"),
)

IMAGE_ITEM_NEEDLES = (b'"b64_json"', b'"url"')
"""The keys of one returned image (OpenAI: base64 or a URL): counted in the reply as it passes."""

_SIZE = re.compile(r"[1-9][0-9]{1,4}x[1-9][0-9]{1,4}\Z")
_QUALITY = re.compile(r"[a-z]{1,16}\Z")


def image_size_ok(size: str) -> bool:
    """Whether `size` reads as an image size, WIDTHxHEIGHT in pixels (lower case: 1024x1536)."""
    return _SIZE.match(size) is not None


def kind_of_path(path: str) -> str:
    """The request kind of a call from its path alone (`chat` unless it is an embeddings, image or audio endpoint)."""
    for tails, kind in _KIND_TAILS:
        if path.endswith(tails):
            return kind
    return CHAT


def _request_json(body: bytes | None) -> dict[str, Any] | None:
    if not body or body[:1] != b"{":
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def image_request(body: bytes | None) -> tuple[int | None, str, str]:
    """(n, size, quality) of an image request's JSON; (None, '', '') where not given.

    A size that is not WIDTHxHEIGHT ('auto') and a quality that is not a plain word are left
    empty: the estimator then uses the model's reference."""
    doc = _request_json(body)
    if doc is None:
        return None, "", ""
    n = doc.get("n")
    count = n if type(n) is int and 0 < n <= 1000 else None
    size = doc.get("size")
    size = size.strip().lower() if isinstance(size, str) and image_size_ok(size.strip().lower()) else ""
    quality = doc.get("quality")
    quality = quality.strip().lower() if isinstance(quality, str) and _QUALITY.match(quality.strip().lower()) else ""
    return count, size, quality


def speech_characters(body: bytes | None) -> float:
    """Characters of the text a text-to-speech request asks to speak (its `input`), or 0."""
    doc = _request_json(body)
    text = doc.get("input") if doc is not None else None
    return float(len(text)) if isinstance(text, str) else 0.0


def audio_seconds(body: bytes) -> float:
    """Seconds of audio a transcription reply reports, or 0: verbose_json's top-level `duration`
    (exact), else OpenAI's usage {"type": "duration", "seconds"} or Mistral's usage
    `prompt_audio_seconds` (whole seconds, as billed)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return 0.0
    if not isinstance(doc, dict):
        return 0.0
    exact = _seconds(doc.get("duration"))  # verbose_json: the clip's length (usage bills whole seconds)
    if exact:
        return exact
    usage = doc.get("usage")
    if isinstance(usage, dict):
        for key in ("seconds", "prompt_audio_seconds"):
            value = _seconds(usage.get(key))
            if value:
                return value
    return 0.0


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    value = float(value)
    return value if 0.0 < value < 1e7 else 0.0


class ItemCounter:
    """Counts the images of a reply as its (decoded) chunks pass, without keeping them: a key
    split across two chunks is found through the few bytes kept from the previous one."""

    __slots__ = ("count", "_carry")
    _KEEP = max(len(n) for n in IMAGE_ITEM_NEEDLES) - 1

    def __init__(self) -> None:
        self.count = 0
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk if self._carry else chunk
        # A needle wholly inside the carried bytes was counted with the previous chunk.
        self.count += sum(data.count(n) for n in IMAGE_ITEM_NEEDLES)
        self.count -= sum(self._carry.count(n) for n in IMAGE_ITEM_NEEDLES) if self._carry else 0
        self._carry = data[-self._KEEP:]


def multipart_field(request: Any, name: str) -> str | None:
    """The value of a plain form field of an httpx/httpx2 multipart request (the `model` of an
    audio upload), or None. Only data fields are looked at, never the uploaded file."""
    fields = getattr(getattr(request, "stream", None), "fields", None)
    if not isinstance(fields, list):
        return None
    for f in fields:
        if type(f).__name__ == "DataField" and getattr(f, "name", None) == name:
            value = getattr(f, "value", None)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str) and 0 < len(value) <= 200:
                return value
    return None

