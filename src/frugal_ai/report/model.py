"""The report model: every number of the disclosure report, computed once, here.

`build_report()` joins the inventory (ledger × factors), the gains balance and the advice
into one pydantic model; renderers (table, md, html, json, csv) only format it. The model
holds numbers and identifiers, never prose: sentences come from the translations, so one
model renders in any language.

Example:
    >>> report = build_report("ledger.sqlite", parse_period("2026-Q3"))  # doctest: +SKIP
    >>> report.totals.co2e_kg.central  # doctest: +SKIP
    12.3
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from pydantic import BaseModel, Field

from ..errors import InputError
from ..footprint import Range
from ..inventory import Inventory, InventoryRow, content_hash_text, load_inventory
from .period import Period

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

REPORT_SCHEMA_VERSION = "1"
Progress = Callable[[str, float], None]


class Quantities(BaseModel):
    """Energy (kWh), greenhouse gases (kg CO2e) and water (L), each a range."""

    energy_kwh: Range
    co2e_kg: Range
    water_l: Range

    @classmethod
    def zero(cls) -> "Quantities":
        return cls(energy_kwh=Range.zero(), co2e_kg=Range.zero(), water_l=Range.zero())

    def __add__(self, other: "Quantities") -> "Quantities":
        return Quantities(
            energy_kwh=self.energy_kwh + other.energy_kwh,
            co2e_kg=self.co2e_kg + other.co2e_kg,
            water_l=self.water_l + other.water_l,
        )


class MethodTotal(Quantities):
    method: Literal["measured", "estimated", "declared"]
    share_co2e: float = Field(description="Share of the total central CO2e, 0..1.")


class Equivalence(BaseModel):
    """A total as something a non-specialist pictures, with the factor's source."""

    key: str
    quantity: Literal["energy_kwh", "co2e_kg", "water_l"]
    count: float = Field(description="How many units the central value equals.")
    amount_per_unit: float
    labels: dict[str, str] = Field(description="What one unit is, by language (from the factor base).")
    source: str
    source_name: str = Field("", description="The source's short name (its citation up to the first ':'), for the credit line.")
    source_year: int | None = None
    unit_labels: dict[str, str] = Field(default_factory=dict, description="The unit (km, …), by language.")


class BreakdownRow(Quantities):
    """One line of a breakdown: a workload, a provider+model, a zone or a month."""

    key: str
    provider: str | None = None
    model: str | None = None
    methods: list[str] = Field(description="measured / estimated, and 'local' for calls to local servers.")
    priced: bool = Field(description="False when no row of the group has a footprint (unknown model, local calls).")
    runs: int = 0
    requests: int = 0
    tokens: int = 0
    share_co2e: float = 0.0


class LineRow(Quantities):
    """One workload × month × method: the CSV's row."""

    workload: str
    month: str
    method: str = Field(description="measured / estimated / local (a local server: counted, energy in the runs).")
    priced: bool = Field(False, description="False when nothing was estimated (unknown model, local calls).")
    runs: int = 0
    requests: int = 0
    tokens: int = 0


class Ghg(BaseModel):
    """GHG Protocol view. Boundaries are identifiers; the translations say them in words."""

    scope2_location_kg: Range = Field(description="Measured own-machine electricity, location-based, combustion share.")
    scope2_market_kg: Range
    scope2_market_basis: Literal["contractual", "equal_to_location"]
    market_factor_kg_per_kwh: float | None = None
    scope3_cat1_kg: Range = Field(description="Purchased GenAI API and cloud services (usage and embodied).")
    scope3_cat1_embodied_kg: Range = Field(description="Part of cat. 1 that is the providers' embodied hardware.")
    scope3_cat3_kg: Range = Field(description="Upstream share of the measured electricity's life-cycle emissions.")
    upstream_share: float | None = Field(description="Upstream share of the measured electricity's life-cycle emissions (central: cat. 3 / (Scope 2 + cat. 3)); None when not split.")
    upstream_share_range: Range | None = Field(None, description="Its range: each zone's share (electricity.csv upstream_share_*) weighted by its measured emissions.")
    own_hardware_embodied: Literal["excluded_cat2"] = "excluded_cat2"
    boundaries: list[str]


