"""`frugal-ai products list|show KEY`: the AI products catalogue (data/emission_factors/products.csv)."""

from __future__ import annotations

import json

import click


def _tokens(t: tuple[int, int, int]) -> str:
    return f"{t[1]:,} ({t[0]:,}-{t[2]:,})"


@click.group(invoke_without_command=True)
@click.pass_context
def products(ctx: click.Context) -> None:
    """List or show the AI products catalogue (web assistants, SaaS) and the model behind each."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_products)


@products.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_products(fmt: str) -> None:
    """Every product: its key (for `estimate --product` and declaration files), model, unit and profile."""
    from ..factors import factor_set
    from ..factors.products import products as catalogue

    rows = catalogue()
    if fmt == "json":
        click.echo(json.dumps([p.model_dump(mode="json") for p in rows], indent=2, ensure_ascii=False))
        return
    from tabulate import tabulate

    body = [[p.key, p.name, f"{p.model} ({p.provider})", p.unit,
             f"{_tokens(p.input_tokens)} in, {_tokens(p.output_tokens)} out" if p.kind == "text" else "-",
             p.profile] for p in rows]
    click.echo(f"AI products catalogue, factor set {factor_set().version}: {len(rows)} products")
    click.echo(tabulate(body, headers=["key", "product", "model (served by)", "unit", "tokens per request", "profile"],
                        tablefmt="simple"))


@products.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def show_product(key: str, fmt: str) -> None:
    """One product: model, request profile with its range, the footprint of one request, sources."""
    from ..estimate.product import product_footprint
    from ..factors import factor_set
    from ..factors.products import product
    from ..units import format_range

    fs = factor_set()
    p = product(key)
    fp = product_footprint(p, 1)
    if fmt == "json":
        click.echo(json.dumps({**p.model_dump(mode="json"), "per_request": {
            q: getattr(fp, q).model_dump() for q in ("energy_kwh", "co2e_kg", "water_l")},
            "factor_set_version": fs.version}, indent=2, ensure_ascii=False))
        return
    lines = [
        ("product", f"{p.name} ({p.vendor})" + (f"  (resolved from {key!r})" if key != p.key else "")),
        ("key", p.key),
        ("model", f"{p.model}, served by {p.provider}"),
        ("one request is", {"prompt": "a prompt", "page": "a page", "image": "an image",
                            "audio_minute": "a minute of audio"}[p.unit]),
    ]
    if p.kind == "text":
        lines += [("input tokens", _tokens(p.input_tokens)), ("output tokens", _tokens(p.output_tokens))]
    lines += [
        ("profile", "published" if not p.assumed else "ASSUMED (a stated assumption with a wide range)"),
        ("per request", f"{format_range(fp.energy_kwh, 'energy_kwh')}, {format_range(fp.co2e_kg, 'co2e_kg')}, "
                        f"{format_range(fp.water_l, 'water_l')}"),
        ("aliases", ", ".join(p.aliases) or "-"),
        ("note", p.note),
    ]
    width = max(len(k) for k, _ in lines)
    for k, v in lines:
        click.echo(f"{k.ljust(width)}  {v}")
    click.echo("sources:")
    for sid in p.sources:
        s = fs.source(sid)
        click.echo(f"  [{s.id}] {s.citation} ({s.year})" + (f" <{s.url}>" if s.url else ""))
