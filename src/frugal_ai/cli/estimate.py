"""`frugal-ai estimate`: a thin door onto frugal_ai.estimate (no codecarbon, no SDK, no pandas)."""

from __future__ import annotations

import json

import click

from ..errors import InputError


def _count(value: int | None, name: str) -> int | None:
    if value is not None and value < 0:
        raise InputError(f"--{name} cannot be negative (got {value})")
    return value


@click.command()
@click.option("--model", "-m", default=None, metavar="MODEL", help="Model name, alias or dated snapshot (see `frugal-ai models list`).")
@click.option("--product", metavar="KEY", default=None,
              help="Instead of --model: an AI product (see `frugal-ai products list`), at its typical request, its range spanning its short and long ones.")
@click.option("--prompts", type=int, default=None, help="With --product: how many prompts (or pages, images, audio minutes: its unit).")
@click.option("--input-tokens", type=int, default=0, show_default=True, help="Input (prompt) tokens per request.")
@click.option("--output-tokens", type=int, default=0, show_default=True, help="Visible output tokens per request.")
@click.option(
    "--reasoning-tokens", type=int, default=None, help="Hidden reasoning tokens per request [default: 0, or the default effort profile for a model that reasons]."
)
@click.option(
    "--reasoning-effort",
    type=click.Choice(["none", "low", "medium", "high"]),
    default=None,
    help="Instead of --reasoning-tokens: that effort's profile of reasoning tokens per request (docs/methodology.md).",
)
@click.option("--requests", type=int, default=1, show_default=True, help="Number of such requests (totals are over all of them).")
@click.option("--images", type=int, default=0, help="Images to generate (image models such as gpt-image-1, dall-e-3, flux.1-dev).")
@click.option("--size", default="1024x1024", show_default=True, metavar="WxH", help="Image size.")
@click.option("--quality", default=None, help="Image quality level of the model (gpt-image-1: low, medium, high; dall-e-3: standard, hd).")
@click.option("--steps", type=int, default=None, help="Denoising steps of a diffusion model (default: its reference).")
@click.option("--audio-seconds", type=float, default=0.0, help="Seconds of audio to transcribe (whisper-1, gpt-4o-transcribe, voxtral...).")
@click.option("--characters", type=int, default=0, help="Characters of text to speak (tts-1, gpt-4o-mini-tts).")
@click.option("--latency-s", type=float, default=None, metavar="SECONDS",
              help="Duration of one request: adds the time-based estimate (How Hungry is AI?) beside the token-based one; the range spans both.")
@click.option("--zone", metavar="CODE", default=None, help="Where the data centre is (ISO 3166 code, e.g. FR); default: the provider's.")
@click.option("--provider", metavar="NAME", default=None, help="Who serves the model (openai, azure, aws, scaleway, local...); default: its publisher.")
@click.option("--compare", metavar="M2,M3", default=None, help="Other models to rank against MODEL, comma-separated.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def estimate(
    model: str | None,
    product: str | None,
    prompts: int | None,
    input_tokens: int,
    output_tokens: int,
    reasoning_tokens: int | None,
    reasoning_effort: str | None,
    requests: int,
    images: int,
    size: str,
    quality: str | None,
    steps: int | None,
    audio_seconds: float,
    characters: int,
    latency_s: float | None,
    zone: str | None,
    provider: str | None,
    compare: str | None,
    fmt: str,
) -> None:
    """Estimate the energy, CO2e and water of GenAI API requests, and compare models.

    \b
    Example:
      frugal-ai estimate --model gpt-4o-mini --input-tokens 500 --output-tokens 300 \\
          --requests 10000 --zone FR --compare mistral-small-3.2,gpt-4o
      frugal-ai estimate --model gpt-image-1 --images 10 --size 1024x1024
      frugal-ai estimate --model whisper-1 --audio-seconds 3600
      frugal-ai estimate --model text-embedding-3-small --input-tokens 1000000
      frugal-ai estimate --product chatgpt --prompts 15000
      frugal-ai estimate --model o4-mini --input-tokens 200 --output-tokens 300 --latency-s 25
    """
    from ..estimate import Workload, estimate_models
    from ..factors import factor_set

    if product is not None:
        _estimate_product(product, _count(prompts, "prompts"), model, zone, fmt)
        return
    if prompts is not None:
        raise InputError("--prompts goes with --product; with --model, give --requests")
    if latency_s is not None and not latency_s >= 0:
        raise InputError(f"--latency-s must be a non-negative number of seconds (got {latency_s})")
    if model is None:
        raise InputError("give --model (see `frugal-ai models list`) or --product (see `frugal-ai products list`)")

    if zone is not None and not zone.strip():
        raise InputError("--zone is empty: give a zone code (e.g. FR), or leave the option out for the provider's")
    if provider is not None:
        if not provider.strip():
            raise InputError("--provider is empty: give a provider (e.g. openai), or leave the option out for the publisher")
        factor_set().require_provider(provider)
    compared = [m.strip() for m in (compare or "").split(",") if m.strip()]
    if compare is not None and not compared:
        raise InputError("--compare names no model: give models separated by commas (e.g. gpt-4o,mistral-small-3.2)")
    if latency_s is not None and compared:
        raise InputError("--latency-s is the duration of one call of --model: it cannot go with --compare")
    if reasoning_tokens is not None and reasoning_effort is not None:
        raise InputError("give --reasoning-tokens or --reasoning-effort, not both")
    workload = Workload(
        _count(input_tokens, "input-tokens") or 0,
        _count(output_tokens, "output-tokens") or 0,
        _count(reasoning_tokens, "reasoning-tokens"),
        _count(requests, "requests") or 0,
        reasoning_effort,
        images=_count(images, "images") or 0,
        size=size,
        quality=quality,
        steps=steps,
        audio_seconds=audio_seconds,
        characters=_count(characters, "characters") or 0,
        latency_s=latency_s,
    )
    rows = estimate_models(list(dict.fromkeys([model, *compared])), workload, provider=provider, zone=zone)
    if fmt == "json":
        payload = [r.as_json() for r in rows] if compared else rows[0].as_json()
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(_table(rows, workload, compared=bool(compared)))


