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

Idle power: the machines' idle draw, priced like a measured run of unknown method, in the zone
the runs were measured in. Sessions that recorded the split (`Inventory.machine_split`, schema 5)
give their idle part alone (`idle_kwh`: not other programs' work, not the tracked processes' own
time outside runs); sessions from before the split give all they measured outside every run
(`Inventory.unattributed_kwh` less the split sessions' part), which may hold other programs'
work: the advice says which kind it holds (`IDLE_ASSUMPTIONS`).
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


IDLE_ONLY = ("The sessions told the machine's idle draw apart from other programs' work: this idle draw "
             "stops when the machine is off or asleep.")
IDLE_UNSPLIT = ("The sessions recorded no idle/other-programs split (from before it): all the energy measured outside "
                "every run is assumed to be idle draw that stops when the machine is off or asleep; part of it may be "
                "other programs' work, which the saving would then not include.")
IDLE_MIXED = ("Idle draw as the sessions that recorded the split told it apart, plus everything measured outside every "
              "run by older sessions without the split, assumed idle too: that part may hold other programs' work, "
              "which the saving would then not include.")
IDLE_ASSUMPTIONS = {IDLE_ONLY: "idle_power.split", IDLE_UNSPLIT: "idle_power", IDLE_MIXED: "idle_power.mixed"}
"""Each idle-power assumption and the suffix of its `rec.assumption.*` text in the languages."""


def idle_energy_kwh(inventory: "Inventory") -> tuple[float, float]:
    """(idle kWh from sessions that recorded the split, kWh measured outside every run by sessions
    that did not): the second may hold other programs' work."""
    split = inventory.machine_split
    if split is None:
        return 0.0, inventory.unattributed_kwh
    split_outside = split.process_outside_runs_kwh + split.others_kwh + split.idle_kwh
    unsplit = inventory.unattributed_kwh - split_outside
    # float sums of the same columns: a remainder within rounding is no older session at all
    return split.idle_kwh, unsplit if unsplit > 1e-9 * max(1.0, inventory.unattributed_kwh) else 0.0


def _idle_power(inventory: "Inventory", settings: "Settings", factors: Any, total: float) -> Advice | None:
    idle_kwh, unsplit_kwh = idle_energy_kwh(inventory)
    kwh = idle_kwh + unsplit_kwh
    if kwh <= 0:
        return None
    from ..estimate.measured import measured_footprint

    zones = {row.zone for row in inventory.rows if row.method == "measured" and row.runs > 0}
    zone = next(iter(zones)) if len(zones) == 1 else settings.country
    current = measured_footprint(kwh, 0.0, 0.0, "unknown", zone, settings)
    none = Footprint.from_parts(Impacts.zero(), Impacts.zero(), "measured", [])
    if not unsplit_kwh:
        what, basis, assumption = (
            f"{kwh:.3g} kWh of idle draw were measured outside every run in the period.",
            "The idle part of the machine energy the sessions measured (not other programs' work)", IDLE_ONLY)
    elif not idle_kwh:
        what, basis, assumption = (
            f"{kwh:.3g} kWh were measured outside every run in the period.",
            "The energy the tracker measured while no run was active (sessions' unattributed energy, from sessions "
            "that recorded no idle/other-programs split)", IDLE_UNSPLIT)
    else:
        what, basis, assumption = (
            f"{idle_kwh:.3g} kWh of idle draw, plus {unsplit_kwh:.3g} kWh measured outside every run by sessions "
            "without the idle/other-programs split, in the period.",
            "The idle part of the machine energy of the sessions that recorded the split, plus all the energy "
            "measured outside every run by the sessions that did not", IDLE_MIXED)
    return advice_of(
        "idle_power",
        "Switch off or suspend the measured machines when no job runs: " + what,
        current, none, total, workload="", provider=None, zone=zone, alternative=Alternative(zone=zone),
        basis=basis + ", priced with the on-premises PUE and the zone of the runs, with the widest measurement range.",
        assumption=assumption,
    )
