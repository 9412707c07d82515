"""The ledger's row builder: the one way a record becomes rows of a ledger.

`insert_records(conn, records)` writes records in one transaction; the background writer of
a tracked process (writer.py) and `demo/ledger_file.py` (the demo, the golden tests, the
benchmarks) both call it, so a record is stored, and hashed, the same way whoever wrote it.
A record outside the plausibility bounds (bounds.py), or one the database refuses, goes
alone to the `rejected` table with its reason; the others are written.

`conn` may also be a PostgreSQL ledger's connection (postgres.PgConnection: `ledger import`
and `ledger declare` write a postgresql:// ledger directly): the same rows, in one
PostgreSQL transaction, each batch sent as `ledger push` sends it (postgres.send_rows);
PostgreSQL's own triggers keep its rollups. There a row the database refuses fails the whole
transaction (nothing written) instead of going to `rejected` alone.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from ..ids import new_id
from . import rollups
from .bounds import problem
from .records import ApiCallRecord, Record, RunRecord, SessionRecord

RUN_COLUMNS = ("id", "parent_id", "name", "project", "tags", "start", "end", "status", "host", "pid", "zone",
               "method", "cpu_kwh", "gpu_kwh", "ram_kwh", "coverage")
CALL_COLUMNS = ("id", "run_id", "name", "project", "tags", "start", "end", "status", "provider", "model",
                "input_tokens", "output_tokens", "reasoning_tokens", "latency_s", "host", "path", "http_status",
                "local", "source", "requests", "kind", "units", "image_size", "image_quality")
# A column whose record field has another name: ApiCallRecord.kind is the record's type
# ("api_call"), so the request kind (column api_calls.kind) is its field `request_kind`.
FIELD_OF_COLUMN = {"kind": "request_kind"}
SESSION_COLUMNS = ("id", "host", "pid", "project", "start", "end", "zone", "method", "cpu_kwh", "gpu_kwh", "ram_kwh",
                   "unattributed_cpu_kwh", "unattributed_gpu_kwh", "unattributed_ram_kwh", "extrapolated_kwh",
                   "others_cpu_kwh", "others_gpu_kwh", "others_ram_kwh", "idle_cpu_kwh", "idle_gpu_kwh", "idle_ram_kwh",
                   "share_method")


def _insert(table: str, columns: tuple[str, ...], on_conflict: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT (id) {on_conflict}"


def _update_all(columns: tuple[str, ...]) -> str:
    return "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id")


# Runs and sessions may be written again with better figures (the new values win); an API
# call is a fact written once (a retried batch is harmless). ON CONFLICT is both SQLite's and
# PostgreSQL's spelling.
_RUN_SQL = _insert("runs", RUN_COLUMNS, _update_all(RUN_COLUMNS))
_CALL_SQL = _insert("api_calls", CALL_COLUMNS, "DO NOTHING")
# An imported usage row written again (a provider's export of a day, re-exported once the day
# was complete) replaces its figures: its id is the source row's, never a new request's.
_CALL_REPLACE_SQL = _insert("api_calls", CALL_COLUMNS, _update_all(CALL_COLUMNS))
_SESSION_SQL = _insert("sessions", SESSION_COLUMNS, _update_all(SESSION_COLUMNS))
REJECTED_COLUMNS = ("id", "kind", "start", "name", "project", "provider", "model", "reason")
_REJECTED_SQL = _insert("rejected", REJECTED_COLUMNS, "DO NOTHING")
# What one record can make the database refuse (a value it cannot bind, a constraint); a
# locked, full or broken database (OperationalError) is the whole batch's business instead.
_RECORD_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError,
                  OverflowError, ValueError, TypeError)


def tags_json(tags: dict[str, str] | None) -> str:
    """Tags as stored: a JSON object of strings, keys sorted."""
    if not tags:
        return "{}"
    # The same tags dict is shared by every run of a decorated function: encode it once.
    cached = _tags_cache.get(id(tags))
    if cached is not None and cached[0] is tags and cached[1] == tags:
        return cached[2]
    text = json.dumps({str(k): str(v) for k, v in tags.items()}, sort_keys=True, ensure_ascii=False)
    if len(_tags_cache) > 1024:
        _tags_cache.clear()
    _tags_cache[id(tags)] = (tags, dict(tags), text)
    return text


_tags_cache: dict[int, tuple[dict[str, str], dict[str, str], str]] = {}


def run_row(r: RunRecord) -> tuple[Any, ...]:
    """A run as the row `RUN_COLUMNS` names."""
    return (r.id, r.parent_id, r.name, r.project, tags_json(r.tags), r.start, r.end, r.status, r.host, r.pid, r.zone,
            r.method, r.cpu_kwh, r.gpu_kwh, r.ram_kwh, r.coverage)


def call_row(r: ApiCallRecord) -> tuple[Any, ...]:
    """An API call as the row `CALL_COLUMNS` names; a call without an id gets one here."""
    if not r.id:
        # The capture leaves the id to the writer thread; given once, so a batch written
        # again after a busy database keeps its ids (INSERT OR IGNORE).
        r.id = new_id()
    return (r.id, r.run_id, r.name, r.project, tags_json(r.tags), r.start, r.end, r.status, r.provider, r.model,
            r.input_tokens, r.output_tokens, r.reasoning_tokens, r.latency_s, r.host, r.path, r.http_status,
            int(r.local), r.source, r.requests, r.request_kind, r.units, r.image_size, r.image_quality)


def session_row(r: SessionRecord) -> tuple[Any, ...]:
    """A session as the row `SESSION_COLUMNS` names."""
    return (r.id, r.host, r.pid, r.project, r.start, r.end, r.zone, r.method, r.cpu_kwh, r.gpu_kwh, r.ram_kwh,
            r.unattributed_cpu_kwh, r.unattributed_gpu_kwh, r.unattributed_ram_kwh, r.extrapolated_kwh,
            r.others_cpu_kwh, r.others_gpu_kwh, r.others_ram_kwh, r.idle_cpu_kwh, r.idle_gpu_kwh, r.idle_ram_kwh,
            r.share_method)


Reject = Callable[[Record, str], None]


def _sql_and_row(r: Record) -> tuple[str, tuple[Any, ...]]:
    if isinstance(r, ApiCallRecord):
        return _CALL_SQL, call_row(r)
    if isinstance(r, RunRecord):
        return _RUN_SQL, run_row(r)
    return _SESSION_SQL, session_row(r)


def rejected_row(r: Any, reason: str) -> tuple[Any, ...]:
    """A refused record as the row `REJECTED_COLUMNS` names: what identifies it, and why."""
    start = getattr(r, "start", None)
    finite = isinstance(start, (int, float)) and not isinstance(start, bool) and abs(start) < 1e300
    return (_text(getattr(r, "id", None)) or new_id(), _text(getattr(r, "kind", None)) or type(r).__name__,
            float(start) if finite else None, _text(getattr(r, "name", None)), _text(getattr(r, "project", None)),
            _text(getattr(r, "provider", None)), _text(getattr(r, "model", None)), _text(reason) or "?")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:200].encode("utf-8", "replace").decode("utf-8")


# After each batch: (records written, how many of them were not in the ledger before; None
# where the backend does not say: SQLite).
OnBatch = Callable[[int, "int | None"], None]


def insert_records(conn: sqlite3.Connection, records: Iterable[Record], *, chunk: int = 10_000,
                   on_reject: Reject | None = None, replace_calls: bool = False, checked: bool = False,
                   on_batch: OnBatch | None = None, defer_rollups: bool = False) -> int:
    """Write `records` through `conn` in one transaction (the only way rows enter a ledger).

    Rows are built `chunk` records at a time, so an iterator of millions (a benchmark's
    ledger) is written in bounded memory. A record outside the bounds (`bounds.problem`), or
    one the database refuses, goes to the `rejected` table with its reason instead, and
    `on_reject(record, reason)` is called; the others are written. Returns the number of
    records written (rejected ones not included). A busy, full or broken database raises.
    With `replace_calls`, an API call whose id is already stored replaces its figures
    (`ledger import`) instead of being ignored. An exception raised by `records` while it is
    iterated rolls the whole transaction back: nothing is written. `checked`: the caller has
    already run `bounds.problem` on every record and kept only those it passed (`ledger
    import`, a million rows): they are not checked twice. `on_batch(written, new)` is called
    after each batch (progress; `new` is counted by PostgreSQL only, None on SQLite).
    `defer_rollups`: a small write (a worker's run written before it returns) leaves its rows
    to the next write or read to sum, until `rollups.DEFER_ROWS` rows wait (`rollups.due`).
    """
    with _transaction(conn, defer_rollups):
        return _insert_all(conn, records, chunk, on_reject, _CALL_REPLACE_SQL if replace_calls else _CALL_SQL,
                           checked, on_batch)


def delete_and_insert(conn: sqlite3.Connection, remove_ids: Iterable[str], records: Iterable[Record],
                      *, on_reject: Reject | None = None) -> int:
    """Delete the API calls `remove_ids` names, then write `records` (as `insert_records`
    does), in one transaction: `ledger declare` replacing what a declaration wrote before
    (a month it no longer declares is deleted, not only overwritten). Returns the number of
    records written."""
    with _transaction(conn):
        conn.executemany("DELETE FROM api_calls WHERE id = ?", [(i,) for i in remove_ids])
        return _insert_all(conn, records, 10_000, on_reject, _CALL_SQL)


@contextmanager
def _transaction(conn: sqlite3.Connection, defer_rollups: bool = False) -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back if it raises. Before
    commit, the rows written are summed into the rollups (`rollups.catch_up`, set-based) and
    the days the writes settled are hashed (`rollups.on_written`); with `defer_rollups`, only
    once enough rows wait (`rollups.due`)."""
    if is_postgresql(conn):
        with _pg_transaction(conn):
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        if not defer_rollups or rollups.due(conn):
            rollups.on_written(conn)
        conn.execute("COMMIT")
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise


def _insert_all(conn: sqlite3.Connection, records: Iterable[Record], chunk: int, on_reject: Reject | None,
                call_sql: str, checked: bool = False, on_batch: OnBatch | None = None) -> int:
    """The body of `insert_records`, inside the caller's transaction; API calls through `call_sql`."""
    n = 0
    pg = is_postgresql(conn)
    it = iter(records)
    while True:
        block = list(itertools.islice(it, chunk))
        if not block:
            break
        # Per statement, its rows and (same order) their records: the records only matter
        # if the database refuses a row.
        groups: dict[str, tuple[list[tuple[Any, ...]], list[Record]]] = {
            call_sql: ([], []), _RUN_SQL: ([], []), _SESSION_SQL: ([], [])}
        rejected: list[tuple[Record, str]] = []
        call_rows, call_recs = groups[call_sql]
        for r in block:
            reason = None if checked else problem(r)
            if reason is None and type(r) is ApiCallRecord:  # the common case, without the dispatch
                try:
                    call_rows.append(call_row(r))
                except Exception as e:
                    reason = f"cannot be stored ({e})"
                else:
                    call_recs.append(r)
                    continue
            if reason is None:
                try:
                    sql, row = _sql_and_row(r)
                except Exception as e:
                    reason = f"cannot be stored ({e})"
                else:
                    rows, recs = groups[call_sql if sql == _CALL_SQL else sql]
                    rows.append(row)
                    recs.append(r)
            if reason is not None:
                rejected.append((r, reason))
        before, new = n, 0
        for sql, (rows, recs) in groups.items():
            if rows and pg:
                n += len(rows)
                new += _send_pg(conn, sql, rows)
            elif rows:
                n += _insert_each(conn, sql, rows, recs, rejected)
        if len(block) == chunk and not pg:  # a long write: its rollups chunk by chunk (a bounded GROUP BY)
            rollups.catch_up(conn)
        if rejected:
            conn.executemany(_REJECTED_SQL, [rejected_row(r, why) for r, why in rejected])
            if on_reject is not None:
                for r, why in rejected:
                    on_reject(r, why)
        if on_batch is not None:
            on_batch(n - before, new if pg else None)
    return n


def _insert_each(conn: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]], recs: list[Record],
                 rejected: list[tuple[Record, str]]) -> int:
    """Insert the rows in one statement; if the database refuses one, insert them one by one
    so that only the refused ones are left out (added to `rejected`). Returns how many went in.

    No savepoint around the batch: the rows written before the refused one stay, and writing
    them again one by one is harmless (an API call's id is written once, a run or session, or
    a replaced call, gets the same figures again). A savepoint opened after earlier writes of
    the transaction made every row's statement journal copy the rollup pages its triggers
    change: ten times the cost of the batch (rollups.py)."""
    try:
        conn.executemany(sql, rows)
        return len(rows)
    except _RECORD_ERRORS:
        pass
    n = 0
    for row, r in zip(rows, recs):
        try:
            conn.execute(sql, row)
            n += 1
        except _RECORD_ERRORS as e:
            rejected.append((r, f"cannot be stored ({e})"))
    return n


