"""`frugal-ai gains template` and `frugal-ai gains check FILE`: thin doors onto `frugal_ai.gains`."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import click

from .lang import lang_option, resolved_lang

if TYPE_CHECKING:  # pragma: no cover
    from ..gains import Balance, RatioRange
    from ..gains.payback import Payback

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def window(since: dt.datetime | None, until: dt.datetime | None) -> tuple[dt.date | None, dt.date | None]:
    """`--since` / `--until` (last day included, as people read it) as [since, until) dates."""
    from ..errors import InputError

    since_d = since.date() if since else None
    until_d = until.date() if until else None
    if since_d and until_d and until_d < since_d:
        raise InputError(f"--until {until_d} is before --since {since_d}")
    return since_d, (until_d + dt.timedelta(days=1) if until_d else None)


@click.group()
def gains() -> None:
    """Weigh the ecological gains of AI use cases against their footprint.

    Avoided emissions are reported beside the footprint, never subtracted from it.
    """


@gains.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the comments.")
def template(lang: str) -> None:
    """Print a commented example gains file (valid as printed)."""
    from ..gains import template_text

    click.echo(template_text(lang), nl=False)


@gains.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--since", type=_DATE, default=None, metavar="DATE", help="First day of the period (YYYY-MM-DD); default: each use case's start.")
@click.option("--until", type=_DATE, default=None, metavar="DATE", help="Last day included (YYYY-MM-DD); default: today.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file (default: the one in force).")
@lang_option()
@click.pass_context
def check(
    ctx: click.Context, file: str, since: dt.datetime | None, until: dt.datetime | None, fmt: str, ledger_path: str | None,
    lang: str | None,
) -> None:
    """Validate FILE and print each use case's balance: footprint, avoided emissions, payback, verdict."""
    from ..config import settings_in_force
    from ..gains import GainsError, LedgerUsage, balance, load_gains
    from ..gains.wording import balance_dict
    from ..ledger.health import require_intact

    try:
        gains_file = load_gains(file)
    except GainsError as e:
        for problem in e.problems:  # every problem, one line each, then exit 2 like any bad input
            click.echo(f"error: {problem}", err=True)
        ctx.exit(2)
    since_d, until_d = window(since, until)
    settings = settings_in_force({"ledger": ledger_path}, recheck=True)
    # A damaged ledger must not yield a balance: the pages these workloads need may read fine
    # while others are lost, so the whole file is checked first (read-only).
    require_intact(settings.ledger)
    result = balance(gains_file, LedgerUsage(settings.ledger, settings), since=since_d, until=until_d, settings=settings)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    the_lang = resolved_lang(lang)
    if fmt == "json":
        click.echo(json.dumps(balance_dict(result, the_lang), indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(result, the_lang))


def ratio_text(r: "RatioRange", lang: str = "en") -> str:
    """`2,190× (740–5,350)`; `n/a` without a footprint, `∞` for an unbounded high end."""
    from ..lang import texts
    from ..units import format_number

    if r.central is None and r.low is None:
        return texts(lang)("gains.cli.na")
    central = "∞" if r.central is None else f"{format_number(r.central, lang)}×"  # type: ignore[arg-type]
    low = "0" if r.low is None else format_number(r.low, lang)  # type: ignore[arg-type]
    high = "∞" if r.high is None else format_number(r.high, lang)  # type: ignore[arg-type]
    return central if low == high else f"{central} ({low}–{high})"


def payback_cell(p: "Payback", lang: str = "en") -> str:
    """The payback column: the central date, with its range when the cases differ."""
    from ..gains.wording import date_text
    from ..lang import texts

    t = texts(lang)

    def d(x: dt.date | None) -> str:
        return date_text(x, lang) if x is not None else t("gains.cli.never")  # type: ignore[arg-type]

    if not p.known:
        return t("gains.cli.unknown")
    if p.date is None and p.earliest is None:
        return t("gains.cli.never_within_horizon")
    if p.date == p.earliest == p.latest:
        return d(p.date)
    return t("gains.cli.payback_range", date=d(p.date), earliest=d(p.earliest), latest=d(p.latest))


def render_table(result: "Balance", lang: str = "en") -> str:
    """The balance as a terminal table, each use case's reason below it, and the WBCSD statement, in `lang`."""
    from tabulate import tabulate

    from ..gains.wording import date_text, payback_sentence, statement, use_case_reason
    from ..lang import texts

    t = texts(lang)
    rows = []
    for uc in result.use_cases:
        verdict = uc.verdict if lang == "en" else t(f"verdict.{uc.verdict}")
        rows.append([uc.name, t.range(uc.footprint_co2e_kg, "co2e_kg"), t.range(uc.avoided_co2e_kg, "co2e_kg"),
                     ratio_text(uc.ratio, lang), payback_cell(uc.payback, lang), verdict])
    headers = [t(f"gains.cli.col.{k}") for k in ("use_case", "footprint", "avoided", "ratio", "payback", "verdict")]
    lines = [tabulate(rows, headers=headers), ""]
    for uc in result.use_cases:
        lines.append(t("gains.cli.reason", name=uc.name, reason=use_case_reason(uc, lang),  # type: ignore[arg-type]
                       payback=payback_sentence(uc.payback, lang)))  # type: ignore[arg-type]
        if uc.active_from > uc.start:
            lines.append(t("gains.cli.active_from", active_from=date_text(uc.active_from, lang),  # type: ignore[arg-type]
                           start=date_text(uc.start, lang)))  # type: ignore[arg-type]
        lines.append(t("gains.cli.water", consumed=t.range(uc.footprint_water_l, "water_l"),
                       avoided=t.range(uc.avoided_water_l, "water_l"), reference=uc.reference))
    lines += ["", statement(lang)]  # type: ignore[arg-type]
    return "\n".join(lines)
