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


# The request kinds (ledger/kinds.py) and the unit each non-chat kind is priced per.
_KINDS = ("chat", "embedding", "image", "transcription", "speech")
_UNIT_WORDS = {"image": "image", "audio_second": "second of audio", "character": "character", "token": "input token"}


@models.command("list")
@click.option("--provider", metavar="NAME", default=None, help="Only this publisher's or host's models.")
@click.option("--kind", type=click.Choice(_KINDS), default=None,
              help="Only the models of one request kind (chat: the LLM catalogue; embedding, image, transcription, speech).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_models(provider: str | None, kind: str | None, fmt: str) -> None:
    """The catalogue: LLMs (provider, family, architecture, parameters in billions), then the image,
    transcription, speech and embedding models with their kind and the unit they are priced per."""
    from ..factors import factor_set

    fs = factor_set()
    if provider is not None:
        fs.require_provider(provider, publishers=True)  # a typo must not read as "no models"
    rows = fs.models(provider) if kind in (None, "chat") else []
    others = [] if kind == "chat" else [m for m in fs.modalities(kind) if _of_provider(fs, m, provider)]
    if fmt == "json":
        payload = [{**m.model_dump(mode="json"), "kind": "chat"} for m in rows]
        payload += [m.model_dump(mode="json") for m in others]
        click.echo(json.dumps(payload, indent=2))
        return
    if kind in (None, "chat"):
        _llm_table(fs, rows)
    if others:
        if kind is None:
            click.echo("")
        _modality_table(fs, others)


def _of_provider(fs, m, provider: str | None) -> bool:  # type: ignore[no-untyped-def]
    """Whether a modality model is the provider's (publisher or host, aliases followed as for LLMs)."""
    if provider is None:
        return True
    name = provider.strip().lower()
    key = fs.provider_key(name)
    wanted = {name} if key == "default" else {name, key}
    return m.provider in wanted or m.host in wanted


def _modality_table(fs, rows) -> None:  # type: ignore[no-untyped-def]
    from tabulate import tabulate

    body = []
    for m in rows:
        if m.method == "encoder" and m.params_b is not None:
            basis = f"encoder, {_params(m.params_b)} B parameters"
        elif m.method == "tokens":
            basis = f"tokens on {m.text_model}"
        else:
            basis = "measured GPU energy" if not m.params_estimated else "GPU energy (a guess)"
        body.append([m.id, m.kind, m.provider, _UNIT_WORDS.get(m.unit, m.unit), basis,
                     "estimated" if m.params_estimated else "published"])
    click.echo(f"Image, audio and embedding models, factor set {fs.version}: {len(rows)} models")
    click.echo(tabulate(body, headers=["model", "kind", "provider", "priced per", "basis", "figures"], tablefmt="simple"))


def _llm_table(fs, rows) -> None:  # type: ignore[no-untyped-def]
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


def _echo_fields(fs, lines: list[tuple[str, str]], sources) -> None:  # type: ignore[no-untyped-def]
    """A model's fields, one a line, aligned, then its sources' citations."""
    width = max(len(k) for k, _ in lines)
    for k, v in lines:
        click.echo(f"{k:<{width}}  {v}")
    click.echo("sources:")
    for line in _sources_block(fs, sources):
        click.echo(line)


@models.command("show")
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def show_model(model: str, fmt: str) -> None:
    """One model: aliases, parameters, default host, family, sources."""
    from ..factors import factor_set

    fs = factor_set()
    other = fs.find_modality(model)
    if other is not None:
        _show_modality(fs, other, model, fmt)
        return
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
    _echo_fields(fs, lines, m.sources)


def _show_modality(fs, m, asked: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """An image, transcription, speech or embedding model: its kind, unit, basis and sources."""
    if fmt == "json":
        click.echo(json.dumps({**m.model_dump(mode="json"), "factor_set_version": fs.version}, indent=2))
        return
    if m.method == "measured" and m.gpu_wh_per_unit is not None:
        basis = f"measured GPU energy, {_params(m.gpu_wh_per_unit)} Wh per {_UNIT_WORDS.get(m.unit, m.unit)}"
    elif m.method == "tokens":
        basis = (f"{m.input_tokens_per_unit:g} tokens read and {m.output_tokens_per_unit:g} written per "
                 f"{_UNIT_WORDS.get(m.unit, m.unit)}, on {m.text_model}")
    else:
        basis = f"one encoder pass per input token, {_params(m.params_b)} B parameters"
    lines = [
        ("model", m.id + (f"  (resolved from {asked!r})" if asked != m.id else "")),
        ("kind", m.kind),
        ("provider", m.provider),
        ("served by (default)", m.host),
        ("priced per", _UNIT_WORDS.get(m.unit, m.unit)),
        ("basis", basis + (" — ESTIMATED, not published" if m.params_estimated else "")),
        ("quality levels", ", ".join(f"{k} ×{v:g}" for k, v in m.quality_factors.items()) or "-"),
        ("aliases", ", ".join(m.aliases) or "-"),
        ("note", m.note or "-"),
    ]
    _echo_fields(fs, lines, m.sources)


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