class Datapoint(BaseModel):
    """One ESRS or VSME datapoint with its value (central) and range, in the unit it asks."""

    id: str = Field(description="e.g. 'ESRS E1-5', 'VSME B3'.")
    key: str = Field(description="Translation key of the datapoint's label.")
    unit: str
    value: float
    low: float
    high: float
    quantity: Literal["energy_kwh", "co2e_kg", "water_l"]
    base: Range = Field(description="The same figure in the quantity's base unit (kWh, kg, L).")


class FallbackRow(BaseModel):
    workload: str
    month: str
    method: str
    provider: str | None = None
    model: str | None = None
    zone: str | None = None
    unknown_zone: str | None = Field(None, description="The recorded zone the factor base does not know, if any.")
    kinds: list[str]


class FactorUsed(BaseModel):
    """One factor the figures used: the values they used, and its sources.

    A value set by the configuration (`pue`, `wue`, `providers.<name>.zone/pue/wue`) replaces
    the factor base's in `values`; `configured` says where it came from and `base_values`
    keeps what the factor base holds, so a reader sees both.
    """

    kind: Literal["electricity", "datacenter", "onprem", "model", "equivalence"]
    key: str
    values: dict[str, Any] = Field(description="The values the figures used.")
    sources: list[str] = Field(description="Ids into Methodology.sources.")
    configured: dict[str, str] = Field(
        default_factory=dict, description="Fields set by the configuration, not the factor base: field -> origin."
    )
    base_values: dict[str, Any] = Field(
        default_factory=dict, description="The factor base's own values of the configured fields."
    )


class SettingInForce(BaseModel):
    """One setting that changes the figures at report time, and where its value came from."""

    value: Any = Field(description="None: not set (the factor base's value applies).")
    origin: str = Field(description="'default', 'environment', 'argument', or the configuration file's name.")


class ProviderSetting(BaseModel):
    """A `providers.<name>` override: where the provider's data centres are and how efficient."""

    zone: str | None = None
    pue: float | None = None
    wue: float | None = None
    origin: str


class SettingsInForce(BaseModel):
    """The settings read at report time besides the ledger and the factor set: with those two,
    they reproduce every figure."""

    country: SettingInForce
    pue: SettingInForce
    wue: SettingInForce
    market_factor_kg_per_kwh: SettingInForce
    providers: dict[str, ProviderSetting] = Field(default_factory=dict)


class SourceRef(BaseModel):
    id: str
    citation: str
    year: int | None = None
    url: str = ""


class Methodology(BaseModel):
    """Data quality and method: how much is measured, what fell back, every factor used."""

    measured_share_co2e: float
    estimated_share_co2e: float
    fallback_rows: list[FallbackRow]
    unknown_models: list[str]
    local_requests: int = Field(description="Calls to servers on this host: counted, energy in the measured runs.")
    unattributed_kwh: float = Field(0.0, description="IT energy measured outside every run (not in the totals).")
    failed_requests: int = Field(0, description="API calls that failed (HTTP error, timeout, retried): counted as requests.")
    failed_tokenless: int = Field(0, description="Of those, calls with no token count: estimated as zero energy.")
    factors: list[FactorUsed]
    sources: list[SourceRef]
    factor_set_version: str
    settings: SettingsInForce = Field(description="Settings in force: with the ledger and the factor set, they reproduce the figures.")
    tool_version: str
    ledger_rows: int
    content_hash: str
    content_hash_method: str
    notes: list[str] = Field(default_factory=list, description="Translation keys of method notes.")


class Recommendation(BaseModel):
    """One action from `advise`, with what the report needs to say it in any language."""

    kind: str
    action: str = Field(description="advise's own sentence (English); the renderers use kind + fields.")
    workload: str
    provider: str | None = None
    model: str
    alternative_model: str | None = None
    alternative_provider: str | None = None
    alternative_zone: str | None = None
    alternative_requests: int | None = None
    requests: int = 0
    savings_co2e_kg: Range
    savings_energy_kwh: Range | None = None
    savings_water_l: Range | None = None
    share_of_total: float = 0.0


class GainsCase(BaseModel):
    """What the report shows of one use case's balance (the full balance is in `gains`)."""

    name: str
    verdict: str
    reason: str
    footprint_co2e_kg: Range | None = None
    avoided_co2e_kg: Range | None = None


