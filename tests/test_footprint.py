from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from frugal_ai.footprint import Footprint, Impacts, Range

nonneg = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@st.composite
def ranges(draw: st.DrawFn) -> Range:
    a, b, c = sorted(draw(st.lists(nonneg, min_size=3, max_size=3)))
    return Range(low=a, central=b, high=c)


def test_range_rejects_disorder() -> None:
    with pytest.raises(ValidationError):
        Range(low=2, central=1, high=3)


@given(ranges(), ranges(), st.floats(min_value=0, max_value=1e6))
def test_range_arithmetic_keeps_order_and_is_bound_by_bound(a: Range, b: Range, k: float) -> None:
    expected = {
        "a + b": (a + b, [a.low + b.low, a.central + b.central, a.high + b.high]),
        "a * k": (a * k, [a.low * k, a.central * k, a.high * k]),
        "k * a": (k * a, [a.low * k, a.central * k, a.high * k]),
        "a.times(b)": (a.times(b), [a.low * b.low, a.central * b.central, a.high * b.high]),
    }
    for what, (r, bounds) in expected.items():
        assert r.low <= r.central <= r.high, what
        # the values too: an operation that returned any ordered range (zero, say) would pass the line above
        assert [r.low, r.central, r.high] == pytest.approx(bounds, rel=1e-12), what


def test_negative_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        Range.exact(1.0) * -1


def test_footprint_totals_are_usage_plus_embodied() -> None:
    usage = Impacts(energy_kwh=Range.exact(2.0), co2e_kg=Range(low=0.1, central=0.2, high=0.3), water_l=Range.exact(5))
    embodied = Impacts(energy_kwh=Range.zero(), co2e_kg=Range.exact(0.05), water_l=Range.zero())
    f = Footprint.from_parts(usage, embodied, "estimated")
    assert f.co2e_kg.as_dict() == pytest.approx({"low": 0.15, "central": 0.25, "high": 0.35})
    assert (f * 10).energy_kwh.central == 20.0


def test_measured_and_estimated_are_never_added_silently() -> None:
    z = Impacts.zero()
    with pytest.raises(ValueError, match="estimated"):
        Footprint.from_parts(z, z, "measured") + Footprint.from_parts(z, z, "estimated")
