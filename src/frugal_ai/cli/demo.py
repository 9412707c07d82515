"""`frugal-ai demo`: the whole job on an embedded example, offline, in its own folder."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="frugal-ai-demo", show_default=True,
              help="Folder for the demo's ledger, gains file and reports.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the report.")
def demo(out_dir: str, lang: str) -> None:
    """Measure a small local workload, record a simulated month of API calls (demo data),
    weigh example gains, and write report.html, report.md and report.json."""
    from ..demo.run import run_demo
    from ..report import render_summary

    result = run_demo(out_dir, lang=lang, say=lambda msg: click.echo(msg, err=True))
    click.echo(render_summary(result.report, lang))
    click.echo("")
    click.echo(f"Demo ledger (never your real one): {result.ledger}")
    for fmt in ("html", "md", "json"):
        click.echo(f"Report ({fmt}): {result.files[fmt]}")
    click.echo(f"Example gains file: {result.out_dir / 'gains.toml'}")
    click.echo("Next: frugal-ai report --help, or open report.html in a browser.")
