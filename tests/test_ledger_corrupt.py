"""A partly corrupt ledger: every command that reads it names the file, exits 2 (doctor: a
finding, exit 1), never prints a traceback, and never modifies it.

The damaged files are real ledgers (written through the demo's writer) with some pages
past the header overwritten with garbage: the table or index page a command needs, or one
it never reads (the case a query alone does not notice).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.health import ledger_problem
from frugal_ai.ledger.records import ApiCallRecord, RunRecord

START = 1_790_000_000.0  # 2026-09-21 UTC

GAINS = """
[[use_case]]
name = "Invoices"
workloads = ["invoices"]
reference = "by hand"
start = 2026-09-01
  [[use_case.gain]]
  activity = "office_paper"
  quantity = 30
  unit = "kg"
"""


def _ledger(path: Path) -> None:
    calls = [
        ApiCallRecord(id=uuid.uuid4().hex, provider="openai", model="gpt-4o-mini", start=START + i * 60, end=START + i * 60 + 1,
                      input_tokens=800, output_tokens=300, name="invoices", source="manual")
        for i in range(3000)
    ]
    runs = [RunRecord(id=uuid.uuid4().hex, name="nightly", project="p", start=START + i, end=START + i + 1, status="ok",
                      method="tdp_fallback", cpu_kwh=1e-6, gpu_kwh=0.0, ram_kwh=1e-7)
            for i in range(5)]
    write_records(path, [*runs, *calls])
    conn = sqlite3.connect(path)  # one self-contained file: the WAL folded in
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


def _damage(path: Path, pages: list[int]) -> None:
    """Overwrite whole pages (1-based, as SQLite numbers them) with random bytes."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    rng = random.Random(7)
    with open(path, "r+b") as f:
        for page in pages:
            f.seek((page - 1) * size)
            f.write(rng.randbytes(size))


def _root_page(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=["data_pages", "unread_table", "index"])
def damaged(request: pytest.FixtureRequest, ledger_path: Path) -> Path:
    _ledger(ledger_path)
    n_pages = ledger_path.stat().st_size // 4096
    if request.param == "data_pages":  # a run of the API calls' pages, past the header and schema
        pages = list(range(n_pages // 2, n_pages, 3))
    elif request.param == "unread_table":  # the runs table: the balance of an API workload never reads it
        pages = [_root_page(ledger_path, "runs")]
    else:  # the index a name lookup uses
        pages = [_root_page(ledger_path, "api_calls_name")]
    _damage(ledger_path, pages)
    return ledger_path


def _invoke(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_health_check_finds_the_damage_and_passes_a_sound_ledger(ledger_path: Path, tmp_path: Path) -> None:
    sound = tmp_path / "sound.sqlite"
    _ledger(sound)
    assert ledger_problem(sound) is None
    assert ledger_problem(tmp_path / "missing.sqlite") is None
    _ledger(ledger_path)
    _damage(ledger_path, [_root_page(ledger_path, "runs")])
    problem = ledger_problem(ledger_path)
    assert problem is not None and "\n" not in problem


def test_gains_check_refuses_a_damaged_ledger(damaged: Path) -> None:
    before = _sha(damaged)
    Path("g.toml").write_text(GAINS, encoding="utf-8")
    result = _invoke(["gains", "check", "g.toml"])
    assert result.exit_code == 2, result.output
    assert str(damaged) in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""  # no balance drawn from a damaged ledger
    assert _sha(damaged) == before


@pytest.mark.parametrize("args", [["ledger", "stats"], ["ledger", "export"], ["report"]])
def test_reading_commands_name_the_file(damaged: Path, args: list[str], request: pytest.FixtureRequest) -> None:
    before = _sha(damaged)
    result = _invoke(args)
    if request.node.callspec.params["damaged"] == "index" and args != ["ledger", "stats"]:
        # An index holds no record of its own: export and report do not use this one, and read
        # every record in full (export: 5 runs and 3,000 calls, one a line).
        assert result.exit_code == 0, result.output
        if args == ["ledger", "export"]:
            assert len(result.stdout.splitlines()) == 3005
    else:
        # ledger stats checks the whole file first (it is how one looks at a ledger's state)
        assert result.exit_code == 2, result.output
        assert f"error: {damaged}: " in result.stderr and "Traceback" not in result.output
    assert _sha(damaged) == before


def test_ledger_stats_names_the_file_when_data_pages_are_damaged(ledger_path: Path) -> None:
    _ledger(ledger_path)
    n_pages = ledger_path.stat().st_size // 4096
    _damage(ledger_path, list(range(n_pages // 2, n_pages, 3)))
    for args, words in ((["ledger", "stats"], "the ledger is damaged"), (["ledger", "export"], "cannot read the ledger")):
        result = _invoke(args)
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {ledger_path}: {words}"), result.stderr


def test_doctor_reports_a_damaged_ledger_as_a_finding(damaged: Path) -> None:
    before = _sha(damaged)
    table = _invoke(["doctor"])
    assert table.exit_code == 1
    assert "Traceback" not in table.output
    for words in ("RAPL", "NVML", "Configuration", str(damaged), "corrupt ("):
        assert words in table.stdout
    as_json = _invoke(["doctor", "--format", "json"])
    assert as_json.exit_code == 1
    facts = json.loads(as_json.stdout)
    assert facts["ledger"]["status"] == "corrupt" and facts["ledger"]["problem"]
    assert facts["config"]["pue"]["origin"] == "default"
    assert _sha(damaged) == before


def test_doctor_on_a_sound_ledger_says_it_passed(ledger_path: Path) -> None:
    _ledger(ledger_path)
    result = _invoke(["doctor", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ledger"]["status"] == "ok"
