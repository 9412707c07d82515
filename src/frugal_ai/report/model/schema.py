"""The report model's schema: every number of the disclosure report, as pydantic models.

The model holds numbers and identifiers, never prose: sentences come from the translations,
so one model renders in any language. `Report` is the root; `report --schema` is its JSON
Schema (render_json.report_json_schema).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ...footprint import Range
from ...gains.balance import Balance
from ...inventory.model import MachineSplit


REPORT_SCHEMA_VERSION = "1"


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


Method = Literal["measured", "estimated", "declared"]
METHODS: tuple[Method, ...] = ("measured", "estimated", "declared")


class MethodTotal(Quantities):
    method: Method
    share_co2e: float = Field(description="Share of the total central CO2e, 0..1.")
    has_data: bool = Field(description="False where no record of this method falls in the period (its ranges are then zero).")


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


class KindRow(Quantities):
    """The API calls of one request kind (chat, embedding, image, transcription, speech): how many,
    in what unit, and how many could not be priced."""

    kind: str = Field(description="chat, embedding, image, transcription or speech (docs/capture.md).")
    requests: int = 0
    tokens: int = 0
    units: float = Field(0.0, description="Images, seconds of audio or characters (Σ requests × units per request); "
                         "0 for chat and embedding, counted in tokens.")
    unit: str | None = Field(None, description="image, audio_second or character; None for chat and embedding.")
    unpriced_requests: int = Field(0, description="Requests of this kind left unpriced (no units, or a model the "
                                   "catalogue does not know); local calls are not among them.")
    priced: bool = False


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
    scope3_cat1_declared_kg: Range = Field(
        default_factory=Range.zero,
        description="Part of cat. 1 from declared usage (web assistants, SaaS: `ledger declare`), not recorded calls.")
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


class UnpricedKind(BaseModel):
    """A request kind the inventory counts but cannot price yet (e.g. a transcription without its audio length)."""

    kind: str
    requests: int
    share_of_requests: float = Field(description="Its share of all API requests in the period, 0..1.")


class FallbackModel(BaseModel):
    """A model the catalogue does not know, priced by a fallback class read from its name."""

    provider: str | None = None
    model: str
    model_class: str = Field(description="small, medium, large or generic (data/emission_factors/model_fallbacks.csv).")
    requests: int = 0


class EstimatorDisagreement(BaseModel):
    """API calls of one workload, provider and model whose two estimates, from tokens and from
    time, disagree by more than the factor (docs/methodology.md § 3.10)."""

    workload: str
    provider: str | None = None
    model: str
    requests: int = Field(description="Requests recorded with a duration (priced both ways).")
    latency_s: float = Field(description="Their mean duration (s).")
    token_based_energy_kwh: Range = Field(description="Energy of those requests estimated from their tokens.")
    time_based_energy_kwh: Range = Field(description="Energy of the same requests estimated from their duration.")
    ratio: float | None = Field(description="Time-based / token-based central energy (None: the tokens give zero).")
    direction: Literal["time_above", "time_below"] = Field(
        description="time_above: longer than the tokens explain (unreported reasoning tokens, slow lightly batched "
                    "serving); time_below: faster (a smaller model or better serving than assumed).")


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
    declared_share_co2e: float = Field(0.0, description="Share of the total central CO2e from declared usage, 0..1.")
    declared_requests: int = Field(0, description="Requests (prompts, pages, images, audio minutes) of declared usage.")
    fallback_rows: list[FallbackRow]
    unknown_models: list[str]
    fallback_models: list[FallbackModel] = Field(
        default_factory=list, description="Models not in the catalogue, priced by a fallback class (wide range), with their requests.")
    local_requests: int = Field(description="Calls to servers on this host: counted, energy in the measured runs.")
    unattributed_kwh: float = Field(0.0, description="IT energy measured outside every run (not in the totals).")
    machine_split: MachineSplit | None = Field(
        None, description="The trackers' machine energy: runs + tracked processes outside runs + other processes + idle "
                          "(absent when no tracker session recorded the split).")
    failed_requests: int = Field(0, description="API calls that failed (HTTP error, timeout, retried): counted as requests.")
    failed_tokenless: int = Field(0, description="Of those, calls with no token count: estimated as zero energy.")
    approximated_requests: int = Field(
        0, description="API calls whose provider sent no usage: tokens approximated from characters (wider range).")
    unpriced_kinds: list[UnpricedKind] = Field(
        default_factory=list, description="Calls of kinds not priced yet, per kind, with their share of calls: counted, zero energy.")
    rejected_records: dict[str, int] = Field(
        default_factory=dict, description="Records refused by the ledger's plausibility bounds, by reason: never counted."
    )
    cross_checked_requests: int = Field(
        0, description="API requests recorded with a duration, priced from their tokens and from their time: their ranges span both.")
    disagreement_factor: float = Field(
        3.0, description="Beyond this ratio (either way) of the two estimates' centrals, a group is listed in estimator_disagreements.")
    estimator_disagreements: list[EstimatorDisagreement] = Field(
        default_factory=list, description="Workload, provider and model groups whose two estimates disagree beyond the factor.")
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
    model: str | None = Field(None, description="The model called; None for local jobs and idle power.")
    zone: str | None = Field(None, description="The zone the current footprint was priced in.")
    alternative_model: str | None = None
    alternative_provider: str | None = None
    alternative_region: str | None = None
    alternative_zone: str | None = None
    alternative_requests: int | None = None
    requests: int = 0
    assumption: str = Field("", description="advise's own sentence (English) of what the saving rests on.")
    savings_co2e_kg: Range
    savings_energy_kwh: Range | None = None
    savings_water_l: Range | None = None
    share_of_total: float = 0.0


class GainsCase(BaseModel):
    """What the report shows of one use case's balance (the full balance is in `gains`; the
    JSON adds its reason in the report's language)."""

    name: str
    verdict: str
    footprint_co2e_kg: Range | None = None
    avoided_co2e_kg: Range | None = None


