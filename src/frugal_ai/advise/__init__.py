"""Ranked savings: what would cut the footprint of the period most, quantified with a range.

`advise(inventory, settings)` looks at the period's footprint and re-estimates parts of it
under an alternative.

API use (by workload, provider, provider region and model; `api.py`), starting from where the
calls really went (the region the host names, or a zone pinned in the configuration):
- a smaller model of the same family (family and tier come from the catalogue in `data/`);
- the same model from a cleaner place: another region of the same provider, or another
  provider that serves it (`model_offers.csv`: Azure regions, Bedrock, Vertex AI, Scaleway,
  OVHcloud...; the model's own host, from the catalogue); for an open-weight model, also a
  dedicated deployment where the data says one can be had;
- the same open-weight model run on the company's own machines, where that is cleaner
  (the company's electricity zone and on-premises PUE from the factor base);
- batching of small calls: not offered (`BATCHING_NOT_OFFERED` gives the reasons in the
  output): the estimator has no fixed cost per request, so the same tokens in fewer requests
  cost the same; and the one real saving of batching — a shared prefix (system prompt,
  instructions) sent once instead of once per request — cannot be sized from a ledger that
  by design holds no prompt text, only token counts.

Measured local jobs (`local.py`):
- running a workload's jobs on a machine in a cleaner zone (a data centre of the factor
  base), the same IT energy priced with that place's grid, PUE and WUE; a cleaner *time*
  is not assessed (`HOURLY_NOT_ASSESSED`): the factor base holds yearly averages;
- idle power: the energy the tracker measured outside every run, which switching machines
  off or suspending them when no job runs would save.

Every API estimate uses the exact `estimate.group.group_estimate` (sums of tokens and of squared
input tokens, from SQL), not the average request: prefill grows with the square of the prompt,
so an average-length re-estimate would miss `c·N·Var(n)` on both sides of the comparison.

Savings are differences of two estimates made with the same method and assumptions, so
their uncertainties are largely shared: the range is taken bound by bound (low − low,
central − central, high − high, reordered), not low − high, which would mostly measure the
uncertainty both estimates have in common.

frugal-ai does not judge answer quality: every piece of advice says that a swap should be
A/B-tested on the company's own tasks before it is adopted, and names the assumption its
saving rests on.

Example:
    >>> inv = load_inventory("ledger.sqlite", since=date(2026, 7, 1), until=date(2026, 10, 1))  # doctest: +SKIP
    >>> [a.kind for a in advise(inv, load_settings())][:2]  # doctest: +SKIP
    ['cleaner_region', 'smaller_model']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ..footprint import Footprint, Range

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..inventory import Inventory

AdviceKind = Literal["smaller_model", "cleaner_region", "local_model", "batching", "job_cleaner_zone", "idle_power"]

QUALITY_CAVEAT = (
    "frugal-ai does not judge answer quality: A/B-test the swap on your own tasks before adopting it."
)


class Alternative(BaseModel):
    """What to use instead."""

    model: str | None = None
    provider: str | None = None
    region: str | None = Field(None, description="The provider region (datacenters.csv), where one is named.")
    zone: str | None = None
    requests: int | None = Field(None, description="Requests after batching, for batching advice.")


class Advice(BaseModel):
    """One action, its savings over the inventory's period, and how they were computed."""

    kind: AdviceKind
    action: str = Field(description="One sentence: what to do.")
    workload: str = Field(description="The workload; '' for idle power, which belongs to no workload.")
    provider: str | None
    model: str | None = Field(None, description="The model called; None for local jobs and idle power.")
    region: str | None = Field(None, description="The provider region the calls went to (None: the provider's default).")
    zone: str | None = Field(None, description="The electricity zone the current footprint was priced in.")
    requests: int = 0
    alternative: Alternative
    current_co2e_kg: Range
    alternative_co2e_kg: Range
    savings_co2e_kg: Range
    savings_energy_kwh: Range
    savings_water_l: Range
    share_of_total: float = Field(description="Central CO2e savings as a share of the inventory's total CO2e.")
    basis: str = Field(description="How the saving was computed.")
    assumption: str = Field("", description="What the saving rests on, that the company should check.")
    caveat: str = QUALITY_CAVEAT


def savings(current: Range, alternative: Range) -> Range:
    """current − alternative, bound by bound (shared assumptions), reordered so low <= central <= high."""
    diffs = (current.low - alternative.low, current.central - alternative.central, current.high - alternative.high)
    return Range.of(min(diffs), diffs[1], max(diffs))


def total_co2e_kg(inventory: "Inventory") -> float:
    """Central CO2e of the whole inventory (every method)."""
    return sum(fp.co2e_kg.central for fp in inventory.totals_by_method.values())


def advice_of(kind: AdviceKind, action: str, current: Footprint, instead: Footprint, total: float, **fields: Any) -> Advice:
    """An Advice whose savings are `current − instead` (the alternative's footprint), bound by bound."""
    saved = savings(current.co2e_kg, instead.co2e_kg)
    return Advice(
        kind=kind,
        action=action,
        current_co2e_kg=current.co2e_kg,
        alternative_co2e_kg=instead.co2e_kg,
        savings_co2e_kg=saved,
        savings_energy_kwh=savings(current.energy_kwh, instead.energy_kwh),
        savings_water_l=savings(current.water_l, instead.water_l),
        share_of_total=saved.central / total if total > 0 else 0.0,
        **fields,
    )


def advise(inventory: "Inventory", settings: "Settings", *, factors: Any = None, limit: int | None = None) -> list[Advice]:
    """Actions ranked by central CO2e savings over the inventory's period, largest first.

    Only actions that save something (central savings > 0) are returned; at most one of
    each kind per workload, provider, region and model (per workload and zone for local jobs).
    """
    from . import api, local

    if factors is None:
        from ..factors import factor_set

        factors = factor_set()
    total = total_co2e_kg(inventory)
    out = api.api_advice(inventory, settings, factors, total) + local.local_advice(inventory, settings, factors, total)
    out = [a for a in out if a.savings_co2e_kg.central > 0]
    out.sort(key=lambda a: a.savings_co2e_kg.central, reverse=True)
    return out[:limit] if limit is not None else out


BATCHING_NOT_OFFERED = (
    "Batching is not advised: the estimator charges energy per token with no fixed cost per "
    "request, so it cannot show a saving from sending the same tokens in fewer requests; and the "
    "saving batching can bring, a shared prefix (system prompt, instructions) sent once instead of "
    "once per request, cannot be sized from the ledger, which keeps token counts but never prompt text."
)

HOURLY_NOT_ASSESSED = (
    "Running jobs at a cleaner hour is not assessed: the factor base holds a yearly average per zone, "
    "so every hour of a zone costs the same; hourly grid data is a later step."
)

# Re-exported for callers and tests that used the single-module advise.
from .api import ApiUse, api_uses, cleaner_places, is_open_weights, smaller_models_of  # noqa: E402

__all__ = [
    "Advice", "AdviceKind", "Alternative", "ApiUse", "BATCHING_NOT_OFFERED", "HOURLY_NOT_ASSESSED", "QUALITY_CAVEAT",
    "advice_of", "advise", "api_uses", "cleaner_places", "is_open_weights", "savings", "smaller_models_of", "total_co2e_kg",
]
