"""Is a ledger file intact? SQLite's own check, read-only.

A query reads only the pages it needs, so a ledger damaged in pages a command does not
read (another table, an index it does not use) answers without error and the command
would print figures as if nothing were wrong. Commands that draw a conclusion from the
ledger (`gains check`) and `doctor` check the whole file first with `PRAGMA quick_check`:
every page read once (about as long as reading the file), the file opened read-only and
never modified.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import InputError
from .schema import connect_read_only


def ledger_problem(path: Path | str) -> str | None:
    """The first problem SQLite finds in the ledger file, or None when it is intact (or missing)."""
    p = Path(path).expanduser()
    if not p.exists():
        return None
    try:
        conn = connect_read_only(p)
    except sqlite3.Error as e:
        return str(e)
    try:
        first = conn.execute("PRAGMA quick_check(1)").fetchone()
        if first and first[0] == "ok":
            return None
        return _one_line(str(first[0]) if first else "no answer from the integrity check")
    except sqlite3.DatabaseError as e:
        return str(e)
    finally:
        conn.close()


def require_intact(path: Path | str) -> None:
    """Raise `InputError` naming the file when the ledger is damaged; the file is left as it is."""
    problem = ledger_problem(path)
    if problem is not None:
        raise InputError(f"the ledger is damaged ({problem}); the file was left as it is", where=str(Path(path).expanduser()))


def _one_line(message: str) -> str:
    """SQLite's report (`*** in database main ***` then one line a problem) as one line."""
    lines = [line.strip() for line in message.splitlines() if line.strip() and not line.startswith("***")]
    return "; ".join(lines) or message.strip()
