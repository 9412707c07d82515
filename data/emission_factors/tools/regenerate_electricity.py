"""Regenerate electricity.csv from the data files of installed packages.

Run by a maintainer when the upstream data changes, never at run time:

    python data/emission_factors/tools/regenerate_electricity.py \
        --ecologits-data /path/to/ecologits/data/electricity_mixes.json \
        [--owid-csv /path/to/owid-energy-data.csv]

Each zone's life-cycle carbon intensity is its latest published year, taken from the first of
these that has it (each row names its source and data year):

1. Our World in Data's `owid-energy-data.csv` (column carbon_intensity_elec, Ember's
   life-cycle figures, up to 2025), latest year per zone: the whole file with `--owid-csv`,
   else the rows of it kept in `owid_energy_subset.csv`; the World row comes from here;
2. `ember_latest_intensity.csv`: Ember's yearly electricity data (latest year per country,
   2022-2024), as extracted from Ember's API into co2.js's `data/output/average-intensities.json`;
3. codecarbon's `data/private_infra/global_energy_mix.json` (OWID/Ember, 2021-2023 vintage):
   the zones neither newer file has keep this older value, under the source `owid-ember`.

France is then set from ADEME Base Empreinte. The ISO 3166-1 table comes with pycountry
(Debian iso-codes), the off-site water consumption factors from EcoLogits'
`electricity_mixes.json` (WRI guidance, Reig et al. 2020). Rows whose intensity is missing or
zero everywhere are left blank so that the loader falls back to the world value and flags it.

Each zone also gets its upstream share (GHG Protocol Scope 3 cat. 3 part of the life-cycle
factor, the rest being Scope 2 combustion): its generation by source from codecarbon's file
(its 2021-2023 mix: the newer files above carry intensities only), weighted with the per-source life-cycle medians and upstream fractions of constants.toml
(IPCC AR5 Annex III Table A.III.2):

    share = sum_s gen_s * LC_s * f_s / sum_s gen_s * LC_s

low / central / high take every source's fraction at its low / central / high, the weights
staying at the medians. A zone with no generation by source is left blank (world fallback).
The world row's share comes from the summed generation of every country.
"""

from __future__ import annotations

import argparse
import csv
import json
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# Overrides with a better source than the generic table; their sources are in sources.csv.
FRANCE_ADEME_G_PER_KWH = 46.1
FRANCE_ADEME_YEAR = 2025
OWID_SUBSET = Path(__file__).resolve().parent / "owid_energy_subset.csv"
EMBER_LATEST = Path(__file__).resolve().parent / "ember_latest_intensity.csv"


BOUNDS = ("low", "central", "high")


