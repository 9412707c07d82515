"""A valid ledger in a folder that cannot be written (a read-only mount, a copy handed to an
auditor) can be read: report, export and stats work, and nothing is written next to it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger import ApiCallRecord, RunRecord

JULY = datetime(2026, 7, 10, tzinfo=timezone.utc).timestamp()


def _records() -> list[RunRecord | ApiCallRecord]:
    return [
        RunRecord(id="r1", name="train", start=JULY, end=JULY + 60, zone="FR", method="rapl+ram_model", cpu_kwh=0.01),
        *(ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o-mini", start=JULY + i, end=JULY + i + 1,
                        input_tokens=500, output_tokens=100, name="chatbot") for i in range(5)),
    ]


def _freeze(folder: Path) -> None:
    """Make `folder` unwritable even for root (who ignores permissions): the immutable flag."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root where chattr +i is not available: no way to make a folder read-only")


def _thaw(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    else:
        folder.chmod(0o755)


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "mount"
    folder.mkdir()
    path = folder / "ledger.sqlite"
    write_records(path, _records())  # closed: everything checkpointed into the file, no -wal / -shm left
    _freeze(folder)
    try:
        yield path
    finally:
        _thaw(folder)


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_stats_export_and_report_read_a_ledger_in_a_read_only_folder(frozen: Path) -> None:
    before = sorted(os.listdir(frozen.parent))
    code, out = _invoke(["ledger", "stats", "--ledger", str(frozen), "--format", "json"])
    assert code == 0, out
    assert (json.loads(out)["runs"], json.loads(out)["api_calls"]) == (1, 5)
    code, out = _invoke(["ledger", "export", "--ledger", str(frozen)])
    assert code == 0, out
    assert len(out.splitlines()) == 6
    code, out = _invoke(["report", "--ledger", str(frozen), "--period", "2026", "--format", "json"])
    assert code == 0, out
    assert json.loads(out)["methodology"]["ledger_rows"] == 6
    assert sorted(os.listdir(frozen.parent)) == before  # nothing created beside it


def test_rows_another_program_wrote_are_reported_from_a_read_only_folder(tmp_path: Path) -> None:
    """A row written by plain SQL is not in the rollups yet (ledger/rollups.py): a reader that
    cannot write the file sums it in temporary copies, and reports what a writable reader does."""
    folder = tmp_path / "mount"
    folder.mkdir()
    path = folder / "ledger.sqlite"
    write_records(path, _records())
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens, "
                "output_tokens) VALUES ('other', 'chatbot', 'p', ?, ?, 'ok', 'openai', 'gpt-4o-mini', 900, 80)",
                (JULY + 100, JULY + 101))
    raw.commit()
    marks = raw.execute("SELECT * FROM rollup_marks ORDER BY facts").fetchall()
    raw.close()
    args = ["report", "--ledger", str(path), "--period", "2026", "--format", "json"]
    _freeze(folder)
    try:
        before = sorted(os.listdir(folder))
        code, frozen_out = _invoke(args)
        assert sorted(os.listdir(folder)) == before
    finally:
        _thaw(folder)
    assert code == 0, frozen_out
    frozen_report = json.loads(frozen_out)
    assert frozen_report["methodology"]["ledger_rows"] == 7
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT * FROM rollup_marks ORDER BY facts").fetchall() == marks  # nothing written
    raw.close()
    code, out = _invoke(args)  # writable: the row is summed into the file's rollups
    assert code == 0, out
    assert sqlite3.connect(path).execute("SELECT mark FROM rollup_marks WHERE facts = 'api_calls'").fetchone() == (6,)
    report = json.loads(out)
    assert report["methodology"]["content_hash"] == frozen_report["methodology"]["content_hash"]
    assert report["totals"] == frozen_report["totals"] and report["by_model"] == frozen_report["by_model"]


def test_records_left_in_a_wal_that_cannot_be_read_are_said_in_one_line(tmp_path: Path) -> None:
    live, folder = tmp_path / "live.sqlite", tmp_path / "copy"
    folder.mkdir()
    write_records(live, _records())
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("INSERT INTO runs (id, name, project, start, \"end\", status, method) "
                 "VALUES ('late', 'x', 'p', 1, 2, 'ok', 'unavailable')")
    conn.commit()
    shutil.copy(live, folder / "ledger.sqlite")  # copied while open: the last record is only in the -wal
    shutil.copy(f"{live}-wal", folder / "ledger.sqlite-wal")
    conn.close()
    _freeze(folder)
    try:
        result = CliRunner().invoke(main, ["ledger", "export", "--ledger", str(folder / "ledger.sqlite")])
    finally:
        _thaw(folder)
    assert result.exit_code == 2
    assert "ledger.sqlite-wal holds records not yet in the file" in result.output
    assert "Traceback" not in result.output