def _estimate_product(key: str, prompts: int | None, model: str | None, zone: str | None, fmt: str) -> None:
    """`--product KEY --prompts N`: the product's model at its typical request, its range
    spanning the product's short and long request profiles (estimate.product)."""
    from dataclasses import replace

    from ..estimate import Workload, estimate_models
    from ..estimate.product import product_footprint
    from ..factors.products import product

    if model is not None:
        raise InputError("give --model or --product, not both")
    p = product(key)
    n = 1 if prompts is None else prompts
    if p.kind == "text":
        workload = Workload(p.input_tokens[1], p.output_tokens[1], p.reasoning_tokens, n)
    elif p.kind == "image":
        workload = Workload(images=n)
    else:
        workload = Workload(audio_seconds=n * p.units_per_request)
    (row,) = estimate_models([p.model], workload, provider=p.provider, zone=zone)
    row = replace(row, footprint=product_footprint(p, n, zone=zone))
    if fmt == "json":
        click.echo(json.dumps({**row.as_json(), "product": p.key, "prompts": n, "profile": p.profile},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"{p.name}: {n:,} × {p.unit.replace('_', ' ')}" + (" (assumed profile)" if p.assumed else ""))
    click.echo(_table([row], workload, compared=False))


def _table(rows: list, workload, compared: bool) -> str:  # type: ignore[no-untyped-def]
    from tabulate import tabulate

    from ..factors import factor_set
    from ..units import format_range

    tokens = f"{workload.input_tokens:,} input + {workload.output_tokens:,} output"
    if workload.reasoning_tokens:
        tokens += f" + {workload.reasoning_tokens:,} reasoning"
    lines = [f"{workload.requests:,} request{'s' if workload.requests != 1 else ''} × ({tokens} tokens)", ""]
    other_kinds = all(r.kind != "text" for r in rows)
    if other_kinds:
        lines[0] = rows[0].units_label()
    if not compared:
        r = rows[0]
        fp = r.footprint
        lines.insert(0, f"{r.model} served by {r.provider}, electricity zone {r.zone}")
        body = [
            ["energy", format_range(fp.energy_kwh, "energy_kwh")],
            ["CO2e", format_range(fp.co2e_kg, "co2e_kg")],
            ["CO2e: usage", format_range(fp.usage.co2e_kg, "co2e_kg")],
            ["CO2e: embodied", format_range(fp.embodied.co2e_kg, "co2e_kg")],
            ["water", format_range(fp.water_l, "water_l")],
        ]
        lines.append(tabulate(body, headers=["", "central (low–high)"], tablefmt="simple"))
        if r.cross_check is not None:
            lines += ["", *_cross_check_lines(r.cross_check, workload)]
    else:
        body = [
            [
                r.rank,
                r.model,
                r.provider,
                r.zone,
                format_range(r.footprint.energy_kwh, "energy_kwh"),
                format_range(r.footprint.co2e_kg, "co2e_kg"),
                format_range(r.footprint.water_l, "water_l"),
                f"×{r.ratio_to_cheapest:.1f}",
            ]
            for r in rows
        ]
        headers = ["#", "model", "provider", "zone", "energy", "CO2e", "water", "vs cheapest (CO2e)"]
        lines.append(tabulate(body, headers=headers, tablefmt="simple"))
        lines.append("Ranked by CO2e (central), lowest first; 'vs cheapest' is the ratio of central CO2e.")
    notes = list(dict.fromkeys(w for r in rows for w in r.footprint.warnings))
    if other_kinds:
        if rows[0].footprint.energy_kwh.high == 0:
            notes.insert(0, "nothing to estimate (--images, --audio-seconds, --characters or --input-tokens is 0), so the estimate is zero")
    elif not (workload.input_tokens or workload.output_tokens or any(r.reasoning_tokens() for r in rows)):
        # Zeros are right for no tokens, but rarely what was meant: the token options default to 0.
        notes.insert(0, "no tokens given (--input-tokens, --output-tokens, --reasoning-tokens all 0), so the estimate is zero")
    lines.append("")
    lines.append(f"Estimated (not measured); factor set {factor_set().version}; method: docs/methodology.md.")
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


def _cross_check_lines(k, workload) -> list[str]:  # type: ignore[no-untyped-def]
    """The two estimators side by side, for `--latency-s`."""
    from ..units import format_range

    verdict = (f"they disagree by more than {k.factor:g}x (see the note)" if k.disagrees
               else f"they agree within {k.factor:g}x")
    return [
        f"cross-check from {workload.latency_s:g} s per request (docs/methodology.md § 3.10):",
        f"  energy from tokens: {format_range(k.token_based.energy_kwh, 'energy_kwh')}",
        f"  energy from time:   {format_range(k.time_based.energy_kwh, 'energy_kwh')}",
        f"  time / tokens: {k.ratio:.2g}x, {verdict}; the range above spans both",
    ]
