"""Advice on API use: a smaller model, the same model from a cleaner place, open weights in-house.

Each comparison starts from where the calls really went: the provider region the ledger's
reader takes from the host (Bedrock's `bedrock-runtime.<region>...`, Vertex AI's
`<region>-aiplatform...`), or the zone pinned in the configuration, else the provider's
default data centre — the very place the inventory priced them in.

Which provider serves which model, and in which regions, is data (`model_offers.csv`, with
its sources), plus the catalogue's `host` (the model's own provider, at its default row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InputError
from ..footprint import Footprint
from . import Advice, AdviceKind, Alternative, advice_of

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..inventory import Inventory

_T = TypeVar("_T")


@dataclass(frozen=True)
class ApiUse:
    """API use of one workload with one provider (and region) and model over the period (token counts summed)."""

    workload: str
    provider: str | None
    model: str
    requests: int
    input_tokens: int
    input_tokens_sq: int
    output_tokens: int
    reasoning_tokens: int
    region: str | None = None
    zone: str | None = None


def api_uses(inventory: "Inventory") -> list[ApiUse]:
    """Estimated API use grouped by workload, provider, region and model (months summed)."""
    groups: dict[tuple[str, str | None, str | None, str], ApiUse] = {}
    for row in inventory.rows:
        if row.method != "estimated" or row.local or row.footprint is None or not row.model:
            continue
        key = (row.workload, row.provider, row.region, row.model)
        prev = groups.get(key) or ApiUse(row.workload, row.provider, row.model, 0, 0, 0, 0, 0, row.region, row.zone)
        groups[key] = ApiUse(row.workload, row.provider, row.model, prev.requests + row.requests,
                             prev.input_tokens + row.input_tokens, prev.input_tokens_sq + row.input_tokens_sq,
                             prev.output_tokens + row.output_tokens, prev.reasoning_tokens + row.reasoning_tokens,
                             row.region, row.zone)
    return list(groups.values())


@dataclass(frozen=True)
class Place:
    """Somewhere a model can be called: a provider (datacenters.csv key), its region, the grid there,
    and the offer that serves the model there (model_offers.csv; '' for the model's own host)."""

    provider: str
    region: str | None
    zone: str
    offer: str = ""
    note: str = ""


def api_advice(inventory: "Inventory", settings: "Settings", factors: Any, total: float) -> list[Advice]:
    """For each API use, the best action of each kind (savings may be zero or negative: the caller filters)."""
    out: list[Advice] = []
    for use in api_uses(inventory):
        try:
            current = _estimate(use, use.model, use.provider, use.region, settings)
        except InputError:  # a model the catalogue does not know: nothing to compare
            continue
        for strategy in (_smaller_model, _cleaner_place, _local_model):
            advice = strategy(use, current, factors, settings, total)
            if advice is not None:
                out.append(advice)
    return out


_SAME_USE = "The period's requests, with the same tokens request by request, re-estimated"


def _estimate(use: ApiUse, model: str, provider: str | None, region: str | None, settings: "Settings") -> Footprint:
    """The same requests, token for token, under another model or place (exact group sum)."""
    from ..estimate.group import group_estimate

    return group_estimate(
        model,
        provider,
        requests=max(use.requests, 1),
        input_tokens=use.input_tokens,
        input_tokens_sq=use.input_tokens_sq,
        output_tokens=use.output_tokens,
        reasoning_tokens=use.reasoning_tokens,
        settings=settings,
        region=region,
    )


def _cheapest(
    use: ApiUse, settings: "Settings", options: list[tuple[_T, str, str | None, str | None]]
) -> tuple[Footprint, _T] | None:
    """The option (with its model, provider, region) whose estimate has the lowest central CO2e, and
    that estimate; options the catalogue cannot estimate are skipped, ties go to the first."""
    best: tuple[Footprint, _T] | None = None
    for option, model, provider, region in options:
        try:
            fp = _estimate(use, model, provider, region, settings)
        except InputError:
            continue
        if best is None or fp.co2e_kg.central < best[0].co2e_kg.central:
            best = (fp, option)
    return best


def _advice(kind: AdviceKind, action: str, use: ApiUse, current: Footprint, alt: Alternative, fp: Footprint,
            total: float, basis: str, assumption: str) -> Advice:
    return advice_of(kind, action, current, fp, total, workload=use.workload, provider=use.provider, model=use.model,
                     region=use.region, zone=use.zone, requests=use.requests, alternative=alt, basis=basis,
                     assumption=assumption)


def _smaller_model(use: ApiUse, current: Footprint, factors: Any, settings: "Settings", total: float) -> Advice | None:
    options = [(m, m, use.provider, use.region) for m in smaller_models_of(factors, use.model)]
    best = _cheapest(use, settings, options)
    if best is None:
        return None
    fp, smaller = best
    return _advice(
        "smaller_model",
        f"Try {smaller} instead of {use.model} for {use.workload!r}: the next smaller model of the same family.",
        use, current, Alternative(model=smaller, provider=use.provider, region=use.region), fp, total,
        f"{_SAME_USE} with {smaller} (family and tier from the catalogue), at the same provider and region.",
        "The smaller model is assumed to answer the same requests with as many tokens; if it needs longer "
        "prompts, more retries or a second pass to reach the same quality, the saving shrinks.",
    )


def _cleaner_place(use: ApiUse, current: Footprint, factors: Any, settings: "Settings", total: float) -> Advice | None:
    places = cleaner_places(factors, use.model, use.provider, use.region, settings)
    best = _cheapest(use, settings, [(p, use.model, p.provider, p.region) for p in places])
    if best is None:
        return None
    fp, place = best
    current_key = factors.provider_key(use.provider if use.provider is not None else factors.model(use.model).host)
    where = f"{place.provider}'s {place.region} region" if place.region else f"{place.provider}'s own API"
    grid = f"grid {place.zone}"
    if place.provider == current_key:
        action = f"Run {use.model} for {use.workload!r} in {where} ({grid})."
    elif place.offer:
        action = f"Have {use.model} for {use.workload!r} served from {where} ({place.offer}; {grid})."
    else:
        action = f"Call {use.model} for {use.workload!r} from {where} ({grid})."
    served = (f"; {place.offer} serves the model there (model_offers.csv)" if place.offer
              else "; the model's own provider (catalogue host)")
    assumption = (f"{place.note}. " if place.note else "") + (
        "The same model version is assumed to answer with the same tokens; where the provider serves from "
        "comes from datacenters.csv.")
    return _advice(
        "cleaner_region", action, use, current,
        Alternative(model=use.model, provider=place.provider, region=place.region, zone=place.zone), fp, total,
        f"{_SAME_USE} with the electricity, PUE and WUE of {where} (datacenters.csv){served}.", assumption,
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
        f"{_SAME_USE} with your country's grid and the on-premises PUE and WUE (onprem.toml, or your settings).",
        "Your machines are assumed to serve the model as the local serving model does (batch, GPU power); "
        "buying or manufacturing them is not counted.",
    )


# --- reading the catalogue, the offers and the data-centre factors ------------------------------
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
    from ..factors import DEFAULT_PROVIDER

    try:
        return bool(factors.model(model).host == DEFAULT_PROVIDER)
    except InputError:
        return False


def cleaner_places(factors: Any, model: str, provider: str | None, region: str | None, settings: "Settings") -> list[Place]:
    """The places that serve the model, other than the one the calls went to.

    From `model_offers.csv` (each offer's regions) and the model's own host at its default
    row. A provider whose zone the user pinned in the configuration is left alone: the pin says
    where they chose to be served (often for data residency).
    """
    from ..factors import DEFAULT_PROVIDER

    try:
        entry = factors.model(model)
    except InputError:
        return []
    current = factors.provider_key(provider if provider is not None else entry.host)
    if current == "local":
        return []
    override = settings.providers.get(current)
    if override is not None and override.zone:
        return []
    here = (current, region.lower() if region else None)
    if here[1] is not None and (current, here[1]) not in {(d.provider, d.region) for d in factors.datacenters(current)}:
        here = (current, None)  # a region the factor base lacks was priced at the provider's default row
    candidates: list[Place] = []
    if entry.host != DEFAULT_PROVIDER:
        candidates.append(Place(entry.host, None, factors.datacenter(entry.host).zone))
    for offer in factors.offers(entry.id):
        for r in offer.regions:
            candidates.append(Place(offer.provider, r, factors.datacenter(offer.provider, r).zone, offer.offer, offer.note))
    seen: set[tuple[str, str | None]] = set()
    out: list[Place] = []
    for p in candidates:
        key = (p.provider, p.region)
        if key == here or key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
