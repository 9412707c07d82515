"""What the gains need from the factor base, in the shape the gains need it.

The factor base (`frugal_ai.factors`) is its own module; this adapter is the one place
that reads it for gains, so the loader and the balance speak only `AvoidedFactor`.

Unit conversions (1 m³ = 1,000 L, 1 MWh = 1,000 kWh, 1 t = 1,000 kg) are arithmetic, not
factors, so they live here: a gain may be written in any unit that converts to one of the
activity's units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..footprint import Range

# unit as written -> (canonical unit, how many canonical units one of it is)
_UNIT_ALIASES: dict[str, tuple[str, float]] = {
    "l": ("L", 1.0), "litre": ("L", 1.0), "liter": ("L", 1.0), "litres": ("L", 1.0), "liters": ("L", 1.0),
    "ml": ("L", 1e-3), "m3": ("L", 1e3), "m³": ("L", 1e3),
    "wh": ("kWh", 1e-3), "kwh": ("kWh", 1.0), "mwh": ("kWh", 1e3), "gwh": ("kWh", 1e6),
    "g": ("kg", 1e-3), "kg": ("kg", 1.0), "t": ("kg", 1e3), "tonne": ("kg", 1e3), "tonnes": ("kg", 1e3),
    "km": ("km", 1.0), "tkm": ("t.km", 1.0), "t.km": ("t.km", 1.0), "t·km": ("t.km", 1.0),
}


def canonical_unit(unit: str) -> tuple[str, float]:
    """`(canonical unit, scale)` for a unit as written; unknown units map to themselves."""
    return _UNIT_ALIASES.get(unit.strip().lower(), (unit.strip(), 1.0))


@dataclass(frozen=True)
class AvoidedFactor:
    """kg CO2e avoided per unit of an activity, with its range, units and source."""

    activity: str
    unit: str
    kg_per_unit: Range
    source: str
    water_l_per_unit: float = 0.0


def unit_scale(written: str, factor_unit: str) -> float | None:
    """How many of `factor_unit` one `written` unit is, or None when they do not convert."""
    a, scale_a = canonical_unit(written)
    b, scale_b = canonical_unit(factor_unit)
    if a != b:
        return None
    return scale_a / scale_b


def _as_range(value: Any) -> Range:
    if isinstance(value, Range):
        return value
    if isinstance(value, (int, float)):
        return Range.exact(float(value))
    low, central, high = (getattr(value, k) for k in ("low", "central", "high"))
    return Range.of(float(low), float(central), float(high))


def _source_text(fs: Any, entry: Any) -> str:
    source = getattr(entry, "source", None) or getattr(entry, "source_id", None) or ""
    if isinstance(source, str) and source and hasattr(fs, "source"):
        try:
            described = fs.source(source)
            return str(getattr(described, "citation", None) or getattr(described, "title", None) or source)
        except Exception:  # an unknown source id still names something
            return source
    return str(source)


def known_activities(fs: Any) -> list[str]:
    """Keys of the factor base's avoided-emission factors, for 'did you mean' messages."""
    for attr in ("avoided_activities", "avoided_keys"):
        fn = getattr(fs, attr, None)
        if callable(fn):
            return sorted(str(k) for k in fn())
    table = getattr(fs, "avoided_factors", None)
    if isinstance(table, dict):
        return sorted(table)
    return []


def avoided_factor(fs: Any, activity: str, *, zone: str | None) -> AvoidedFactor:
    """The avoided-emission factor of `activity`; electricity uses the zone's grid factor.

    Raises `InputError` (unknown activity) — the loader adds the file, line and key.
    """
    try:
        entry = fs.avoided(activity)
    except InputError:
        raise
    except (KeyError, LookupError, ValueError):
        entry = None
    if entry is None:
        raise InputError(f"unknown activity {activity!r}")
    unit = str(getattr(entry, "unit", None) or getattr(entry, "units", [""])[0])
    if activity == "electricity":
        elec = fs.electricity(zone or "WORLD")
        kg = _as_range(getattr(elec, "co2e_kg_per_kwh", None) or getattr(elec, "kg_per_kwh"))
        water = float(getattr(elec, "water_l_per_kwh", 0.0) or 0.0)
        return AvoidedFactor(activity, "kWh", kg, _source_text(fs, elec), water)
    kg = _as_range(getattr(entry, "kg_per_unit", None) or getattr(entry, "co2e_kg_per_unit"))
    return AvoidedFactor(activity, unit, kg, _source_text(fs, entry))


def hardware_co2e_kg(fs: Any, key: str) -> tuple[Range, str]:
    """Embodied kg CO2e of one item of hardware from the factor base, and its source."""
    entry = fs.hardware(key)
    for attr in ("embodied_co2e_kg", "co2e_kg", "embodied_kg"):
        value = getattr(entry, attr, None)
        if value is not None:
            return _as_range(value), _source_text(fs, entry)
    raise InputError(f"hardware {key!r} has no embodied footprint in the factor base")
