"""One footprint spanning three: the low bounds of one, the centrals of another, the high
bounds of a third. Used where the uncertainty is in *what* ran, not only in how much it
cost: a product's prompt profile (short, typical, long prompts) and a model the catalogue
does not know (a smaller, a typical and a larger stand-in)."""

from __future__ import annotations

from ..footprint import Footprint, Impacts, Range


def _range(low: Range, central: Range, high: Range) -> Range:
    lo, hi = min(low.low, central.central), max(high.high, central.central)
    return Range.of(lo, central.central, hi)


def _impacts(low: Impacts, central: Impacts, high: Impacts) -> Impacts:
    return Impacts.of(_range(low.energy_kwh, central.energy_kwh, high.energy_kwh),
                      _range(low.co2e_kg, central.co2e_kg, high.co2e_kg),
                      _range(low.water_l, central.water_l, high.water_l))


def spanning(low: Footprint, central: Footprint, high: Footprint, warnings: list[str] | None = None) -> Footprint:
    """low.low ≤ central.central ≤ high.high, per quantity, for the total, usage and embodied
    parts alike (so that total = usage + embodied still holds bound by bound, the bounds being
    sums of the same three estimates' parts); `warnings` added to the central's."""
    usage = _impacts(low.usage, central.usage, high.usage)
    embodied = _impacts(low.embodied, central.embodied, high.embodied)
    notes = list(dict.fromkeys([*central.warnings, *(warnings or [])]))
    return Footprint.from_parts(usage, embodied, central.method, notes)
