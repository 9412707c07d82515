"""Building result objects without validation on the hot path.

`estimate_llm` must sustain tens of thousands of calls a second; pydantic's
`model_construct` costs about 3 µs an object, which alone would cap it near 30,000/s.
The values built here are ordered by construction (see _coefficients.py), so we set the
instance state the way `model_construct` does, minus its per-field bookkeeping.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ..footprint import Footprint, Impacts, Range

M = TypeVar("M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__


def _construct(cls: type[M], values: dict[str, Any]) -> M:
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def make_range(low: float, central: float, high: float) -> Range:
    """A `Range` whose order the caller guarantees."""
    return _construct(Range, {"low": low, "central": central, "high": high})


def make_impacts(energy_kwh: Range, co2e_kg: Range, water_l: Range) -> Impacts:
    return _construct(Impacts, {"energy_kwh": energy_kwh, "co2e_kg": co2e_kg, "water_l": water_l})


def make_footprint(
    energy_kwh: Range, co2e_kg: Range, water_l: Range, usage: Impacts, embodied: Impacts, warnings: list[str]
) -> Footprint:
    return _construct(
        Footprint,
        {
            "energy_kwh": energy_kwh,
            "co2e_kg": co2e_kg,
            "water_l": water_l,
            "method": "estimated",
            "usage": usage,
            "embodied": embodied,
            "warnings": warnings,
        },
    )
