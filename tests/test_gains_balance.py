"""The balance of a use case: window, footprint by source, avoided emissions, payback, verdict.

The footprint comes from a `UsageSource`; here a fixed one with known monthly figures, so
that each expected number can be worked out by hand. The factor base is the real one.
(The ledger-backed source is tested end to end in test_gains_ledger.py.)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from frugal_ai.config import load_settings
from frugal_ai.factors import factor_set
from frugal_ai.footprint import Range
from frugal_ai.gains import MonthUsage, UsageResult, balance, parse_gains
from frugal_ai.gains.arithmetic import DAYS_PER_PERIOD
from frugal_ai.gains.wording import balance_dict, payback_sentence, statement, use_case_reason

D = dt.date
DIESEL_KG_PER_L = factor_set().avoided("diesel").co2e_kg_per_unit
PAPER_KG_PER_KG = factor_set().avoided("office_paper").co2e_kg_per_unit
MONTH_DAYS = DAYS_PER_PERIOD["month"]


class FixedUsage:
    """A usage source with a fixed CO2e per month for each workload (1 kWh and 2 L per kg, for checking sums)."""

    def __init__(self, per_month: dict[str, dict[D, Range]]) -> None:
        self.per_month = per_month

    def monthly(self, workloads: Sequence[str], since: D | None, until: D | None) -> UsageResult:
        out = UsageResult()
        for w in workloads:
            for month, co2e in self.per_month.get(w, {}).items():
                if (since is None or month >= since.replace(day=1)) and (until is None or month < until):
                    out.months.append(MonthUsage(month, "estimated", co2e * 1.0, co2e, co2e * 2.0))
        return out

    def matches(self, workload: str) -> bool:
        return workload in self.per_month


def gains_text(gain: str, *, start: str = "2026-01-01", extra: str = "", workloads: str = '["planner"]') -> str:
    return f"""