class Report(BaseModel):
    """The disclosure report. JSON keys follow DESIGN.md's contract."""

    report_schema_version: str = REPORT_SCHEMA_VERSION
    period: str = Field(description="The period's label: 2026-Q3, 2026-09, 2026, a date span, or 'all'.")
    period_since: str | None = Field(description="First day included (YYYY-MM-DD), None: open.")
    period_until: str | None = Field(description="Last day included (YYYY-MM-DD), None: open.")
    first_record: str | None = None
    last_record: str | None = None
    empty: bool
    demo_rows: int = Field(0, description="Rows that are demo data (frugal-ai demo); the report says so.")
    country: str | None
    factor_set_version: str
    totals: Quantities
    by_method: list[MethodTotal]
    equivalences: list[Equivalence]
    by_workload: list[BreakdownRow]
    by_model: list[BreakdownRow]
    by_zone: list[BreakdownRow]
    by_month: list[BreakdownRow]
    lines: list[LineRow]
    ghg: Ghg
    datapoints: list[Datapoint]
    gains: dict[str, Any] | None
    gains_cases: list[GainsCase]
    recommendations: list[Recommendation]
    recommendations_error: str | None = Field(None, description="Why advice could not be computed, if it failed.")
    methodology: Methodology


# --- building it -------------------------------------------------------------------------------


def build_report(
    ledger_path: str | Path,
    period: Period,
    *,
    settings: "Settings | None" = None,
    gains_path: str | Path | None = None,
    lang: str = "en",
    progress: Progress | None = None,
) -> Report:
    """Load the inventory of `period` and compute every figure of the report.

    `gains_path`, when given, adds the ecological-gains balance (kept apart from the
    inventory: avoided emissions are never subtracted from it). `lang` is passed to the
    balance, whose one-sentence reasons are written in that language.
    """
    from ..config import load_settings

    settings = settings or load_settings()
    tick = progress or (lambda stage, fraction: None)
    tick("ledger", 0.0)
    inventory = load_inventory(ledger_path, since=period.since, until=period.until, settings=settings, progress=tick)
    gains_model = _balance(gains_path, inventory, period, settings, lang) if gains_path else None
    tick("advice", 0.92)
    try:
        recommendations, advice_error = _recommendations(inventory, settings), None
    except Exception as e:  # advice is secondary: the disclosure still comes out, and says why advice is missing
        recommendations, advice_error = [], f"{type(e).__name__}: {e}"
    tick("report", 0.97)
    report = report_from_inventory(inventory, period, settings, gains=gains_model, recommendations=recommendations)
    report.recommendations_error = advice_error
    return report


def report_from_inventory(
    inventory: Inventory,
    period: Period,
    settings: "Settings",
    *,
    gains: BaseModel | None = None,
    recommendations: list[Recommendation] | None = None,
) -> Report:
    """The report of an inventory already loaded (pure: no I/O except the cached factor base)."""
    from ..factors import factor_set

    factors = factor_set()
    priced = [r for r in inventory.rows if r.footprint is not None]
    totals = sum((_q(r) for r in priced), Quantities.zero())
    total_co2e = totals.co2e_kg.central

    by_method = [
        MethodTotal(
            method=m,  # type: ignore[arg-type]
            energy_kwh=fp.energy_kwh,
            co2e_kg=fp.co2e_kg,
            water_l=fp.water_l,
            share_co2e=_share(fp.co2e_kg.central, total_co2e),
        )
        for m, fp in sorted(inventory.totals_by_method.items(), key=lambda kv: ("measured", "estimated", "declared").index(kv[0]))
    ]
    measured_share = next((m.share_co2e for m in by_method if m.method == "measured"), 0.0)
    estimated_share = next((m.share_co2e for m in by_method if m.method == "estimated"), 0.0)

    ghg = _ghg(inventory.rows, settings, factors)
    equivalences = _equivalences(totals, factors)
    used = _factors_used(inventory.rows, factors, [e.key for e in equivalences], settings)
    return Report(
        period=period.label,
        period_since=period.since.isoformat() if period.since else None,
        period_until=period.last_day.isoformat() if period.last_day else None,
        first_record=inventory.first_start.date().isoformat() if inventory.first_start else None,
        last_record=inventory.last_start.date().isoformat() if inventory.last_start else None,
        empty=inventory.empty,
        demo_rows=inventory.demo_rows,
        country=settings.country,
        factor_set_version=inventory.factor_set_version,
        totals=totals,
        by_method=by_method,
        equivalences=equivalences,
        by_workload=_breakdown(inventory.rows, lambda r: (r.workload, None, None), total_co2e),
        by_model=_breakdown(
            [r for r in inventory.rows if r.model], lambda r: (model_label(r.provider, r.model), r.provider, r.model), total_co2e
        ),
        by_zone=_breakdown(priced, lambda r: (r.zone or "WORLD", None, None), total_co2e),
        by_month=sorted(_breakdown(inventory.rows, lambda r: (r.month, None, None), total_co2e), key=lambda b: b.key),
        lines=_lines(inventory.rows),
        ghg=ghg,
        datapoints=_datapoints(inventory.rows, ghg),
        gains=_gains_dict(gains),
        gains_cases=_gains_cases(gains),
        recommendations=recommendations or [],
        methodology=Methodology(
            measured_share_co2e=measured_share,
            estimated_share_co2e=estimated_share,
            fallback_rows=_fallback_rows(inventory.rows),
            unknown_models=sorted({model_label(r.provider, r.model) for r in inventory.rows if r.fallbacks.unknown_model}),
            local_requests=sum(r.requests for r in inventory.rows if r.local),
            unattributed_kwh=inventory.unattributed_kwh,
            failed_requests=inventory.failed_requests,
            failed_tokenless=inventory.failed_tokenless,
            factors=used,
            sources=_sources(used, factors),
            factor_set_version=inventory.factor_set_version,
            settings=settings_in_force(settings),
            tool_version=_tool_version(),
            ledger_rows=inventory.ledger_rows,
            content_hash=inventory.content_hash,
            content_hash_method=content_hash_text(),
            notes=_notes(inventory, ghg),
        ),
    )


