"""`frugal-ai doctor`: what this machine can measure, the config in force and where each value came from, the ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def doctor(ctx: click.Context, fmt: str) -> None:
    """What can be measured here (RAPL, NVML, fallbacks), the settings and their origin, the ledger.

    Exit status 0, or 1 when the ledger is corrupt: doctor is where one diagnoses a corrupt
    ledger, so it reports it as a finding ("ledger: corrupt (...)") and prints everything
    else, instead of stopping with exit 2 like the commands that need to read it.
    """
    from ..config import settings_in_force
    from ..measure.capabilities import detect

    settings = settings_in_force(recheck=True)
    caps = detect(settings)
    ledger = ledger_facts(settings.ledger.expanduser())
    config = {k: {"value": _plain(getattr(settings, k)), "origin": settings.origins.get(k, "default")}
              for k in type(settings).model_fields if k != "origins"}
    from ..capture.coverage import clients_covered

    capture = [c.as_dict() for c in clients_covered()]
    if fmt == "json":
        click.echo(json.dumps({"measurement": caps.as_dict(), "config": config, "ledger": ledger, "capture": capture},
                              indent=2, default=str))
    else:
        _print_table(caps, config, ledger, capture)
    if ledger["status"] == "corrupt":
        ctx.exit(1)


def ledger_facts(path: Path) -> dict[str, Any]:
    """Path, size, schema version, row counts and health of the ledger; never raises for a corrupt file.

    `status` is ok, missing (not created yet) or corrupt (`problem` says why). Health is
    SQLite's `PRAGMA quick_check` (every page read once, read-only), so that damage in pages
    no count reads is found too. The file is opened read-only and never modified.
    """
    import sqlite3

    from ..errors import InputError
    from ..ledger import connect
    from ..ledger.query import ledger_stats
    from ..ledger.health import ledger_problem

    facts: dict[str, Any] = {"path": str(path), "exists": path.exists(),
                             "size_bytes": path.stat().st_size if path.exists() else 0,
                             "writable": _writable(path), "status": "ok" if path.exists() else "missing",
                             "problem": None}
    try:
        conn = connect(path, readonly=True)
        try:
            facts.update(ledger_stats(conn))
        finally:
            conn.close()
        problem = ledger_problem(path)
        if problem is not None:
            facts.update(status="corrupt", problem=problem)
    except (InputError, sqlite3.DatabaseError) as e:
        # The message without the path, which the finding is printed beside.
        message = str(e).removeprefix(f"{path}: ")
        facts.update(status="corrupt", problem=message, schema_version=None)
    return facts


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


def _print_table(caps: Any, config: dict[str, Any], ledger: dict[str, Any], capture: list[dict[str, Any]]) -> None:
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
    ]
    if ledger["status"] == "corrupt":
        rows += [
            ("  size", f"{ledger['size_bytes']:,} bytes"),
            ("  health", f"corrupt ({ledger['problem']}): restore a backup, or move the file away to start a "
                         "new ledger; frugal-ai leaves it as it is"),
        ]
    else:
        rows += [
            ("  size", f"{ledger['size_bytes']:,} bytes, schema version {ledger['schema_version']}"),
            ("  rows", f"{ledger['runs']:,} runs, {ledger['api_calls']:,} API calls, {ledger['sessions']:,} tracker sessions"),
            ("  health", "ok (integrity check passed)" if ledger["status"] == "ok" else "nothing recorded yet"),
        ]
    rows.append(("API call capture", ""))
    rows += [(f"  {c['client']} {c['version']}", ("yes: " if c["covered"] else "no: ") + c["how"]) for c in capture]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}".rstrip())
