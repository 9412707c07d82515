"""Ranges and footprints: the value types every part of frugal-ai speaks.

A `Range` is `low <= central <= high`; a `Footprint` holds energy (kWh), greenhouse gases
(kg CO2e) and water (litres), each as a range, with the method that produced it.

Example:
    >>> r = Range(low=1.0, central=2.0, high=4.0)
    >>> (r * 2).high
    8.0
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

Method = Literal["measured", "estimated", "declared"]

M = TypeVar("M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__


def _construct(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of `cls` holding `values`, unvalidated: the state `model_construct` sets.

    `model_construct` costs about 3 µs an object, which alone would cap `estimate_llm` near
    30,000 calls a second; callers guarantee the values (a range's order, every field given).
    """
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


class Range(BaseModel):
    """A quantity with its uncertainty: `low <= central <= high`."""

    model_config = ConfigDict(frozen=True)

    low: float
    central: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if not (self.low <= self.central <= self.high):
            raise ValueError(f"range must satisfy low <= central <= high, got {self.low}, {self.central}, {self.high}")
        return self

    @classmethod
    def exact(cls, value: float) -> "Range":
        """A range of zero width, for values known exactly (declared or counted)."""
        return _construct(cls, {"low": value, "central": value, "high": value})

    @classmethod
    def of(cls, low: float, central: float, high: float) -> "Range":
        """Build without validation on hot paths; callers guarantee the order."""
        return _construct(cls, {"low": low, "central": central, "high": high})

    @classmethod
    def zero(cls) -> "Range":
        return _construct(cls, {"low": 0.0, "central": 0.0, "high": 0.0})

    def __add__(self, other: "Range") -> "Range":
        return Range.of(self.low + other.low, self.central + other.central, self.high + other.high)

    def __mul__(self, k: float) -> "Range":
        """Scale by a non-negative number."""
        if k < 0:
            raise ValueError("a range can only be scaled by a non-negative number")
        return Range.of(self.low * k, self.central * k, self.high * k)

    __rmul__ = __mul__

    def times(self, other: "Range") -> "Range":
        """Product of two non-negative ranges (bounds multiply)."""
        return Range.of(self.low * other.low, self.central * other.central, self.high * other.high)

    def as_dict(self) -> dict[str, float]:
        return {"low": self.low, "central": self.central, "high": self.high}


class Impacts(BaseModel):
    """Energy, CO2e and water of one life-cycle phase (usage or embodied)."""

    energy_kwh: Range
    co2e_kg: Range
    water_l: Range

    @classmethod
    def of(cls, energy_kwh: Range, co2e_kg: Range, water_l: Range) -> "Impacts":
        """Build without validation on hot paths."""
        return _construct(cls, {"energy_kwh": energy_kwh, "co2e_kg": co2e_kg, "water_l": water_l})

    @classmethod
    def zero(cls) -> "Impacts":
        z = Range.zero()
        return cls.of(z, z, z)

    def __add__(self, other: "Impacts") -> "Impacts":
        return Impacts.of(self.energy_kwh + other.energy_kwh, self.co2e_kg + other.co2e_kg, self.water_l + other.water_l)

    def __mul__(self, k: float) -> "Impacts":
        return Impacts.of(self.energy_kwh * k, self.co2e_kg * k, self.water_l * k)


class Footprint(BaseModel):
    """The footprint of a workload: totals, how they were obtained, and a usage/embodied split.

    `energy_kwh`, `co2e_kg`, `water_l` are totals (usage + embodied). `usage` is the
    electricity consumed by the hardware and data centre; `embodied` is the share of the
    hardware's manufacturing footprint allocated to this workload (its energy is zero by
    convention: embodied energy is not reported as consumption).
    """

    energy_kwh: Range
    co2e_kg: Range
    water_l: Range
    method: Method
    usage: Impacts
    embodied: Impacts
    warnings: list[str] = []

    @classmethod
    def from_parts(cls, usage: Impacts, embodied: Impacts, method: Method, warnings: list[str] | None = None) -> "Footprint":
        total = usage + embodied
        return cls.of(total.energy_kwh, total.co2e_kg, total.water_l, method, usage, embodied, warnings or [])

    @classmethod
    def of(
        cls,
        energy_kwh: Range,
        co2e_kg: Range,
        water_l: Range,
        method: Method,
        usage: Impacts,
        embodied: Impacts,
        warnings: list[str],
    ) -> "Footprint":
        """Build without validation on hot paths; callers guarantee totals = usage + embodied."""
        return _construct(
            cls,
            {
                "energy_kwh": energy_kwh,
                "co2e_kg": co2e_kg,
                "water_l": water_l,
                "method": method,
                "usage": usage,
                "embodied": embodied,
                "warnings": warnings,
            },
        )

    def __mul__(self, k: float) -> "Footprint":
        return Footprint.from_parts(self.usage * k, self.embodied * k, self.method, list(self.warnings))

    def __add__(self, other: "Footprint") -> "Footprint":
        if self.method != other.method:
            # Measured, estimated and declared figures are never mixed silently.
            raise ValueError(f"cannot add a {other.method} footprint to a {self.method} one")
        method = self.method
        warnings = list(dict.fromkeys([*self.warnings, *other.warnings]))
        return Footprint.from_parts(self.usage + other.usage, self.embodied + other.embodied, method, warnings)
