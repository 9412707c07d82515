"""`frugal-ai demo`: the whole job on an embedded example, offline, in its own folder."""

from __future__ import annotations

import click

from .lang import lang_option, resolved_lang


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="frugal-ai-demo", show_default=True,
              help="Folder for the demo's ledger, gains file and reports.")
@lang_option("Language of the report and of this output (default: the config's lang, else LANG/LC_ALL, else en).")
def demo(out_dir: str, lang: str | None) -> None:
    """Measure a small local workload, record a simulated month of API calls (demo data),
    weigh example gains, and write report.html, report.md, report.json, report.xlsx and report.pdf
    (the spreadsheet and the PDF when their extras are installed)."""
    from ..demo.run import run_demo
    from ..lang import texts
    from ..report import render_summary

    the_lang = resolved_lang(lang)
    t = texts(the_lang)
    result = run_demo(out_dir, lang=the_lang, say=lambda msg: click.echo(msg, err=True))
    click.echo(render_summary(result.report, the_lang))
    click.echo("")
    click.echo(t("demo.ledger", path=result.ledger))
    for fmt, path in result.files.items():
        click.echo(t("demo.report_file", fmt=fmt, path=path))
    for note in result.notes:
        click.echo(note)
    click.echo(t("demo.gains_file", path=result.out_dir / "gains.toml"))
    click.echo(t("demo.next"))
