"""Plausibility bounds: a token count no request can have is never summed, whether the writer
refuses it now or an older ledger already holds it; the report's data quality counts it."""

from __future__ import annotations

import json
import sqlite3
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

import frugal_ai.ledger as ledger
from frugal_ai.cli import main
from frugal_ai.config import Settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger import ApiCallRecord
from frugal_ai.ledger.bounds import MAX_TOKENS_PER_REQUEST
from frugal_ai.ledger.query import IMPLAUSIBLE_REASON
from frugal_ai.report import build_report, parse_period, render

JULY = datetime(2026, 7, 10, tzinfo=timezone.utc).timestamp()


def _calls(n: int) -> list[ApiCallRecord]:
    return [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o-mini", start=JULY + i, end=JULY + i + 1,
                          input_tokens=1000, output_tokens=200, name="chatbot") for i in range(n)]


def _with_legacy_rows(path: Path, tokens: list[int]) -> None:
    """API calls as a ledger written before the bounds may hold them (the writer now refuses them)."""
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO api_calls (id, provider, model, project, start, \"end\", status, input_tokens, name) "
        "VALUES (?, 'openai', 'gpt-4o-mini', 'default', ?, ?, 'ok', ?, 'chatbot')",
        [(f"legacy{i}", JULY + 100 + i, JULY + 101 + i, t) for i, t in enumerate(tokens)])
    conn.commit()
    conn.close()


def test_ledger_stats_survive_huge_values_and_do_not_sum_them(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, _calls(3))
    _with_legacy_rows(path, [9 * 10**18, 9 * 10**18])  # two of them overflowed SQLite's SUM
    result = CliRunner().invoke(main, ["ledger", "stats", "--ledger", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["api_calls"] == 5 and stats["input_tokens"] == 3000 and stats["rejected_records"] == 2


def test_an_implausible_call_is_never_summed_and_the_report_counts_it(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.sqlite", tmp_path / "dirty.sqlite"
    write_records(clean, _calls(20))
    writer = ledger.writer_for(dirty)
    for call in _calls(20):
        writer.submit(call)
    writer.submit(ApiCallRecord(id="hostile", provider="openai", model="gpt-4o-mini", start=JULY + 50, end=JULY + 51,
                                input_tokens=10**18, output_tokens=5, name="chatbot"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert writer.flush() == 20
    _with_legacy_rows(dirty, [MAX_TOKENS_PER_REQUEST + 1])
    settings = Settings(country="FR", ledger=dirty, project="t")
    a, b = load_inventory(clean, settings=settings), load_inventory(dirty, settings=settings)
    assert b.totals_by_method["estimated"] == a.totals_by_method["estimated"]
    assert sum(r.input_tokens for r in b.rows) == 20 * 1000
    assert b.rejected == {"input_tokens above 10,000,000 per request": 1, IMPLAUSIBLE_REASON: 1}
    assert b.ledger_rows == a.ledger_rows + 1  # the old implausible row is a row of the ledger (hashed), not summed

    report = build_report(dirty, parse_period("2026"), settings=settings)
    assert report.methodology.rejected_records == b.rejected
    md = render(report, "md", "en")
    assert "| Records rejected as implausible (kept apart, never counted) | 2 |" in md
    assert "10,000,000 per request (recorded before the bounds): 1" in md
    assert "input\\_tokens above 10,000,000 per request: 1" in md  # the reason, as Markdown text
    assert "Enregistrements rejetés" in render(report, "md", "fr")


@pytest.mark.parametrize("field, value", [
    ("input_tokens", MAX_TOKENS_PER_REQUEST), ("output_tokens", MAX_TOKENS_PER_REQUEST), ("reasoning_tokens", 0),
])
def test_the_bound_itself_is_accepted(tmp_path: Path, field: str, value: int) -> None:
    path = tmp_path / "l.sqlite"
    call = _calls(1)[0]
    setattr(call, field, value)
    write_records(path, [call])
    assert sqlite3.connect(path).execute(f"SELECT {field} FROM api_calls").fetchone() == (value,)