class Report(BaseModel):
    """The disclosure report. Its JSON keys are a contract (docs/report.md; `report --schema`)."""

    report_schema_version: str = REPORT_SCHEMA_VERSION
    period: str = Field(description="The period's label: 2026-Q3, 2026-09, 2026, a date span, or 'all'.")
    period_since: str | None = Field(description="First day included (YYYY-MM-DD), None: open.")
    period_until: str | None = Field(description="Last day included (YYYY-MM-DD), None: open.")
    period_in_progress: bool = Field(False, description="The period asked runs past the day the report was made: "
                                     "it is counted up to that day (period_until), gains included.")
    period_planned_until: str | None = Field(None, description="Last day of the period asked, when it is in progress.")
    first_record: str | None = None
    last_record: str | None = None
    empty: bool
    demo_rows: int = Field(0, description="Rows that are demo data (frugal-ai demo); the report says so.")
    country: str | None
    factor_set_version: str
    totals: Quantities
    by_method: dict[Method, MethodTotal] = Field(
        description="Totals by method, keyed measured, estimated, declared (all three always present)."
    )
    equivalences: list[Equivalence]
    by_workload: list[BreakdownRow]
    by_model: list[BreakdownRow]
    by_zone: list[BreakdownRow]
    by_month: list[BreakdownRow]
    by_kind: list[KindRow] = Field(default_factory=list, description="API calls by request kind, chat first.")
    lines: list[LineRow]
    ghg: Ghg
    datapoints: list[Datapoint]
    gains: Balance | None = Field(description="The gains balance (--gains FILE), beside the footprint, never subtracted; None without a gains file.")
    gains_cases: list[GainsCase]
    recommendations: list[Recommendation]
    recommendations_error: str | None = Field(None, description="Why advice could not be computed, if it failed.")
    methodology: Methodology

