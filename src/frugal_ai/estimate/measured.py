"""Pricing measured IT energy (CPU, GPU, RAM) into a footprint: PUE, water, CO2e, and a range
as wide as the measurement method deserves. Pure pricing with the factor base, so it lives
here, below measure (which re-exports `measured_footprint`), the inventory and the CLI.

    it_energy      = Σ_component kwh_c × [low_c, 1, high_c]     (measurement_uncertainty.csv)
    facility_kwh   = it_energy × PUE                            (settings.pue, else on-premises default)
    co2e_kg        = facility_kwh × intensity(zone)             (life cycle, location-based)
    water_l        = it_energy × WUE_onsite + facility_kwh × water_offsite(zone)

WUE is per kWh of IT energy, so it multiplies IT energy, not PUE-adjusted energy; the
water consumed to generate the electricity scales with all the electricity bought.
A user's configured PUE/WUE is taken as exact; the factor base's defaults carry their range.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from typing import Any

from ..footprint import Footprint, Impacts, Range

_COMPONENT_OF = {
    "rapl": "cpu", "power_gadget": "cpu", "windows_emi": "cpu", "powermetrics": "cpu", "cpu_load": "cpu",
    "tdp_fallback": "cpu", "nvml": "gpu", "amdsmi": "gpu", "ram_model": "ram",
}


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """Relative bounds of a measurement method: the true value lies in [low, high] × measured."""

    method: str
    component: str
    low_factor: float
    high_factor: float
    citation: str


@functools.lru_cache(maxsize=1)
def uncertainties() -> dict[str, Uncertainty]:
    """The rows of data/emission_factors/measurement_uncertainty.csv, by method."""
    from ..errors import InputError
    from ..factors import data_dir

    path = data_dir() / "measurement_uncertainty.csv"
    table: dict[str, Uncertainty] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            try:
                u = Uncertainty(row["method"], row["component"], float(row["low_factor"]), float(row["high_factor"]),
                                row["citation"])
            except (KeyError, ValueError, TypeError) as e:
                raise InputError(f"line {i}: {e}", where=str(path)) from None
            if not (0 <= u.low_factor <= 1 <= u.high_factor):
                raise InputError(f"line {i}: need low_factor <= 1 <= high_factor", where=str(path))
            table[u.method] = u
    return table


def component_methods(method: str) -> dict[str, str]:
    """Which method measured each component, from a '+'-joined method string."""
    found: dict[str, str] = {}
    for token in (method or "").split("+"):
        component = _COMPONENT_OF.get(token.strip())
        if component is not None:
            found.setdefault(component, token.strip())
    return found


def measured_energy_range(cpu_kwh: float, gpu_kwh: float, ram_kwh: float, method: str, coverage: float = 1.0) -> Range:
    """IT energy (kWh) with the range its measurement method allows.

    `coverage` < 1: that share of the energy was measured, the rest extrapolated (wider range).
    """
    table = uncertainties()
    by_component = component_methods(method)
    coverage = min(1.0, max(0.0, coverage))
    low = central = high = 0.0
    for component, kwh in (("cpu", cpu_kwh), ("gpu", gpu_kwh), ("ram", ram_kwh)):
        if kwh <= 0:
            continue
        u = table.get(by_component.get(component, "unknown"), table["unknown"])
        x = table["extrapolated"]
        lo_k = coverage * u.low_factor + (1 - coverage) * u.low_factor * x.low_factor
        hi_k = coverage * u.high_factor + (1 - coverage) * u.high_factor * x.high_factor
        low, central, high = low + kwh * lo_k, central + kwh, high + kwh * hi_k
    return Range.of(low, central, high)


def _setting_or_default(value: float | None, default: Any) -> Range:
    if value is not None:
        return Range.exact(float(value))
    return Range.of(default.low, default.central, default.high)


def onprem_pue_wue(settings: Any) -> tuple[Range, Range]:
    """PUE and on-site WUE (L/kWh) of the company's own machines: the settings' values (exact),
    else the factor base's on-premises defaults (with their range)."""
    from ..factors import factor_set

    onprem = factor_set().onprem()
    return (_setting_or_default(getattr(settings, "pue", None), onprem.pue),
            _setting_or_default(getattr(settings, "wue", None), onprem.wue_l_per_kwh))


def measured_footprint(
    cpu_kwh: float, gpu_kwh: float, ram_kwh: float, method: str, zone: str | None, settings: Any, *, coverage: float = 1.0
) -> Footprint:
    """The footprint of measured local compute.

    `method` is the ledger's '+'-joined method ("rapl+nvml+ram_model", "cpu_load+ram_model",
    "unavailable", ...); `zone` the electricity zone where it ran (None or "": the settings'
    country, else the world average); `settings` a `Settings` (its `pue`/`wue` override the
    on-premises defaults of the factor base).

    Example:
        >>> from frugal_ai.config import load_settings
        >>> fp = measured_footprint(0.010, 0.050, 0.002, "rapl+nvml+ram_model", "FR", load_settings())
        >>> fp.method, round(fp.energy_kwh.central, 4) >= 0.062
        ('measured', True)
    """
    from ..factors import factor_set

    fs = factor_set()
    pue, wue = onprem_pue_wue(settings)
    zone = zone or getattr(settings, "country", None)
    grid = fs.electricity(zone)

    it_kwh = measured_energy_range(cpu_kwh, gpu_kwh, ram_kwh, method, coverage)
    facility_kwh = it_kwh.times(pue)
    co2e_kg = facility_kwh * grid.co2e_kg_per_kwh
    water_l = it_kwh.times(wue) + facility_kwh * grid.water_l_per_kwh

    warnings: list[str] = []
    if not method or method == "unavailable":
        warnings.append("energy could not be measured on this machine (method 'unavailable'): counted as zero")
    else:
        fallbacks = [m for m in component_methods(method).values() if m in ("cpu_load", "tdp_fallback", "ram_model")]
        if fallbacks:
            warnings.append(f"part of the energy comes from power models, not meters ({', '.join(fallbacks)}): wide range")
    if coverage < 1.0:
        warnings.append(f"{(1 - coverage):.0%} of the run's time was before the tracker was ready: extrapolated")
    if zone is None or getattr(grid, "zone", None) == "WORLD":
        warnings.append("no electricity zone configured: world-average carbon intensity used")
    usage = Impacts.of(facility_kwh, co2e_kg, water_l)
    return Footprint.from_parts(usage, Impacts.zero(), "measured", warnings)
