"""The report by request kind: the API calls of each kind, the quantity they were priced by and
the requests left unpriced, in JSON and, when some calls are not chat, in every text format,
in English and French."""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate import estimate_audio, estimate_image
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.report import build_report, parse_period, render


def ts(d: int) -> float:
    return datetime(2026, 7, d, 12, tzinfo=timezone.utc).timestamp()


def call(id: str, model: str, kind: str = "chat", units: float = 0.0, **kw: object) -> ApiCallRecord:
    return ApiCallRecord(id=id, provider="openai", model=model, start=ts(4), end=ts(4) + 1, request_kind=kind,
                         units=units, name="marketing", **kw)  # type: ignore[arg-type]


@pytest.fixture
def report(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [
        call("c", "gpt-4o-mini", input_tokens=900, output_tokens=100, requests=10),
        call("i", "gpt-image-1", "image", 4, requests=3),  # n=4, three times: 12 images
        call("t", "whisper-1", "transcription", 90.0, requests=2),
        call("u", "whisper-1", "transcription", 0.0),  # a text-format reply: no duration
        call("e", "text-embedding-3-small", "embedding", input_tokens=500, requests=4),
    ])
    settings = load_settings(start=tmp_path, env={}, overrides={"country": "FR"})
    return build_report(path, parse_period("2026-Q3"), settings=settings), settings


def test_the_json_counts_requests_and_units_by_kind(report) -> None:  # type: ignore[no-untyped-def]
    r, settings = report
    data = json.loads(render(r, "json", "en"))
    kinds = {k["kind"]: k for k in data["by_kind"]}
    assert list(kinds) == ["chat", "embedding", "image", "transcription"]
    assert (kinds["image"]["requests"], kinds["image"]["units"], kinds["image"]["unit"]) == (3, 12.0, "image")
    assert (kinds["transcription"]["requests"], kinds["transcription"]["units"]) == (3, 180.0)
    assert kinds["transcription"]["unpriced_requests"] == 1 and kinds["image"]["unpriced_requests"] == 0
    # The data quality counts it with the kinds not priced.
    assert [(u["kind"], u["requests"]) for u in data["methodology"]["unpriced_kinds"]] == [("transcription", 1)]
    assert (kinds["chat"]["requests"], kinds["chat"]["tokens"], kinds["chat"]["unit"]) == (10, 10_000, None)
    assert kinds["image"]["energy_kwh"]["central"] == pytest.approx(
        estimate_image("gpt-image-1", 12, provider="openai", settings=settings).energy_kwh.central)
    assert kinds["transcription"]["energy_kwh"]["central"] == pytest.approx(
        estimate_audio("whisper-1", 180.0, provider="openai", settings=settings).energy_kwh.central)
    # The kinds add up to the estimated total.
    assert sum(k["co2e_kg"]["central"] for k in kinds.values()) == pytest.approx(data["totals"]["co2e_kg"]["central"])


@pytest.mark.parametrize("lang, heading, image, audio", [
    ("en", "By request kind", "12 images", "180 s of audio"),
    ("fr", "Par type de requête", "12 images", "180 s d'audio"),
])
def test_every_format_shows_the_kinds(report, lang: str, heading: str, image: str, audio: str) -> None:  # type: ignore[no-untyped-def]
    r, _ = report
    for fmt in ("md", "html", "table"):
        text = html.unescape(render(r, fmt, lang)) if fmt == "html" else render(r, fmt, lang)
        assert heading in text and image in text and audio in text, (fmt, lang)
    md = render(r, "md", lang)
    line = next(ln for ln in md.splitlines() if image in ln)
    assert line.startswith("| image |") and "| 3 |" in line


def test_a_chat_only_report_has_no_kind_table(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [call("c", "gpt-4o-mini", input_tokens=10, output_tokens=5)])
    r = build_report(path, parse_period("2026-Q3"), settings=load_settings(start=tmp_path, env={}))
    assert "By request kind" not in render(r, "md", "en")
    assert [k.kind for k in r.by_kind] == ["chat"]
