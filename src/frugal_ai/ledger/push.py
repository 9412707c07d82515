"""Sending a SQLite ledger's rows to a PostgreSQL ledger: `frugal-ai ledger push` and the
spool's forwarder (spool.py) share this one path.

    push(source, url, progress=None, drain=False) -> Pushed     a whole file, in batches
    send_batch(src, pg, table, after, limit, drain) -> (last rowid, sent, new)

Rows go in the source's storage order, a batch per PostgreSQL transaction, each one
idempotent by id (`postgres.send_rows`): a push stopped half-way and started again, or the
same file pushed twice, leaves the database as one complete push does. With `drain` (the
spool), a row is deleted from the source only after the transaction that sent it has
committed, and only if it is unchanged since it was read (a run written again with better
figures meanwhile stays, to be sent again).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import PostgresURL
from ..errors import InputError, LedgerError
from .postgres import DATA_TABLES, PgConnection, connect_pg, send_rows
from .schema import open_for_reading, open_writable

BATCH_ROWS = 5_000
RETRIES = 5  # sends of a batch that PostgreSQL rolled back as a deadlock or serialization failure
RETRIED = ("40P01", "40001")


@dataclass
class Pushed:
    """What a push sent: rows per table, and how many of them the database did not have yet."""

    sent: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    @property
    def total_new(self) -> int:
        return sum(self.new.values())


def _columns(src: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in src.execute(f"PRAGMA table_info({table})")]


def send_batch(src: sqlite3.Connection, pg: PgConnection, table: str, after: int, limit: int,
               drain: bool = False) -> tuple[int, int, int]:
    """Send up to `limit` rows of `table` whose rowid is above `after`, in one PostgreSQL
    transaction. Returns (last rowid sent, rows sent, rows new there); (after, 0, 0) when none."""
    columns = _columns(src, table)
    if not columns:
        return after, 0, 0
    names = ", ".join(f'"{c}"' for c in columns)
    rows = src.execute(f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                       (after, limit)).fetchall()
    if not rows:
        return after, 0, 0
    for attempt in range(RETRIES + 1):
        try:
            with pg.transaction():
                new = send_rows(pg, table, columns, [r[1:] for r in rows])
            break
        except LedgerError as e:
            # Writers at once may deadlock on the rollups' rows (pg_rollups.py): PostgreSQL
            # rolls one batch back; it is sent again (idempotent by id).
            if getattr(e, "sqlstate", None) not in RETRIED or attempt == RETRIES:
                raise
            time.sleep(0.05 * (attempt + 1))
    if drain:  # committed in PostgreSQL: now (and only now) the spool may forget them
        same = " AND ".join(f'"{c}" IS ?' for c in columns)
        src.execute("BEGIN IMMEDIATE")
        try:
            src.executemany(f"DELETE FROM {table} WHERE rowid = ? AND {same}", rows)
            src.execute("COMMIT")
        except BaseException:
            src.execute("ROLLBACK")
            raise
    return rows[-1][0], len(rows), new


def backlog(src: sqlite3.Connection) -> int:
    """Rows waiting in a ledger file (the spool's backlog)."""
    total = 0
    for table in DATA_TABLES:
        if _columns(src, table):
            total += src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return total


def push(source: Path, url: PostgresURL, *, progress: Callable[[int, int], None] | None = None,
         drain: bool = False, password_file: Path | None = None, batch_rows: int = BATCH_ROWS) -> Pushed:
    """Send every row of the SQLite ledger `source` to the PostgreSQL ledger `url`.

    `progress(done, total)` is called after each batch. `drain` deletes what was sent from
    `source` (the spool). Raises InputError for a missing or unreadable source, LedgerError
    when PostgreSQL cannot be reached (what was sent before stays sent).
    """
    if not source.exists():
        raise InputError("no such ledger file", where=str(source))
    src = open_writable(source) if drain else open_for_reading(source)
    pg = connect_pg(url, password_file=password_file)
    result = Pushed()
    try:
        total = backlog(src)
        done = 0
        for table in DATA_TABLES:
            after = 0
            while True:
                after, sent, new = send_batch(src, pg, table, after, batch_rows, drain)
                if not sent:
                    break
                result.sent[table] = result.sent.get(table, 0) + sent
                result.new[table] = result.new.get(table, 0) + new
                done += sent
                if progress is not None:
                    progress(done, total)
    except sqlite3.DatabaseError as e:
        raise InputError(f"cannot read the ledger ({e})", where=str(source)) from None
    finally:
        pg.close()
        src.close()
    return result


class Progress:
    """A progress line on stderr at most every `every_s` seconds, for long pushes (and long
    imports: `verb` "imported", `total` None where the rows to come are not known)."""

    def __init__(self, say: Callable[[str], Any], every_s: float = 2.0, verb: str = "pushed") -> None:
        self.say, self.every_s, self.verb = say, every_s, verb
        self._next = time.monotonic() + every_s

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now < self._next or total == 0:
            return
        self._next = now + self.every_s
        if total is None:
            self.say(f"{self.verb} {done:,} rows so far")
        else:
            self.say(f"{self.verb} {done:,} of {total:,} rows ({100 * done / total:.0f}%)")
