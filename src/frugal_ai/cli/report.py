"""`frugal-ai report`: the disclosure report, in seven formats and two languages."""

from __future__ import annotations

import json
import sys

import click

from ..errors import InputError
from .lang import lang_option, resolved_lang


@click.command("report")
@click.option("--since", metavar="DATE", help="First day included (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Last day included (YYYY-MM-DD).")
@click.option("--period", metavar="PERIOD", help="A year (2026), a quarter (2026-Q3) or a month (2026-09).")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "html", "json", "csv", "pdf", "xlsx"]), default=None,
              help="Output format (default: from --out's extension .html/.md/.json/.csv/.pdf/.xlsx, else table). "
                   "pdf needs the pdf extra, xlsx the xlsx extra.")
@click.option("--table", type=click.Choice(["lines", "datapoints", "breakdown", "factors"]), default=None,
              help="With --format csv: which table (default: lines, one row per workload, month and method).")
@lang_option()
@click.option("--gains", "gains_path", type=click.Path(dir_okay=False), help="Gains file: adds the ecological balance.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout; its extension sets the format unless --format is given.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file (default: the one in force).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of --format json and exit.")
def report(since: str | None, until: str | None, period: str | None, fmt: str | None, table: str | None, lang: str | None,
           gains_path: str | None, out_path: str | None, ledger_path: str | None, schema: bool) -> None:
    """The disclosure report: energy, CO2e and water of the period, GHG Protocol scopes,
    ESRS/VSME datapoints, gains, recommendations and data quality."""
    from ..report import build_report, report_json_schema, resolve_period
    from ..report.formats import BINARY_FORMATS, check_output, render_output
    from ..report.output import format_for, write_text
    from ..report.progress import ProgressBar

    if schema:
        click.echo(json.dumps(report_json_schema(), indent=2, ensure_ascii=False))
        return
    from ..config import settings_in_force

    the_format = format_for(out_path, fmt)
    check_output(the_format, table)
    if out_path is None and the_format in BINARY_FORMATS and sys.stdout.isatty():
        raise InputError(f"--format {the_format} writes a binary file: give --out FILE, or redirect the output",
                         where="--out")
    lang = resolved_lang(lang)
    the_period = resolve_period(period, since, until)
    settings = settings_in_force({"ledger": ledger_path}, recheck=True)
    with ProgressBar(sys.stderr, enabled=_is_terminal(sys.stderr)) as bar:
        model = build_report(settings.ledger, the_period, settings=settings, gains_path=gains_path,
                             progress=bar)
        text = render_output(model, the_format, lang, table=table,
                             project=settings.project if settings.project != "default" else None)
    if out_path:
        write_text(out_path, text)
        click.echo(f"wrote {out_path}", err=True)
    else:
        click.echo(text, nl=False)  # bytes (pdf, xlsx) go to the binary stream as they are


def _is_terminal(stream: object) -> bool:
    """Whether a progress bar may be drawn on `stream`: a terminal, not a pipe or a file."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except Exception:  # a replaced or closed stream
        return False