# --- PostgreSQL (ledger import and declare into a postgresql:// ledger) ---------------------


def is_postgresql(conn: Any) -> bool:
    """Whether `conn` is a PostgreSQL ledger's connection (postgres.PgConnection)."""
    return getattr(conn, "dialect", None) == "postgresql"


@contextmanager
def _pg_transaction(conn: Any) -> Iterator[None]:
    """One PostgreSQL transaction; any failure, the commit's included, raised as the
    connection's one-line LedgerError (the URL without its password)."""
    try:
        with conn.transaction():
            yield
    except BaseException as e:
        error = conn.error(e)
        if error is e:
            raise
        raise error from None


# Each statement's table, columns, and whether a row already stored takes the new figures.
_PG_TARGETS = {_CALL_SQL: ("api_calls", CALL_COLUMNS, False), _CALL_REPLACE_SQL: ("api_calls", CALL_COLUMNS, True),
               _RUN_SQL: ("runs", RUN_COLUMNS, True), _SESSION_SQL: ("sessions", SESSION_COLUMNS, True)}


def _send_pg(conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> int:
    """A batch of rows into PostgreSQL as `sql` would write them into SQLite; returns how many
    were new. One PostgreSQL statement cannot write a row twice, so a record given twice in
    the batch is sent once, at its first place, with its last figures where they replace
    (SQLite, one row at a time, leaves it so)."""
    from .postgres import send_rows

    table, columns, replace = _PG_TARGETS[sql]
    if replace:
        at: dict[Any, int] = {}
        unique: list[tuple[Any, ...]] = []
        for row in rows:
            i = at.setdefault(row[0], len(unique))
            if i == len(unique):
                unique.append(row)
            else:
                unique[i] = row
        rows = unique
    return send_rows(conn, table, columns, rows, replace=replace)
