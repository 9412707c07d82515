"""What the gains need from the factor base, in the shape the gains need it.

The factor base (`frugal_ai.factors`) is its own module; this adapter is the one place
that reads it for gains, so the loader and the balance speak only `AvoidedFactor`.

Each activity lists the units it accepts and how many of its base unit each is (`L`,
`m3`, `gal_us` for diesel), in `data/emission_factors/avoided.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import InputError
from ..footprint import Range


@dataclass(frozen=True)
class AvoidedFactor:
    """kg CO2e avoided per `unit` of an activity, the units it accepts, water avoided per unit, source."""

    activity: str
    unit: str
    kg_per_unit: Range
    source: str
    allowed_units: dict[str, float]
    water_l_per_unit: float = 0.0
    zone_dependent: bool = False


def unit_scale(written: str, factor: AvoidedFactor) -> float | None:
    """How many of the factor's unit one `written` unit is, or None when the activity does not accept it.

    Exact spelling first (`L`, `m3`, `kWh`), then ignoring case (`l`, `kwh`).
    """
    if written in factor.allowed_units:
        return factor.allowed_units[written]
    folded = {u.lower(): scale for u, scale in factor.allowed_units.items()}
    return folded.get(written.strip().lower())


def _source_text(fs: Any, source_ids: Sequence[str]) -> str:
    texts = []
    for sid in source_ids:
        try:
            texts.append(str(fs.source(sid).citation))
        except Exception:  # an unknown source id still names something
            texts.append(sid)
    return "; ".join(texts)


def known_activities(fs: Any) -> list[str]:
    """Keys of the factor base's avoided-emission factors, for 'did you mean' messages."""
    try:
        return sorted(str(a.activity) for a in fs.avoided_activities())
    except Exception:
        return []


def avoided_factor(fs: Any, activity: str, *, zone: str | None) -> AvoidedFactor:
    """The avoided-emission factor of `activity`; a zone-dependent one (electricity) uses the zone's grid.

    Raises `InputError` for an unknown activity — the loader adds the file, line and key.
    """
    try:
        entry = fs.avoided(activity)
    except InputError:
        raise
    except (KeyError, LookupError, ValueError):
        raise InputError(f"unknown activity {activity!r}") from None
    water = float(entry.water_l_per_unit or 0.0)
    if entry.zone_dependent:
        elec = fs.electricity(zone or "WORLD")
        kg = Range.exact(float(elec.co2e_kg_per_kwh))
        water = float(elec.water_l_per_kwh)
        sources = _source_text(fs, elec.sources)
        return AvoidedFactor(activity, entry.unit, kg, f"{elec.name}: {sources}", dict(entry.allowed_units), water, True)
    kg = Range.exact(float(entry.co2e_kg_per_unit))
    return AvoidedFactor(activity, entry.unit, kg, _source_text(fs, entry.sources), dict(entry.allowed_units), water)


def hardware_co2e_kg(fs: Any, key: str) -> tuple[Range, str]:
    """Embodied kg CO2e of one item of hardware from the factor base, and its source."""
    entry = fs.hardware(key)
    return entry.embodied_co2e_kg, _source_text(fs, entry.sources)