horizon_years = 2
[[use_case]]
name = "Routes"
workloads = {workloads}
reference = "Manual planning"
start = {start}
{extra}
  [[use_case.gain]]
{gain}
"""


DIESEL_100 = 'activity = "diesel"\nquantity = 100\nunit = "L"'
SETTINGS = load_settings(env={}, overrides={"country": "FR"})


def months(first: D, n: int, co2e: Range) -> dict[D, Range]:
    out = {}
    m = first
    for _ in range(n):
        out[m] = co2e
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def run(text: str, usage: FixedUsage, **kw: object):  # type: ignore[no-untyped-def]
    return balance(parse_gains(text, "g.toml"), usage, settings=SETTINGS, **kw)  # type: ignore[arg-type]


H1 = dict(since=D(2026, 1, 1), until=D(2026, 7, 1), today=D(2026, 11, 26))  # 181 days


def test_avoided_emissions_over_the_window() -> None:
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.of(5, 10, 20))})
    b = run(gains_text(DIESEL_100 + "\nlow = 80\nhigh = 150\nrebound = 0.1"), usage, **H1)
    uc = b.use_cases[0]
    periods = 181 / MONTH_DAYS
    assert uc.avoided_co2e_kg.low == pytest.approx(80 * DIESEL_KG_PER_L * 0.9 * periods)
    assert uc.avoided_co2e_kg.central == pytest.approx(100 * DIESEL_KG_PER_L * 0.9 * periods)
    assert uc.avoided_co2e_kg.high == pytest.approx(150 * DIESEL_KG_PER_L * 0.9 * periods)
    assert uc.gains[0].avoided_co2e_kg_per_period.central == pytest.approx(100 * DIESEL_KG_PER_L * 0.9)
    # footprint beside it: six months of 5-10-20 kg, and energy / water carried through
    assert (uc.footprint_co2e_kg.low, uc.footprint_co2e_kg.central, uc.footprint_co2e_kg.high) == (30, 60, 120)
    assert uc.footprint_energy_kwh.central == 60 and uc.footprint_water_l.central == 120
    assert uc.footprint_co2e_kg_by_source == {"estimated": Range.of(30, 60, 120)}
    assert uc.ratio.low == pytest.approx(uc.avoided_co2e_kg.low / 120)
    assert uc.verdict == "pays_back"
    assert "low end of the avoided emissions" in use_case_reason(uc) and "2026-01-01 to 2026-06-30" in use_case_reason(uc)


def test_rebound_halves_the_gain() -> None:
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.exact(1))})
    full = run(gains_text(DIESEL_100), usage, **H1).use_cases[0].avoided_co2e_kg.central
    half = run(gains_text(DIESEL_100 + "\nrebound = 0.5"), usage, **H1).use_cases[0].avoided_co2e_kg.central
    assert half == pytest.approx(full / 2)


def test_gains_count_only_from_the_start_and_until_the_end() -> None:
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.exact(1))})
    text = gains_text(DIESEL_100, start="2026-03-01", extra="end = 2026-05-01")
    uc = run(text, usage, **H1).use_cases[0]
    assert uc.avoided_co2e_kg.central == pytest.approx(100 * DIESEL_KG_PER_L * 61 / MONTH_DAYS)
    # the footprint of the whole window counts, pilot months included
    assert uc.footprint_co2e_kg.central == 6


def test_overlapping_ranges_are_uncertain() -> None:
    # avoided: 1-3 kg paper a month × 0.92 over ~6 months ≈ 5.4-16 kg; footprint 6 × (1-2-4) = 6-24 kg
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.of(1, 2, 4))})
    text = gains_text('activity = "office_paper"\nquantity = 2\nlow = 1\nhigh = 3\nunit = "kg"')
    uc = run(text, usage, **H1).use_cases[0]
    assert uc.avoided_co2e_kg.low < uc.footprint_co2e_kg.high and uc.footprint_co2e_kg.low < uc.avoided_co2e_kg.high
    assert uc.verdict == "uncertain" and "overlap" in use_case_reason(uc)


def test_does_not_pay_back_and_never_within_horizon() -> None:
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 11, Range.of(50, 60, 80))})
    uc = run(gains_text('activity = "office_paper"\nquantity = 1\nunit = "kg"'), usage, **H1).use_cases[0]
    assert uc.verdict == "does_not_pay_back"
    assert uc.payback.date is None and uc.payback.earliest is None and uc.payback.latest is None
    assert uc.payback.horizon_end == D(2028, 1, 2)
    assert "within the horizon" in payback_sentence(uc.payback)


def test_payback_date_with_one_off_hardware() -> None:
    # 1,000 kg of hardware on the start date and no running footprint: paid back on the first day
    # at whose end cumulative avoided emissions exceed 1,000 kg.
    text = gains_text(DIESEL_100, extra="[[use_case.hardware]]\nco2e_kg = 1000\nlow = 800\nhigh = 1500")
    b = run(text, FixedUsage({"planner": {}}), **H1)
    uc = b.use_cases[0]
    per_day = 100 * DIESEL_KG_PER_L / MONTH_DAYS

    def first_day_past(kg: float) -> D:
        i = 0
        while (i + 1) * per_day <= kg:
            i += 1
        return D(2026, 1, 1) + dt.timedelta(days=i)

    assert uc.payback.date == first_day_past(1000)
    assert uc.payback.earliest == first_day_past(800)
    assert uc.payback.latest == first_day_past(1500)
    assert uc.footprint_co2e_kg_by_source == {"hardware": Range.of(800, 1000, 1500)}


def test_hardware_outside_the_window_is_not_in_its_footprint_but_still_in_payback() -> None:
    text = gains_text(DIESEL_100, extra="[[use_case.hardware]]\nco2e_kg = 1000\ndate = 2025-12-01")
    uc = run(text, FixedUsage({"planner": {}}), **H1).use_cases[0]
    assert "hardware" not in uc.footprint_co2e_kg_by_source
    assert uc.payback.date is not None and uc.payback.date > D(2026, 1, 1)


def test_payback_projects_the_trailing_footprint() -> None:
    # Gains of ~10.4 kg/day against a ledger of about half that: the 1,000 kg of hardware are paid
    # back after roughly 1000 / 5.2 ≈ 190 days, using the ledger up to the end of the window and
    # its trailing rate after it (the months after the window are not read). A footprint above
    # the gains never pays back.
    per_day = 100 * DIESEL_KG_PER_L / MONTH_DAYS
    hw = "[[use_case.hardware]]\nco2e_kg = 1000"
    slow = {"planner": {m: Range.exact(per_day * 0.5 * 31) for m in months(D(2026, 1, 1), 6, Range.zero())}}
    uc = run(gains_text(DIESEL_100, extra=hw), FixedUsage(slow), since=D(2026, 1, 1), until=D(2026, 4, 1), today=D(2026, 4, 1)).use_cases[0]
    assert uc.payback.date is not None and D(2026, 6, 15) < uc.payback.date < D(2026, 8, 1)
    heavy = {"planner": {m: Range.exact(per_day * 2 * 31) for m in months(D(2026, 1, 1), 3, Range.zero())}}
    uc = run(gains_text(DIESEL_100, extra=hw), FixedUsage(heavy), since=D(2026, 1, 1), until=D(2026, 4, 1), today=D(2026, 4, 1)).use_cases[0]
    assert uc.payback.date is None


def test_a_workload_matching_nothing_is_a_warning_and_no_footprint_is_uncertain() -> None:
    b = run(gains_text(DIESEL_100, workloads='["ghost"]'), FixedUsage({}), **H1)
    uc = b.use_cases[0]
    assert uc.warnings[0] == "workload 'ghost' matches nothing in the ledger"
    assert b.warnings[0] == "use case 'Routes': workload 'ghost' matches nothing in the ledger"
    assert uc.verdict == "uncertain" and "No footprint is known" in use_case_reason(uc)
    assert uc.payback.date is None and not uc.payback.known and "no payback date" in payback_sentence(uc.payback)


def test_a_use_case_that_has_not_started_gets_a_projection_of_its_first_period() -> None:
    b = run(gains_text(DIESEL_100, start="2027-03-01"), FixedUsage({"planner": {}}), today=D(2026, 11, 26))
    uc = b.use_cases[0]
    assert uc.prospective and (uc.since, uc.until) == (D(2027, 3, 1), D(2027, 3, 31))
    assert uc.avoided_co2e_kg.central == pytest.approx(100 * DIESEL_KG_PER_L * 30 / MONTH_DAYS)
    assert "projected" in use_case_reason(uc)


@pytest.mark.parametrize("period, words", [("day", "the first day from"), ("week", "the first week from"),
                                           ("month", "the first month from"), ("year", "the first year from")])
def test_a_projection_says_its_period_in_words(period: str, words: str) -> None:
    text = f'period = "{period}"\n' + gains_text(DIESEL_100, start="2027-03-01")
    uc = run(text, FixedUsage({"planner": {}}), today=D(2026, 11, 26)).use_cases[0]
    assert words in use_case_reason(uc)
    assert ("premier " + {"day": "jour", "week": "semaine", "month": "mois", "year": "an"}[period]) in use_case_reason(uc, "fr")


def test_the_balance_holds_no_prose() -> None:
    """Sentences are written in the reader's language from the numbers, never stored."""
    from frugal_ai.gains import Balance, Payback, UseCaseBalance

    assert "statement" not in Balance.model_fields and "reason" not in UseCaseBalance.model_fields
    assert "text" not in Payback.model_fields


