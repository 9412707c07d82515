"""Provenance and data quality: rows that fell back, every factor used with its sources, the
settings in force and where they came from, the method notes, the tool's version. With the
ledger and the factor set, these reproduce every figure of the report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ...errors import InputError
from ...estimate.names import catalogue_name
from ...footprint import Range
from ...inventory import Inventory, InventoryRow
from ...estimate.from_latency import disagreement_ratio, disagrees
from .schema import (
    EstimatorDisagreement, FactorUsed, FallbackModel, FallbackRow, Ghg, ProviderSetting, SettingInForce, SettingsInForce, SourceRef,
    UnpricedKind,
)

if TYPE_CHECKING:  # pragma: no cover
    from ...config import Settings


def fallback_rows(rows: list[InventoryRow]) -> list[FallbackRow]:
    out = []
    for r in rows:
        kinds = [k for k, v in r.fallbacks.model_dump().items() if v and k not in ("model_class", "kind_not_priced")]
        if r.fallbacks.kind_not_priced:
            kinds.append("kind_not_priced")
        if kinds:
            out.append(
                FallbackRow(workload=r.workload, month=r.month, method=r.method, provider=r.provider,
                            model=r.model, zone=r.zone, unknown_zone=r.fallbacks.unknown_zone, kinds=kinds)
            )
    return out


def unpriced_kinds(rows: list[InventoryRow]) -> list[UnpricedKind]:
    """Calls of each request kind the inventory cannot price yet, with their share of all API
    requests: counted and shown, never dropped."""
    total = sum(r.requests for r in rows)
    found: dict[str, int] = {}
    for r in rows:
        if r.fallbacks.kind_not_priced:
            found[r.fallbacks.kind_not_priced] = found.get(r.fallbacks.kind_not_priced, 0) + r.requests
        elif r.unpriced_requests:  # part of a priced group: calls of its kind that came without units
            found[r.kind] = found.get(r.kind, 0) + r.unpriced_requests
    return [UnpricedKind(kind=k, requests=n, share_of_requests=n / total if total else 0.0)
            for k, n in sorted(found.items())]


def fallback_models(rows: list[InventoryRow]) -> list[FallbackModel]:
    """Each model priced by a fallback class (not in the catalogue), with its requests: never a silent zero."""
    found: dict[tuple[str | None, str], FallbackModel] = {}
    for r in rows:
        if r.model and r.fallbacks.model_class:
            key = (r.provider, r.model)
            if key not in found:
                found[key] = FallbackModel(provider=r.provider, model=r.model, model_class=r.fallbacks.model_class)
            found[key].requests += r.requests
    return sorted(found.values(), key=lambda f: (-f.requests, f.model))


def estimator_disagreements(rows: list[InventoryRow], factor: float) -> list[EstimatorDisagreement]:
    """The workload × provider × model groups whose estimates from tokens and from time (of the
    requests recorded with a duration, summed over the period) differ by more than `factor`."""
    sums: dict[tuple[str, str | None, str], list[Any]] = {}
    for r in rows:
        if r.time_based is None or r.token_based_timed is None or r.model is None:
            continue
        key = (r.workload, r.provider, r.model)
        if key not in sums:
            sums[key] = [0, 0.0, r.token_based_timed, r.time_based]
        else:
            s = sums[key]
            s[2], s[3] = s[2] + r.token_based_timed, s[3] + r.time_based
        sums[key][0] += r.timed_requests
        sums[key][1] += r.latency_s
    out = []
    for (workload, provider, model), (requests, latency_s, token, time) in sums.items():
        ratio = disagreement_ratio(time.energy_kwh.central, token.energy_kwh.central)
        if not disagrees(ratio, factor):
            continue
        out.append(EstimatorDisagreement(
            workload=workload, provider=provider, model=model, requests=requests, latency_s=latency_s / requests if requests else 0.0,
            token_based_energy_kwh=token.energy_kwh, time_based_energy_kwh=time.energy_kwh,
            ratio=None if ratio == float("inf") else ratio, direction="time_above" if ratio > 1 else "time_below"))
    return sorted(out, key=lambda d: (-abs(_log(d.ratio)), d.workload, d.model))


def _log(ratio: float | None) -> float:
    import math

    return math.inf if ratio is None or ratio <= 0 else math.log(ratio)


# The fields of each kind of factor that the figures depend on, shown in the report.
_FACTOR_FIELDS = {
    "electricity": ("co2e_kg_per_kwh", "water_l_per_kwh", "upstream_share", "data_year", "co2e_fallback", "water_fallback",
                    "upstream_fallback"),
    "datacenter": ("zone", "pue", "wue_l_per_kwh", "fallback"),
    "onprem": ("pue", "wue_l_per_kwh"),
    "model": ("architecture", "total_params_b", "active_params_b", "params_estimated"),
    "equivalence": ("quantity", "amount_per_unit", "unit_en"),
}


def factors_used(
    rows: list[InventoryRow], factors: Any, equivalence_keys: list[str], settings: "Settings"
) -> list[FactorUsed]:
    """Every factor the figures used, with its values and sources: read back from the factor
    base, then the configured values put in place of the base's where the figures used them."""
    priced = [r for r in rows if r.footprint is not None]
    wanted: list[tuple[str, str, Callable[[], Any]]] = []
    for z in sorted({r.zone or "WORLD" for r in priced}):
        wanted.append(("electricity", z, lambda z=z: factors.electricity(z)))
    if any(r.method == "measured" for r in priced):
        wanted.append(("onprem", "on-premises", factors.onprem))
    # A provider's region row where calls were priced with it (key "aws/eu-west-3"), else its default row.
    for p, region in sorted({(r.provider, r.region or "") for r in priced if r.provider}):
        key = f"{p}/{region}" if region else p
        wanted.append(("datacenter", key, lambda p=p, region=region: factors.datacenter(p, region or None)))
    for p, m in sorted({(r.provider or "", r.model) for r in priced if r.model}):
        # The entry the estimate used: through the configuration's model_aliases.
        wanted.append(("model", f"{p}/{m}",
                       lambda p=p, m=m: factors.model(catalogue_name(m, settings), provider=p or None)))
    for key in equivalence_keys:
        wanted.append(("equivalence", key, lambda key=key: factors.equivalence(key)))
    out: list[FactorUsed] = []
    for kind, key, get in wanted:
        try:
            obj = get()
        except InputError:
            continue
        data = obj.model_dump(mode="json")
        values = {f: data[f] for f in _FACTOR_FIELDS[kind] if f in data}
        configured = _configured_values(kind, key, settings, factors)
        base = {f: values[f] for f in configured if f in values}
        values.update({f: v for f, (v, _) in configured.items()})
        out.append(FactorUsed(kind=kind, key=key, values=values, sources=list(getattr(obj, "sources", ())),  # type: ignore[arg-type]
                              configured={f: o for f, (_, o) in configured.items()}, base_values=base))
    return out