def model_label(provider: str | None, model: str | None) -> str:
    """`provider/model`, or the model alone when the provider is unknown."""
    return f"{provider}/{model}" if provider else (model or "")


def _q(row: InventoryRow) -> Quantities:
    fp = row.footprint
    assert fp is not None
    return Quantities(energy_kwh=fp.energy_kwh, co2e_kg=fp.co2e_kg, water_l=fp.water_l)


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def _breakdown(
    rows: Iterable[InventoryRow], key: Callable[[InventoryRow], tuple[str, str | None, str | None]], total_co2e: float
) -> list[BreakdownRow]:
    """Group the inventory's (already aggregated) rows by `key`: a few hundred rows at most."""
    groups: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for r in rows:
        k = key(r)
        g = groups.setdefault(
            k, {"q": Quantities.zero(), "methods": set(), "priced": False, "runs": 0, "requests": 0, "tokens": 0}
        )
        if r.footprint is not None:
            g["q"] = g["q"] + _q(r)
            g["methods"].add(r.method)
            g["priced"] = True
        elif r.local:
            g["methods"].add("local")
        g["runs"] += r.runs
        g["requests"] += r.requests
        g["tokens"] += r.tokens
    out = [
        BreakdownRow(
            key=k[0],
            provider=k[1],
            model=k[2],
            methods=sorted(g["methods"], key=("measured", "estimated", "local").index),
            priced=g["priced"],
            runs=g["runs"],
            requests=g["requests"],
            tokens=g["tokens"],
            share_co2e=_share(g["q"].co2e_kg.central, total_co2e),
            **g["q"].model_dump(),
        )
        for k, g in groups.items()
    ]
    out.sort(key=lambda b: (-b.co2e_kg.central, b.key))
    return out


def _lines(rows: Iterable[InventoryRow]) -> list[LineRow]:
    groups: dict[tuple[str, str, str], LineRow] = {}
    for r in rows:
        k = (r.workload, r.month, "local" if r.local else r.method)
        line = groups.get(k)
        if line is None:
            line = groups[k] = LineRow(workload=k[0], month=k[1], method=k[2], **Quantities.zero().model_dump())
        if r.footprint is not None:
            line.energy_kwh += r.footprint.energy_kwh
            line.co2e_kg += r.footprint.co2e_kg
            line.water_l += r.footprint.water_l
            line.priced = True
        line.runs += r.runs
        line.requests += r.requests
        line.tokens += r.tokens
    return sorted(groups.values(), key=lambda x: (x.workload, x.month, x.method))


# --- GHG Protocol, ESRS, VSME ---------------------------------------------------------------------


