"""`frugal-ai doctor`: what this machine can measure, the config in force and where each value came from, the ledger."""

from __future__ import annotations

import json
import os
from typing import Any

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def doctor(fmt: str) -> None:
    """What can be measured here (RAPL, NVML, fallbacks), the settings and their origin, the ledger."""
    from ..config import load_settings
    from ..ledger import connect
    from ..ledger.export import ledger_stats
    from ..measure.capabilities import detect

    settings = load_settings()
    caps = detect(settings)
    path = settings.ledger.expanduser()
    ledger: dict[str, Any] = {"path": str(path), "exists": path.exists(),
                              "size_bytes": path.stat().st_size if path.exists() else 0,
                              "writable": _writable(path)}
    ledger.update(ledger_stats(connect(path, readonly=True)))
    config = {k: {"value": _plain(getattr(settings, k)), "origin": settings.origins.get(k, "default")}
              for k in type(settings).model_fields if k != "origins"}
    if fmt == "json":
        click.echo(json.dumps({"measurement": caps.as_dict(), "config": config, "ledger": ledger}, indent=2, default=str))
        return
    _print_table(caps, config, ledger)


def _writable(path: Any) -> bool:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(path if path.exists() else folder, os.W_OK)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _onprem_defaults() -> dict[str, str]:
    try:
        from ..factors import factor_set

        onprem = factor_set().onprem()
        return {
            "pue": f"  -> factor base on-premises default {onprem.pue.central} ({onprem.pue.low}–{onprem.pue.high})",
            "wue": f"  -> factor base on-premises default {onprem.wue_l_per_kwh.central} L/kWh "
                   f"({onprem.wue_l_per_kwh.low}–{onprem.wue_l_per_kwh.high})",
            "country": "  -> world-average electricity (no zone configured)",
        }
    except Exception:
        return {}


def _print_table(caps: Any, config: dict[str, Any], ledger: dict[str, Any]) -> None:
    from ..measure.footprint import component_methods

    fallback = [m for m in component_methods(caps.method).values() if m in ("cpu_load", "tdp_fallback", "ram_model")]
    rows = [
        ("Measurement", ""),
        ("  RAPL (CPU energy counters)", ("yes: " if caps.rapl else "no: ") + caps.rapl_detail),
        ("  NVML (NVIDIA GPU energy)", ("yes: " if caps.nvml else "no: ") + caps.nvml_detail
         + (f" — {', '.join(caps.gpus)}" if caps.gpus else "")),
        ("  runs will be recorded with", caps.method if not caps.tracker_error
         else f"unavailable (codecarbon failed: {caps.tracker_error})"),
        ("  power models (wider ranges)", ", ".join(fallback) if fallback else "none: every component metered"),
        ("  CPU model", caps.cpu_model or "unknown"),
        ("Configuration", ""),
    ]
    defaults = _onprem_defaults()
    for key, item in config.items():
        note = defaults.get(key, "") if item["value"] is None else ""
        rows.append((f"  {key}", f"{json.dumps(item['value'], default=str)}  [{item['origin']}]{note}"))
    rows += [
        ("Ledger", ""),
        ("  path", ledger["path"] + ("" if ledger["exists"] else " (not created yet)")),
        ("  writable", "yes" if ledger["writable"] else "NO: runs will not be recorded"),
        ("  size", f"{ledger['size_bytes']:,} bytes, schema version {ledger['schema_version']}"),
        ("  rows", f"{ledger['runs']:,} runs, {ledger['api_calls']:,} API calls, {ledger['sessions']:,} tracker sessions"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}".rstrip())