def source_tables() -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(life-cycle median per source in gCO2e/kWh, upstream fraction per source by bound), from constants.toml."""
    doc = tomllib.loads((HERE / "constants.toml").read_text(encoding="utf-8"))
    life_cycle = {s: float(e["value"]) for s, e in doc["electricity_life_cycle"].items()}
    fractions = {
        s: {b: float(e.get("value", e.get(b))) for b in BOUNDS} for s, e in doc["electricity_upstream_fraction"].items()
    }
    if set(life_cycle) != set(fractions):
        raise SystemExit("constants.toml: electricity_life_cycle and electricity_upstream_fraction name different sources")
    return life_cycle, fractions


def upstream_share(generation_twh: dict[str, float], life_cycle: dict[str, float], fractions: dict[str, dict[str, float]]) -> dict[str, float] | None:
    """The upstream share of the mix `generation_twh` (TWh by source) at each bound; None without generation."""
    weights = {s: generation_twh.get(s, 0.0) * life_cycle[s] for s in life_cycle}
    total = sum(weights.values())
    if total <= 0.0:
        return None
    return {b: sum(w * fractions[s][b] for s, w in weights.items()) / total for b in BOUNDS}


def generation_by_source(entry: dict[str, float | None], sources: dict[str, float]) -> dict[str, float]:
    """TWh by source of one codecarbon row; missing cells count as zero."""
    return {s: float(entry.get(f"{s}_TWh") or 0.0) for s in sources}


def share_cells(share: dict[str, float] | None) -> dict[str, str]:
    if share is None:
        return {f"upstream_share_{b}": "" for b in BOUNDS} | {"upstream_source": ""}
    return {f"upstream_share_{b}": f"{share[b]:.3f}" for b in BOUNDS} | {"upstream_source": "owid-ember-upstream;ipcc-ar5-annex3"}


def latest_intensities(owid_csv: Path = OWID_SUBSET) -> dict[str, tuple[float, int, str]]:
    """Zone (alpha-3 or WORLD) -> (gCO2e/kWh, data year, source id), OWID's newer rows winning over Ember's.

    `owid_csv` is the subset kept in tools/ or the whole owid-energy-data.csv (same columns).
    """
    latest: dict[str, tuple[float, int, str]] = {}
    with EMBER_LATEST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            value = float(row["emissions_intensity_gco2_per_kwh"] or 0.0)
            if value > 0.0:
                latest[row["country_code"]] = (value, int(row["year"]), "ember-yearly-2025")
    owid: dict[str, tuple[float, int, str]] = {}
    with owid_csv.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            zone = row["iso_code"] or ("WORLD" if row["country"] == "World" else "")
            if zone and row["carbon_intensity_elec"] and int(row["year"]) >= owid.get(zone, (0.0, 0, ""))[1]:
                owid[zone] = (float(row["carbon_intensity_elec"]), int(row["year"]), "owid-energy-2025")
    return latest | owid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ecologits-data", type=Path, required=True)
    parser.add_argument("--owid-csv", type=Path, default=OWID_SUBSET, help="the whole owid-energy-data.csv (default: the subset in tools/)")
    args = parser.parse_args()

    import codecarbon
    import pycountry

    mix_path = Path(codecarbon.__file__).parent / "data" / "private_infra" / "global_energy_mix.json"
    mix = json.loads(mix_path.read_text())
    water = {
        row["name"]: row["wue"]
        for row in json.loads(args.ecologits_data.read_text())["electricity_mixes"]
        if "electricity-mix-wue-world" not in (row.get("warnings") or [])
    }

    life_cycle, fractions = source_tables()
    latest = latest_intensities(args.owid_csv)
    world_generation = dict.fromkeys(life_cycle, 0.0)
    rows = []
    for alpha3, entry in sorted(mix.items()):
        country = pycountry.countries.get(alpha_3=alpha3)
        intensity, year, source = latest.get(alpha3, (entry.get("carbon_intensity"), entry.get("year"), "owid-ember"))
        generation_twh = generation_by_source(entry, life_cycle)
        for s, twh in generation_twh.items():
            world_generation[s] += twh
        if alpha3 == "FRA":
            intensity, source, year = FRANCE_ADEME_G_PER_KWH, "ademe-base-empreinte-2025", FRANCE_ADEME_YEAR
        rows.append(
            {
                "zone": alpha3,
                "alpha2": country.alpha_2,
                "name": country.name,
                "co2e_g_per_kwh": f"{intensity:.1f}" if intensity else "",
                "data_year": year if intensity else "",
                "co2e_source": source if intensity else "",
                "water_l_per_kwh": f"{water[alpha3]:.2f}" if alpha3 in water else "",
                "water_source": "wri-water-electricity" if alpha3 in water else "",
                **share_cells(upstream_share(generation_twh, life_cycle, fractions)),
            }
        )
    world_intensity, world_year, world_source = latest["WORLD"]
    world = {
        "zone": "WORLD",
        "alpha2": "",
        "name": "World",
        "co2e_g_per_kwh": f"{world_intensity:.1f}",
        "data_year": world_year,
        "co2e_source": world_source,
        "water_l_per_kwh": f"{water['WOR']:.2f}",
        "water_source": "wri-water-electricity",
        **share_cells(upstream_share(world_generation, life_cycle, fractions)),
    }
    with (HERE / "electricity.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(world), lineterminator="\n")
        writer.writeheader()
        writer.writerow(world)
        writer.writerows(rows)
    print(
        f"{len(rows)} countries + WORLD ({world['co2e_g_per_kwh']} g/kWh, upstream share "
        f"{world['upstream_share_central']} [{world['upstream_share_low']}, {world['upstream_share_high']}])"
    )


if __name__ == "__main__":
    main()
