"""Regenerate electricity.csv from the data files of installed packages.

Run by a maintainer when the upstream data changes, never at run time:

    python data/emission_factors/tools/regenerate_electricity.py \
        --ecologits-data /path/to/ecologits/data/electricity_mixes.json

Reads codecarbon's `data/private_infra/global_energy_mix.json` (Our World in Data energy
dataset: carbon intensity of electricity, life-cycle, from Ember), the ISO 3166-1 table
shipped with pycountry (Debian iso-codes), and the off-site water consumption factors of
EcoLogits' `electricity_mixes.json` (WRI guidance, Reig et al. 2020). France is then set
from ADEME Base Empreinte, and the world row is the generation-weighted mean of the
country rows. Rows whose intensity upstream is missing or zero are left blank so that the
loader falls back to the world value and flags it.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# Overrides with a better source than the generic table; their sources are in sources.csv.
FRANCE_ADEME_G_PER_KWH = 46.1
FRANCE_ADEME_YEAR = 2025


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ecologits-data", type=Path, required=True)
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

    rows = []
    upstream_years: list[int] = []
    weighted = generation = 0.0
    for alpha3, entry in sorted(mix.items()):
        country = pycountry.countries.get(alpha_3=alpha3)
        intensity = entry.get("carbon_intensity")
        source = "owid-ember"
        year = entry.get("year")
        if intensity:
            # The world row is the upstream table's own mean: France weighs in with its OWID value.
            weighted += intensity * entry["total_TWh"]
            generation += entry["total_TWh"]
            upstream_years.append(year)
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
            }
        )
    world = {
        "zone": "WORLD",
        "alpha2": "",
        "name": "World",
        "co2e_g_per_kwh": f"{weighted / generation:.1f}",
        "data_year": max(upstream_years),
        "co2e_source": "owid-ember-world",
        "water_l_per_kwh": f"{water['WOR']:.2f}",
        "water_source": "wri-water-electricity",
    }
    with (HERE / "electricity.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(world), lineterminator="\n")
        writer.writeheader()
        writer.writerow(world)
        writer.writerows(rows)
    print(f"{len(rows)} countries + WORLD ({world['co2e_g_per_kwh']} g/kWh)")


if __name__ == "__main__":
    main()
