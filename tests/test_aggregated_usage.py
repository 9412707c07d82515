"""Dated, aggregated usage: `record_llm_call(..., at=, requests=)`, the ledger's request count,
and every aggregate (inventory, report, gains usage, advice, export, stats) counting it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

import frugal_ai
from frugal_ai import ledger
from frugal_ai.cli import main
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.errors import InputError
from frugal_ai.estimate import estimate_llm
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.ledger.schema import SCHEMA_VERSION

JULY = datetime(2026, 7, 15, 9, tzinfo=timezone.utc)


def _month_as_one_row(path: Path, n: int) -> None:
    write_records(path, [ApiCallRecord(id="m", provider="openai", model="gpt-4o", start=JULY.timestamp(),
                                       end=JULY.timestamp(), input_tokens=3000, output_tokens=400,
                                       reasoning_tokens=0, name="chat", requests=n)])


def _month_as_n_rows(path: Path, n: int) -> None:
    write_records(path, [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o", start=JULY.timestamp() + i,
                                       end=JULY.timestamp() + i, input_tokens=3000, output_tokens=400, name="chat")
                         for i in range(n)])


def _pair(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """(a ledger holding the month as one row of n requests, one holding it as n rows)."""
    one, many = tmp_path / "one.sqlite", tmp_path / "many.sqlite"
    _month_as_one_row(one, n)
    _month_as_n_rows(many, n)
    return one, many


def test_a_month_as_one_row_of_n_requests_equals_n_single_rows(tmp_path: Path) -> None:
    n = 250
    one, many = _pair(tmp_path, n)
    a, b = load_inventory(one), load_inventory(many)
    (ra,), (rb,) = a.rows, b.rows
    assert (ra.requests, ra.input_tokens, ra.input_tokens_sq, ra.output_tokens) == (
        rb.requests, rb.input_tokens, rb.input_tokens_sq, rb.output_tokens) == (n, n * 3000, n * 3000**2, n * 400)
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        for bound in ("low", "central", "high"):
            x, y = getattr(getattr(ra.footprint, q), bound), getattr(getattr(rb.footprint, q), bound)
            assert x == pytest.approx(y, rel=1e-9)
    # requests × the per-request estimate, prefill (Σ input²) included: never one giant request
    per_request = estimate_llm("gpt-4o", 3000, 400, provider="openai")
    assert ra.footprint.energy_kwh.central == pytest.approx(n * per_request.energy_kwh.central, rel=1e-9)
    giant = estimate_llm("gpt-4o", n * 3000, n * 400, provider="openai")
    assert giant.energy_kwh.central > 1.5 * ra.footprint.energy_kwh.central  # what a row without requests gave
    assert a.ledger_rows == 1 and b.ledger_rows == n


def test_report_stats_and_export_count_the_requests(tmp_path: Path) -> None:
    n = 40
    one, many = _pair(tmp_path, n)
    runner = CliRunner()
    reports = [json.loads(runner.invoke(main, ["report", "--ledger", str(p), "--period", "2026-07", "--format", "json"],
                                        catch_exceptions=False).output) for p in (one, many)]
    assert reports[0]["totals"] == reports[1]["totals"]
    assert reports[0]["by_model"][0]["requests"] == reports[1]["by_model"][0]["requests"] == n
    stats = [json.loads(runner.invoke(main, ["ledger", "stats", "--ledger", str(p), "--format", "json"],
                                      catch_exceptions=False).output) for p in (one, many)]
    assert stats[0]["api_calls"] == stats[1]["api_calls"] == n
    assert stats[0]["input_tokens"] == stats[1]["input_tokens"] == n * 3000
    assert (stats[0]["api_call_rows"], stats[1]["api_call_rows"]) == (1, n)
    exported = runner.invoke(main, ["ledger", "export", "--ledger", str(one)], catch_exceptions=False).output
    (record,) = [json.loads(line) for line in exported.splitlines()]
    assert (record["requests"], record["input_tokens"], record["source"]) == (n, 3000, "capture")


def test_advice_counts_the_requests(tmp_path: Path) -> None:
    from frugal_ai.advise import advise
    from frugal_ai.config import load_settings

    n = 30
    one, many = _pair(tmp_path, n)
    s = load_settings()
    advice = [advise(load_inventory(p), s) for p in (one, many)]
    assert [(a.kind, a.requests) for a in advice[0]] == [(a.kind, a.requests) for a in advice[1]]
    for x, y in zip(*advice):
        assert x.savings_co2e_kg.central == pytest.approx(y.savings_co2e_kg.central, rel=1e-9)
    assert advice[0] and all(a.requests == n for a in advice[0])


def test_record_llm_call_dates_the_row_and_stores_its_request_count(ledger_path: Path) -> None:
    rec = frugal_ai.record_llm_call("gpt-4o-mini", 1000, 200, provider="openai", at=JULY, requests=12)
    naive = frugal_ai.record_llm_call("gpt-4o-mini", 10, 2, provider="openai", at=datetime(2026, 3, 1, 0, 30))
    ledger.flush()
    assert rec is not None and naive is not None
    conn = sqlite3.connect(ledger_path)
    rows = conn.execute("SELECT start, requests, input_tokens, source FROM api_calls ORDER BY start").fetchall()
    assert rows == [(datetime(2026, 3, 1, 0, 30, tzinfo=timezone.utc).timestamp(), 1, 10, "manual"),
                    (JULY.timestamp(), 12, 1000, "manual")]
    inv = load_inventory(ledger_path)
    assert {(r.month, r.requests) for r in inv.rows} == {("2026-03", 1), ("2026-07", 12)}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_record_llm_call_refuses_a_request_count_that_is_not_a_positive_integer(bad: object) -> None:
    with pytest.raises(InputError, match="requests"):
        frugal_ai.record_llm_call("gpt-4o-mini", 10, 10, requests=bad)  # type: ignore[arg-type]


def test_record_llm_call_refuses_a_date_that_is_not_a_datetime() -> None:
    with pytest.raises(InputError, match="at must be a datetime"):
        frugal_ai.record_llm_call("gpt-4o-mini", 10, 10, at="2026-07-01")  # type: ignore[arg-type]


def test_an_old_ledger_is_migrated_and_its_rows_count_one_request(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    from frugal_ai.ledger.schema import MIGRATIONS, _base_statements

    for statement in _base_statements():
        conn.execute(statement)
    for statement in MIGRATIONS[2]:
        conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.execute("INSERT INTO api_calls (id, project, start, \"end\", status, provider, model, input_tokens, "
                 "output_tokens) VALUES ('old', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', 500, 100)",
                 (JULY.timestamp(), JULY.timestamp()))
    conn.commit()
    conn.close()
    inv = load_inventory(path)
    assert [r.requests for r in inv.rows] == [1]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert conn.execute("SELECT requests FROM api_calls").fetchall() == [(1,)]


def test_a_row_outside_the_request_bounds_is_rejected_not_summed(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [ApiCallRecord(id="x", provider="openai", model="gpt-4o", start=JULY.timestamp(),
                                       end=JULY.timestamp(), input_tokens=10, requests=0)])
    inv = load_inventory(path)
    assert inv.rows == [] and sum(inv.rejected.values()) == 1
