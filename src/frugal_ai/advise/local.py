"""Advice on measured local jobs: a cleaner zone for a workload's jobs, and idle power.

A workload's measured runs in a zone keep their IT energy (what the meters measured, with
the method's range); moved, that energy is priced with another place's grid, PUE and WUE:

    it_kwh        = facility_kwh / PUE_here           (bound by bound: the inventory's own pricing)
    facility'     = it_kwh × PUE_there
    co2e'         = facility' × intensity(zone_there)
    water'        = it_kwh × WUE_there + facility' × water_offsite(zone_there)

The places are the data centres of the factor base (datacenters.csv), where compute can be
rented. A cleaner *hour* is not assessed: the factor base holds a yearly average per zone
(`HOURLY_NOT_ASSESSED`); hourly grid data is a later step.

Idle power: the energy the tracker measured while no run was active (`Inventory.unattributed_kwh`,
which also holds other programs' work until sessions store the idle part on its own), priced
like a measured run of unknown method, in the zone the runs were measured in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..footprint import Footprint, Impacts, Range
from . import Advice, Alternative, advice_of

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..factors import Datacenter
    from ..inventory import Inventory


def local_advice(inventory: "Inventory", settings: "Settings", factors: Any, total: float) -> list[Advice]:
    """A cleaner zone for each workload's measured jobs (by zone), and the idle power of the period."""
    out = [a for a in (_cleaner_zone(w, z, fp, settings, factors, total) for (w, z), fp in measured_jobs(inventory).items())
           if a is not None]
    idle = _idle_power(inventory, settings, factors, total)
    return out + ([idle] if idle is not None else [])


def measured_jobs(inventory: "Inventory") -> dict[tuple[str, str | None], Footprint]:
    """The measured runs' footprint by workload and zone (months summed); local API calls excluded
    (their energy is in the runs)."""
    jobs: dict[tuple[str, str | None], Footprint] = {}
    for row in inventory.rows:
        if row.method != "measured" or row.local or row.footprint is None or row.runs == 0:
            continue
        key = (row.workload, row.zone)
        prev = jobs.get(key)
        jobs[key] = row.footprint if prev is None else prev + row.footprint
    return jobs


def relocated_footprint(it_kwh: Range, pue: Range, wue_l_per_kwh: Range, co2e_kg_per_kwh: float,
                        water_offsite_l_per_kwh: float) -> Footprint:
    """The same IT energy at another place: its PUE, on-site WUE, grid intensity and off-site water."""
    facility_kwh = it_kwh.times(pue)
    co2e_kg = facility_kwh * co2e_kg_per_kwh
    water_l = it_kwh.times(wue_l_per_kwh) + facility_kwh * water_offsite_l_per_kwh
    return Footprint.from_parts(Impacts.of(facility_kwh, co2e_kg, water_l), Impacts.zero(), "measured", [])


def it_energy(facility_kwh: Range, pue: Range) -> Range:
    """IT energy behind a measured footprint's facility energy (bound by bound, as it was priced)."""
    bounds = [f / p if p > 0 else 0.0 for f, p in ((facility_kwh.low, pue.low), (facility_kwh.central, pue.central),
                                                   (facility_kwh.high, pue.high))]
    return Range.of(*sorted(bounds))


def _cleaner_zone(workload: str, zone: str | None, current: Footprint, settings: "Settings", factors: Any,
                  total: float) -> Advice | None:
    from ..estimate.measured import onprem_pue_wue

    pue, _ = onprem_pue_wue(settings)
    it_kwh = it_energy(current.energy_kwh, pue)
    best: tuple[Footprint, "Datacenter"] | None = None
    for dc in factors.datacenters():
        if dc.provider == "default":
            continue
        grid = factors.electricity(dc.zone)
        fp = relocated_footprint(it_kwh, dc.pue, dc.wue_l_per_kwh, grid.co2e_kg_per_kwh, grid.water_l_per_kwh)
        if best is None or fp.co2e_kg.central < best[0].co2e_kg.central:
            best = (fp, dc)
    if best is None:
        return None
    fp, dc = best
    where = f"{dc.provider}'s {dc.region} region" if dc.region else f"{dc.provider}'s data centres"
    return advice_of(
        "job_cleaner_zone",
        f"Run the {workload!r} jobs on a machine in {where} (grid {dc.zone}) instead of {zone or 'an unknown zone'}.",
        current, fp, total, workload=workload, provider=None, zone=zone,
        alternative=Alternative(provider=dc.provider, region=dc.region, zone=dc.zone),
        basis=("The period's measured IT energy of these runs (the meters' range), priced with the grid, PUE and WUE "
               f"of {where} (datacenters.csv) instead of your zone and on-premises PUE."),
        assumption=("A rented machine there is assumed to need the same IT energy for the same jobs (same hardware "
                    "and code); moving the data and the machine's manufacture are not counted. A cleaner hour is "
                    "not assessed (yearly grid averages)."),
    )


def _idle_power(inventory: "Inventory", settings: "Settings", factors: Any, total: float) -> Advice | None:
    kwh = inventory.unattributed_kwh
    if kwh <= 0:
        return None
    from ..estimate.measured import measured_footprint

    zones = {row.zone for row in inventory.rows if row.method == "measured" and row.runs > 0}
    zone = next(iter(zones)) if len(zones) == 1 else settings.country
    current = measured_footprint(kwh, 0.0, 0.0, "unknown", zone, settings)
    none = Footprint.from_parts(Impacts.zero(), Impacts.zero(), "measured", [])
    return advice_of(
        "idle_power",
        "Switch off or suspend the measured machines when no job runs: "
        f"{kwh:.3g} kWh were measured outside every run in the period.",
        current, none, total, workload="", provider=None, zone=zone, alternative=Alternative(zone=zone),
        basis=("The energy the tracker measured while no run was active (sessions' unattributed energy), priced "
               "with the on-premises PUE and the zone of the runs, with the widest measurement range."),
        assumption=("All of it is assumed to be idle draw that stops when the machine is off or asleep; part of it "
                    "may be other programs' work, which the saving would then not include."),
    )
