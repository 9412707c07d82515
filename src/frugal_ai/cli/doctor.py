"""`frugal-ai doctor`: what this machine can measure, the config in force and where each value came from, the ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from .lang import lang_option, resolved_lang


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option()
@click.pass_context
def doctor(ctx: click.Context, fmt: str, lang: str | None) -> None:
    """What can be measured here (RAPL, NVML, fallbacks), the settings and their origin, the ledger.

    Exit status 0, or 1 when the ledger is corrupt: doctor is where one diagnoses a corrupt
    ledger, so it reports it as a finding ("ledger: corrupt (...)") and prints everything
    else, instead of stopping with exit 2 like the commands that need to read it.
    """
    from ..config import settings_in_force
    from ..measure.capabilities import detect

    settings = settings_in_force(recheck=True)
    caps = detect(settings)
    ledger = ledger_facts(settings.ledger)
    config = {k: {"value": _plain(getattr(settings, k)), "origin": settings.origins.get(k, "default")}
              for k in type(settings).model_fields if k != "origins"}
    from ..capture.coverage import clients_covered

    covered = clients_covered()
    if fmt == "json":
        capture = [c.as_dict() for c in covered]
        click.echo(json.dumps({"measurement": caps.as_dict(), "config": config, "ledger": ledger, "capture": capture},
                              indent=2, default=str))
    else:
        _print_table(caps, config, ledger, covered, resolved_lang(lang))
    if ledger["status"] == "corrupt":
        ctx.exit(1)


def ledger_facts(path: Any) -> dict[str, Any]:
    """Path, size, schema version, row counts and health of the ledger; never raises for a corrupt file.

    A postgresql:// ledger (`postgres_facts`): its spool's backlog, and whether PostgreSQL
    answers — the only case where doctor connects anywhere.

    `status` is ok, missing (not created yet) or corrupt (`problem` says why). Health is
    SQLite's `PRAGMA quick_check` (every page read once, read-only), so that damage in pages
    no count reads is found too. The file is opened read-only and never modified.
    """
    import sqlite3

    from ..errors import InputError
    from ..ledger import connect
    from ..ledger.query import ledger_stats
    from ..ledger.health import ledger_problem
    from ..config import PostgresURL

    if isinstance(path, PostgresURL):
        return postgres_facts(path)
    path = Path(path).expanduser()
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


def postgres_facts(url: Any) -> dict[str, Any]:
    """A PostgreSQL ledger: URL (never its password), the spool and its backlog, whether the
    server answers (a short connection timeout) and, when it does, its counts."""
    import sqlite3

    from ..errors import FrugalAIError
    from ..ledger import connect
    from ..ledger.push import backlog
    from ..ledger.query import ledger_stats
    from ..ledger.schema import connect_read_only
    from ..ledger.spool import spool_path

    spool = spool_path(url)
    facts: dict[str, Any] = {"path": str(url), "backend": "postgresql", "exists": True, "size_bytes": 0,
                             "writable": _writable(spool), "status": "ok", "problem": None, "spool": str(spool),
                             "spool_backlog": 0, "reachable": False}
    if spool.exists():
        try:
            conn = connect_read_only(spool)
            try:
                facts["spool_backlog"] = backlog(conn)
            finally:
                conn.close()
        except (sqlite3.Error, FrugalAIError) as e:
            facts["spool_problem"] = str(e)
    try:
        from ..ledger.postgres import size_bytes

        conn = connect(url)
        try:
            facts.update(ledger_stats(conn), size_bytes=size_bytes(conn), reachable=True)  # type: ignore[arg-type]
        finally:
            conn.close()
    except FrugalAIError as e:
        facts.update(problem=str(e), schema_version=None)
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


def _onprem_defaults(t: Any) -> dict[str, str]:
    try:
        from ..factors import factor_set

        onprem = factor_set().onprem()
        return {
            "pue": t("doctor.default_pue", central=t.number(onprem.pue.central), low=t.number(onprem.pue.low),
                     high=t.number(onprem.pue.high)),
            "wue": t("doctor.default_wue", central=t.number(onprem.wue_l_per_kwh.central),
                     low=t.number(onprem.wue_l_per_kwh.low), high=t.number(onprem.wue_l_per_kwh.high)),
            "country": t("doctor.default_country"),
        }
    except Exception:
        return {}


def _reason(t: Any, key: str, values: dict[str, Any], english: str) -> str:
    """A probe's finding in `t`'s words (counts formatted for the language); its English detail when unkeyed."""
    if not t.has(key):
        return english
    return t(key, **{k: t.count(v) if isinstance(v, int) else v for k, v in values.items()})


def _capture_how(t: Any, c: Any) -> str:
    """How a client's calls are captured, in `t`'s words."""
    if c.reason == "too_old":
        return t("doctor.capture_too_old", oldest=c.oldest)
    if c.reason == "record_manually":
        return t("doctor.capture_record_manually")
    key = f"doctor.capture_how.{c.client}"
    return t(key) if t.has(key) else t("doctor.capture_wrapped")


def _print_table(caps: Any, config: dict[str, Any], ledger: dict[str, Any], capture: list[Any],
                 lang: str = "en") -> None:
    from ..lang import texts
    from ..estimate.measured import component_methods

    t = texts(lang)

    def yes(flag: bool) -> str:
        return t("doctor.yes_prefix") if flag else t("doctor.no_prefix")

    fallback = [m for m in component_methods(caps.method).values() if m in ("cpu_load", "tdp_fallback", "ram_model")]
    nvml_detail = _reason(t, f"doctor.nvml_reason.{caps.nvml_reason}", caps.nvml_values, caps.nvml_detail)
    share_detail = _reason(t, f"doctor.share_reason.{caps.share_reason}", caps.share_values, caps.share_detail)
    rows = [
        (t("doctor.measurement"), ""),
        ("  " + t("doctor.rapl"), yes(caps.rapl) + _reason(t, f"doctor.rapl_reason.{caps.rapl_reason}",
                                                            caps.rapl_values, caps.rapl_detail)),
        ("  " + t("doctor.nvml"), yes(caps.nvml) + nvml_detail + (f" — {', '.join(caps.gpus)}" if caps.gpus else "")),
        ("  " + t("doctor.method"), caps.method if not caps.tracker_error
         else t("doctor.tracker_failed", error=caps.tracker_error)),
        ("  " + t("doctor.power_models"), ", ".join(fallback) if fallback else t("doctor.all_metered")),
        ("  " + t("doctor.cpu_model"), caps.cpu_model or t("doctor.unknown")),
        ("  " + t("doctor.share"), caps.share_method),
        *[("    " + t(f"doctor.share_{component}"),
           t(f"doctor.share.{component}.{how}", detail=share_detail or nvml_detail))
          for component, how in caps.share_methods.items()],
        (t("doctor.configuration"), ""),
    ]
    defaults = _onprem_defaults(t)
    for key, item in config.items():
        note = defaults.get(key, "") if item["value"] is None else ""
        origin = t(f"origin.{item['origin']}") if lang != "en" and t.has(f"origin.{item['origin']}") else item["origin"]
        rows.append((f"  {key}", f"{json.dumps(item['value'], default=str)}  [{origin}]{note}"))
    rows += [
        (t("doctor.ledger"), ""),
        ("  " + t("doctor.path"), ledger["path"] + ("" if ledger["exists"] else t("doctor.not_created"))),
        ("  " + t("doctor.writable"), t("yes") if ledger["writable"] else t("doctor.not_writable")),
    ]
    if ledger.get("backend") == "postgresql":
        rows += [
            ("  " + t("doctor.postgresql"), t("doctor.reachable_yes") if ledger["reachable"]
             else t("doctor.reachable_no", problem=ledger["problem"])),
            ("  " + t("doctor.spool"), t("doctor.spool_backlog", path=ledger["spool"],
                                         rows=t.count(ledger["spool_backlog"]))),
        ]
    if ledger.get("backend") == "postgresql" and not ledger["reachable"]:
        pass
    elif ledger["status"] == "corrupt":
        rows += [
            ("  " + t("doctor.size"), t("doctor.bytes", size=t.count(ledger["size_bytes"]))),
            ("  " + t("doctor.health"), t("doctor.corrupt", problem=ledger["problem"])),
        ]
    else:
        rows += [
            ("  " + t("doctor.size"), t("doctor.bytes_schema", size=t.count(ledger["size_bytes"]),
                                        version=ledger["schema_version"])),
            ("  " + t("doctor.rows"), t("doctor.row_counts", runs=t.count(ledger["runs"]),
                                        calls=t.count(ledger["api_calls"]), sessions=t.count(ledger["sessions"]))),
            ("  " + t("doctor.health"), t("doctor.health_ok") if ledger["status"] == "ok" else t("doctor.nothing_yet")),
        ]
    rows.append((t("doctor.capture"), ""))
    rows += [(f"  {c.client} {c.version}", yes(c.covered) + _capture_how(t, c)) for c in capture]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}".rstrip())