def _upstream_share(factors: Any, zone: str | None) -> Range | None:
    """Share of `zone`'s life-cycle electricity factor that is upstream of combustion (GHG
    Protocol Scope 3 cat. 3), with its range: electricity.csv `upstream_share_*`, from the zone's
    generation mix (the world value, flagged in the factor base, for a zone without a mix).
    An unknown zone takes the world's share, as its intensity does (inventory.py)."""
    try:
        try:
            return factors.electricity(zone).upstream_share  # type: ignore[no-any-return]
        except InputError:
            return factors.electricity(None).upstream_share  # type: ignore[no-any-return]
    except (InputError, AttributeError):  # a factor set without the split: Scope 2 keeps the whole factor, and says so
        return None


def split_upstream(co2e_kg: Range, share: Range) -> tuple[Range, Range]:
    """(combustion part, upstream part) of life-cycle emissions, each with its range.

    The bounds pair so that each part's range covers every share in [share.low, share.high]:
    the combustion part is lowest with the highest upstream share, and the other way round.
    The two centrals add up to the life-cycle central exactly.
    """
    combustion = Range.of(co2e_kg.low * (1.0 - share.high), co2e_kg.central * (1.0 - share.central),
                          co2e_kg.high * (1.0 - share.low))
    upstream = Range.of(co2e_kg.low * share.low, co2e_kg.central * share.central, co2e_kg.high * share.high)
    return combustion, upstream


def _ghg(rows: list[InventoryRow], settings: "Settings", factors: Any) -> Ghg:
    measured = [r for r in rows if r.method == "measured" and r.footprint is not None]
    estimated = [r for r in rows if r.method == "estimated" and r.footprint is not None]
    measured_co2e = sum((r.footprint.usage.co2e_kg for r in measured), Range.zero())  # type: ignore[union-attr]
    measured_energy = sum((r.footprint.usage.energy_kwh for r in measured), Range.zero())  # type: ignore[union-attr]
    # Each row is split with its own zone's share (rows carry their zone; None is the world).
    shares = {z: _upstream_share(factors, z) for z in {r.zone for r in measured} | {None}}
    share: Range | None = None
    if None in shares.values():  # a factor set without the split
        location, cat3 = measured_co2e, Range.zero()
    else:
        location = cat3 = Range.zero()
        weighted_low = weighted_high = 0.0
        for r in measured:
            co2e = r.footprint.usage.co2e_kg  # type: ignore[union-attr]
            row_share = shares[r.zone]
            assert row_share is not None
            combustion, upstream = split_upstream(co2e, row_share)
            location, cat3 = location + combustion, cat3 + upstream
            weighted_low += co2e.central * row_share.low
            weighted_high += co2e.central * row_share.high
        if measured_co2e.central > 0.0:
            # The share of the whole, its bounds the zones' bounds weighted by their central emissions.
            central = cat3.central / measured_co2e.central
            share = Range.of(min(weighted_low / measured_co2e.central, central), central,
                             max(weighted_high / measured_co2e.central, central))
        else:  # nothing measured: the sentence states the world's share
            share = shares[None]
    market_factor = settings.market_factor_kg_per_kwh
    if market_factor is not None:
        market, basis = measured_energy * market_factor, "contractual"
    else:
        market, basis = location, "equal_to_location"
    cat1 = sum((r.footprint.co2e_kg for r in estimated), Range.zero())  # type: ignore[union-attr]
    cat1_embodied = sum((r.footprint.embodied.co2e_kg for r in estimated), Range.zero())  # type: ignore[union-attr]
    boundaries = [
        "boundary.scope2_own_machines",
        "boundary.scope2_market_contractual" if basis == "contractual" else "boundary.scope2_market_equal",
        "boundary.scope3_cat1_services",
        "boundary.scope3_cat3_upstream" if share is not None else "boundary.scope3_cat3_not_split",
        "boundary.embodied_own_hardware",
        "boundary.excluded",
    ]
    return Ghg(
        scope2_location_kg=location,
        scope2_market_kg=market,
        scope2_market_basis=basis,  # type: ignore[arg-type]
        market_factor_kg_per_kwh=market_factor,
        scope3_cat1_kg=cat1,
        scope3_cat1_embodied_kg=cat1_embodied,
        scope3_cat3_kg=cat3,
        upstream_share=share.central if share is not None else None,
        upstream_share_range=share,
        boundaries=boundaries,
    )


