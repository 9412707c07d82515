"""`record_call(kind, model, ...)`: a call of any request kind recorded by hand, stored with its
kind and units, linked to the enclosing run, and priced by kind in the inventory."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

import frugal_ai
import frugal_ai.ledger as ledger
from frugal_ai.errors import InputError
from frugal_ai.estimate import estimate_audio, estimate_image
from frugal_ai.inventory import load_inventory

JULY = datetime(2026, 7, 15, 12, tzinfo=timezone.utc)


def _rows(path: Path) -> list[tuple[object, ...]]:
    ledger.flush()
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT model, kind, units, image_size, image_quality, input_tokens, requests, source, name "
                            "FROM api_calls ORDER BY model").fetchall()
    finally:
        conn.close()


def test_each_kind_is_stored_with_its_units(ledger_path: Path) -> None:
    frugal_ai.record_call("image", "gpt-image-1", images=4, size="1024x1536", quality="High", at=JULY)
    frugal_ai.record_call("transcription", "whisper-1", audio_seconds=312.5, provider="openai", at=JULY)
    frugal_ai.record_call("speech", "tts-1", characters=1800, requests=20, at=JULY)
    frugal_ai.record_call("embedding", "mistral-embed", input_tokens=700, provider="mistral", at=JULY)
    frugal_ai.record_call("chat", "gpt-4o-mini", input_tokens=100, output_tokens=20, at=JULY)
    assert _rows(ledger_path) == [
        ("gpt-4o-mini", "chat", 0.0, "", "", 100, 1, "manual", None),
        ("gpt-image-1", "image", 4.0, "1024x1536", "high", 0, 1, "manual", None),
        ("mistral-embed", "embedding", 0.0, "", "", 700, 1, "manual", None),
        ("tts-1", "speech", 1800.0, "", "", 0, 20, "manual", None),
        ("whisper-1", "transcription", 312.5, "", "", 0, 1, "manual", None),
    ]


def test_a_recorded_call_is_linked_to_its_run_and_priced_by_kind(ledger_path: Path) -> None:
    with frugal_ai.track("marketing"):
        frugal_ai.record_call("image", "dall-e-3", images=2, quality="hd", requests=10, at=JULY)
        frugal_ai.record_call("transcription", "whisper-1", audio_seconds=60.0, requests=5, at=JULY)
    assert {r[8] for r in _rows(ledger_path)} == {"marketing"}
    rows = {r.model: r for r in load_inventory(ledger_path).rows if r.model}
    assert rows["dall-e-3"].footprint is not None and rows["dall-e-3"].footprint.energy_kwh.central == pytest.approx(
        estimate_image("dall-e-3", 20, quality="hd", provider="openai").energy_kwh.central)
    assert rows["whisper-1"].footprint is not None and rows["whisper-1"].footprint.energy_kwh.central == pytest.approx(
        estimate_audio("whisper-1", 300.0, provider="openai").energy_kwh.central)


@pytest.mark.parametrize("kind, kwargs, match", [
    ("video", {}, "kind must be one of"),
    ("image", {}, "images must be a positive integer"),
    ("image", {"images": 2, "audio_seconds": 3.0}, "audio_seconds do not describe a image call"),
    ("image", {"images": 2.5}, "images must be a positive integer"),
    ("image", {"images": 1, "size": "big"}, "WIDTHxHEIGHT"),
    ("transcription", {"audio_seconds": -1.0}, "audio_seconds must be a positive number"),
    ("transcription", {"audio_seconds": float("nan")}, "audio_seconds must be a positive number"),
    ("speech", {"characters": 100, "input_tokens": 5}, "input_tokens do not describe a speech call"),
    ("embedding", {"input_tokens": 10, "output_tokens": 3}, "output_tokens do not describe a embedding call"),
    ("chat", {"images": 1}, "images do not describe a chat call"),
    ("embedding", {"input_tokens": -1}, "input_tokens must be a non-negative integer"),
    ("speech", {"characters": 5, "requests": 0}, "requests must be a positive integer"),
])
def test_arguments_that_cannot_describe_the_call_are_refused(kind: str, kwargs: dict[str, object], match: str,
                                                             ledger_path: Path) -> None:
    with pytest.raises(InputError, match=match):
        frugal_ai.record_call(kind, "gpt-image-1", **kwargs)  # type: ignore[arg-type]
    assert not ledger_path.exists() or _rows(ledger_path) == []


def test_record_llm_call_is_a_chat_call(ledger_path: Path) -> None:
    frugal_ai.record_llm_call("gpt-4o-mini", 10, 2, provider="openai", at=JULY)
    frugal_ai.record_call("chat", "gpt-4o-mini", input_tokens=10, output_tokens=2, provider="openai", at=JULY)
    a, b = _rows(ledger_path)
    assert a == b and a[1] == "chat"
