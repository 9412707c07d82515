"""`frugal-ai advise`: the largest footprint savings available, quantified (a thin door onto `frugal_ai.advise`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .lang import lang_option, resolved_lang

if TYPE_CHECKING:  # pragma: no cover
    from ..advise import Advice
    from ..report.period import Period

ADVICE_JSON_VERSION = "1"


@click.command()
@click.option("--since", metavar="DATE", help="First day of the period (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Last day included (YYYY-MM-DD).")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file (default: the one in force).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: an object {advice_schema_version, period, advice: [...], notes: [...]} (docs/report.md).")
@lang_option()
def advise(since: str | None, until: str | None, ledger_path: str | None, fmt: str, lang: str | None) -> None:
    """The actions that would cut the footprint most over the period, each with its savings range."""
    from ..advise import BATCHING_NOT_OFFERED, HOURLY_NOT_ASSESSED, QUALITY_CAVEAT
    from ..advise import advise as advise_
    from ..config import settings_in_force
    from ..inventory import load_inventory
    from ..report.period import resolve_period

    period = resolve_period(None, since, until)  # the same dates, checks and wording as `report`
    settings = settings_in_force({"ledger": ledger_path}, recheck=True)
    # Advice shows no content hash: skip that second read of the ledger.
    inventory = load_inventory(settings.ledger, since=period.since, until=period.until, settings=settings,
                               with_hash=False)
    items = advise_(inventory, settings)
    the_lang = resolved_lang(lang)
    if the_lang != "en":
        from ..lang import texts

        t = texts(the_lang)
        notes = [t("rec.disclaimer"), t("rec.batching_declined"), t("rec.hourly_not_assessed")]
    else:
        notes = [QUALITY_CAVEAT, BATCHING_NOT_OFFERED, HOURLY_NOT_ASSESSED]
    if fmt == "json":
        click.echo(json.dumps(advice_json(items, period, notes), indent=2, ensure_ascii=False))
        return
    click.echo(render_table(items, "\n".join(notes), the_lang))


def advice_json(items: "list[Advice]", period: "Period", notes: list[str]) -> dict[str, object]:
    """`advise --format json`: the ranked advice, the period it covers, and the notes that go with it
    (the quality caveat, why batching is not offered, why a cleaner hour is not assessed)."""
    return {
        "advice_schema_version": ADVICE_JSON_VERSION,
        "period": {"since": period.since.isoformat() if period.since else None,
                   "until": period.last_day.isoformat() if period.last_day else None},
        "advice": [a.model_dump(mode="json") for a in items],
        "notes": notes,
    }


def render_table(items: "list[Advice]", caveat: str, lang: str = "en") -> str:
    """Ranked advice as a terminal table, with the quality caveat under it, in `lang`."""
    from tabulate import tabulate

    from ..lang import texts
    from ..report.layout import action_text, assumption_text

    t = texts(lang)
    if not items:
        return t("advise.none") + "\n" + caveat
    rows = [
        [i, (a.action if lang == "en" else action_text(a, t)) + "\n" + t("labelled", label=t("col.assumption"),
                                                                           value=a.assumption if lang == "en" else assumption_text(a, t)),
         t.range(a.savings_co2e_kg, "co2e_kg"),
         f"{a.share_of_total:.0%}" if lang == "en" else t.percent(a.share_of_total),
         t.range(a.savings_energy_kwh, "energy_kwh"), t.range(a.savings_water_l, "water_l")]
        for i, a in enumerate(items, start=1)
    ]
    headers = ["#", t("advise.col.action"), t("advise.col.co2e"), t("advise.col.share"), t("advise.col.energy"),
               t("advise.col.water")]
    return tabulate(rows, headers=headers, maxcolwidths=[None, 60, None, None, None, None]) + "\n\n" + caveat
