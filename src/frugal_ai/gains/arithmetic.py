"""The balance's arithmetic: pure functions on ranges, days and periods.

Nothing here reads a file or the factor base. Units are in the names: `_kg` is kg CO2e,
`_days` a number of days, `per_period` per day / week / month / year as the gains file says.

Example:
    >>> from frugal_ai.footprint import Range
    >>> avoided_co2e_kg(Range.of(80, 120, 150), Range.exact(3.17), rebound=0.1).central
    342.36
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict

from ..footprint import Range
from .spec import Period

Verdict = Literal["pays_back", "uncertain", "does_not_pay_back"]

# Calendar lengths (not emission factors): a month is a twelfth of a Julian year, so that
# twelve months make a year whatever the calendar month.
DAYS_PER_PERIOD: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}


def days_between(start: dt.date, end: dt.date) -> int:
    """Days in the half-open interval [start, end); zero when end is not after start."""
    return max(0, (end - start).days)


def overlap_days(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date | None) -> int:
    """Days shared by [a_start, a_end) and [b_start, b_end) (b_end None: open-ended)."""
    end = a_end if b_end is None else min(a_end, b_end)
    return days_between(max(a_start, b_start), end)


def periods_in(days: float, period: Period) -> float:
    """How many periods (day/week/month/year) `days` days make."""
    return days / DAYS_PER_PERIOD[period]


def avoided_co2e_kg(quantity: Range, factor_kg_per_unit: Range, rebound: float) -> Range:
    """Avoided emissions of one gain for one period, after rebound: quantity × factor × (1 − rebound).

    `rebound` is the share of the gain lost to rebound effects (0..1): a route optimiser
    that saves 10 % of the fuel but lets the fleet take 2 % more jobs has a rebound of 0.2.
    """
    if not 0.0 <= rebound <= 1.0:
        raise ValueError(f"rebound must lie in 0..1, got {rebound}")
    return quantity.times(factor_kg_per_unit) * (1.0 - rebound)


class RatioRange(BaseModel):
    """gains ÷ footprint as a range; `None` where the footprint bound is zero (unbounded)."""

    model_config = ConfigDict(frozen=True)

    low: float | None
    central: float | None
    high: float | None


def _div(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def ratio(gains_kg: Range, footprint_kg: Range) -> RatioRange:
    """Ratio of avoided emissions to footprint: low = gains.low / footprint.high, high = gains.high / footprint.low."""
    return RatioRange(
        low=_div(gains_kg.low, footprint_kg.high),
        central=_div(gains_kg.central, footprint_kg.central),
        high=_div(gains_kg.high, footprint_kg.low),
    )


def verdict(gains_kg: Range, footprint_kg: Range) -> Verdict:
    """pays_back only when the low end of the gains exceeds the high end of the footprint.

    does_not_pay_back when the high end of the gains is below the low end of the footprint;
    otherwise the ranges overlap (or touch) and the verdict is uncertain.
    """
    if gains_kg.low > footprint_kg.high:
        return "pays_back"
    if gains_kg.high < footprint_kg.low:
        return "does_not_pay_back"
    return "uncertain"


def payback_day(daily_footprint_kg: Sequence[float], daily_gains_kg: Sequence[float]) -> int | None:
    """Index of the first day from whose end on cumulative gains stay above cumulative footprint.

    Day i's footprint includes anything one-off on that day (hardware bought). A use case
    whose gains pass its footprint early but fall behind again later (a second purchase, a
    footprint growing faster than the gains) has not paid back: the date is the last
    crossing, not the first. Returns None when the gains are not above the footprint at the
    end of the days given (the horizon). Equality is not enough: a use case with no
    footprint and no gain never "pays back".
    """
    footprint_kg = gains_kg = 0.0
    paid_back_since: int | None = None
    for day, (f, g) in enumerate(zip(daily_footprint_kg, daily_gains_kg, strict=True)):
        footprint_kg += f
        gains_kg += g
        if gains_kg > footprint_kg:
            if paid_back_since is None:
                paid_back_since = day
        else:
            paid_back_since = None
    return paid_back_since


def payback_date(start: dt.date, daily_footprint_kg: Sequence[float], daily_gains_kg: Sequence[float]) -> dt.date | None:
    """`payback_day` as a date, day 0 being `start`."""
    day = payback_day(daily_footprint_kg, daily_gains_kg)
    return None if day is None else start + dt.timedelta(days=day)


def horizon_end(start: dt.date, horizon_years: float) -> dt.date:
    """The last day (exclusive) payback is looked for: `horizon_years` Julian years after start."""
    return start + dt.timedelta(days=math.ceil(horizon_years * DAYS_PER_PERIOD["year"]))
