"""Building the report: the inventory, the gains balance and the advice joined into one `Report`.

`build_report()` does the I/O (ledger, gains file, advice); `report_from_inventory()` is the
pure part, computing each section with the modules beside this one: breakdown (totals split
and pictured), ghg (GHG Protocol, ESRS, VSME) and provenance (data quality, factors,
settings, sources).

Example:
    >>> report = build_report("ledger.sqlite", parse_period("2026-Q3"))  # doctest: +SKIP
    >>> report.totals.co2e_kg.central  # doctest: +SKIP
    12.3
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...footprint import Footprint, Range
from ...gains.balance import Balance
from ...inventory import Inventory, content_hash_text, load_inventory
from ..period import Period
from .breakdown import breakdown_rows, equivalences_of, kind_rows, line_rows, model_label, quantities_of, share_of
from .ghg import datapoints_of, ghg_of
from .provenance import (
    estimator_disagreements, factors_used, fallback_models, fallback_rows, method_notes, settings_in_force, sources_of, tool_version,
    unpriced_kinds,
)
from .schema import METHODS, GainsCase, Method, Methodology, MethodTotal, Quantities, Recommendation, Report

if TYPE_CHECKING:  # pragma: no cover
    from ...config import Settings

Progress = Callable[[str, float], None]


def build_report(
    ledger_path: str | Path,
    period: Period,
    *,
    settings: "Settings | None" = None,
    gains_path: str | Path | None = None,
    progress: Progress | None = None,
) -> Report:
    """Load the inventory of `period` and compute every figure of the report.

    `gains_path`, when given, adds the ecological-gains balance (kept apart from the
    inventory: avoided emissions are never subtracted from it). The model holds no prose:
    the renderers write it in the language they are given.
    """
    from ...config import settings_in_force

    settings = settings or settings_in_force()
    tick = progress or (lambda stage, fraction: None)
    tick("ledger", 0.0)
    inventory = load_inventory(ledger_path, since=period.since, until=period.until, settings=settings, progress=tick)
    gains_model = _balance(gains_path, inventory, period, settings) if gains_path else None
    tick("advice", 0.92)
    try:
        recommendations, advice_error = _recommendations(inventory, settings), None
    except Exception as e:  # advice is secondary: the disclosure still comes out, and says why advice is missing
        recommendations, advice_error = [], f"{type(e).__name__}: {e}"
    tick("report", 0.97)
    report = report_from_inventory(inventory, period, settings, gains=gains_model, recommendations=recommendations)
    report.recommendations_error = advice_error
    return report


def _method_total(method: Method, fp: Footprint | None, total_co2e: float) -> MethodTotal:
    """One method's totals; a method with no record in the period is present with zero ranges."""
    if fp is None:
        zero = Range.zero()
        return MethodTotal(method=method, energy_kwh=zero, co2e_kg=zero, water_l=zero, share_co2e=0.0, has_data=False)
    return MethodTotal(
        method=method,
        energy_kwh=fp.energy_kwh,
        co2e_kg=fp.co2e_kg,
        water_l=fp.water_l,
        share_co2e=share_of(fp.co2e_kg.central, total_co2e),
        has_data=True,
    )


