"""Human units and number formats for energy, CO2e and water.

Quantities are stored in one base unit each (kWh, kg CO2e, litres); for people we pick the
unit by magnitude (Wh / kWh / MWh / GWh, g / kg / t / kt, mL / L / m³ / dam³ is never used:
water stops at m³) and print about three significant digits.

`lang="fr"` writes a decimal comma, a narrow no-break space (U+202F) between thousands and
a no-break space (U+00A0) before the unit, as French typography asks.

Example:
    >>> format_quantity(0.00034, "energy_kwh")
    '0.34 Wh'
    >>> format_quantity(12345.0, "co2e_kg", lang="fr")
    '12,3\\xa0t'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from .footprint import Range

Quantity = Literal["energy_kwh", "co2e_kg", "water_l"]
Lang = Literal["en", "fr"]

# (unit symbol, how many base units one of it is), smallest first. Unit conversions, not factors.
_UNITS: dict[str, tuple[tuple[str, float], ...]] = {
    "energy_kwh": (("Wh", 1e-3), ("kWh", 1.0), ("MWh", 1e3), ("GWh", 1e6)),
    "co2e_kg": (("g", 1e-3), ("kg", 1.0), ("t", 1e3), ("kt", 1e6)),
    "water_l": (("mL", 1e-3), ("L", 1.0), ("m³", 1e3)),
}

# Below this, a value in the smallest unit is written in scientific notation.
_SMALLEST_PLAIN = 1e-6
_NARROW_NBSP = "\u202f"
_NBSP = "\u00a0"


def unit_for(value: float, quantity: Quantity) -> tuple[str, float]:
    """The unit to show `value` (in the quantity's base unit) in: `(symbol, base units per symbol)`.

    The largest unit in which the magnitude is at least 1; the smallest unit for tiny values.
    """
    units = _units(quantity)
    magnitude = abs(value)
    chosen = units[0]
    for unit in units:
        if magnitude >= unit[1]:
            chosen = unit
    return chosen


def format_number(value: float, lang: Lang = "en", digits: int = 3) -> str:
    """`value` with about `digits` significant digits, thousands grouped, in the language's style.

    Integers part is never rounded away (12,345 stays 12,345); trailing zeros are dropped.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude < _SMALLEST_PLAIN:
        text = f"{value:.{digits - 1}e}"
        return text.replace(".", ",") if lang == "fr" else text
    exponent = math.floor(math.log10(magnitude))
    decimals = max(0, digits - 1 - exponent)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "0"):
        text = "0"
    if lang == "fr":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", _NARROW_NBSP)
    return text


def format_quantity(value: float, quantity: Quantity, lang: Lang = "en") -> str:
    """`value` (kWh, kg CO2e or L, per `quantity`) in a human unit chosen by magnitude.

    >>> format_quantity(2.5, "water_l")
    '2.5 L'
    >>> format_quantity(0.0005, "water_l")
    '0.5 mL'
    """
    symbol, scale = _rounded_unit(value, quantity)
    return _join(format_number(value / scale, lang), symbol, lang)


def format_range(r: "Range", quantity: Quantity, lang: Lang = "en") -> str:
    """A range as `central unit (low–high)`, all three in the unit chosen for the central value.

    A zero-width range prints as a single value.

    >>> from frugal_ai.footprint import Range
    >>> format_range(Range(low=0.0002, central=0.0003, high=0.0006), "energy_kwh")
    '0.3 Wh (0.2–0.6)'
    """
    symbol, scale = _rounded_unit(r.central if r.central else r.high, quantity)
    central = _join(format_number(r.central / scale, lang), symbol, lang)
    if r.low == r.high:
        return central
    return f"{central} ({format_number(r.low / scale, lang)}–{format_number(r.high / scale, lang)})"


def _rounded_unit(value: float, quantity: Quantity) -> tuple[str, float]:
    # 999.7 Wh would print as "1,000 Wh": move to the next unit when rounding crosses it.
    symbol, scale = unit_for(value, quantity)
    units = _units(quantity)
    index = [u[0] for u in units].index(symbol)
    if index + 1 < len(units):
        next_symbol, next_scale = units[index + 1]
        shown = float(format_number(abs(value) / scale).replace(",", "") or 0)
        if shown * scale >= next_scale:
            return next_symbol, next_scale
    return symbol, scale


def _units(quantity: str) -> tuple[tuple[str, float], ...]:
    try:
        return _UNITS[quantity]
    except KeyError:
        raise ValueError(f"unknown quantity {quantity!r}; expected one of {', '.join(_UNITS)}") from None


def _join(number: str, symbol: str, lang: Lang) -> str:
    return f"{number}{_NBSP if lang == 'fr' else ' '}{symbol}"
