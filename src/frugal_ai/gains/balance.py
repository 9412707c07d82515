"""The frugal-AI balance: each use case's footprint beside the emissions it avoids.

For each use case of a gains file, over a period:
- footprint: the ledger's runs and API calls of its workloads, plus `expected_usage`
  estimated with `estimate_llm`, plus hardware bought for it (embodied, counted once, on
  its purchase date, as the GHG Protocol counts capital goods);
- avoided emissions: quantity × factor × (1 − rebound), as a range; avoided water;
- the ratio avoided / footprint, a verdict, and the payback date (payback.py): the day
  from which cumulative avoided emissions stay above the cumulative footprint.

Gains are reported beside the footprint, never subtracted from it (WBCSD, 2023).

Example:
    >>> gf = load_gains("gains.toml")  # doctest: +SKIP
    >>> b = balance(gf, LedgerUsage("ledger.sqlite"), since=date(2026, 1, 1), until=date(2026, 7, 1))  # doctest: +SKIP
    >>> b.use_cases[0].verdict  # doctest: +SKIP
    'pays_back'
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import InputError
from ..footprint import Range
from .arithmetic import (
    DAYS_PER_PERIOD,
    RatioRange,
    Verdict,
    avoided_co2e_kg,
    overlap_days,
    periods_in,
    ratio,
    verdict,
)
from .lookup import AvoidedFactor, avoided_factor, hardware_co2e_kg, unit_scale
from .spec import CUSTOM, ExpectedUsage, Gain, GainsFile, UseCase
from .payback import Payback, first_use_of, payback_of
from .usage import LedgerUsage, UsageResult, UsageSource

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..inventory import Inventory

_ZERO = Range.zero()


class GainLine(BaseModel):
    """One declared gain and what it avoids over the period."""

    activity: str
    quantity_per_period: Range
    unit: str
    period: str
    rebound: float
    factor_kg_per_unit: Range
    factor_unit: str
    source: str
    evidence: str | None
    avoided_co2e_kg_per_period: Range = Field(description="After rebound.")
    avoided_co2e_kg: Range = Field(description="Over the balance's period, after rebound.")
    avoided_water_l: Range


class UseCaseBalance(BaseModel):
    """The balance of one use case over a period. CO2e in kg, energy in kWh, water in litres.

    Numbers, dates and the verdict only: its reason and payback in words are written in the
    reader's language by `wording` (use_case_reason, payback_sentence)."""

    name: str
    verdict: Verdict
    reference: str
    workloads: list[str]
    since: dt.date
    until: dt.date = Field(description="Exclusive.")
    start: dt.date = Field(description="The use case's declared start.")
    active_from: dt.date = Field(
        description="The first day gains are counted: the use case's start or, when only the ledger gives its "
        "footprint, the first ledger record of its workloads, if later (no footprint is known before it)."
    )
    prospective: bool = Field(description="True when the use case starts after today: a projection of its first period.")
    footprint_co2e_kg: Range
    footprint_energy_kwh: Range
    footprint_water_l: Range = Field(description="Water consumed by the AI's electricity and data centres.")
    footprint_co2e_kg_by_source: dict[str, Range] = Field(
        description="measured / estimated (ledger), expected (expected_usage), hardware (embodied, one-off)."
    )
    avoided_co2e_kg: Range = Field(description="After rebound. Reported beside the footprint, never subtracted.")
    avoided_water_l: Range
    ratio: RatioRange = Field(description="avoided / footprint CO2e; null where a footprint bound is zero.")
    payback: Payback
    gains: list[GainLine]
    warnings: list[str] = Field(default_factory=list)


class Balance(BaseModel):
    """The balance of every use case of a gains file (`wording.balance_dict`: as JSON, with its
    sentences in a language)."""

    file: str
    since: dt.date | None
    until: dt.date | None
    as_of: dt.date
    factor_set_version: str | None = None
    use_cases: list[UseCaseBalance]
    warnings: list[str] = Field(default_factory=list)


