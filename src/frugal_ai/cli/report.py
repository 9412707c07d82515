"""`frugal-ai report`: the disclosure report, in five formats and two languages."""

from __future__ import annotations

import json
import sys

import click


@click.command("report")
@click.option("--since", metavar="DATE", help="First day included (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Last day included (YYYY-MM-DD).")
@click.option("--period", metavar="PERIOD", help="A year (2026), a quarter (2026-Q3) or a month (2026-09).")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "html", "json", "csv"]), default=None,
              help="Output format (default: from --out's extension .html/.md/.json/.csv, else table).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language.")
@click.option("--gains", "gains_path", type=click.Path(dir_okay=False), help="Gains file: adds the ecological balance.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout; its extension sets the format unless --format is given.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file (default: the one in force).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of --format json and exit.")
def report(since: str | None, until: str | None, period: str | None, fmt: str | None, lang: str,
           gains_path: str | None, out_path: str | None, ledger_path: str | None, schema: bool) -> None:
    """The disclosure report: energy, CO2e and water of the period, GHG Protocol scopes,
    ESRS/VSME datapoints, gains, recommendations and data quality."""
    from ..report import build_report, render, report_json_schema, resolve_period
    from ..report.output import format_for, write_text
    from ..report.progress import ProgressBar

    if schema:
        click.echo(json.dumps(report_json_schema(), indent=2, ensure_ascii=False))
        return
    from ..config import load_settings

    the_period = resolve_period(period, since, until)
    settings = load_settings(overrides={"ledger": ledger_path} if ledger_path else None)
    with ProgressBar(sys.stderr) as bar:
        model = build_report(settings.ledger, the_period, settings=settings, gains_path=gains_path,
                             progress=bar)
        text = render(model, format_for(out_path, fmt), lang)
    if out_path:
        write_text(out_path, text)
        click.echo(f"wrote {out_path}", err=True)
    else:
        click.echo(text, nl=False)