def report_from_inventory(
    inventory: Inventory,
    period: Period,
    settings: "Settings",
    *,
    gains: Balance | None = None,
    recommendations: list[Recommendation] | None = None,
) -> Report:
    """The report of an inventory already loaded (pure: no I/O except the cached factor base)."""
    from ...factors import factor_set

    factors = factor_set()
    priced = [r for r in inventory.rows if r.footprint is not None]
    totals = sum((quantities_of(r) for r in priced), Quantities.zero())
    total_co2e = totals.co2e_kg.central

    by_method = {m: _method_total(m, inventory.totals_by_method.get(m), total_co2e) for m in METHODS}
    measured_share = by_method["measured"].share_co2e
    estimated_share = by_method["estimated"].share_co2e
    declared_share = by_method["declared"].share_co2e

    ghg = ghg_of(inventory.rows, settings, factors)
    equivalences = equivalences_of(totals, factors)
    used = factors_used(inventory.rows, factors, [e.key for e in equivalences], settings)
    disagreement_factor = float(factors.constant("time.disagreement_factor"))
    return Report(
        period=period.label,
        period_since=period.since.isoformat() if period.since else None,
        period_until=period.last_day.isoformat() if period.last_day else None,
        period_in_progress=period.in_progress,
        period_planned_until=period.planned_last_day.isoformat() if period.planned_last_day else None,
        first_record=inventory.first_start.date().isoformat() if inventory.first_start else None,
        last_record=inventory.last_start.date().isoformat() if inventory.last_start else None,
        empty=inventory.empty,
        demo_rows=inventory.demo_rows,
        country=settings.country,
        factor_set_version=inventory.factor_set_version,
        totals=totals,
        by_method=by_method,
        equivalences=equivalences,
        by_workload=breakdown_rows(inventory.rows, lambda r: (r.workload, None, None), total_co2e),
        by_model=breakdown_rows(
            [r for r in inventory.rows if r.model], lambda r: (model_label(r.provider, r.model), r.provider, r.model), total_co2e
        ),
        by_zone=breakdown_rows(priced, lambda r: (r.zone or "WORLD", None, None), total_co2e),
        by_month=sorted(breakdown_rows(inventory.rows, lambda r: (r.month, None, None), total_co2e), key=lambda b: b.key),
        by_kind=kind_rows(inventory.rows),
        lines=line_rows(inventory.rows),
        ghg=ghg,
        datapoints=datapoints_of(inventory.rows, ghg),
        gains=_shared(gains),
        gains_cases=_gains_cases(gains),
        recommendations=recommendations or [],
        methodology=Methodology(
            measured_share_co2e=measured_share,
            estimated_share_co2e=estimated_share,
            declared_share_co2e=declared_share,
            declared_requests=sum(r.requests for r in inventory.rows if r.method == "declared"),
            fallback_rows=fallback_rows(inventory.rows),
            unknown_models=sorted({model_label(r.provider, r.model) for r in inventory.rows if r.fallbacks.unknown_model}),
            fallback_models=fallback_models(inventory.rows),
            local_requests=sum(r.requests for r in inventory.rows if r.local),
            unattributed_kwh=inventory.unattributed_kwh,
            machine_split=inventory.machine_split,
            failed_requests=inventory.failed_requests,
            failed_tokenless=inventory.failed_tokenless,
            approximated_requests=inventory.approximated_requests,
            unpriced_kinds=unpriced_kinds(inventory.rows),
            rejected_records=inventory.rejected,
            cross_checked_requests=sum(r.timed_requests for r in inventory.rows if r.time_based is not None),
            disagreement_factor=disagreement_factor,
            estimator_disagreements=estimator_disagreements(inventory.rows, disagreement_factor),
            factors=used,
            sources=sources_of(used, factors),
            factor_set_version=inventory.factor_set_version,
            settings=settings_in_force(settings),
            tool_version=tool_version(),
            ledger_rows=inventory.ledger_rows,
            content_hash=inventory.content_hash,
            content_hash_method=content_hash_text(),
            notes=method_notes(inventory, ghg),
        ),
    )


# --- gains and advice ----------------------------------------------------------------------------


def _balance(gains_path: str | Path, inventory: Inventory, period: Period, settings: "Settings") -> Balance:
    from ...gains import LedgerUsage, balance, load_gains

    # A period in progress was cut at its last day: the gains are weighed on the same clock.
    return balance(load_gains(gains_path), LedgerUsage.of(inventory, settings),
                   since=period.since, until=period.until, settings=settings,
                   today=period.last_day if period.in_progress else None)


def _shared(gains: Balance | None) -> Balance | None:
    """The balance as the report shows it: the gains file by its name, not its local path
    (the report is shared outside the machine)."""
    if gains is None:
        return None
    return gains.model_copy(update={"file": Path(gains.file).name})


def _gains_cases(gains: Balance | None) -> list[GainsCase]:
    if gains is None:
        return []
    return [
        GainsCase(name=c.name, verdict=str(c.verdict), footprint_co2e_kg=c.footprint_co2e_kg,
                  avoided_co2e_kg=c.avoided_co2e_kg)
        for c in gains.use_cases
    ]


def _recommendations(inventory: Inventory, settings: "Settings", limit: int = 5) -> list[Recommendation]:
    from ...advise import advise

    return [
        Recommendation(
            kind=a.kind,
            action=a.action,
            workload=a.workload,
            provider=a.provider,
            model=a.model,
            zone=a.zone,
            alternative_model=a.alternative.model,
            alternative_provider=a.alternative.provider,
            alternative_region=a.alternative.region,
            alternative_zone=a.alternative.zone,
            alternative_requests=a.alternative.requests,
            requests=a.requests,
            assumption=a.assumption,
            savings_co2e_kg=a.savings_co2e_kg,
            savings_energy_kwh=a.savings_energy_kwh,
            savings_water_l=a.savings_water_l,
            share_of_total=a.share_of_total,
        )
        for a in advise(inventory, settings, limit=limit)
    ]
