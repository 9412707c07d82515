"""The rows of the factor base, as validated pydantic models.

Every row names its sources (ids of `sources.csv`); ranges are `footprint.Range`, so
`low <= central <= high` is checked when the files are loaded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..footprint import Range

Verification = Literal["package-data", "reference", "derived", "secondary", "recalled-unverified", "assumption"]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Row):
    """Where a value comes from. `verification` says how it reached the factor set."""

    id: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    url: str = ""
    year: int = Field(ge=1900, le=2100)
    licence_note: str
    verification: Verification


class ElectricityFactor(_Row):
    """Life-cycle carbon intensity and off-site water consumption of a zone's electricity.

    `upstream_share` is the fraction of the life-cycle intensity that is upstream of
    combustion at the plant (GHG Protocol Scope 3 category 3; the rest is Scope 2), with
    its range, from the zone's generation mix. `co2e_fallback` / `water_fallback` /
    `upstream_fallback` are True when the zone has no value of its own and the world value
    stands in for it (the report says so).
    """

    zone: str  # ISO 3166 alpha-3, or WORLD
    alpha2: str
    name: str
    co2e_kg_per_kwh: float = Field(ge=0.0, le=2.0)
    water_l_per_kwh: float = Field(ge=0.0, le=100.0)
    upstream_share: Range
    data_year: int | None
    co2e_fallback: bool
    water_fallback: bool
    upstream_fallback: bool
    sources: tuple[str, ...]

    @field_validator("upstream_share")
    @classmethod
    def _a_fraction(cls, v: Range) -> Range:
        if v.low < 0.0 or v.high > 1.0:
            raise ValueError("upstream share must lie between 0 and 1")
        return v


class Datacenter(_Row):
    """A provider's data centres (or one region of them): electricity zone, PUE, on-site WUE.

    `fallback` is True when the provider was unknown and the generic default stands in;
    `region_fallback` when the region was unknown and the provider's default stands in.
    """

    provider: str
    region: str | None
    zone: str
    pue: Range
    wue_l_per_kwh: Range
    sources: tuple[str, ...]
    note: str = ""
    fallback: bool = False
    region_fallback: bool = False

    @model_validator(mode="after")
    def _plausible(self) -> "Datacenter":
        if self.pue.low < 1.0 or self.pue.high > 3.0:
            raise ValueError("PUE must lie between 1.0 and 3.0")
        if self.wue_l_per_kwh.low < 0.0 or self.wue_l_per_kwh.high > 20.0:
            raise ValueError("WUE must lie between 0 and 20 L/kWh")
        return self


class ModelOffer(_Row):
    """A provider serving a catalogue model in some of its regions (model_offers.csv).

    `model` is a catalogue id, or `open-weights` for any open-weight model the company can
    deploy on a dedicated instance there. `regions` are datacenters.csv regions of
    `provider`; `offer` names the product (and deployment type) the regions hold for;
    `note` says what the serving place rests on.
    """

    provider: str
    model: str
    regions: tuple[str, ...] = Field(min_length=1)
    offer: str
    sources: tuple[str, ...]
    note: str = ""


OPEN_WEIGHTS = "open-weights"


class OnPrem(_Row):
    """Defaults for the company's own machines: PUE and on-site WUE."""

    pue: Range
    wue_l_per_kwh: Range
    sources: tuple[str, ...]


class LlmModel(_Row):
    """A model of the LLM catalogue. Parameters in billions, as ranges where unpublished.

    `host` is the data-centre provider assumed when the caller names none; `family` and
    `tier` (1 = smallest) let callers find a smaller model of the same family.
    `reasoning` says whether the model generates hidden reasoning tokens: `yes` by default,
    `optional` when asked to, `no` never. `base` is the catalogue model whose weights this
    one was fine-tuned from (same size), `distilled_from` the model it learnt from (a teacher
    whose parameters are never this model's). `weight_bits` (and `weight_bits_high` where
    some hosts serve it wider) is the published serving precision, `accelerator` a
    hardware.csv key where the serving accelerator is published; None / empty: the
    estimator's defaults.
    """

    id: str
    provider: str
    host: str
    family: str
    tier: int = Field(ge=1, le=20)
    architecture: Literal["dense", "moe"]
    total_params_b: Range
    active_params_b: Range
    params_estimated: bool
    output_tps: float | None = Field(default=None, gt=0.0)
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...]
    note: str = ""
    reasoning: Literal["no", "optional", "yes"] = "no"
    base: str = ""
    distilled_from: str = ""
    weight_bits: float | None = Field(default=None, ge=1.0, le=32.0)
    weight_bits_high: float | None = Field(default=None, ge=1.0, le=32.0)
    accelerator: str = ""

    @model_validator(mode="after")
    def _active_within_total(self) -> "LlmModel":
        if self.active_params_b.high > self.total_params_b.high or self.active_params_b.low <= 0:
            raise ValueError("active parameters must be positive and at most the total")
        if self.architecture == "dense" and self.active_params_b != self.total_params_b:
            raise ValueError("a dense model's active parameters are its total parameters")
        return self


