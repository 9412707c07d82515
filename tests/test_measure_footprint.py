"""measured_footprint: PUE and WUE applied by frugal-ai, ranges as wide as the method deserves."""

from __future__ import annotations

import csv

import pytest

from frugal_ai.config import load_settings
from frugal_ai.factors import data_dir, factor_set
from frugal_ai.estimate.measured import component_methods, measured_energy_range, measured_footprint, uncertainties


def test_pue_and_wue_from_settings_are_applied_to_the_right_energy() -> None:
    s = load_settings(overrides={"pue": 1.5, "wue": 0.4, "country": "FR"})
    fp = measured_footprint(0.010, 0.030, 0.002, "rapl+nvml+ram_model", "FR", s)
    grid = factor_set().electricity("FR")
    it = 0.042
    assert fp.method == "measured"
    assert fp.energy_kwh.central == pytest.approx(it * 1.5)
    assert fp.co2e_kg.central == pytest.approx(it * 1.5 * grid.co2e_kg_per_kwh)
    # on-site WUE per kWh of IT energy; off-site water per kWh bought (PUE included)
    assert fp.water_l.central == pytest.approx(it * 0.4 + it * 1.5 * grid.water_l_per_kwh)
    assert fp.embodied.co2e_kg.central == 0


def test_defaults_come_from_the_factor_base_on_premises_row() -> None:
    onprem = factor_set().onprem()
    fp = measured_footprint(0.01, 0.0, 0.0, "rapl", None, load_settings())
    assert fp.energy_kwh.central == pytest.approx(0.01 * onprem.pue.central)
    assert fp.energy_kwh.high == pytest.approx(0.01 * 1.1 * onprem.pue.high)
    assert any("world-average" in w for w in fp.warnings)


def test_the_range_widens_with_the_method() -> None:
    def width(method: str) -> float:
        r = measured_energy_range(0.01, 0.0, 0.0, method)
        assert r.low <= r.central <= r.high and r.central == pytest.approx(0.01)
        return r.high - r.low

    assert width("rapl") < width("cpu_load") < width("tdp_fallback")
    assert width("rapl") < width("something-new")  # an unknown method gets the widest row
    assert width("tdp_fallback") == pytest.approx(width("something-new"))


def test_extrapolated_share_widens_the_range() -> None:
    full = measured_energy_range(0.01, 0, 0, "rapl", coverage=1.0)
    none = measured_energy_range(0.01, 0, 0, "rapl", coverage=0.0)
    assert none.low < full.low and none.high > full.high


def test_unavailable_is_said_not_hidden() -> None:
    fp = measured_footprint(0.0, 0.0, 0.0, "unavailable", "FR", load_settings())
    assert fp.energy_kwh.central == 0 and any("could not be measured" in w for w in fp.warnings)


def test_component_methods() -> None:
    assert component_methods("cpu_load+nvml+ram_model") == {"cpu": "cpu_load", "gpu": "nvml", "ram": "ram_model"}
    assert component_methods("unavailable") == {}


def test_uncertainty_table_has_sources_and_sane_bounds() -> None:
    path = data_dir() / "measurement_uncertainty.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["method"] for r in rows} >= {"rapl", "nvml", "cpu_load", "tdp_fallback", "ram_model", "extrapolated", "unknown"}
    for r in rows:
        assert r["citation"].strip() and r["rationale"].strip()
        assert 0 <= float(r["low_factor"]) <= 1 <= float(r["high_factor"])
    table = uncertainties()
    assert table["tdp_fallback"].high_factor / table["tdp_fallback"].low_factor > 3 * (
        table["rapl"].high_factor / table["rapl"].low_factor)