def test_every_output_says_gains_are_not_subtracted() -> None:
    b = run(gains_text(DIESEL_100), FixedUsage({"planner": {}}), **H1)
    assert "never subtracted" in statement("en") and "never subtracted" in balance_dict(b)["statement"]
    # The same balance, in French: the model holds no prose, the words come with the language.
    assert "jamais déduites" in statement("fr") and "du 1er janvier 2026 au 30 juin 2026" in use_case_reason(b.use_cases[0], "fr")
    assert "2026-" not in use_case_reason(b.use_cases[0], "fr")  # no ISO date left in French prose


def test_json_shape() -> None:
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.of(5, 10, 20))})
    data = json.loads(json.dumps(balance_dict(run(gains_text(DIESEL_100), usage, **H1))))
    uc = data["use_cases"][0]
    assert {"name", "verdict", "reason", "footprint_co2e_kg", "avoided_co2e_kg", "avoided_water_l",
            "footprint_water_l", "ratio", "payback"} <= set(uc)
    assert uc["verdict"] in ("pays_back", "uncertain", "does_not_pay_back")
    assert set(uc["avoided_co2e_kg"]) == {"low", "central", "high"}
    assert data["statement"].startswith("Avoided emissions are reported beside the footprint")


def test_electricity_gain_uses_the_zone_and_avoids_its_water() -> None:
    fr = factor_set().electricity("FR")
    text = gains_text('activity = "electricity"\nquantity = 1\nunit = "MWh"')
    uc = run(text, FixedUsage({"planner": {}}), since=D(2026, 1, 1), until=D(2026, 1, 31), today=D(2026, 6, 1)).use_cases[0]
    periods = 30 / MONTH_DAYS
    assert uc.avoided_co2e_kg.central == pytest.approx(1000 * fr.co2e_kg_per_kwh * periods)
    assert uc.avoided_water_l.central == pytest.approx(1000 * fr.water_l_per_kwh * periods)


def test_empty_period_is_an_input_error() -> None:
    from frugal_ai.errors import InputError

    with pytest.raises(InputError, match="empty"):
        run(gains_text(DIESEL_100), FixedUsage({}), since=D(2026, 2, 1), until=D(2026, 1, 1))


_amount = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(_amount, min_size=3, max_size=3), st.lists(_amount, min_size=3, max_size=3), st.floats(0, 1))
@example([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], 0.0)  # always reached: does_not_pay_back
@example([1e4, 1e4, 1e4], [0.1, 0.1, 0.1], 0.0)  # always reached: pays_back
def test_the_balance_never_says_pays_back_when_its_ranges_overlap(q: list[float], fp: list[float], rebound: float) -> None:
    low, mid, high = sorted(q)
    gain = f'activity = "diesel"\nquantity = {mid!r}\nlow = {low!r}\nhigh = {high!r}\nunit = "L"\nrebound = {rebound!r}'
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.of(*sorted(fp)))})
    uc = run(gains_text(gain), usage, **H1).use_cases[0]
    g, f = uc.avoided_co2e_kg, uc.footprint_co2e_kg
    # Both directions: overlapping ranges say "uncertain", and separated ranges say which way
    # (a balance that always answered "uncertain" must fail here).
    if g.low <= f.high and f.low <= g.high:
        assert uc.verdict == "uncertain"
    else:
        assert uc.verdict == ("pays_back" if g.low > f.high else "does_not_pay_back")


