"""Ranges and footprints: the value types every part of frugal-ai speaks.

A `Range` is `low <= central <= high`; a `Footprint` holds energy (kWh), greenhouse gases
(kg CO2e) and water (litres), each as a range, with the method that produced it.

Example:
    >>> r = Range(low=1.0, central=2.0, high=4.0)
    >>> (r * 2).high
    8.0
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Method = Literal["measured", "estimated", "declared"]


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
        return cls.model_construct(low=value, central=value, high=value)

    @classmethod
    def of(cls, low: float, central: float, high: float) -> "Range":
        """Build without validation on hot paths; callers guarantee the order."""
        return cls.model_construct(low=low, central=central, high=high)

    @classmethod
    def zero(cls) -> "Range":
        return cls.model_construct(low=0.0, central=0.0, high=0.0)

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
    def zero(cls) -> "Impacts":
        z = Range.zero()
        return cls.model_construct(energy_kwh=z, co2e_kg=z, water_l=z)

    def __add__(self, other: "Impacts") -> "Impacts":
        return Impacts.model_construct(
            energy_kwh=self.energy_kwh + other.energy_kwh,
            co2e_kg=self.co2e_kg + other.co2e_kg,
            water_l=self.water_l + other.water_l,
        )

    def __mul__(self, k: float) -> "Impacts":
        return Impacts.model_construct(
            energy_kwh=self.energy_kwh * k, co2e_kg=self.co2e_kg * k, water_l=self.water_l * k
        )


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
        return cls.model_construct(
            energy_kwh=total.energy_kwh,
            co2e_kg=total.co2e_kg,
            water_l=total.water_l,
            method=method,
            usage=usage,
            embodied=embodied,
            warnings=warnings or [],
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
