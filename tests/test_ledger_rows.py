"""One way into the ledger: the writer's row builder, used by tracked processes and by the
demo's ledger file alike, so the same records are stored (and hashed) the same way."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

import frugal_ai.ledger as ledger
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.records import ApiCallRecord, RunRecord, SessionRecord
from frugal_ai.ledger.rows import (CALL_COLUMNS, FIELD_OF_COLUMN, RUN_COLUMNS, SESSION_COLUMNS, call_row, run_row, session_row,
                                   tags_json)


def _records() -> list[RunRecord | ApiCallRecord]:
    return [
        RunRecord(id="r1", name="train", start=1.5, end=2.5, zone="FR", method="rapl+ram_model", cpu_kwh=0.25,
                  tags={"team": "légal", "a": "b", 'q"uote': "x\\y"}),
        ApiCallRecord(id="c1", provider="openai", model="gpt-4o-mini", start=3.0, end=4.0, input_tokens=10,
                      output_tokens=20, reasoning_tokens=30, name="train", run_id="r1",
                      tags={"team": "légal", "a": "b"}, local=True),
    ]


def _dump(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [*conn.execute("SELECT * FROM runs ORDER BY id"), *conn.execute("SELECT * FROM api_calls ORDER BY id")]
    finally:
        conn.close()


def test_the_demo_file_and_a_tracked_process_store_the_same_bytes(tmp_path: Path) -> None:
    demo, live = tmp_path / "demo.sqlite", tmp_path / "live.sqlite"
    write_records(demo, _records())
    writer = ledger.writer_for(live)
    for r in _records():
        writer.submit(r)
    assert writer.flush() == 2
    stored = _dump(demo)
    assert stored == _dump(live)
    assert stored[0][4] == tags_json(_records()[0].tags)  # tags: one encoding, non-ASCII kept as it is
    assert "légal" in str(stored[0][4])
    writer.close()


def _distinct(cls: type) -> object:
    """A record whose every field holds a value no other field holds."""
    values: dict[str, object] = {}
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.name == "kind":
            continue
        if f.name == "tags":
            values[f.name] = {"k": str(i)}
        elif f.name == "local":
            values[f.name] = True
        elif f.type in ("int", "int | None"):
            values[f.name] = 1000 + i
        elif f.type in ("float", "float | None"):
            values[f.name] = 1000.5 + i
        else:
            values[f.name] = f"v{i}"
    return cls(**values)


@pytest.mark.parametrize("cls, columns, build", [
    (RunRecord, RUN_COLUMNS, run_row), (ApiCallRecord, CALL_COLUMNS, call_row), (SessionRecord, SESSION_COLUMNS, session_row),
])
def test_each_column_gets_its_own_field(cls: type, columns: tuple[str, ...], build: object) -> None:
    record = _distinct(cls)
    row = dict(zip(columns, build(record)))  # type: ignore[operator]
    expected = {c: getattr(record, FIELD_OF_COLUMN.get(c, c)) for c in columns}
    if "tags" in expected:
        expected["tags"] = tags_json(expected["tags"])  # type: ignore[arg-type]
    if "local" in expected:
        expected["local"] = 1
    assert row == expected
    assert {FIELD_OF_COLUMN.get(c, c) for c in columns} == {f.name for f in dataclasses.fields(cls)} - {"kind"}


def test_records_are_built_with_named_fields_only() -> None:
    # A reordered field must never silently swap two integer columns: positions are refused.
    with pytest.raises(TypeError):
        ApiCallRecord("", "openai", "gpt-4o-mini", 1.0, 2.0, 10, 20)  # type: ignore[misc]
    with pytest.raises(TypeError):
        RunRecord("r", "job", 1.0, 2.0)  # type: ignore[misc]
