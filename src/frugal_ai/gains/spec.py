"""The gains file as data: the pydantic models of its tables and keys.

The models check types and one-key rules (a negative quantity, a rebound outside 0..1, an
unknown key); `cross_field_problems` checks the rules that relate two keys (`low > high`,
`end` before `start`). Checks that need the factor base (is the activity known, does the
unit fit it, does the model exist) live in `load.py`.

Example:
    >>> g = Gain(activity="diesel", quantity=120, unit="L", low=80, high=150, rebound=0.1)
    >>> g.quantity_range().low, g.quantity_range().high
    (80.0, 150.0)
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ..footprint import Range
from ..ledger.bounds import MAX_REQUESTS_PER_ROW, MAX_TOKENS_PER_REQUEST

Period = Literal["day", "week", "month", "year"]

# Every number of a gains file is finite (no inf, no nan) and below a bound far above any real
# use case, so that no product of them overflows or reaches a report as `inf` (docs/gains.md).
MAX_QUANTITY = 1e12
"""Units of an activity saved per period (a trillion km, kg, L or kWh)."""
MAX_FACTOR_KG_PER_UNIT = 1e6
"""A custom factor: one kilotonne of CO2e per unit."""
MAX_HARDWARE_CO2E_KG = 1e9
"""The declared embodied footprint of one hardware purchase: a megatonne."""
MAX_HARDWARE_COUNT = 1_000_000

# The one activity not in the avoided-emission factors: it carries its own factor and source.
CUSTOM = "custom"


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt `rebond` must not silently count as no rebound.
    # `inf` and `nan` (valid TOML floats) are errors too.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Gain(_Strict):
    """One avoided activity: `quantity` units of `activity` saved per period."""

    activity: str = Field(min_length=1)
    quantity: float = Field(ge=0, le=MAX_QUANTITY)
    unit: str = Field(min_length=1)
    low: float | None = Field(default=None, ge=0, le=MAX_QUANTITY)
    high: float | None = Field(default=None, ge=0, le=MAX_QUANTITY)
    rebound: float = Field(default=0.0, ge=0, le=1, description="Share of the gain lost to rebound effects, 0..1.")
    evidence: str | None = None
    period: Period | None = Field(default=None, description="Overrides the file's period for this gain.")
    factor_kg_per_unit: float | None = Field(default=None, ge=0, le=MAX_FACTOR_KG_PER_UNIT,
                                             description="Only with activity = 'custom'.")
    source: str | None = Field(default=None, description="Source of a custom factor.")
    zone: str | None = Field(default=None, description="Electricity zone of an electricity gain; default: the configured country.")

    def quantity_range(self) -> Range:
        """The quantity saved per period as a range (zero width when no low/high is given)."""
        return Range.of(
            self.quantity if self.low is None else self.low,
            self.quantity,
            self.quantity if self.high is None else self.high,
        )


class ExpectedUsage(_Strict):
    """Planned API use per period, for a balance before the use case is deployed or tracked."""

    model: str = Field(min_length=1)
    requests: int = Field(ge=0, le=MAX_REQUESTS_PER_ROW)
    input_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS_PER_REQUEST, description="Per request.")
    output_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS_PER_REQUEST, description="Per request.")
    reasoning_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS_PER_REQUEST, description="Per request.")
    provider: str | None = None
    zone: str | None = None
    period: Period | None = None


class Hardware(_Strict):
    """Hardware bought for the use case: its embodied footprint counts once, on `date`.

    Either `item` (a key of the factor base's hardware, with `count`) or a declared
    `co2e_kg` (optionally with `low` / `high`).
    """

    item: str | None = None
    count: int = Field(default=1, ge=1, le=MAX_HARDWARE_COUNT)
    co2e_kg: float | None = Field(default=None, ge=0, le=MAX_HARDWARE_CO2E_KG)
    low: float | None = Field(default=None, ge=0, le=MAX_HARDWARE_CO2E_KG)
    high: float | None = Field(default=None, ge=0, le=MAX_HARDWARE_CO2E_KG)
    date: dt.date | None = Field(default=None, description="Purchase date; default: the use case's start.")
    description: str | None = None


class UseCase(_Strict):
    """One AI use case: its workloads, the reference scenario, and what it saves."""

    name: str = Field(min_length=1)
    reference: str = Field(min_length=1, description="The reference scenario without AI (WBCSD).")
    start: dt.date
    end: dt.date | None = None
    workloads: list[str] = Field(default_factory=list)
    gain: list[Gain] = Field(default_factory=list)
    expected_usage: ExpectedUsage | None = None
    hardware: list[Hardware] = Field(default_factory=list)


class GainsFile(_Strict):
    """A whole gains file. `path` is where it was read from (for messages), not a key of the file."""

    period: Period = "month"
    horizon_years: float = Field(default=5.0, gt=0, le=50, description="How far ahead payback is looked for.")
    use_case: list[UseCase] = Field(min_length=1)
    _path: str = PrivateAttr(default="<gains>")

    @property
    def path(self) -> str:
        """Where the file was read from, for messages."""
        return self._path


KeyPath = tuple[str | int, ...]


def cross_field_problems(gf: GainsFile) -> list[tuple[KeyPath, str]]:
    """Rules that relate two keys (low <= quantity <= high, end after start, unique names...).

    Kept out of pydantic validators so that each problem names the exact key it is about.
    """
    problems: list[tuple[KeyPath, str]] = []
    seen: set[str] = set()
    for i, uc in enumerate(gf.use_case):
        at: KeyPath = ("use_case", i)
        if uc.name in seen:
            problems.append(((*at, "name"), f"two use cases are named {uc.name!r}"))
        seen.add(uc.name)
        if uc.end is not None and uc.end <= uc.start:
            problems.append(((*at, "end"), f"end ({uc.end}) must come after start ({uc.start})"))
        for j, g in enumerate(uc.gain):
            problems.extend(_range_problems((*at, "gain", j), g.low, g.quantity, g.high, "quantity"))
            if g.activity != CUSTOM and (g.factor_kg_per_unit is not None or g.source is not None):
                key = "factor_kg_per_unit" if g.factor_kg_per_unit is not None else "source"
                problems.append(((*at, "gain", j, key), f"{key} is only for activity = 'custom' (the factor base has {g.activity!r})"))
        for j, h in enumerate(uc.hardware):
            hat: KeyPath = (*at, "hardware", j)
            if (h.item is None) == (h.co2e_kg is None):
                problems.append(((*hat, "item"), "give either item (a hardware key of the factor base) or co2e_kg, not both or neither"))
            elif h.item is not None and (h.low is not None or h.high is not None):
                problems.append(((*hat, "low" if h.low is not None else "high"), "low/high go with a declared co2e_kg, not with item"))
            elif h.co2e_kg is not None:
                problems.extend(_range_problems(hat, h.low, h.co2e_kg, h.high, "co2e_kg"))
    return problems


def _range_problems(at: KeyPath, low: float | None, value: float, high: float | None, name: str) -> list[tuple[KeyPath, str]]:
    if low is not None and high is not None and low > high:
        return [((*at, "low"), f"low ({low:g}) is greater than high ({high:g})")]
    if low is not None and low > value:
        return [((*at, "low"), f"low ({low:g}) is greater than {name} ({value:g})")]
    if high is not None and high < value:
        return [((*at, "high"), f"high ({high:g}) is less than {name} ({value:g})")]
    return []
