"""The GHG Protocol view of the inventory (Scope 2 location/market, Scope 3 cat. 1 and 3) and
the ESRS and VSME datapoints drawn from it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import InputError
from ...footprint import Range
from ...inventory import InventoryRow
from .schema import Datapoint, Ghg

if TYPE_CHECKING:  # pragma: no cover
    from ...config import Settings


def _upstream_share(factors: Any, zone: str | None) -> Range | None:
    """Share of `zone`'s life-cycle electricity factor that is upstream of combustion (GHG
    Protocol Scope 3 cat. 3), with its range: electricity.csv `upstream_share_*`, from the zone's
    generation mix (the world value, flagged in the factor base, for a zone without a mix).
    An unknown zone takes the world's share, as its intensity does (inventory.py)."""
    try:
        try:
            return factors.electricity(zone).upstream_share  # type: ignore[no-any-return]
        except InputError:
            return factors.electricity(None).upstream_share  # type: ignore[no-any-return]
    except (InputError, AttributeError):  # a factor set without the split: Scope 2 keeps the whole factor, and says so
        return None


def split_upstream(co2e_kg: Range, share: Range) -> tuple[Range, Range]:
    """(combustion part, upstream part) of life-cycle emissions, each with its range.

    The bounds pair so that each part's range covers every share in [share.low, share.high]:
    the combustion part is lowest with the highest upstream share, and the other way round.
    The two centrals add up to the life-cycle central exactly.
    """
    combustion = Range.of(co2e_kg.low * (1.0 - share.high), co2e_kg.central * (1.0 - share.central),
                          co2e_kg.high * (1.0 - share.low))
    upstream = Range.of(co2e_kg.low * share.low, co2e_kg.central * share.central, co2e_kg.high * share.high)
    return combustion, upstream


def ghg_of(rows: list[InventoryRow], settings: "Settings", factors: Any) -> Ghg:
    measured = [r for r in rows if r.method == "measured" and r.footprint is not None]
    # Purchased services, whether their calls were recorded (estimated) or declared.
    estimated = [r for r in rows if r.method in ("estimated", "declared") and r.footprint is not None]
    measured_co2e = sum((r.footprint.usage.co2e_kg for r in measured), Range.zero())  # type: ignore[union-attr]
    measured_energy = sum((r.footprint.usage.energy_kwh for r in measured), Range.zero())  # type: ignore[union-attr]
    # Each row is split with its own zone's share (rows carry their zone; None is the world).
    shares = {z: _upstream_share(factors, z) for z in {r.zone for r in measured} | {None}}
    share: Range | None = None
    if None in shares.values():  # a factor set without the split
        location, cat3 = measured_co2e, Range.zero()
    else:
        location = cat3 = Range.zero()
        weighted_low = weighted_high = 0.0
        for r in measured:
            co2e = r.footprint.usage.co2e_kg  # type: ignore[union-attr]
            row_share = shares[r.zone]
            assert row_share is not None
            combustion, upstream = split_upstream(co2e, row_share)
            location, cat3 = location + combustion, cat3 + upstream
            weighted_low += co2e.central * row_share.low
            weighted_high += co2e.central * row_share.high
        if measured_co2e.central > 0.0:
            # The share of the whole, its bounds the zones' bounds weighted by their central emissions.
            central = cat3.central / measured_co2e.central
            share = Range.of(min(weighted_low / measured_co2e.central, central), central,
                             max(weighted_high / measured_co2e.central, central))
        else:  # nothing measured: the sentence states the world's share
            share = shares[None]
    market_factor = settings.market_factor_kg_per_kwh
    if market_factor is not None:
        market, basis = measured_energy * market_factor, "contractual"
    else:
        market, basis = location, "equal_to_location"
    cat1 = sum((r.footprint.co2e_kg for r in estimated), Range.zero())  # type: ignore[union-attr]
    cat1_embodied = sum((r.footprint.embodied.co2e_kg for r in estimated), Range.zero())  # type: ignore[union-attr]
    cat1_declared = sum((r.footprint.co2e_kg for r in estimated if r.method == "declared"), Range.zero())  # type: ignore[union-attr]
    boundaries = [
        "boundary.scope2_own_machines",
        "boundary.scope2_market_contractual" if basis == "contractual" else "boundary.scope2_market_equal",
        "boundary.scope3_cat1_services",
        "boundary.scope3_cat3_upstream" if share is not None else "boundary.scope3_cat3_not_split",
        "boundary.embodied_own_hardware",
        "boundary.excluded",
    ]
    return Ghg(
        scope2_location_kg=location,
        scope2_market_kg=market,
        scope2_market_basis=basis,  # type: ignore[arg-type]
        market_factor_kg_per_kwh=market_factor,
        scope3_cat1_kg=cat1,
        scope3_cat1_embodied_kg=cat1_embodied,
        scope3_cat1_declared_kg=cat1_declared,
        scope3_cat3_kg=cat3,
        upstream_share=share.central if share is not None else None,
        upstream_share_range=share,
        boundaries=boundaries,
    )


def datapoints_of(rows: list[InventoryRow], ghg: Ghg) -> list[Datapoint]:
    measured = [r for r in rows if r.method == "measured" and r.footprint is not None]
    own_energy_kwh = sum((r.footprint.usage.energy_kwh for r in measured), Range.zero())  # type: ignore[union-attr]
    own_water_l = sum((r.footprint.water_l for r in measured), Range.zero())  # type: ignore[union-attr]
    scope3 = ghg.scope3_cat1_kg + ghg.scope3_cat3_kg

    # The unit each datapoint asks for; 1 MWh = 1,000 kWh, 1 t = 1,000 kg, 1 m³ = 1,000 L.
    units = {"energy_kwh": "MWh", "co2e_kg": "tCO2e", "water_l": "m³"}

    def dp(id_: str, key: str, quantity: str, r: Range) -> Datapoint:
        return Datapoint(id=id_, key=key, unit=units[quantity], value=r.central / 1000, low=r.low / 1000,
                         high=r.high / 1000, quantity=quantity, base=r)  # type: ignore[arg-type]

    return [
        dp("ESRS E1-5", "dp.e1_5_energy", "energy_kwh", own_energy_kwh),
        dp("ESRS E1-6", "dp.e1_6_scope2_location", "co2e_kg", ghg.scope2_location_kg),
        dp("ESRS E1-6", "dp.e1_6_scope2_market", "co2e_kg", ghg.scope2_market_kg),
        dp("ESRS E1-6", "dp.e1_6_scope3", "co2e_kg", scope3),
        dp("ESRS E3-4", "dp.e3_4_water", "water_l", own_water_l),
        dp("VSME B3", "dp.b3_energy", "energy_kwh", own_energy_kwh),
        dp("VSME B3", "dp.b3_scope2", "co2e_kg", ghg.scope2_location_kg),
        dp("VSME B3", "dp.b3_scope3", "co2e_kg", scope3),
        dp("VSME B6", "dp.b6_water", "water_l", own_water_l),
    ]


