"""The balance against a real SQLite ledger, through the inventory and the real estimator."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.estimate import estimate_llm
from frugal_ai.gains import LedgerUsage, balance, parse_gains
from frugal_ai.gains.arithmetic import DAYS_PER_PERIOD
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.records import ApiCallRecord

D = dt.date


def ts(day: D, hour: int = 3) -> float:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc).timestamp()


def call(day: D, name: str | None, model: str = "gpt-4o-mini", tags: dict[str, str] | None = None) -> ApiCallRecord:
    return ApiCallRecord(
        id=uuid.uuid4().hex, provider="openai", model=model, start=ts(day), end=ts(day) + 1,
        input_tokens=1000, output_tokens=200, name=name, tags=tags or {}, source="manual",
    )


@pytest.fixture()
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    records = []
    for month in (1, 2, 3):
        records += [call(D(2026, month, 10), "planner") for _ in range(10)]
        records += [call(D(2026, month, 11), "other", tags={"team": "ops"}) for _ in range(5)]
    write_records(path, records)
    return path


SETTINGS = load_settings(env={}, overrides={"country": "FR"})
PER_CALL = estimate_llm("gpt-4o-mini", 1000, 200, provider="openai", settings=SETTINGS)

TEXT = """
[[use_case]]
name = "Routes"
workloads = {workloads}
reference = "Manual planning"
start = 2026-01-01
  [[use_case.gain]]
  activity = "diesel"
  quantity = 10
  unit = "L"
{extra}
"""


def run(ledger: Path, workloads: str, extra: str = "", **kw: object):  # type: ignore[no-untyped-def]
    gf = parse_gains(TEXT.format(workloads=workloads, extra=extra), "g.toml")
    return balance(gf, LedgerUsage(ledger, SETTINGS), settings=SETTINGS, **kw)  # type: ignore[arg-type]


def test_footprint_is_the_workloads_calls_in_the_window(ledger: Path) -> None:
    uc = run(ledger, '["planner"]', since=D(2026, 1, 1), until=D(2026, 3, 1), today=D(2026, 6, 1)).use_cases[0]
    # 20 calls in January and February; March is outside the window
    assert uc.footprint_co2e_kg.central == pytest.approx(20 * PER_CALL.co2e_kg.central)
    assert uc.footprint_co2e_kg.low == pytest.approx(20 * PER_CALL.co2e_kg.low)
    assert uc.footprint_water_l.high == pytest.approx(20 * PER_CALL.water_l.high)
    assert set(uc.footprint_co2e_kg_by_source) == {"estimated"}
    assert uc.warnings == []


def test_tags_select_workloads(ledger: Path) -> None:
    uc = run(ledger, '["team=ops"]', since=D(2026, 1, 1), until=D(2026, 4, 1), today=D(2026, 6, 1)).use_cases[0]
    assert uc.footprint_co2e_kg.central == pytest.approx(15 * PER_CALL.co2e_kg.central)


def test_a_workload_that_matches_nothing_warns(ledger: Path) -> None:
    b = run(ledger, '["planner", "plannr"]', since=D(2026, 1, 1), until=D(2026, 4, 1), today=D(2026, 6, 1))
    assert b.warnings == ["use case 'Routes': workload 'plannr' matches nothing in the ledger"]
    assert b.use_cases[0].footprint_co2e_kg.central == pytest.approx(30 * PER_CALL.co2e_kg.central)


def test_no_ledger_yet_is_a_balance_before_deploying(tmp_path: Path) -> None:
    extra = '  [use_case.expected_usage]\n  model = "gpt-4o-mini"\n  requests = 3000\n  input_tokens = 1000\n  output_tokens = 200'
    b = run(tmp_path / "none.sqlite", '["planner"]', extra, since=D(2026, 1, 1), until=D(2026, 2, 1), today=D(2025, 12, 1))
    uc = b.use_cases[0]
    per_month = estimate_llm("gpt-4o-mini", 1000, 200, requests=3000, settings=SETTINGS)
    days = 31
    assert uc.footprint_co2e_kg_by_source["expected"].central == pytest.approx(per_month.co2e_kg.central * days / DAYS_PER_PERIOD["month"])
    assert uc.verdict == "pays_back"
    assert b.warnings == ["use case 'Routes': workload 'planner' matches nothing in the ledger"]


def test_expected_usage_on_top_of_tracked_calls_warns_of_double_counting(ledger: Path) -> None:
    extra = '  [use_case.expected_usage]\n  model = "gpt-4o-mini"\n  requests = 10\n  input_tokens = 1000\n  output_tokens = 200'
    uc = run(ledger, '["planner"]', extra, since=D(2026, 1, 1), until=D(2026, 4, 1), today=D(2026, 6, 1)).use_cases[0]
    assert any("counted twice" in w for w in uc.warnings)
    assert set(uc.footprint_co2e_kg_by_source) == {"estimated", "expected"}


def test_payback_reads_history_only_up_to_the_window(ledger: Path) -> None:
    # Same gains file, window ending in February: the March calls must not move the payback.
    a = run(ledger, '["planner"]', "[[use_case.hardware]]\nco2e_kg = 50", since=D(2026, 1, 1), until=D(2026, 3, 1), today=D(2026, 6, 1))
    b = run(ledger, '["planner"]', "[[use_case.hardware]]\nco2e_kg = 50", since=D(2026, 1, 1), until=D(2026, 3, 1), today=D(2027, 6, 1))
    assert a.use_cases[0].payback == b.use_cases[0].payback
    assert a.use_cases[0].payback.date is not None


def test_a_window_that_is_not_whole_months_is_read_exactly(ledger: Path) -> None:
    # Calls on the 10th of each month: 5 Jan – 9 Feb holds January's only; 5 Jan – 19 Feb both.
    one = run(ledger, '["planner"]', since=D(2026, 1, 5), until=D(2026, 2, 10), today=D(2026, 6, 1)).use_cases[0]
    two = run(ledger, '["planner"]', since=D(2026, 1, 5), until=D(2026, 2, 20), today=D(2026, 6, 1)).use_cases[0]
    assert one.footprint_co2e_kg.central == pytest.approx(10 * PER_CALL.co2e_kg.central)
    assert two.footprint_co2e_kg.central == pytest.approx(20 * PER_CALL.co2e_kg.central)


def test_an_inventory_can_stand_for_its_ledger(ledger: Path) -> None:
    from frugal_ai.inventory import load_inventory

    gf = parse_gains(TEXT.format(workloads='["planner"]', extra=""), "g.toml")
    kw = dict(since=D(2026, 1, 1), until=D(2026, 4, 1), settings=SETTINGS, today=D(2026, 6, 1))
    via_inventory = balance(gf, load_inventory(ledger, settings=SETTINGS), **kw)  # type: ignore[arg-type]
    via_ledger = balance(gf, LedgerUsage(ledger, SETTINGS), **kw)  # type: ignore[arg-type]
    assert via_inventory == via_ledger


def test_without_since_the_window_opens_on_the_first_ledger_record(ledger: Path) -> None:
    # The use case starts on 1 January; its first call is on 10 January (the 'other' workload's
    # on the 11th): gains and footprint are both counted from the 10th.
    uc = run(ledger, '["planner"]', today=D(2026, 3, 31)).use_cases[0]
    assert (uc.since, uc.active_from, uc.until) == (D(2026, 1, 10), D(2026, 1, 10), D(2026, 4, 1))
    assert uc.footprint_co2e_kg.central == pytest.approx(30 * PER_CALL.co2e_kg.central)
    assert uc.gains[0].avoided_co2e_kg.central == pytest.approx(uc.gains[0].avoided_co2e_kg_per_period.central * 81 / DAYS_PER_PERIOD["month"])
    assert uc.payback.date is not None and uc.payback.date >= D(2026, 1, 10)
    uc = run(ledger, '["team=ops"]', today=D(2026, 3, 31)).use_cases[0]
    assert uc.active_from == D(2026, 1, 11)