def _datapoints(rows: list[InventoryRow], ghg: Ghg) -> list[Datapoint]:
    measured = [r for r in rows if r.method == "measured" and r.footprint is not None]
    own_energy_kwh = sum((r.footprint.usage.energy_kwh for r in measured), Range.zero())  # type: ignore[union-attr]
    own_water_l = sum((r.footprint.water_l for r in measured), Range.zero())  # type: ignore[union-attr]
    scope3 = ghg.scope3_cat1_kg + ghg.scope3_cat3_kg

    # The unit each datapoint asks for; 1 MWh = 1,000 kWh, 1 t = 1,000 kg, 1 m³ = 1,000 L.
    units = {"energy_kwh": "MWh", "co2e_kg": "tCO2e", "water_l": "m³"}

    def dp(id_: str, key: str, quantity: str, r: Range) -> Datapoint:
        return Datapoint(id=id_, key=key, unit=units[quantity], value=r.central / 1000, low=r.low / 1000,
                         high=r.high / 1000, quantity=quantity, base=r)  # type: ignore[arg-type]

    return [
        dp("ESRS E1-5", "dp.e1_5_energy", "energy_kwh", own_energy_kwh),
        dp("ESRS E1-6", "dp.e1_6_scope2_location", "co2e_kg", ghg.scope2_location_kg),
        dp("ESRS E1-6", "dp.e1_6_scope2_market", "co2e_kg", ghg.scope2_market_kg),
        dp("ESRS E1-6", "dp.e1_6_scope3", "co2e_kg", scope3),
        dp("ESRS E3-4", "dp.e3_4_water", "water_l", own_water_l),
        dp("VSME B3", "dp.b3_energy", "energy_kwh", own_energy_kwh),
        dp("VSME B3", "dp.b3_scope2", "co2e_kg", ghg.scope2_location_kg),
        dp("VSME B3", "dp.b3_scope3", "co2e_kg", scope3),
        dp("VSME B6", "dp.b6_water", "water_l", own_water_l),
    ]


# --- plain-language equivalence ----------------------------------------------------------------

# The comparisons shown in the summary: keys of the factor base's equivalences.
_EQUIVALENCE_KEYS = ("car_km", "shower")


def _equivalences(totals: Quantities, factors: Any) -> list[Equivalence]:
    out = []
    for key in _EQUIVALENCE_KEYS:
        try:
            eq = factors.equivalence(key)
        except InputError:  # not in this factor set: show the others
            continue
        count = eq.units_for(getattr(totals, eq.quantity).central)
        if count < 1:  # "0.07 showers" pictures nothing: skip comparisons below one unit
            continue
        source, source_name, source_year = _credit(eq.sources, factors)
        out.append(
            Equivalence(key=key, quantity=eq.quantity, count=count, amount_per_unit=eq.amount_per_unit,
                        labels={"en": eq.label_en, "fr": eq.label_fr}, source=source,
                        source_name=source_name, source_year=source_year,
                        unit_labels={"en": eq.unit_en, "fr": eq.unit_fr})
        )
    return out


def _credit(source_ids: Iterable[str], factors: Any) -> tuple[str, str, int | None]:
    """The first source's one-line credit: its citation with the year, its short name (the
    citation up to the first ':'; the rest is English prose about the values, which a report
    in another language must not quote), and its year. A source the factor base does not
    know is named by its id, with no year."""
    for sid in source_ids:
        try:
            src = factors.source(sid)
        except InputError:
            return sid, sid, None
        return f"{src.citation} ({src.year})", str(src.citation).split(":", 1)[0].strip(), int(src.year)
    return "", "", None


# --- data quality ---------------------------------------------------------------------------------


def _fallback_rows(rows: list[InventoryRow]) -> list[FallbackRow]:
    out = []
    for r in rows:
        kinds = [k for k, v in r.fallbacks.model_dump().items() if v]
        if kinds:
            out.append(
                FallbackRow(workload=r.workload, month=r.month, method=r.method, provider=r.provider,
                            model=r.model, zone=r.zone, unknown_zone=r.fallbacks.unknown_zone, kinds=kinds)
            )
    return out


# The fields of each kind of factor that the figures depend on, shown in the report.
_FACTOR_FIELDS = {
    "electricity": ("co2e_kg_per_kwh", "water_l_per_kwh", "upstream_share", "data_year", "co2e_fallback", "water_fallback",
                    "upstream_fallback"),
    "datacenter": ("zone", "pue", "wue_l_per_kwh", "fallback"),
    "onprem": ("pue", "wue_l_per_kwh"),
    "model": ("architecture", "total_params_b", "active_params_b", "params_estimated"),
    "equivalence": ("quantity", "amount_per_unit", "unit_en"),
}


