"""Human units: the unit follows the magnitude, French uses its own separators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frugal_ai.footprint import Range
from frugal_ai.units import format_number, format_quantity, format_range, unit_for


@pytest.mark.parametrize(
    ("value", "quantity", "expected"),
    [
        (0.00034, "energy_kwh", "0.34 Wh"),
        (0.5, "energy_kwh", "500 Wh"),
        (2.5, "energy_kwh", "2.5 kWh"),
        (1500.0, "energy_kwh", "1.5 MWh"),
        (0.012, "co2e_kg", "12 g"),
        (42.0, "co2e_kg", "42 kg"),
        (3200.0, "co2e_kg", "3.2 t"),
        (0.00026, "water_l", "0.26 mL"),
        (45.0, "water_l", "45 L"),
        (281_000_000.0, "water_l", "281,000 m³"),
        (0.0, "water_l", "0 mL"),
    ],
)
def test_unit_is_chosen_by_magnitude(value: float, quantity: str, expected: str) -> None:
    assert format_quantity(value, quantity) == expected  # type: ignore[arg-type]


def test_rounding_that_reaches_the_next_unit_moves_to_it() -> None:
    # 999.96 Wh would otherwise print as "1,000 Wh".
    assert format_quantity(0.99996, "energy_kwh") == "1 kWh"


def test_french_uses_decimal_comma_and_narrow_nbsp_thousands() -> None:
    assert format_quantity(2.5, "energy_kwh", lang="fr") == "2,5\u00a0kWh"
    assert format_quantity(281_000_000.0, "water_l", lang="fr") == "281\u202f000\u00a0m³"
    assert format_number(1234.6, lang="fr") == "1\u202f235"


def test_negative_values_keep_their_sign() -> None:
    assert format_quantity(-0.5, "co2e_kg") == "-500 g"


def test_range_uses_one_unit_for_all_three_bounds() -> None:
    r = Range(low=0.0002, central=0.0003, high=0.0012)
    assert format_range(r, "energy_kwh") == "0.3 Wh (0.2–1.2)"
    assert format_range(r, "energy_kwh", lang="fr") == "0,3\u00a0Wh (0,2–1,2)"


def test_exact_range_prints_one_value() -> None:
    assert format_range(Range.exact(3.0), "water_l") == "3 L"


def test_unknown_quantity_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown quantity"):
        format_quantity(1.0, "money_eur")  # type: ignore[arg-type]


@given(st.floats(min_value=1e-9, max_value=1e12, allow_nan=False))
def test_the_printed_number_round_trips_within_rounding(value: float) -> None:
    symbol, scale = unit_for(value, "energy_kwh")
    text = format_quantity(value, "energy_kwh")
    number, unit = text.rsplit(" ", 1)
    units = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3, "GWh": 1e6}
    assert unit in units
    back = float(number.replace(",", "")) * units[unit]
    # three significant digits: within 0.5 % of the value (or exactly the integer part)
    assert back == pytest.approx(value, rel=6e-3)
