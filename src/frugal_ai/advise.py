"""Ranked savings: what would cut the footprint of the period most, quantified with a range.

`advise(inventory, settings)` looks at the API use in an inventory (by workload, provider
and model) and re-estimates the same tokens and requests under an alternative:
- a smaller model of the same family (family and tier come from the catalogue in `data/`);
- another region of the same provider whose grid is cleaner (data-centre factors);
- for open-weight models, another provider's data centre on a cleaner grid;
- the same open-weight model run on the company's own machines, where that is cleaner
  (the company's electricity zone and on-premises PUE from the factor base);
- batching of small calls: not offered (`BATCHING_NOT_OFFERED` gives the reasons in the
  output): the estimator has no fixed cost per request, so the same tokens in fewer requests
  cost the same; and the one real saving of batching — a shared prefix (system prompt,
  instructions) sent once instead of once per request — cannot be sized from a ledger that
  by design holds no prompt text, only token counts.

Every estimate uses the exact `estimate.group.group_estimate` (sums of tokens and of squared input
tokens, from SQL), not the average request: prefill grows with the square of the prompt, so
an average-length re-estimate would miss `c·N·Var(n)` on both sides of the comparison.

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
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from .errors import InputError
from .footprint import Footprint, Range

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings
    from .inventory import Inventory

_T = TypeVar("_T")

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
    """API use of one workload with one provider and model over the period (token counts summed)."""

    workload: str
    provider: str | None
    model: str
    requests: int
    input_tokens: int
    input_tokens_sq: int
    output_tokens: int
    reasoning_tokens: int


def api_uses(inventory: "Inventory") -> list[ApiUse]:
    """Estimated API use grouped by workload, provider and model (months summed)."""
    groups: dict[tuple[str, str | None, str], ApiUse] = {}
    for row in inventory.rows:
        if row.method != "estimated" or row.local or row.footprint is None or not row.model:
            continue
        key = (row.workload, row.provider, row.model)
        prev = groups.get(key) or ApiUse(row.workload, row.provider, row.model, 0, 0, 0, 0, 0)
        groups[key] = ApiUse(row.workload, row.provider, row.model, prev.requests + row.requests,
                             prev.input_tokens + row.input_tokens, prev.input_tokens_sq + row.input_tokens_sq,
                             prev.output_tokens + row.output_tokens, prev.reasoning_tokens + row.reasoning_tokens)
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

    Only actions that save something (central savings > 0) are returned; at most one of
    each kind per workload, provider and model.
    """
    if factors is None:
        from .factors import factor_set

        factors = factor_set()
    total = total_co2e_kg(inventory)
    out: list[Advice] = []
    for use in api_uses(inventory):
        try:
            current = _estimate(use, use.model, use.provider, None, settings)
        except InputError:  # a model the catalogue does not know: nothing to compare
            continue
        for strategy in (_smaller_model, _cleaner_region, _local_model):
            advice = strategy(use, current, factors, settings, total)
            if advice is not None and advice.savings_co2e_kg.central > 0:
                out.append(advice)
    out.sort(key=lambda a: a.savings_co2e_kg.central, reverse=True)
    return out[:limit] if limit is not None else out


BATCHING_NOT_OFFERED = (
    "Batching is not advised: the estimator charges energy per token with no fixed cost per "
    "request, so it cannot show a saving from sending the same tokens in fewer requests; and the "
    "saving batching can bring, a shared prefix (system prompt, instructions) sent once instead of "
    "once per request, cannot be sized from the ledger, which keeps token counts but never prompt text."
)


# --- strategies -------------------------------------------------------------------------------


def _estimate(use: ApiUse, model: str, provider: str | None, zone: str | None, settings: "Settings") -> Footprint:
    """The same requests, token for token, under another model or place (exact group sum)."""
    from .estimate.group import group_estimate

    return group_estimate(
        model,
        provider,
        requests=max(use.requests, 1),
        input_tokens=use.input_tokens,
        input_tokens_sq=use.input_tokens_sq,
        output_tokens=use.output_tokens,
        reasoning_tokens=use.reasoning_tokens,
        zone=zone,
        settings=settings,
    )


def _cheapest(
    use: ApiUse, settings: "Settings", options: list[tuple[_T, str, str | None, str | None]]
) -> tuple[Footprint, _T] | None:
    """The option (with its model, provider, zone) whose estimate has the lowest central CO2e, and
    that estimate; options the catalogue cannot estimate are skipped, ties go to the first."""
    best: tuple[Footprint, _T] | None = None
    for option, model, provider, zone in options:
        try:
            fp = _estimate(use, model, provider, zone, settings)
        except InputError:
            continue
        if best is None or fp.co2e_kg.central < best[0].co2e_kg.central:
            best = (fp, option)
    return best


