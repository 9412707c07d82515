"""Write ledger records into a given SQLite file, in one transaction.

The demo, the tests and the benchmarks build their own ledgers with this. It writes through
the ledger writer's row builder (`frugal_ai.ledger.rows.insert_records`), so a record is
stored byte for byte as a tracked process would store it, and it never looks at settings,
so it cannot write into the user's real ledger by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..ledger import connect
from ..ledger.records import Record
from ..ledger.rows import insert_records


def create_ledger(path: str | Path) -> Path:
    """An empty ledger at `path` (parents created, schema migrated); an existing one is kept."""
    connect(path, readonly=False).close()
    return Path(path)


def write_records(path: str | Path, records: Iterable[Record]) -> int:
    """Insert `records` into the ledger at `path` (created if needed). Returns how many."""
    conn = connect(path, readonly=False)
    try:
        return insert_records(conn, records)
    finally:
        conn.close()
