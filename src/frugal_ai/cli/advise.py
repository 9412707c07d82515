"""`frugal-ai advise`: the largest footprint savings available, quantified (a thin door onto `frugal_ai.advise`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from ..advise import Advice

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@click.option("--since", type=_DATE, default=None, metavar="DATE", help="First day of the period (YYYY-MM-DD).")
@click.option("--until", type=_DATE, default=None, metavar="DATE", help="Last day included (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def advise(since: dt.datetime | None, until: dt.datetime | None, fmt: str) -> None:
    """The actions that would cut the footprint most over the period, each with its savings range."""
    from ..advise import BATCHING_NOT_OFFERED, QUALITY_CAVEAT
    from ..advise import advise as advise_
    from ..config import load_settings
    from ..inventory import load_inventory
    from .gains import window

    since_d, until_d = window(since, until)
    settings = load_settings()
    inventory = load_inventory(settings.ledger, since=since_d, until=until_d, settings=settings)
    items = advise_(inventory, settings)
    if fmt == "json":
        click.echo(json.dumps([a.model_dump(mode="json") for a in items], indent=2, ensure_ascii=False))
        return
    click.echo(render_table(items, QUALITY_CAVEAT + "\n" + BATCHING_NOT_OFFERED))


def render_table(items: "list[Advice]", caveat: str) -> str:
    """Ranked advice as a terminal table, with the quality caveat under it."""
    from tabulate import tabulate

    from ..units import format_range

    if not items:
        return (
            "No saving found for the API use in this period (no smaller model of the same family, "
            "cleaner region or local option in the catalogue for the models used).\n" + caveat
        )
    rows = [
        [i, a.action, format_range(a.savings_co2e_kg, "co2e_kg"), f"{a.share_of_total:.0%}",
         format_range(a.savings_energy_kwh, "energy_kwh"), format_range(a.savings_water_l, "water_l")]
        for i, a in enumerate(items, start=1)
    ]
    headers = ["#", "action", "CO2e saved", "of total", "energy saved", "water saved"]
    return tabulate(rows, headers=headers, maxcolwidths=[None, 60, None, None, None, None]) + "\n\n" + caveat
