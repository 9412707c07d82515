"""The balance's arithmetic: rebound, ranges, ratio, verdict, payback dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frugal_ai.footprint import Range
from frugal_ai.gains.arithmetic import (
    avoided_co2e_kg,
    days_between,
    horizon_end,
    overlap_days,
    payback_date,
    payback_day,
    periods_in,
    ratio,
    verdict,
)

D = dt.date


def test_avoided_emissions_apply_the_factor_range_and_the_rebound() -> None:
    r = avoided_co2e_kg(Range.of(80, 120, 150), Range.of(3.0, 3.17, 3.3), rebound=0.1)
    assert r.low == pytest.approx(80 * 3.0 * 0.9)
    assert r.central == pytest.approx(120 * 3.17 * 0.9)
    assert r.high == pytest.approx(150 * 3.3 * 0.9)


def test_full_rebound_cancels_the_gain() -> None:
    assert avoided_co2e_kg(Range.exact(100), Range.exact(3.17), rebound=1.0).high == 0.0


@pytest.mark.parametrize("rebound", [-0.1, 1.5])
def test_rebound_outside_zero_one_is_refused(rebound: float) -> None:
    with pytest.raises(ValueError, match="rebound"):
        avoided_co2e_kg(Range.exact(1), Range.exact(1), rebound=rebound)


def test_days_and_periods() -> None:
    assert days_between(D(2026, 1, 1), D(2026, 2, 1)) == 31
    assert days_between(D(2026, 2, 1), D(2026, 1, 1)) == 0
    assert overlap_days(D(2026, 1, 1), D(2026, 4, 1), D(2026, 3, 1), None) == 31
    assert overlap_days(D(2026, 1, 1), D(2026, 4, 1), D(2026, 2, 1), D(2026, 3, 1)) == 28
    assert overlap_days(D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), None) == 0
    assert periods_in(365.25, "year") == pytest.approx(1.0)
    assert periods_in(365.25, "month") == pytest.approx(12.0)
    assert periods_in(14, "week") == pytest.approx(2.0)


def test_ratio_divides_low_by_high_and_high_by_low() -> None:
    r = ratio(Range.of(10, 20, 40), Range.of(2, 4, 5))
    assert (r.low, r.central, r.high) == (pytest.approx(2.0), pytest.approx(5.0), pytest.approx(20.0))


def test_ratio_is_unbounded_where_the_footprint_bound_is_zero() -> None:
    r = ratio(Range.of(10, 20, 40), Range.of(0, 0, 5))
    assert r.low == pytest.approx(2.0) and r.central is None and r.high is None


def test_verdicts() -> None:
    assert verdict(Range.of(11, 20, 30), Range.of(5, 8, 10)) == "pays_back"
    assert verdict(Range.of(10, 20, 30), Range.of(5, 8, 10)) == "uncertain"  # touching is overlapping
    assert verdict(Range.of(6, 20, 30), Range.of(5, 8, 10)) == "uncertain"
    assert verdict(Range.of(1, 2, 4), Range.of(5, 8, 10)) == "does_not_pay_back"
    assert verdict(Range.zero(), Range.zero()) == "uncertain"


_nonneg = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def ranges(draw: st.DrawFn) -> Range:
    a, b, c = sorted(draw(st.tuples(_nonneg, _nonneg, _nonneg)))
    return Range.of(a, b, c)


@given(ranges(), ranges())
def test_verdict_never_says_pays_back_when_the_ranges_overlap(gains: Range, footprint: Range) -> None:
    overlap = gains.low <= footprint.high and footprint.low <= gains.high
    v = verdict(gains, footprint)
    if overlap:
        assert v == "uncertain"
    else:
        assert v == ("pays_back" if gains.low > footprint.high else "does_not_pay_back")


def test_payback_counts_a_one_off_on_day_zero() -> None:
    # 100 kg of hardware on day 0, 10 kg avoided a day, nothing else: even on day 9 (100 = 100), pays on day 10.
    footprint = [100.0] + [0.0] * 99
    gains = [10.0] * 100
    assert payback_day(footprint, gains) == 10
    assert payback_date(D(2026, 1, 1), footprint, gains) == D(2026, 1, 11)


def test_payback_with_a_running_footprint() -> None:
    # 50 kg one-off, 3 kg/day of footprint, 8 kg/day of gains: net 5 kg/day, so 50 kg are back after 10 days
    # and passed on day index 10 (cumulative 88 avoided vs 83 footprint).
    footprint = [53.0] + [3.0] * 30
    gains = [8.0] * 31
    assert payback_day(footprint, gains) == 10


def test_payback_is_never_when_gains_do_not_pass_the_footprint() -> None:
    assert payback_day([5.0] * 365, [5.0] * 365) is None  # equal is not passing
    assert payback_day([5.0] * 365, [4.0] * 365) is None
    assert payback_date(D(2026, 1, 1), [0.0] * 10, [0.0] * 10) is None


def test_payback_after_gains_start_late() -> None:
    # footprint during a 30-day pilot with no gain, then gains outpace it.
    footprint = [2.0] * 30 + [2.0] * 100
    gains = [0.0] * 30 + [5.0] * 100
    # deficit after the pilot 60 kg, closing at 3 kg/day -> equal after day 49, passed on day 50
    assert payback_day(footprint, gains) == 50


def test_horizon_end() -> None:
    assert horizon_end(D(2026, 1, 1), 1) == D(2027, 1, 2)  # 366 days: ceil(365.25)
    assert horizon_end(D(2026, 1, 1), 0.5) == D(2026, 7, 3)


def test_payback_is_the_last_crossing_not_the_first() -> None:
    # Gains pass the footprint on day 0, then a 100 kg purchase on day 5 puts them behind
    # until the 3 kg/day net gain has closed the gap: paid back for good only from day 36.
    footprint = [1.0] * 5 + [101.0] + [1.0] * 60
    gains = [4.0] * 66
    # cumulative net after day i: 3(i+1) - 100 for i >= 5; > 0 first at i = 33
    assert payback_day(footprint, gains) == 33
    # behind again at the end of the horizon: no payback, whatever happened before
    assert payback_day([1.0] * 10 + [500.0], [4.0] * 11) is None