def _configured_values(kind: str, key: str, settings: "Settings", factors: Any) -> dict[str, tuple[Any, str]]:
    """The fields of one factor that the configuration sets: field -> (value as used, origin).

    Mirrors where the computation reads them: `pue`/`wue` for measured runs
    (estimate/measured.py), `providers.<name>` for a provider's API calls (estimate/_api.py,
    estimate.overrides.provider_override). A configured PUE or WUE is one value, no range.
    """
    from ...estimate.overrides import provider_override

    def exact(v: float) -> dict[str, float]:
        return Range.exact(float(v)).model_dump(mode="json")

    out: dict[str, tuple[Any, str]] = {}
    if kind == "onprem":
        if settings.pue is not None:
            out["pue"] = (exact(settings.pue), origin_text(settings.origins.get("pue") or "argument"))
        if settings.wue is not None:
            out["wue_l_per_kwh"] = (exact(settings.wue), origin_text(settings.origins.get("wue") or "argument"))
    elif kind == "datacenter":
        found = provider_override(settings, key.partition("/")[0], factors)
        if found is not None:
            name, o = found
            origin = origin_text(settings.origins.get(f"providers.{name}") or "argument")
            if o.zone:
                out["zone"] = (str(factors.resolve_zone(o.zone)), origin)
            if o.pue is not None:
                out["pue"] = (exact(o.pue), origin)
            if o.wue is not None:
                out["wue_l_per_kwh"] = (exact(o.wue), origin)
    return out


def origin_text(origin: str) -> str:
    """Where a setting came from, as the report shows it: 'default', 'environment', 'argument',
    or a configuration file by its name only (the report leaves the machine; a full path
    would show the user's folders)."""
    if origin in ("default", "environment", "argument", "configuration"):
        return origin
    return Path(origin).name


def settings_in_force(settings: "Settings") -> SettingsInForce:
    """The settings that change the figures at report time, each with its origin."""

    def origin(key: str, value_set: bool) -> str:
        # A Settings built in code (no load_settings) has no origins: a value it sets came from its caller.
        return origin_text(settings.origins.get(key) or ("argument" if value_set else "default"))

    def one(name: str) -> SettingInForce:
        value = getattr(settings, name)
        return SettingInForce(value=value, origin=origin(name, value is not None))

    return SettingsInForce(
        country=one("country"),
        pue=one("pue"),
        wue=one("wue"),
        market_factor_kg_per_kwh=one("market_factor_kg_per_kwh"),
        providers={
            name: ProviderSetting(zone=o.zone, pue=o.pue, wue=o.wue,
                                  origin=origin(f"providers.{name}", True))
            for name, o in sorted(settings.providers.items())
        },
    )


def sources_of(used: list[FactorUsed], factors: Any) -> list[SourceRef]:
    ids = list(dict.fromkeys(sid for f in used for sid in f.sources))
    out = []
    for sid in ids:
        try:
            src = factors.source(sid)
        except InputError:
            out.append(SourceRef(id=sid, citation=sid))
            continue
        out.append(SourceRef(id=sid, citation=src.citation, year=src.year, url=src.url))
    return out


def method_notes(inventory: Inventory, ghg: Ghg) -> list[str]:
    notes = ["note.ranges", "note.gains_separate"]
    if any(r.local for r in inventory.rows):
        notes.append("note.local_calls")
    if any(r.fallbacks.world_average_zone for r in inventory.rows):
        notes.append("note.world_average")
    if inventory.failed_requests:
        notes.append("note.failed_calls")
    return notes


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frugal-ai")
    except PackageNotFoundError:
        return "0+unknown"