class ModalityModel(_Row):
    """A model of another request kind than text (modalities.csv): images, transcription, speech, embeddings.

    `method` says how its energy per `unit` is obtained: `measured` (GPU energy per unit
    at the reference, `gpu_wh_per_unit`), `tokens` (the LLM `text_model` reading
    `input_tokens_per_unit` and writing `output_tokens_per_unit` per unit), `encoder` (one
    forward pass per input token through `params_b` billion parameters). Images scale with
    their pixels over `reference_pixels`, their steps over `reference_steps`, and a quality's
    factor from `quality_factors`.
    """

    id: str
    provider: str
    host: str
    kind: Literal["image", "transcription", "speech", "embedding"]
    unit: Literal["image", "audio_second", "character", "token"]
    method: Literal["measured", "tokens", "encoder"]
    gpu_wh_per_unit: Range | None = None
    text_model: str = ""
    input_tokens_per_unit: float = Field(default=0.0, ge=0.0)
    output_tokens_per_unit: float = Field(default=0.0, ge=0.0)
    params_b: Range | None = None
    params_estimated: bool
    reference_pixels: float | None = Field(default=None, gt=0.0)
    reference_steps: float | None = Field(default=None, gt=0.0)
    quality_factors: dict[str, float] = {}
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...]
    note: str = ""

    @model_validator(mode="after")
    def _method_has_its_data(self) -> "ModalityModel":
        needs = {"measured": self.gpu_wh_per_unit, "tokens": self.text_model or None, "encoder": self.params_b}
        if needs[self.method] is None:
            raise ValueError(f"method {self.method} needs its column (gpu_wh_*, text_model or params_b_*)")
        if self.kind == "image" and self.reference_pixels is None:
            raise ValueError("an image model needs reference_pixels")
        return self


class ChangelogEntry(_Row):
    """What changed in one version of the factor set (meta.toml `[[changelog]]`)."""

    version: str
    date: str
    changes: tuple[str, ...] = Field(min_length=1)


class Hardware(_Row):
    """Embodied footprint and lifetime of an accelerator or server, with what the estimator needs."""

    key: str
    description: str
    embodied_co2e_kg: Range
    lifetime_years: Range
    memory_gb: float | None = Field(default=None, gt=0.0)
    memory_bandwidth_tb_s: float | None = Field(default=None, gt=0.0)
    power_w: float | None = Field(default=None, gt=0.0)
    peak_tflops_bf16: float | None = Field(default=None, gt=0.0)
    # GPU energy per generated token relative to the decode fit's accelerator at the same batch (measured where
    # possible); None: not for data-centre serving.
    decode_energy_ratio: float | None = Field(default=None, gt=0.0)
    gpus_per_server: int | None = Field(default=None, ge=1)
    sources: tuple[str, ...]
    note: str = ""


class AvoidedFactor(_Row):
    """Emission factor of an activity a gain avoids (litres of diesel, kWh of gas...).

    `co2e_kg_per_unit` is per `unit`; `allowed_units` maps each accepted unit to how many
    `unit` it is. `zone_dependent` factors (electricity) take the zone's factor instead.
    """

    activity: str
    label: str
    co2e_kg_per_unit: float | None = Field(default=None, ge=0.0)
    unit: str
    allowed_units: dict[str, float]
    zone_dependent: bool
    water_l_per_unit: float | None = Field(default=None, ge=0.0)
    sources: tuple[str, ...]
    note: str = ""

    @model_validator(mode="after")
    def _factor_or_zone(self) -> "AvoidedFactor":
        if (self.co2e_kg_per_unit is None) != self.zone_dependent:
            raise ValueError("give a factor, or mark the activity zone_dependent, not both")
        if self.allowed_units.get(self.unit) != 1.0:
            raise ValueError(f"allowed_units must contain the base unit {self.unit!r} = 1")
        return self

    def to_base_unit(self, quantity: float, unit: str) -> float:
        """`quantity` in `unit` expressed in this factor's base unit. Raises KeyError for other units."""
        return quantity * self.allowed_units[unit]


class Equivalence(_Row):
    """A plain-language equivalent: `amount_per_unit` of `quantity` is one `unit_en`."""

    key: str
    label_en: str
    label_fr: str
    quantity: Literal["energy_kwh", "co2e_kg", "water_l"]
    amount_per_unit: float = Field(gt=0.0)
    unit_en: str
    unit_fr: str
    sources: tuple[str, ...]
    note: str = ""

    def units_for(self, amount: float) -> float:
        """How many units `amount` (in the quantity's base unit) is."""
        return amount / self.amount_per_unit


class Constant(_Row):
    """A coefficient of the method. `low`/`central`/`high` are the parameter's own bounds."""

    key: str
    low: float
    central: float
    high: float
    unit: str
    sources: tuple[str, ...]

    @field_validator("sources")
    @classmethod
    def _some_source(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("every constant needs a source")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> "Constant":
        if not self.low <= self.central <= self.high:
            raise ValueError("constant bounds must satisfy low <= central <= high")
        return self

    @property
    def value(self) -> float:
        """The central value."""
        return self.central

    @property
    def range(self) -> Range:
        return Range.of(self.low, self.central, self.high)

    def __float__(self) -> float:
        return self.central