def balance(
    gains_file: GainsFile,
    usage: "UsageSource | Inventory",
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    settings: "Settings | None" = None,
    factors: Any = None,
    today: dt.date | None = None,
) -> Balance:
    """Weigh each use case's avoided emissions against its footprint between `since` and `until` (exclusive).

    Without `since`, a use case's window starts at its `start`, or at the first ledger
    record of its workloads when that is later and the ledger is its only footprint (no
    footprint is known before it, so no gains are counted before it either: gains and
    footprint always cover the same days, from `active_from`); without `until`, it ends
    after `today` (UTC), and an `until` past today is cut there too (days that have not
    happened count neither gains nor footprint). A use case that starts after today gets a projection of its first
    period. Payback is computed from the whole ledger history up to the end of the window,
    then projected to the file's horizon.

    `usage` is where the use cases' footprints come from: a `UsageSource` such as
    `LedgerUsage(ledger_path)`, or an `Inventory`, whose ledger is then read per use case
    (its workload filter and period are not reused: each use case has its own).
    """
    from ..config import settings_in_force

    if since is not None and until is not None and until <= since:
        raise InputError(f"the period is empty: until ({until}) is not after since ({since})")
    if factors is None:
        from ..factors import factor_set

        factors = factor_set()
    settings = settings or settings_in_force()
    if not hasattr(usage, "monthly"):
        usage = LedgerUsage.of(usage, settings)  # type: ignore[arg-type]
    today = today or dt.datetime.now(dt.timezone.utc).date()
    cases = [
        _use_case_balance(gains_file, uc, usage, since, until, settings, factors, today) for uc in gains_file.use_case
    ]
    version = getattr(factors, "version", None)
    return Balance(
        file=gains_file.path,
        since=since,
        until=until,
        as_of=today if until is None else min(today, until - dt.timedelta(days=1)),
        factor_set_version=None if version is None else str(version),
        use_cases=cases,
        warnings=[f"use case {c.name!r}: {w}" for c in cases for w in c.warnings],
    )


# --- one use case ----------------------------------------------------------------------------


def _window(uc: UseCase, period: str, since: dt.date | None, until: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date, bool]:
    start = since or uc.start
    tomorrow = today + dt.timedelta(days=1)
    end = until or tomorrow
    if end > tomorrow and start <= today:
        end = tomorrow  # a window running past today: only the days that have happened count
    if since is None and until is None and end <= start:
        # Not started yet: a balance before deploying, over its first period.
        return uc.start, uc.start + dt.timedelta(days=round(DAYS_PER_PERIOD[period])), True
    return start, end, False


def _use_case_balance(
    gf: GainsFile,
    uc: UseCase,
    usage: UsageSource,
    since: dt.date | None,
    until: dt.date | None,
    settings: "Settings",
    factors: Any,
    today: dt.date,
) -> UseCaseBalance:
    expected = _expected_per_day(uc.expected_usage, gf.period, settings)
    w_since, w_until, prospective = _window(uc, gf.period, since, until, today)
    warnings: list[str] = []
    for w in uc.workloads:
        if not usage.matches(w):
            warnings.append(f"workload {w!r} matches nothing in the ledger")

    # History up to the end of the window (or today) for the payback.
    as_of = today if prospective else min(today, w_until - dt.timedelta(days=1))
    history = usage.monthly(uc.workloads, None, as_of + dt.timedelta(days=1))
    first_use = first_use_of(history)
    # Gains and footprint are weighed over the same days: a use case tracked only in the
    # ledger has no known footprint before its first record, so its gains count from there
    # too (with expected_usage, the footprint is modelled from `start`, and so are the gains).
    active_from = uc.start
    if not prospective and expected is None and first_use is not None and first_use > uc.start:
        active_from = first_use
        if since is None:
            w_since = min(active_from, w_until)
    ledger: UsageResult | None = None
    if not prospective:
        # Whole months of the history when the window is whole months it covers (the usual
        # report period), saving a second pass over the ledger.
        if w_since.day == 1 and w_until.day == 1 and as_of + dt.timedelta(days=1) >= w_until:
            ledger = UsageResult([m for m in history.months if w_since <= m.month < w_until], list(history.warnings))
        else:
            ledger = usage.monthly(uc.workloads, w_since, w_until)
    by_source: dict[str, Range] = {}
    energy = water = _ZERO
    if ledger is not None:
        warnings += ledger.warnings
        for m in ledger.months:
            by_source[m.method] = by_source.get(m.method, _ZERO) + m.co2e_kg
            energy, water = energy + m.energy_kwh, water + m.water_l
    active_days = overlap_days(w_since, w_until, active_from, uc.end)
    if expected is not None:
        e_co2e, e_energy, e_water = (r * active_days for r in expected)
        by_source["expected"] = e_co2e
        energy, water = energy + e_energy, water + e_water
        if ledger is not None and ledger.months:
            warnings.append(
                "expected_usage is added to the use case's tracked use in the ledger; "
                "remove it once the use case is tracked, or it is counted twice"
            )
    hardware = _hardware(uc, factors)
    in_window = [kg for day, kg in hardware if w_since <= day < w_until]
    if in_window:
        by_source["hardware"] = sum(in_window, _ZERO)
    footprint = sum(by_source.values(), _ZERO)

    # Avoided emissions and water in the window.
    lines = [_gain_line(g, gf.period, active_days, settings, factors) for g in uc.gain]
    avoided = sum((g.avoided_co2e_kg for g in lines), _ZERO)
    avoided_water = sum((g.avoided_water_l for g in lines), _ZERO)
    if not uc.gain:
        warnings.append("no gain is declared for this use case")

    no_footprint = not by_source
    v: Verdict = "uncertain" if no_footprint else verdict(avoided, footprint)

    payback = payback_of(gf, uc, active_from, first_use, history.months, lines, expected, hardware, as_of)
    return UseCaseBalance(
        name=uc.name,
        verdict=v,
        reference=uc.reference,
        workloads=list(uc.workloads),
        since=w_since,
        until=w_until,
        start=uc.start,
        active_from=active_from,
        prospective=prospective,
        footprint_co2e_kg=footprint,
        footprint_energy_kwh=energy,
        footprint_water_l=water,
        footprint_co2e_kg_by_source=by_source,
        avoided_co2e_kg=avoided,
        avoided_water_l=avoided_water,
        ratio=ratio(avoided, footprint),
        payback=payback,
        gains=lines,
        warnings=warnings,
    )


