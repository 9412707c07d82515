"""`frugal-ai ledger stats | export`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import frugal_ai.ledger as ledger
from frugal_ai.cli import main
from frugal_ai.ledger import ApiCallRecord, RunRecord
from frugal_ai.ledger.export import FIELDS

JULY = 1782864000.0  # 2026-07-01T00:00:00Z
AUGUST = 1785542400.0  # 2026-08-01T00:00:00Z
# DESIGN.md, `ledger export`: the keys of one record
DESIGN_KEYS = ("kind", "id", "run_id", "parent_id", "name", "project", "tags", "start", "end", "status", "energy_kwh",
               "cpu_kwh", "gpu_kwh", "ram_kwh", "provider", "model", "input_tokens", "output_tokens", "reasoning_tokens",
               "latency_s")


@pytest.fixture()
def filled(ledger_path: Path) -> Path:
    ledger.submit(RunRecord(id="r1", name="ocr", start=JULY + 10, end=JULY + 12, tags={"t": "1"}, cpu_kwh=0.001,
                            gpu_kwh=0.002, ram_kwh=0.0005, method="rapl+nvml+ram_model", zone="FRA"))
    ledger.submit(RunRecord(id="r2", name="ocr.page", start=JULY + 10.5, end=JULY + 11, parent_id="r1", cpu_kwh=0.0001))
    ledger.submit(ApiCallRecord(id="c1", provider="openai", model="gpt-4o-mini", start=JULY + 11, end=JULY + 11.5,
                                input_tokens=100, output_tokens=50, reasoning_tokens=7, latency_s=0.5, run_id="r1",
                                name="ocr"))
    ledger.submit(RunRecord(id="r3", name="later", start=AUGUST + 5, end=AUGUST + 6, status="failed"))
    ledger.flush()
    return ledger_path


def test_export_jsonl_has_the_design_keys(filled: Path) -> None:
    result = CliRunner().invoke(main, ["ledger", "export"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in records] == ["r1", "r2", "r3", "c1"]
    run, child, _, call = records
    for key in ("kind", "id", "run_id", "parent_id", "name", "project", "tags", "start", "end", "status"):
        assert key in run and key in call
    assert run["kind"] == "run" and run["start"] == "2026-07-01T00:00:10Z" and run["tags"] == {"t": "1"}
    assert run["energy_kwh"] == pytest.approx(0.0035) and run["gpu_kwh"] == 0.002
    assert child["parent_id"] == "r1"
    assert (call["kind"], call["run_id"], call["provider"], call["model"], call["input_tokens"], call["output_tokens"],
            call["reasoning_tokens"], call["latency_s"]) == ("api_call", "r1", "openai", "gpt-4o-mini", 100, 50, 7, 0.5)


def test_export_csv_and_date_window(filled: Path) -> None:
    result = CliRunner().invoke(main, ["ledger", "export", "--format", "csv", "--since", "2026-07-01", "--until", "2026-07-31"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert tuple(rows[0]) == FIELDS
    # FIELDS is the code's own list: hold it to DESIGN.md's record keys, not to itself
    assert set(DESIGN_KEYS) <= set(FIELDS), set(DESIGN_KEYS) - set(FIELDS)
    assert rows[0]["kind"] == "run" and float(rows[0]["energy_kwh"]) == pytest.approx(0.0035)
    assert [r["id"] for r in rows] == ["r1", "r2", "c1"]
    later = CliRunner().invoke(main, ["ledger", "export", "--since", "2026-08-01"])
    assert [json.loads(x)["id"] for x in later.output.splitlines()] == ["r3"]


def test_stats(filled: Path) -> None:
    result = CliRunner().invoke(main, ["ledger", "stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert (facts["runs"], facts["root_runs"], facts["failed_runs"], facts["api_calls"]) == (3, 2, 1, 1)
    assert facts["measured_cpu_kwh"] == pytest.approx(0.001)  # top-level runs only: energies are inclusive
    assert facts["schema_version"] == ledger.SCHEMA_VERSION and facts["size_bytes"] > 0
    table = CliRunner().invoke(main, ["ledger", "stats"])
    assert table.exit_code == 0 and str(filled) in table.output


def test_stats_show_the_machine_energy_not_charged_to_runs(ledger_path: Path) -> None:
    ledger.submit(RunRecord(id="r", name="job", start=1.0e9, end=1.0e9 + 10, method="rapl", cpu_kwh=0.002))
    ledger.submit(ledger.SessionRecord(id="s", start=1.0e9, end=1.0e9 + 20, method="rapl", cpu_kwh=0.010,
                                       unattributed_cpu_kwh=0.008, others_cpu_kwh=0.003, idle_cpu_kwh=0.004,
                                       share_method="proc"))
    ledger.submit(ledger.SessionRecord(id="old", start=1.0e9, end=1.0e9 + 20, method="rapl", cpu_kwh=0.5,
                                       unattributed_cpu_kwh=0.5))  # from before the split: left out of it
    ledger.flush()
    facts = json.loads(CliRunner().invoke(main, ["ledger", "stats", "--format", "json"]).output)
    split = facts["machine_split"]
    assert split["sessions"] == 1 and split["machine_kwh"] == pytest.approx(0.010)
    assert (split["runs_kwh"], split["process_outside_runs_kwh"], split["others_kwh"], split["idle_kwh"]) == \
        pytest.approx((0.002, 0.001, 0.003, 0.004))
    table = CliRunner().invoke(main, ["ledger", "stats"]).output
    line = next(x for x in table.splitlines() if x.startswith("machine energy"))
    assert line.endswith(" 10 Wh = runs 2 Wh + tracked processes outside runs 1 Wh + other processes 3 Wh "
                         "+ idle 4 Wh (tracker sessions: 1)"), table


@pytest.mark.parametrize("args", [["ledger", "export", "--since", "July"], ["ledger", "stats"], ["ledger", "export"]])
def test_bad_dates_and_corrupt_ledger_exit_2(ledger_path: Path, args: list[str]) -> None:
    if args[-1] != "July":
        ledger_path.write_bytes(b"garbage" * 1000)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert ("--since" in result.output) if args[-1] == "July" else (str(ledger_path) in result.output)
    if args[-1] != "July":
        assert ledger_path.read_bytes() == b"garbage" * 1000


def test_a_missing_ledger_reads_as_empty(ledger_path: Path) -> None:
    result = CliRunner().invoke(main, ["ledger", "stats", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["runs"] == 0
    assert not ledger_path.exists()


def test_a_bad_config_file_is_refused_by_ledger_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('ledgr = "x.sqlite"\n')
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(cfg))
    for args in (["ledger", "stats"], ["ledger", "export"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert str(cfg) in result.stderr and "ledgr" in result.stderr