def _factors_used(
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
    for p in sorted({r.provider for r in priced if r.provider}):
        wanted.append(("datacenter", p, lambda p=p: factors.datacenter(p)))
    for p, m in sorted({(r.provider or "", r.model) for r in priced if r.model}):
        wanted.append(("model", f"{p}/{m}", lambda p=p, m=m: factors.model(m, provider=p or None)))
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
    (measure/footprint.py), `providers.<name>` for a provider's API calls (estimate/_api.py,
    inventory.provider_override). A configured PUE or WUE is one value, no range.
    """
    from ..inventory import provider_override

    def exact(v: float) -> dict[str, float]:
        return Range.exact(float(v)).model_dump(mode="json")

    out: dict[str, tuple[Any, str]] = {}
    if kind == "onprem":
        if settings.pue is not None:
            out["pue"] = (exact(settings.pue), origin_text(settings.origins.get("pue") or "argument"))
        if settings.wue is not None:
            out["wue_l_per_kwh"] = (exact(settings.wue), origin_text(settings.origins.get("wue") or "argument"))
    elif kind == "datacenter":
        o = provider_override(settings, key, factors)
        if o is not None:
            origin = origin_text(_provider_origin(settings, key, factors))
            if o.zone:
                out["zone"] = (str(factors.resolve_zone(o.zone)), origin)
            if o.pue is not None:
                out["pue"] = (exact(o.pue), origin)
            if o.wue is not None:
                out["wue_l_per_kwh"] = (exact(o.wue), origin)
    return out


def _provider_origin(settings: "Settings", provider: str, factors: Any) -> str:
    for name in (provider.strip().lower(), factors.provider_key(provider)):
        if name in settings.providers:
            return settings.origins.get(f"providers.{name}") or "argument"
    return "default"


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


def _sources(used: list[FactorUsed], factors: Any) -> list[SourceRef]:
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


def _notes(inventory: Inventory, ghg: Ghg) -> list[str]:
    notes = ["note.ranges", "note.gains_separate"]
    if any(r.local for r in inventory.rows):
        notes.append("note.local_calls")
    if any(r.fallbacks.world_average_zone for r in inventory.rows):
        notes.append("note.world_average")
    if inventory.failed_requests:
        notes.append("note.failed_calls")
    return notes


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frugal-ai")
    except PackageNotFoundError:
        return "0+unknown"


# --- gains and advice ----------------------------------------------------------------------------


def _balance(gains_path: str | Path, inventory: Inventory, period: Period, settings: "Settings", lang: str) -> BaseModel:
    from ..gains import LedgerUsage, balance, load_gains

    return balance(
        load_gains(gains_path), LedgerUsage.of(inventory, settings),
        since=period.since, until=period.until, settings=settings, lang=lang,  # type: ignore[arg-type]
    )


def _gains_dict(gains: BaseModel | None) -> dict[str, Any] | None:
    if gains is None:
        return None
    data = gains.model_dump(mode="json")
    if isinstance(data.get("file"), str):
        # The file's name, not the local path: the report is shared outside the machine.
        data["file"] = Path(data["file"]).name
    return data


def _gains_cases(gains: Any) -> list[GainsCase]:
    if gains is None:
        return []
    return [
        GainsCase(name=c.name, verdict=str(c.verdict), reason=c.reason, footprint_co2e_kg=c.footprint_co2e_kg,
                  avoided_co2e_kg=c.avoided_co2e_kg)
        for c in gains.use_cases
    ]


def _recommendations(inventory: Inventory, settings: "Settings", limit: int = 5) -> list[Recommendation]:
    from ..advise import advise

    return [
        Recommendation(
            kind=a.kind,
            action=a.action,
            workload=a.workload,
            provider=a.provider,
            model=a.model,
            alternative_model=a.alternative.model,
            alternative_provider=a.alternative.provider,
            alternative_zone=a.alternative.zone,
            alternative_requests=a.alternative.requests,
            requests=a.requests,
            savings_co2e_kg=a.savings_co2e_kg,
            savings_energy_kwh=a.savings_energy_kwh,
            savings_water_l=a.savings_water_l,
            share_of_total=a.share_of_total,
        )
        for a in advise(inventory, settings, limit=limit)
    ]
