"""Ranked savings: what would cut the footprint of the period most, quantified with a range.

`advise(inventory, settings)` looks at the API use in an inventory (by workload, provider
and model) and re-estimates the same tokens and requests under an alternative:
- a smaller model of the same family (family and tier come from the catalogue in `data/`);
- another region of the same provider whose grid is cleaner (data-centre factors);
- the same open-weight model run on the company's own machines, where that is cleaner
  (the company's electricity zone and on-premises PUE from the factor base);
- batching of small calls, where the estimator has a fixed per-request overhead to save.

Savings are differences of two estimates made with the same method and assumptions, so
their uncertainties are largely shared: the range is taken bound by bound (low − low,
central − central, high − high, reordered), not low − high, which would mostly measure the
uncertainty both estimates have in common.

frugal-ai does not judge answer quality: every piece of advice says that a swap should be
A/B-tested on the company's own tasks before it is adopted.

Example:
    >>> inv = load_inventory("ledger.sqlite", since=date(2026, 7, 1), until=date(2026, 10, 1))  # doctest: +SKIP
    >>> [a.kind for a in advise(inv, load_settings())][:2]  # doctest: +SKIP
    ['smaller_model', 'cleaner_region']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal

from pydantic import BaseModel, Field

from .footprint import Footprint, Range

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings
    from .inventory import Inventory

AdviceKind = Literal["smaller_model", "cleaner_region", "local_model", "batching"]

QUALITY_CAVEAT = (
    "frugal-ai does not judge answer quality: A/B-test the swap on your own tasks before adopting it."
)


class Alternative(BaseModel):
    """What to use instead."""

    model: str
    provider: str | None = None
    zone: str | None = None
    requests: int | None = Field(None, description="Requests after batching, for batching advice.")


class Advice(BaseModel):
    """One action, its savings over the inventory's period, and how they were computed."""

    kind: AdviceKind
    action: str = Field(description="One sentence: what to do.")
    workload: str
    provider: str | None
    model: str
    requests: int
    alternative: Alternative
    current_co2e_kg: Range
    alternative_co2e_kg: Range
    savings_co2e_kg: Range
    savings_energy_kwh: Range
    savings_water_l: Range
    share_of_total: float = Field(description="Central CO2e savings as a share of the inventory's total CO2e.")
    basis: str = Field(description="How the saving was computed.")
    caveat: str = QUALITY_CAVEAT


@dataclass(frozen=True)
class ApiUse:
    """API use of one workload with one provider and model over the period."""

    workload: str
    provider: str | None
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    footprint: Footprint


def api_uses(inventory: "Inventory") -> list[ApiUse]:
    """Estimated API use grouped by workload, provider and model (months summed)."""
    groups: dict[tuple[str, str | None, str], ApiUse] = {}
    for row in inventory.rows:
        if row.method != "estimated" or row.local or row.footprint is None or not row.model:
            continue
        key = (row.workload, row.provider, row.model)
        prev = groups.get(key)
        if prev is None:
            groups[key] = ApiUse(row.workload, row.provider, row.model, row.requests, row.input_tokens,
                                 row.output_tokens, row.reasoning_tokens, row.footprint)
        else:
            groups[key] = ApiUse(row.workload, row.provider, row.model, prev.requests + row.requests,
                                 prev.input_tokens + row.input_tokens, prev.output_tokens + row.output_tokens,
                                 prev.reasoning_tokens + row.reasoning_tokens, prev.footprint + row.footprint)
    return list(groups.values())


def savings(current: Range, alternative: Range) -> Range:
    """current − alternative, bound by bound (shared assumptions), reordered so low <= central <= high."""
    diffs = (current.low - alternative.low, current.central - alternative.central, current.high - alternative.high)
    return Range.of(min(diffs), diffs[1], max(diffs))


def total_co2e_kg(inventory: "Inventory") -> float:
    """Central CO2e of the whole inventory (every method)."""
    return sum(fp.co2e_kg.central for fp in inventory.totals_by_method.values())


def advise(inventory: "Inventory", settings: "Settings", *, factors: Any = None, limit: int | None = None) -> list[Advice]:
    """Actions ranked by central CO2e savings over the inventory's period, largest first.

    Only actions that save something (central savings > 0) are returned.
    """
    from .estimate import estimate_llm

    if factors is None:
        from .factors import factor_set

        factors = factor_set()
    total = total_co2e_kg(inventory)
    out: list[Advice] = []
    for use in api_uses(inventory):
        for strategy in (_smaller_model, _cleaner_region, _local_model, _batching):
            advice = strategy(use, factors, settings, estimate_llm, total)
            if advice is not None and advice.savings_co2e_kg.central > 0:
                out.append(advice)
    out.sort(key=lambda a: a.savings_co2e_kg.central, reverse=True)
    return out[:limit] if limit is not None else out


# --- strategies -------------------------------------------------------------------------------

Estimator = Callable[..., Footprint]


def _advice(
    kind: AdviceKind, action: str, use: ApiUse, alt: Alternative, fp: Footprint, total: float, basis: str
) -> Advice:
    saved = savings(use.footprint.co2e_kg, fp.co2e_kg)
    return Advice(
        kind=kind,
        action=action,
        workload=use.workload,
        provider=use.provider,
        model=use.model,
        requests=use.requests,
        alternative=alt,
        current_co2e_kg=use.footprint.co2e_kg,
        alternative_co2e_kg=fp.co2e_kg,
        savings_co2e_kg=saved,
        savings_energy_kwh=savings(use.footprint.energy_kwh, fp.energy_kwh),
        savings_water_l=savings(use.footprint.water_l, fp.water_l),
        share_of_total=saved.central / total if total > 0 else 0.0,
        basis=basis,
    )


