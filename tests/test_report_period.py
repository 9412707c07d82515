"""Reporting periods from the command line."""

from __future__ import annotations

from datetime import date

import pytest

from frugal_ai.errors import InputError
from frugal_ai.report.period import parse_period, resolve_period


@pytest.mark.parametrize(
    "text, since, until",
    [
        ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-09", date(2026, 9, 1), date(2026, 10, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_periods(text: str, since: date, until: date) -> None:
    p = parse_period(text)
    assert (p.since, p.until) == (since, until)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "Q3", "2026-09-01", "last month"])
def test_bad_periods_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_period(text)


def test_until_is_the_last_day_included() -> None:
    p = resolve_period(None, "2026-07-01", "2026-07-31")
    assert p.until == date(2026, 8, 1) and p.last_day == date(2026, 7, 31)
    assert p.label == "2026-07-01/2026-07-31"


def test_period_and_dates_do_not_mix_and_dates_must_be_ordered() -> None:
    with pytest.raises(InputError):
        resolve_period("2026-Q3", "2026-07-01", None)
    with pytest.raises(InputError):
        resolve_period(None, "2026-08-01", "2026-07-01")
    with pytest.raises(InputError):
        resolve_period(None, "01/07/2026", None)
    assert resolve_period(None, None, None).label == "all"


# --- a period that runs past today: counted up to today, and labelled so --------------------------

DEC_1 = date(2026, 12, 1)  # the tests' "today": never the machine's clock


def test_a_period_running_past_today_is_cut_at_today_and_marked_in_progress() -> None:
    p = resolve_period("2026-Q4", None, None, today=DEC_1)
    assert (p.since, p.until, p.last_day) == (date(2026, 10, 1), date(2026, 12, 2), DEC_1)
    assert p.in_progress and p.planned_until == date(2027, 1, 1) and p.planned_last_day == date(2026, 12, 31)
    assert p.label == "2026-Q4"
    dates = resolve_period(None, "2026-11-01", "2027-03-31", today=DEC_1)
    assert dates.until == date(2026, 12, 2) and dates.in_progress


@pytest.mark.parametrize("text", ["2026-Q3", "2026-11"])
def test_a_period_over_before_today_is_whole(text: str) -> None:
    p = resolve_period(text, None, None, today=DEC_1)
    assert not p.in_progress and p == parse_period(text)


def test_a_period_ending_today_or_starting_after_it_is_not_cut() -> None:
    assert not resolve_period(None, "2026-11-01", "2026-12-01", today=DEC_1).in_progress
    future = resolve_period("2027-Q1", None, None, today=DEC_1)
    assert not future.in_progress and future.until == date(2027, 4, 1)


def test_the_command_line_cuts_at_the_clock_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai.report import period as period_module

    monkeypatch.setattr(period_module, "utc_today", lambda: date(2026, 11, 15))
    p = resolve_period("2026-Q4", None, None)
    assert p.until == date(2026, 11, 16) and p.in_progress


def test_report_and_gains_of_a_period_in_progress_cover_the_same_elapsed_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import uuid

    from frugal_ai.config import load_settings
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import ApiCallRecord
    from frugal_ai.gains.arithmetic import DAYS_PER_PERIOD
    from frugal_ai.report import build_report, render

    ledger = tmp_path / "ledger.sqlite"
    start = dt.datetime(2026, 10, 15, tzinfo=dt.timezone.utc).timestamp()
    write_records(ledger, [
        ApiCallRecord(id=uuid.uuid4().hex, provider="openai", model="gpt-4o-mini", start=start + i, end=start + i + 1,
                      input_tokens=800, output_tokens=300, name="route-planner", source="manual")
        for i in range(20)
    ])
    gains = tmp_path / "gains.toml"
    gains.write_text('[[use_case]]\nname = "Routes"\nworkloads = ["route-planner"]\nreference = "by hand"\n'
                     'start = 2026-10-01\n  [[use_case.gain]]\n  activity = "diesel"\n  quantity = 30\n  unit = "L"\n',
                     encoding="utf-8")
    settings = load_settings(overrides={"ledger": str(ledger), "country": "FR"})
    report = build_report(ledger, resolve_period("2026-Q4", None, None, today=DEC_1), settings=settings, gains_path=gains)
    assert (report.period_since, report.period_until) == ("2026-10-01", "2026-12-01")
    assert report.period_in_progress and report.period_planned_until == "2026-12-31"
    assert report.gains is not None
    case = report.gains.use_cases[0]
    # The gains count from the first record (15 October) to today included, never to 31 December.
    assert (case.since, case.active_from, case.until) == (date(2026, 10, 1), date(2026, 10, 15), date(2026, 12, 2))
    assert report.gains.as_of == DEC_1
    # 30 L a month of diesel over the 48 days from 15 October to 1 December, not to 31 December
    line = case.gains[0]
    assert line.avoided_co2e_kg.central == pytest.approx(line.avoided_co2e_kg_per_period.central * 48 / DAYS_PER_PERIOD["month"])
    whole_quarter = build_report(ledger, parse_period("2026-Q4"), settings=settings)
    assert "1 October – 1 December 2026, period in progress" in render(report, "md", "en")
    assert "1er octobre – 1er décembre 2026, période en cours" in render(report, "md", "fr")
    assert "in progress" not in render(whole_quarter, "md", "en")


def test_a_gains_window_past_today_is_cut_at_today(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.gains import balance, parse_gains
    from frugal_ai.gains.arithmetic import DAYS_PER_PERIOD

    gf = parse_gains('[[use_case]]\nname = "Plan"\nreference = "by hand"\nstart = 2026-10-01\n'
                     '  [[use_case.gain]]\n  activity = "diesel"\n  quantity = 30\n  unit = "L"\n'
                     '  [use_case.expected_usage]\n  model = "gpt-4o-mini"\n  requests = 1000\n', "g.toml")
    from frugal_ai.config import load_settings
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.gains import LedgerUsage

    ledger = tmp_path / "ledger.sqlite"
    write_records(ledger, [])
    settings = load_settings(overrides={"ledger": str(ledger), "country": "FR"})
    result = balance(gf, LedgerUsage(ledger, settings), since=date(2026, 10, 1), until=date(2027, 1, 1), settings=settings,
                     today=DEC_1)
    case = result.use_cases[0]
    assert (case.since, case.until) == (date(2026, 10, 1), date(2026, 12, 2))
    # the expected use and the gains both over the 62 days elapsed
    line = case.gains[0]
    assert line.avoided_co2e_kg.central == pytest.approx(line.avoided_co2e_kg_per_period.central * 62 / DAYS_PER_PERIOD["month"])
