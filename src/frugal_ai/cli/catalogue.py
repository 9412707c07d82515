"""`frugal-ai models list|show` and `frugal-ai factors list|show`: the factor base, with sources."""

from __future__ import annotations

import json

import click


def _params(r) -> str:  # type: ignore[no-untyped-def]
    if r.low == r.high:
        return f"{r.central:g}"
    return f"{r.low:g}–{r.high:g}"


def _sources_block(fs, ids) -> list[str]:  # type: ignore[no-untyped-def]
    lines = []
    for sid in ids:
        s = fs.source(sid)
        url = f" <{s.url}>" if s.url else ""
        lines.append(f"  [{s.id}] {s.citation} ({s.year}){url} — {s.licence_note}; {s.verification}")
    return lines


@click.group(invoke_without_command=True)
@click.pass_context
def models(ctx: click.Context) -> None:
    """List or show the models of the LLM catalogue."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_models)


@models.command("list")
@click.option("--provider", metavar="NAME", default=None, help="Only this publisher's or host's models.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_models(provider: str | None, fmt: str) -> None:
    """The catalogue: provider, family, architecture, parameters (billions)."""
    from ..factors import factor_set

    fs = factor_set()
    if provider is not None:
        fs.require_provider(provider, publishers=True)  # a typo must not read as "no models"
    rows = fs.models(provider)
    if fmt == "json":
        click.echo(json.dumps([m.model_dump(mode="json") for m in rows], indent=2))
        return
    from tabulate import tabulate

    body = [
        [
            m.id,
            m.provider,
            f"{m.family} #{m.tier}",
            m.architecture,
            _params(m.total_params_b),
            _params(m.active_params_b),
            "estimated" if m.params_estimated else "published",
        ]
        for m in rows
    ]
    click.echo(f"LLM catalogue, factor set {fs.version}: {len(rows)} models")
    click.echo(tabulate(body, headers=["model", "provider", "family", "arch", "total (B)", "active (B)", "parameters"], tablefmt="simple"))


@models.command("show")
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def show_model(model: str, fmt: str) -> None:
    """One model: aliases, parameters, default host, family, sources."""
    from ..factors import factor_set

    fs = factor_set()
    m = fs.model(model)
    if fmt == "json":
        click.echo(json.dumps({**m.model_dump(mode="json"), "factor_set_version": fs.version}, indent=2))
        return
    smaller = [x.id for x in fs.family(m.family) if x.tier < m.tier]
    lines = [
        ("model", m.id + (f"  (resolved from {model!r})" if model != m.id else "")),
        ("provider", m.provider),
        ("served by (default)", m.host),
        ("family", f"{m.family}, tier {m.tier}" + (f"; smaller: {', '.join(smaller)}" if smaller else "")),
        ("architecture", m.architecture),
        ("parameters (billions)", f"total {_params(m.total_params_b)}, active {_params(m.active_params_b)}"
         + (" — ESTIMATED, not published" if m.params_estimated else "")),
        ("output speed", f"{m.output_tps:g} tokens/s" if m.output_tps else "unknown (latency fit used)"),
        ("aliases", ", ".join(m.aliases) or "-"),
        ("note", m.note or "-"),
    ]
    width = max(len(k) for k, _ in lines)
    for k, v in lines:
        click.echo(f"{k:<{width}}  {v}")
    click.echo("sources:")
    for line in _sources_block(fs, m.sources):
        click.echo(line)


@click.group(invoke_without_command=True)
@click.pass_context
def factors(ctx: click.Context) -> None:
    """List or show emission, water and data-centre factors, with sources."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_factors)


@factors.command("list")
@click.option("--kind", type=click.Choice(["electricity", "datacenter", "onprem", "hardware", "avoided", "equivalence", "constant", "source"]), default=None, help="Only one kind of factor.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_factors(kind: str | None, fmt: str) -> None:
    """Every factor: key, value, unit, sources. `frugal-ai factors show KEY` for one with full citations."""
    from ..factors import data_dir, factor_rows, factor_set

    fs = factor_set()
    rows = factor_rows(fs, kind)
    if fmt == "json":
        payload = {"factor_set_version": fs.version, "factors": [r.__dict__ | {"sources": list(r.sources)} for r in rows]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    from tabulate import tabulate

    click.echo(f"frugal-ai factor set {fs.version} ({data_dir()})")
    body = [[r.key, r.value, r.unit, ", ".join(r.sources)] for r in rows]
    click.echo(tabulate(body, headers=["key", "value", "unit", "sources"], tablefmt="simple"))


@factors.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def show_factor(key: str, fmt: str) -> None:
    """One factor (e.g. electricity.FR, datacenter.aws.eu-west-3, avoided.diesel, constant.llm.batch_size)."""
    from ..factors import factor_row, factor_set

    fs = factor_set()
    r = factor_row(fs, key)
    if fmt == "json":
        sources = [fs.source(s).model_dump() for s in r.sources]
        click.echo(json.dumps({"factor_set_version": fs.version, **r.__dict__, "sources": sources}, indent=2, ensure_ascii=False))
        return
    click.echo(f"{r.key}  (factor set {fs.version})")
    click.echo(f"  value: {r.value}")
    click.echo(f"  unit:  {r.unit}")
    if r.note:
        click.echo(f"  note:  {r.note}")
    click.echo("sources:")
    for line in _sources_block(fs, r.sources):
        click.echo(line)
