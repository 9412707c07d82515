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