def _expected_per_day(eu: ExpectedUsage | None, period: str, settings: "Settings") -> tuple[Range, Range, Range] | None:
    """(co2e kg, energy kWh, water L) per day of the planned API use."""
    if eu is None:
        return None
    from ..estimate import estimate_llm

    # Tokens are per request, the result the total over the requests of one period; the
    # provider's zone, PUE and WUE overrides in the settings apply as for tracked calls.
    fp = estimate_llm(
        eu.model,
        eu.input_tokens,
        eu.output_tokens,
        provider=eu.provider,
        zone=eu.zone,
        reasoning_tokens=eu.reasoning_tokens,
        requests=eu.requests,
        settings=settings,
    )
    per_day = 1.0 / DAYS_PER_PERIOD[eu.period or period]
    return fp.co2e_kg * per_day, fp.energy_kwh * per_day, fp.water_l * per_day


def _hardware(uc: UseCase, factors: Any) -> list[tuple[dt.date, Range]]:
    """(purchase date, embodied kg CO2e) of each hardware item of the use case."""
    out: list[tuple[dt.date, Range]] = []
    for h in uc.hardware:
        if h.item is not None:
            kg, _ = hardware_co2e_kg(factors, h.item)
            kg = kg * h.count
        else:
            assert h.co2e_kg is not None  # checked by the loader
            lo = h.co2e_kg if h.low is None else h.low
            hi = h.co2e_kg if h.high is None else h.high
            kg = Range.of(lo, h.co2e_kg, hi) * h.count
        out.append((h.date or uc.start, kg))
    return out


def resolve_factor(g: Gain, settings: "Settings", factors: Any) -> AvoidedFactor:
    """The avoided-emission factor a gain uses (custom, water, or from the factor base)."""
    if g.activity == CUSTOM:
        assert g.factor_kg_per_unit is not None and g.source is not None  # checked by the loader
        return AvoidedFactor(CUSTOM, g.unit, Range.exact(g.factor_kg_per_unit), g.source, {g.unit: 1.0})
    zone = g.zone or settings.country
    return avoided_factor(factors, g.activity, zone=zone)


def _gain_line(g: Gain, period: str, active_days: int, settings: "Settings", factors: Any) -> GainLine:
    factor = resolve_factor(g, settings, factors)
    scale = unit_scale(g.unit, factor)
    if scale is None:  # the loader rejects this; a hand-built GainsFile may not have been through it
        raise InputError(f"unit {g.unit!r} does not fit activity {g.activity!r} (accepted: {', '.join(factor.allowed_units)})")
    g_period = g.period or period
    n_periods = periods_in(active_days, g_period)  # type: ignore[arg-type]
    quantity = g.quantity_range() * scale
    per_period = avoided_co2e_kg(quantity, factor.kg_per_unit, g.rebound)
    water = quantity * (factor.water_l_per_unit * (1.0 - g.rebound) * n_periods)
    return GainLine(
        activity=g.activity,
        quantity_per_period=g.quantity_range(),
        unit=g.unit,
        period=g_period,
        rebound=g.rebound,
        factor_kg_per_unit=factor.kg_per_unit,
        factor_unit=factor.unit,
        source=factor.source,
        evidence=g.evidence,
        avoided_co2e_kg_per_period=per_period,
        avoided_co2e_kg=per_period * n_periods,
        avoided_water_l=water,
    )
