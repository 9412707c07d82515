"""When a use case pays back its footprint: the day from which cumulative avoided emissions
stay above the cumulative footprint, in the central case and at both ends of the ranges.

The footprint is spread day by day over the ledger's history up to the end of the window,
then continued at the trailing rate of its last days to the gains file's horizon; gains
accrue every active day; hardware counts once, on its purchase date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ..footprint import Range
from .arithmetic import DAYS_PER_PERIOD, days_between, horizon_end, payback_date
from .spec import GainsFile, UseCase
from .usage import MonthUsage, UsageResult

if TYPE_CHECKING:  # pragma: no cover
    from .balance import GainLine

TRAILING_DAYS = 90
"""The future footprint continues at the average daily rate of this many last days of the ledger."""

_ZERO = Range.zero()


class Payback(BaseModel):
    """When cumulative avoided emissions pass the cumulative footprint (None: never within horizon)."""

    date: dt.date | None = Field(description="Central case.")
    earliest: dt.date | None = Field(description="Low footprint, high gains.")
    latest: dt.date | None = Field(description="High footprint, low gains.")
    horizon_end: dt.date
    known: bool = Field(True, description="False when no footprint is known at all: no payback can be computed.")


Case = Literal["low", "central", "high"]


def _pick(r: Range, case: Case) -> float:
    return getattr(r, case)


def first_use_of(history: UsageResult) -> dt.date | None:
    """The first day of the ledger's record of a use case (the first day of its first month if unknown)."""
    if not history.months:
        return None
    first_month = min(m.month for m in history.months)
    first_day = getattr(history, "first_day", None)
    return first_day if first_day is not None and first_day >= first_month else first_month


def payback_of(
    gf: GainsFile,
    uc: UseCase,
    active_from: dt.date,
    first_use: dt.date | None,
    history: list[MonthUsage],
    lines: "list[GainLine]",
    expected: tuple[Range, Range, Range] | None,
    hardware: list[tuple[dt.date, Range]],
    as_of: dt.date,
) -> Payback:
    """Daily cumulative footprint and gains from the first day of use to the horizon."""
    horizon = horizon_end(active_from, gf.horizon_years)
    if not history and expected is None and not hardware:
        # Nothing to pay back is not paying back: without any footprint there is no date to give.
        return Payback(date=None, earliest=None, latest=None, horizon_end=horizon, known=False)
    # `history` stops at `as_of`, the end of the window (or today), so that a report for a
    # past period gives the same payback whenever it is made from the same ledger.
    t0 = min([active_from, *([first_use] if first_use is not None else []), *(d for d, _ in hardware)])
    n_days = days_between(t0, horizon)

    ledger_daily = _spread(history, max(t0, first_use or t0), t0, as_of, n_days)
    dates = [t0 + dt.timedelta(days=i) for i in range(n_days)]
    active = [active_from <= d and (uc.end is None or d < uc.end) for d in dates]
    hardware_at: dict[int, Range] = {}
    for d, kg in hardware:
        hardware_at[(d - t0).days] = hardware_at.get((d - t0).days, _ZERO) + kg

    def daily_rates(case_fp: Case, case_gain: Case) -> tuple[list[float], list[float]]:
        gains_per_day = sum(_pick(g.avoided_co2e_kg_per_period, case_gain) / DAYS_PER_PERIOD[g.period] for g in lines)
        expected_per_day = _pick(expected[0], case_fp) if expected is not None else 0.0
        trailing = _trailing_rate(ledger_daily, t0, as_of, case_fp)
        fp, gains = [], []
        for i, d in enumerate(dates):
            ledger_kg = _pick(ledger_daily[i], case_fp) if d <= as_of else (trailing if active[i] else 0.0)
            one_off = _pick(hardware_at[i], case_fp) if i in hardware_at else 0.0
            fp.append(ledger_kg + one_off + (expected_per_day if active[i] else 0.0))
            gains.append(gains_per_day if active[i] else 0.0)
        return fp, gains

    central = payback_date(t0, *daily_rates("central", "central"))
    earliest = payback_date(t0, *daily_rates("low", "high"))
    latest = payback_date(t0, *daily_rates("high", "low"))
    return Payback(
        date=central,
        earliest=earliest,
        latest=latest,
        horizon_end=horizon,
    )


def _spread(history: list[MonthUsage], first_use: dt.date, t0: dt.date, as_of: dt.date, n_days: int) -> list[Range]:
    """Each month's ledger CO2e spread evenly over its days from `first_use` up to `as_of`, indexed by day from t0."""
    daily = [_ZERO] * max(n_days, days_between(t0, as_of + dt.timedelta(days=1)))
    for m in history:
        next_month = (m.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        first, stop = max(m.month, t0, first_use), min(next_month, as_of + dt.timedelta(days=1))
        days = days_between(first, stop)
        if days == 0:
            continue
        per_day = m.co2e_kg * (1.0 / days)
        for i in range((first - t0).days, (stop - t0).days):
            daily[i] = daily[i] + per_day
    return daily


def _trailing_rate(ledger_daily: list[Range], t0: dt.date, as_of: dt.date, case: Case) -> float:
    """Average daily ledger CO2e over the last `TRAILING_DAYS` days up to `as_of` (fewer if the history is shorter)."""
    end = (as_of - t0).days + 1
    if end <= 0:
        return 0.0
    first_used = next((i for i in range(end) if ledger_daily[i].high > 0), None)
    if first_used is None:
        return 0.0
    begin = max(first_used, end - TRAILING_DAYS)
    return sum(_pick(ledger_daily[i], case) for i in range(begin, end)) / (end - begin)
