"""The ledger's records as plain dicts, one per run or API call, for export and for tools.

Keys (DESIGN.md): kind ("run" | "api_call"), id, run_id (the enclosing run, for calls),
parent_id (for nested runs), name, project, tags (an object), start, end (ISO 8601 UTC),
status; for runs energy_kwh, cpu_kwh, gpu_kwh, ram_kwh, method, coverage, zone; for calls
provider, model, input_tokens, output_tokens, reasoning_tokens, latency_s. Every record
carries every key (None where it does not apply), so CSV and JSON Lines have one shape.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any, Iterator

from ..errors import InputError

FIELDS = (
    "kind", "id", "run_id", "parent_id", "name", "project", "tags", "start", "end", "status",
    "energy_kwh", "cpu_kwh", "gpu_kwh", "ram_kwh", "method", "coverage", "zone",
    "provider", "model", "input_tokens", "output_tokens", "reasoning_tokens", "latency_s",
    "host",
)


def iso_utc(t: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC, e.g. 2026-07-01T12:00:00.123456Z."""
    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def parse_day(text: str, *, option: str, end_of_day: bool = False) -> float:
    """A CLI date (YYYY-MM-DD, or an ISO 8601 date-time; UTC unless it says otherwise) as epoch seconds.

    With `end_of_day`, a bare date means the end of that day (the day is included).
    """
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            moment = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
            if end_of_day:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError:
        raise InputError(f"{option}: expected a date such as 2026-07-01, got {text!r}") from None
    return moment.timestamp()


def period_clauses(since_s: float | None, until_s: float | None) -> tuple[list[str], list[object]]:
    """SQL conditions (and parameters) for records starting in [since_s, until_s), any table."""
    clauses: list[str] = []
    params: list[object] = []
    if since_s is not None:
        clauses.append("start >= ?")
        params.append(since_s)
    if until_s is not None:
        clauses.append("start < ?")
        params.append(until_s)
    return clauses, params


def _window(since_s: float | None, until_s: float | None) -> tuple[str, list[object]]:
    where, params = period_clauses(since_s, until_s)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def iter_records(conn: sqlite3.Connection, since_s: float | None = None, until_s: float | None = None) -> Iterator[dict[str, Any]]:
    """Runs then API calls whose start lies in [since_s, until_s), oldest first within each kind."""
    where, params = _window(since_s, until_s)
    conn.row_factory = sqlite3.Row
    try:
        runs = conn.execute(f'SELECT * FROM runs{where} ORDER BY start, id', params)
        for r in runs:
            yield {
                "kind": "run", "id": r["id"], "run_id": None, "parent_id": r["parent_id"], "name": r["name"],
                "project": r["project"], "tags": _tags(r["tags"]), "start": iso_utc(r["start"]),
                "end": iso_utc(r["end"]), "status": r["status"],
                "energy_kwh": r["cpu_kwh"] + r["gpu_kwh"] + r["ram_kwh"], "cpu_kwh": r["cpu_kwh"],
                "gpu_kwh": r["gpu_kwh"], "ram_kwh": r["ram_kwh"], "method": r["method"], "coverage": r["coverage"],
                "zone": r["zone"], "provider": None, "model": None, "input_tokens": None, "output_tokens": None,
                "reasoning_tokens": None, "latency_s": None, "host": r["host"],
            }
        calls = conn.execute(f'SELECT * FROM api_calls{where} ORDER BY start, id', params)
        for c in calls:
            yield {
                "kind": "api_call", "id": c["id"], "run_id": c["run_id"], "parent_id": None, "name": c["name"],
                "project": c["project"], "tags": _tags(c["tags"]), "start": iso_utc(c["start"]),
                "end": iso_utc(c["end"]), "status": c["status"], "energy_kwh": None, "cpu_kwh": None,
                "gpu_kwh": None, "ram_kwh": None, "method": None, "coverage": None, "zone": None,
                "provider": c["provider"], "model": c["model"], "input_tokens": c["input_tokens"],
                "output_tokens": c["output_tokens"], "reasoning_tokens": c["reasoning_tokens"],
                "latency_s": c["latency_s"], "host": c["host"],
            }
    except sqlite3.DatabaseError as e:
        raise corrupt_ledger(conn, e) from None
    finally:
        conn.row_factory = None


def ledger_file(conn: sqlite3.Connection) -> str | None:
    """The file a connection reads (None for an in-memory ledger)."""
    try:
        for _, name, file in conn.execute("PRAGMA database_list"):
            if name == "main":
                return file or None
    except sqlite3.Error:
        pass
    return None


def corrupt_ledger(conn: sqlite3.Connection, e: Exception) -> InputError:
    """The error for a ledger that cannot be read, naming its file as the inventory does."""
    return InputError(f"cannot read the ledger: {e}", where=ledger_file(conn))


def _tags(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object a line; returns the number of records."""
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """CSV with a header of FIELDS; tags as a JSON object; returns the number of records."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for rec in records:
        writer.writerow({**rec, "tags": json.dumps(rec["tags"], ensure_ascii=False, sort_keys=True)})
        n += 1
    return n


def ledger_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Row counts, time span and measured totals of a ledger."""
    try:
        one = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
        runs, roots, failed, first_run, last_run = one(
            "SELECT count(*), sum(parent_id IS NULL), sum(status = 'failed'), min(start), max(\"end\") FROM runs")
        energy = one("SELECT sum(cpu_kwh), sum(gpu_kwh), sum(ram_kwh) FROM runs WHERE parent_id IS NULL")
        unavailable = one("SELECT count(*) FROM runs WHERE method = 'unavailable'")[0]
        calls, first_call, last_call = one("SELECT count(*), min(start), max(\"end\") FROM api_calls")
        tokens = one("SELECT sum(input_tokens), sum(output_tokens), sum(reasoning_tokens) FROM api_calls")
        sessions, measured, unattributed = one(
            "SELECT count(*), sum(cpu_kwh + gpu_kwh + ram_kwh), "
            "sum(unattributed_cpu_kwh + unattributed_gpu_kwh + unattributed_ram_kwh) FROM sessions")
        version = one("SELECT value FROM meta WHERE key = 'schema_version'")
    except sqlite3.DatabaseError as e:
        raise corrupt_ledger(conn, e) from None
    starts = [t for t in (first_run, first_call) if t is not None]
    ends = [t for t in (last_run, last_call) if t is not None]
    return {
        "schema_version": int(version[0]) if version else None,
        "runs": runs or 0, "root_runs": roots or 0, "failed_runs": failed or 0, "unmeasured_runs": unavailable or 0,
        "api_calls": calls or 0, "sessions": sessions or 0,
        "first": iso_utc(min(starts)) if starts else None, "last": iso_utc(max(ends)) if ends else None,
        "measured_cpu_kwh": energy[0] or 0.0, "measured_gpu_kwh": energy[1] or 0.0, "measured_ram_kwh": energy[2] or 0.0,
        "tracker_total_kwh": measured or 0.0, "unattributed_kwh": unattributed or 0.0,
        "input_tokens": tokens[0] or 0, "output_tokens": tokens[1] or 0, "reasoning_tokens": tokens[2] or 0,
    }
