"""Write ledger records into a given SQLite file, in one transaction.

The demo, the tests and the benchmark build their own ledgers with this; it writes the
same schema as the ledger module (`ledger/schema.sql`) and never looks at settings, so it
cannot write into the user's real ledger by accident.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from pathlib import Path
from typing import Iterable

from ..ledger.records import ApiCallRecord, Record, RunRecord

_RUN_COLUMNS = [f.name for f in fields(RunRecord) if f.name != "kind"]
_CALL_COLUMNS = [f.name for f in fields(ApiCallRecord) if f.name != "kind"]


def create_ledger(path: str | Path) -> Path:
    """An empty ledger at `path` (parents created, schema migrated); an existing one is kept."""
    _open_writable(Path(path)).close()
    return Path(path)


def _open_writable(path: Path) -> sqlite3.Connection:
    """The ledger module's writable connection (autocommit; file, folder and schema created)."""
    from ..ledger import connect

    return connect(path, readonly=False)


def write_records(path: str | Path, records: Iterable[Record]) -> int:
    """Insert `records` into the ledger at `path` (created if needed). Returns how many."""
    path = Path(path)
    runs: list[tuple[object, ...]] = []
    calls: list[tuple[object, ...]] = []
    for rec in records:
        if isinstance(rec, RunRecord):
            runs.append(tuple(_value(rec, c) for c in _RUN_COLUMNS))
        else:
            calls.append(tuple(_value(rec, c) for c in _CALL_COLUMNS))
    conn = _open_writable(path)
    try:
        # Only the columns this ledger's schema has: records may carry fields a newer schema adds.
        run_cols = _existing(conn, "runs", _RUN_COLUMNS)
        call_cols = _existing(conn, "api_calls", _CALL_COLUMNS)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_insert("runs", [_RUN_COLUMNS[i] for i in run_cols]), [[r[i] for i in run_cols] for r in runs])
            conn.executemany(
                _insert("api_calls", [_CALL_COLUMNS[i] for i in call_cols]), [[c[i] for i in call_cols] for c in calls]
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return len(runs) + len(calls)


def _existing(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[int]:
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    return [i for i, c in enumerate(columns) if c in have]


def _insert(table: str, columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


def _value(rec: Record, column: str) -> object:
    v = getattr(rec, column)
    if column == "tags":
        return json.dumps(v, sort_keys=True, separators=(",", ":"))
    if isinstance(v, bool):
        return int(v)
    return v