def _same_use(estimate: Estimator, use: ApiUse, model: str, **kw: Any) -> Footprint:
    # The inventory estimates a group from summed tokens and its request count; do the same.
    return estimate(model, use.input_tokens, use.output_tokens, reasoning_tokens=use.reasoning_tokens,
                    requests=use.requests, **kw)


def _smaller_model(use: ApiUse, factors: Any, settings: "Settings", estimate: Estimator, total: float) -> Advice | None:
    smaller = smaller_model_of(factors, use.model, use.provider)
    if smaller is None:
        return None
    zone = _provider_zone(settings, use.provider)
    try:
        fp = _same_use(estimate, use, smaller, provider=use.provider, zone=zone)
    except Exception:  # an alternative we cannot estimate is no advice, not a failure
        return None
    return _advice(
        "smaller_model",
        f"Try {smaller} instead of {use.model} for {use.workload!r}: a smaller model of the same family.",
        use, Alternative(model=smaller, provider=use.provider, zone=zone), fp, total,
        "Same requests and tokens, re-estimated with the smaller model (family and tier from the catalogue).",
    )


def _cleaner_region(use: ApiUse, factors: Any, settings: "Settings", estimate: Estimator, total: float) -> Advice | None:
    if use.provider is None or _provider_zone(settings, use.provider) is not None:
        return None  # the user has pinned the provider's zone in config: respect it
    current = _datacenter_zone(factors, use.provider)
    best = cleanest_region(factors, use.provider)
    if best is None or current is None or best[1] == current:
        return None
    region, zone = best
    try:
        fp = _same_use(estimate, use, use.model, provider=use.provider, zone=zone)
    except Exception:
        return None
    return _advice(
        "cleaner_region",
        f"Run {use.model} for {use.workload!r} in {use.provider}'s {region} region (grid {zone}) rather than {current}.",
        use, Alternative(model=use.model, provider=use.provider, zone=zone), fp, total,
        "Same requests and tokens, re-estimated with the electricity of that region's grid.",
    )


def _local_model(use: ApiUse, factors: Any, settings: "Settings", estimate: Estimator, total: float) -> Advice | None:
    if settings.country is None or not is_open_weights(factors, use.model, use.provider):
        return None
    try:
        fp = _same_use(estimate, use, use.model, provider=onprem_provider_key(factors), zone=settings.country)
    except Exception:
        return None
    return _advice(
        "local_model",
        f"Run the open-weight {use.model} for {use.workload!r} on your own hardware in {settings.country}.",
        use, Alternative(model=use.model, provider=None, zone=settings.country), fp, total,
        "Same requests and tokens, re-estimated with your configured country's grid and the on-premises PUE "
        "of the factor base; it assumes hardware as efficient as a provider's and does not count buying it.",
    )


def _batching(use: ApiUse, factors: Any, settings: "Settings", estimate: Estimator, total: float) -> Advice | None:
    # The estimator charges energy per token, with no fixed cost per request: batching the
    # same tokens into fewer requests would change nothing it can see. Until it models a
    # per-request overhead, claiming a saving here would be invented.
    return None


# --- reading the catalogue and the data-centre factors ------------------------------------------
# Kept together so that the factor base's shape is known in one place.


def smaller_model_of(factors: Any, model: str, provider: str | None) -> str | None:
    """The next smaller tier of the same family (same provider), from the catalogue; None if none."""
    try:
        entry = factors.model(model, provider=provider)
    except Exception:
        return None
    family, tier = getattr(entry, "family", None), getattr(entry, "tier", None)
    if not family or tier is None:
        return None
    candidates = [
        m for m in factors.models(provider=getattr(entry, "provider", provider))
        if getattr(m, "family", None) == family and getattr(m, "tier", None) is not None
        and _tier_rank(m.tier) < _tier_rank(tier)
    ]
    if not candidates:
        return None
    return str(max(candidates, key=lambda m: _tier_rank(m.tier)).name)


def _tier_rank(tier: Any) -> float:
    return float(tier)


def _provider_zone(settings: "Settings", provider: str | None) -> str | None:
    if provider is None:
        return None
    override = settings.providers.get(provider.lower())
    return override.zone if override and override.zone else None


def _datacenter_zone(factors: Any, provider: str) -> str | None:
    try:
        return getattr(factors.datacenter(provider), "zone", None)
    except Exception:
        return None


def cleanest_region(factors: Any, provider: str) -> tuple[str, str] | None:
    """(region, zone) of the provider's region with the lowest grid intensity, if regions are known."""
    regions = getattr(factors, "regions", None)
    if not callable(regions):
        return None
    best: tuple[float, str, str] | None = None
    for dc in regions(provider):
        zone = getattr(dc, "zone", None)
        if not zone:
            continue
        intensity = getattr(factors.electricity(zone), "co2e_kg_per_kwh", None)
        central = getattr(intensity, "central", intensity)
        if central is not None and (best is None or float(central) < best[0]):
            best = (float(central), str(getattr(dc, "region", zone)), str(zone))
    return None if best is None else (best[1], best[2])


def is_open_weights(factors: Any, model: str, provider: str | None) -> bool:
    try:
        entry = factors.model(model, provider=provider)
    except Exception:
        return False
    return bool(getattr(entry, "open_weights", False))


def onprem_provider_key(factors: Any) -> str | None:
    return None