def _advice(
    kind: AdviceKind, action: str, use: ApiUse, current: Footprint, alt: Alternative, fp: Footprint, total: float, basis: str
) -> Advice:
    saved = savings(current.co2e_kg, fp.co2e_kg)
    return Advice(
        kind=kind,
        action=action,
        workload=use.workload,
        provider=use.provider,
        model=use.model,
        requests=use.requests,
        alternative=alt,
        current_co2e_kg=current.co2e_kg,
        alternative_co2e_kg=fp.co2e_kg,
        savings_co2e_kg=saved,
        savings_energy_kwh=savings(current.energy_kwh, fp.energy_kwh),
        savings_water_l=savings(current.water_l, fp.water_l),
        share_of_total=saved.central / total if total > 0 else 0.0,
        basis=basis,
    )


_SAME_USE = "The period's requests, with the same tokens request by request, re-estimated"


def _smaller_model(use: ApiUse, current: Footprint, factors: Any, settings: "Settings", total: float) -> Advice | None:
    best = _cheapest(use, settings, [(m, m, use.provider, None) for m in smaller_models_of(factors, use.model)])
    if best is None:
        return None
    fp, smaller = best
    return _advice(
        "smaller_model",
        f"Try {smaller} instead of {use.model} for {use.workload!r}: the next smaller model of the same family.",
        use, current, Alternative(model=smaller, provider=use.provider), fp, total,
        f"{_SAME_USE} with {smaller} (family and tier from the catalogue).",
    )


def _cleaner_region(use: ApiUse, current: Footprint, factors: Any, settings: "Settings", total: float) -> Advice | None:
    options = cleaner_datacenters(factors, use.model, use.provider, settings)
    best = _cheapest(use, settings, [(dc, use.model, dc.provider, dc.zone) for dc in options])
    if best is None:
        return None
    fp, dc = best
    where = f"{dc.provider}'s {dc.region} region" if dc.region else dc.provider
    same_provider = factors.provider_key(use.provider) == dc.provider
    action = (
        f"Run {use.model} for {use.workload!r} in {where} (grid {dc.zone})."
        if same_provider
        else f"Have {use.model} (open weights) for {use.workload!r} served from {where} (grid {dc.zone})."
    )
    return _advice(
        "cleaner_region", action, use, current, Alternative(model=use.model, provider=dc.provider, zone=dc.zone), fp, total,
        f"{_SAME_USE} with the electricity, PUE and WUE of {where} (datacenters.csv).",
    )


def _local_model(use: ApiUse, current: Footprint, factors: Any, settings: "Settings", total: float) -> Advice | None:
    if settings.country is None or not is_open_weights(factors, use.model):
        return None
    if factors.provider_key(use.provider) == "local":
        return None
    try:
        fp = _estimate(use, use.model, "local", None, settings)
    except InputError:
        return None
    return _advice(
        "local_model",
        f"Run the open-weight {use.model} for {use.workload!r} on your own machines in {settings.country}.",
        use, current, Alternative(model=use.model, provider="local", zone=settings.country), fp, total,
        f"{_SAME_USE} with your country's grid and the on-premises PUE and WUE (onprem.toml, or your settings); "
        "it assumes hardware as efficient as a provider's and does not count buying it.",
    )


# --- reading the catalogue and the data-centre factors ------------------------------------------
# Kept together so that the factor base's shape is known in one place.


def smaller_models_of(factors: Any, model: str) -> list[str]:
    """The models of the next lower tier of the same family (catalogue `family` / `tier`)."""
    try:
        entry = factors.model(model)
    except InputError:
        return []
    lower = [m for m in factors.family(entry.family) if m.tier < entry.tier]
    if not lower:
        return []
    nearest = max(m.tier for m in lower)
    return [m.id for m in lower if m.tier == nearest]


def is_open_weights(factors: Any, model: str) -> bool:
    """Models the catalogue lists without a provider data centre of their own (`host = default`)."""
    from .factors import DEFAULT_PROVIDER

    try:
        return bool(factors.model(model).host == DEFAULT_PROVIDER)
    except InputError:
        return False


def cleaner_datacenters(factors: Any, model: str, provider: str | None, settings: "Settings") -> list[Any]:
    """Data centres that could serve the model on a cleaner grid than the current one.

    The provider's own regions; for open-weight models, any provider's. A provider whose
    zone the user pinned in the configuration is left alone.
    """
    from .factors import DEFAULT_PROVIDER

    try:
        entry = factors.model(model)
    except InputError:
        return []
    key = factors.provider_key(provider if provider is not None else entry.host)
    if key == "local":
        return []
    override = settings.providers.get(key)
    if override is not None and override.zone:
        return []
    current = factors.electricity(factors.datacenter(key).zone).co2e_kg_per_kwh
    pool = factors.datacenters() if entry.host == DEFAULT_PROVIDER else factors.datacenters(key)
    return [
        d for d in pool
        if d.provider != DEFAULT_PROVIDER and factors.electricity(d.zone).co2e_kg_per_kwh < current
    ]
