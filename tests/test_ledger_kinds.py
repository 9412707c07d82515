"""Request kinds in the ledger (schema 4): stored, migrated, hashed, grouped and priced by kind."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate.modalities import estimate_audio, estimate_embedding, estimate_image
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger import query
from frugal_ai.ledger.bounds import problem
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.ledger.schema import MIGRATIONS, SCHEMA_VERSION, open_writable


def ts(d: int) -> float:
    return datetime(2026, 7, d, 12, tzinfo=timezone.utc).timestamp()


def call(id: str, model: str, kind: str, units: float = 0.0, *, day: int = 4, requests: int = 1, **kw: object) -> ApiCallRecord:
    return ApiCallRecord(id=id, provider="openai", model=model, start=ts(day), end=ts(day) + 1, request_kind=kind,
                         units=units, requests=requests, name="marketing", **kw)  # type: ignore[arg-type]


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return load_settings(env={}, overrides={"country": "FR"})


def test_a_kind_and_its_units_are_stored_and_exported(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [call("i", "gpt-image-1", "image", 4, image_size="1536x1024", image_quality="high"),
                         call("c", "gpt-4o-mini", "chat", input_tokens=5)])
    rows = {r["id"]: r for r in query.iter_records(sqlite3.connect(path))}
    assert (rows["i"]["request_kind"], rows["i"]["units"], rows["i"]["image_size"], rows["i"]["image_quality"]) == (
        "image", 4.0, "1536x1024", "high")
    assert (rows["c"]["request_kind"], rows["c"]["units"], rows["c"]["image_size"]) == ("chat", 0.0, "")


def test_an_old_ledger_migrates_its_calls_to_chat(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript((Path(query.__file__).parent / "schema.sql").read_text())
    for version in (2, 3):  # a real version-3 ledger: runs.coverage, the sessions table, api_calls.requests
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    conn.execute("INSERT INTO api_calls (id, project, start, \"end\", status, provider, model, input_tokens) "
                 "VALUES ('old', 'p', 1.0, 2.0, 'ok', 'openai', 'gpt-4o-mini', 7)")
    conn.commit()
    conn.close()
    new = open_writable(path)
    assert new.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert new.execute("SELECT kind, units, image_size, image_quality FROM api_calls").fetchall() == [("chat", 0.0, "", "")]
    # A chat row's line has no kind fields (content_hash_text): its day's hash, then the day's line.
    line = "api_call|old|||p|{}|1|2|ok|openai|gpt-4o-mini|7|0|0|0|capture|\n"
    day = "1970-01-01|" + hashlib.sha256(line.encode()).hexdigest() + "\n"
    assert query.content_hash(new, query.Selection()) == "sha256:" + hashlib.sha256(day.encode()).hexdigest()


def test_the_kind_changes_the_content_hash(tmp_path: Path) -> None:
    hashes = set()
    for i, (kind, units) in enumerate([("chat", 0.0), ("image", 1.0), ("image", 2.0), ("transcription", 1.0)]):
        path = tmp_path / f"{i}.sqlite"
        write_records(path, [call("x", "gpt-image-1", kind, units)])
        hashes.add(query.content_hash(sqlite3.connect(path), query.Selection()))
    assert len(hashes) == 4


@pytest.mark.parametrize("kw, field", [
    ({"request_kind": "video"}, "request kind"), ({"request_kind": "image", "units": -1.0}, "units"),
    ({"request_kind": "image", "units": float("nan")}, "units"), ({"request_kind": "speech", "units": 1e12}, "units"),
    ({"request_kind": "image", "units": 1.0, "image_size": "x" * 100}, "image_size"),
    ({"units": 3.0}, "units"),
])
def test_the_bounds_refuse_a_bad_kind_or_units(kw: dict[str, object], field: str) -> None:
    r = ApiCallRecord(id="x", provider="openai", model="m", start=1.0, end=2.0, **kw)  # type: ignore[arg-type]
    reason = problem(r)
    assert reason is not None and field in reason
    ok = ApiCallRecord(id="x", provider="openai", model="m", start=1.0, end=2.0, request_kind="image", units=3.0)
    assert problem(ok) is None


def test_n_images_are_priced_n_times_with_their_size_and_quality(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    # Two requests of 4 images (n=4) and one of 1, at 1024x1536 high: 9 images, in one group.
    write_records(path, [call("a", "gpt-image-1", "image", 4, image_size="1024x1536", image_quality="high"),
                         call("b", "gpt-image-1", "image", 4, image_size="1024x1536", image_quality="high", day=5),
                         call("c", "gpt-image-1", "image", 1, image_size="1024x1536", image_quality="high", day=6)])
    (row,) = load_inventory(path, settings=settings).rows
    assert (row.kind, row.requests, row.units) == ("image", 3, 9.0)
    expected = estimate_image("gpt-image-1", 9, size="1024x1536", quality="high", provider="openai", settings=settings)
    assert row.footprint is not None
    assert row.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central)
    one = estimate_image("gpt-image-1", 1, provider="openai", settings=settings).energy_kwh.central
    assert row.footprint.energy_kwh.central > 9 * one  # larger and high quality: more than 9 reference images


def test_requests_times_units_per_request(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("m", "dall-e-3", "image", 2, requests=50)])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.units == 100.0
    assert row.footprint is not None and row.footprint.energy_kwh.central == pytest.approx(
        estimate_image("dall-e-3", 100, provider="openai", settings=settings).energy_kwh.central)


def test_a_transcription_is_priced_by_its_seconds(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("t1", "whisper-1", "transcription", 93.5),
                         call("t2", "whisper-1", "transcription", 6.5, day=5)])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.footprint is not None and row.fallbacks.kind_not_priced is None
    assert row.footprint.energy_kwh.central == pytest.approx(
        estimate_audio("whisper-1", 100.0, provider="openai", settings=settings).energy_kwh.central)


def test_speech_is_priced_by_its_characters(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("s", "tts-1", "speech", 1200, requests=3)])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.footprint is not None and row.footprint.energy_kwh.central == pytest.approx(
        estimate_audio("tts-1", characters=3600, provider="openai", settings=settings).energy_kwh.central)


def test_an_embedding_is_priced_by_its_input_tokens(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("e", "text-embedding-3-small", "embedding", input_tokens=800, requests=10)])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.footprint is not None and row.footprint.energy_kwh.central == pytest.approx(
        estimate_embedding("text-embedding-3-small", 8000, provider="openai", settings=settings).energy_kwh.central)


def test_kinds_without_units_or_model_are_counted_not_priced(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("t", "whisper-1", "transcription", 0.0),  # the reply gave no duration
                         call("u", "some-new-image-model", "image", 2.0, day=5)])
    rows = {r.model: r for r in load_inventory(path, settings=settings).rows}
    t, u = rows["whisper-1"], rows["some-new-image-model"]
    assert t.footprint is None and t.fallbacks.kind_not_priced == "transcription" and t.requests == 1
    # An unknown image model is not priced as text by a fallback class.
    assert u.footprint is None and u.fallbacks.kind_not_priced == "image" and u.fallbacks.unknown_model


def test_a_size_the_estimator_cannot_read_falls_back_to_the_reference(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.sqlite"
    write_records(path, [call("a", "gpt-image-1", "image", 2, image_size="auto", image_quality="ultra")])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.footprint is not None
    assert row.footprint.energy_kwh.central == pytest.approx(
        estimate_image("gpt-image-1", 2, provider="openai", settings=settings).energy_kwh.central)
    assert any("reference size and quality" in w for w in row.footprint.warnings)


def test_chat_rows_of_an_image_model_keep_the_old_pricing(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """Rows written before kinds (chat, no units): one image per request, as before."""
    path = tmp_path / "l.sqlite"
    write_records(path, [call("a", "gpt-image-1", "chat", requests=3)])
    (row,) = load_inventory(path, settings=settings).rows
    assert row.footprint is not None and row.footprint.energy_kwh.central == pytest.approx(
        estimate_image("gpt-image-1", 3, provider="openai", settings=settings).energy_kwh.central)


def test_the_otel_export_prices_a_call_by_its_kind() -> None:
    """The OpenTelemetry export prices an image call as images (not as text: before kinds, unpriced)."""
    from frugal_ai.config import settings_in_force
    from frugal_ai.export._otel_attributes import call_attributes

    rec = call("x", "gpt-image-1", "image", 4, requests=2, image_size="1024x1024", image_quality="high")
    name, attributes, fp = call_attributes(rec)
    assert fp is not None and attributes["frugal_ai.request_kind"] == "image"
    assert fp.energy_kwh.central == pytest.approx(estimate_image(
        "gpt-image-1", 8, quality="high", provider="openai", settings=settings_in_force()).energy_kwh.central)
    assert call_attributes(call("y", "some-new-image-model", "image", 1))[1]["frugal_ai.method"] == "unpriced"