def test_gains_count_from_the_first_ledger_record_when_the_ledger_starts_after_start() -> None:
    # Start on 1 January, but the ledger only has the workload from October: without --since,
    # gains and footprint are weighed over the same days (October to today), and the payback is
    # counted from October, not from the start date (which would pay back on day one against
    # nine months of footprint-free gains).
    per_day = 100 * DIESEL_KG_PER_L / MONTH_DAYS
    ledger = {"planner": months(D(2026, 10, 1), 2, Range.of(per_day * 31 * 0.5, per_day * 31, per_day * 31 * 2))}
    uc = run(gains_text(DIESEL_100), FixedUsage(ledger), today=D(2026, 11, 30)).use_cases[0]
    assert (uc.since, uc.until, uc.active_from) == (D(2026, 10, 1), D(2026, 12, 1), D(2026, 10, 1))
    assert uc.avoided_co2e_kg.central == pytest.approx(per_day * 61)
    assert "2026-10-01 to 2026-11-30" in use_case_reason(uc)
    # the footprint is about the gains: the verdict is uncertain, and so is the payback
    assert uc.verdict == "uncertain"
    assert uc.payback.date != D(2026, 1, 1) and uc.payback.earliest is not None and uc.payback.earliest >= D(2026, 10, 1)
    assert uc.payback.latest is None or uc.payback.latest > uc.payback.earliest
    assert uc.payback.date is None or uc.payback.date >= uc.payback.earliest


def test_payback_agrees_with_the_verdict() -> None:
    # A footprint well above the gains: does_not_pay_back, and no date within the horizon.
    per_day = 100 * DIESEL_KG_PER_L / MONTH_DAYS
    heavy = {"planner": months(D(2026, 1, 1), 6, Range.of(per_day * 31 * 3, per_day * 31 * 4, per_day * 31 * 5))}
    uc = run(gains_text(DIESEL_100), FixedUsage(heavy), **H1).use_cases[0]
    assert uc.verdict == "does_not_pay_back"
    assert (uc.payback.date, uc.payback.earliest, uc.payback.latest) == (None, None, None)
    # Overlapping ranges: uncertain, with a spread (or an unknown latest), never one date for all three.
    even = {"planner": months(D(2026, 1, 1), 6, Range.of(per_day * 31 * 0.5, per_day * 31, per_day * 31 * 2))}
    uc = run(gains_text(DIESEL_100), FixedUsage(even), **H1).use_cases[0]
    assert uc.verdict == "uncertain"
    assert uc.payback.latest is None or uc.payback.earliest != uc.payback.latest
    assert "at best" in payback_sentence(uc.payback) or "range" in payback_sentence(uc.payback)


def test_with_expected_usage_gains_count_from_start() -> None:
    # expected_usage models the footprint from `start`, so the gains count from there too.
    extra = '[use_case.expected_usage]\nmodel = "gpt-4o-mini"\nrequests = 1000\ninput_tokens = 500\noutput_tokens = 200'
    ledger = {"planner": months(D(2026, 10, 1), 1, Range.exact(1.0))}
    uc = run(gains_text(DIESEL_100, extra=extra), FixedUsage(ledger), today=D(2026, 11, 30)).use_cases[0]
    assert (uc.since, uc.active_from) == (D(2026, 1, 1), D(2026, 1, 1))


@pytest.mark.parametrize(("quantity", "unit"), [("0.1", "m3"), ("100", "l"), ("26.417205235814842", "gal_us")])
def test_other_units_of_an_activity_are_converted_before_the_factor(quantity: str, unit: str) -> None:
    # 0.1 m3, 100 l and 26.417... US gallons are all 100 L of diesel: the same avoided CO2e.
    usage = FixedUsage({"planner": months(D(2026, 1, 1), 6, Range.exact(1.0))})
    in_litres = run(gains_text(DIESEL_100), usage, **H1).use_cases[0].avoided_co2e_kg
    other = run(gains_text(f'activity = "diesel"\nquantity = {quantity}\nunit = "{unit}"'), usage, **H1)
    assert other.use_cases[0].avoided_co2e_kg.central == pytest.approx(in_litres.central, rel=1e-9)
    assert in_litres.central == pytest.approx(100 * DIESEL_KG_PER_L * 181 / MONTH_DAYS, rel=1e-9)
