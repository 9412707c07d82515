"""Rollups: the ledger's rows summed per UTC day at write time, so that a report reads a few
thousand sums instead of every row (docs/architecture.md, "Rollups").

Kept right on every write path. Rows are inserted only through rows.py (the writer thread,
`ledger import`, `ledger declare`), whose transaction calls `catch_up` before it commits: the
rows above each facts table's high-water mark (`rollup_marks`, the last rowid summed) are
summed by one GROUP BY per table and upserted once per key, their days marked changed once
per day, the marks moved to the last rowids. Updates (an upsert's DO UPDATE) and deletes fire
SQL triggers, which act only on rows already summed (rowid up to the mark); a deleted top row
lowers the mark, since SQLite hands its rowid to the next row. A program that writes the file
otherwise leaves rows above the marks: the readers (`current`, called by query.py) catch
them up, in the file or, where it cannot be written, in temporary copies of the rollups.
(Schema 6 summed each inserted row by trigger: twice the cost of a write.)

    call_rollups     API calls within the plausibility bounds, per day × workload × project ×
                     provider × model × host × local × source × kind × image size × image
                     quality × timed (has a latency, not failed): rows, requests, Σr·in, Σr·in², Σr·out,
                     Σr·reasoning, Σr·units, Σr·in·out, Σr·latency_s,
                     failed and failed-without-tokens requests (r: the row's request count)
    run_rollups      runs per day × workload × project × host × zone × method × counted:
                     runs, energies, energies × coverage, runs extrapolated; `counted` is 1 for
                     the runs a total adds (top-level, or whose parent never reached the ledger)
    session_rollups  sessions per day × project × host × zone × method: energies measured,
                     outside every run, extrapolated
    ledger_days      one row per day holding runs or API calls: the SHA-256 of the day's rows
                     (query.content_hash), NULL when a write changed the day since it was hashed
    rollup_marks     per facts table (api_calls, runs, sessions): the last rowid in the rollups

The estimate of a group of API calls is a polynomial in its token counts without constant
term (estimate/group.py), so these sums give it exactly; measured footprints are linear in
energy and energy × coverage (inventory/priced.py). Integer sums are exact; float sums
(energies, latency) are added in write order, so they may differ from a sum over the rows in
another order in the last bits.

`rebuild(conn)` recomputes everything from the rows (the facts) and sets the marks;
`install(conn)` (re)creates the triggers and rebuilds, after any schema migration. A day is
the UTC day of `start`, numbered from the epoch (`day_of_sql`): computed exactly from the
float, so that a day's rows are those with day × 86400 <= start < (day + 1) × 86400, the same
boundaries a period filter on `start` uses.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from typing import Sequence

from .bounds import MAX_TOKENS_PER_REQUEST

SECONDS_PER_DAY = 86_400


def day_of_sql(r: str, dialect: str = "sqlite") -> str:
    """The UTC day number of `{r}.start`: floor(start / 86400), exact (the division may round
    up to the next integer just before midnight; the comparison puts such a row back).
    `dialect` "postgresql": PostgreSQL's CAST of a float to an integer rounds, so it floors
    first (SQLite's truncates; SQLite may lack floor())."""
    q = (f"CAST(floor({r}.start / {SECONDS_PER_DAY}) AS BIGINT)" if dialect == "postgresql"
         else f"CAST({r}.start / {SECONDS_PER_DAY} AS INTEGER)")
    return f"({q} - CASE WHEN {q} * {SECONDS_PER_DAY} > {r}.start THEN 1 ELSE 0 END)"


def plausible_sql(r: str) -> str:
    """bounds.PLAUSIBLE_CALL_SQL for the row `r` (NEW, OLD or a table alias)."""
    return " AND ".join(f"{r}.{c} BETWEEN 0 AND {MAX_TOKENS_PER_REQUEST}"
                        for c in ("input_tokens", "output_tokens", "reasoning_tokens"))


# (column, expression over the row `{r}`): the key of each rollup, then its sums. Another
# migration that adds a key or a sum extends these and calls `install` (the triggers and the
# rollups are rebuilt from them after every migration).
CALL_KEYS: tuple[tuple[str, str], ...] = (
    ("day", "{day}"),
    ("named", "CASE WHEN {r}.name IS NOT NULL THEN 1 ELSE 0 END"),          # 0: a call outside any run (workload NO_WORKLOAD)
    ("workload", "coalesce({r}.name, '')"),
    ("project", "{r}.project"),
    ("provider", "{r}.provider"),
    ("model", "{r}.model"),
    ("host", "{r}.host"),
    ("local", "{r}.local"),
    ("source", "{r}.source"),
    ("kind", "{r}.kind"),                         # ledger/kinds.py
    ("image_size", "{r}.image_size"),
    ("image_quality", "{r}.image_quality"),
    # A call the time-based cross-check prices too (query.TIMED): a latency, and not failed.
    ("timed", "CASE WHEN {r}.latency_s IS NOT NULL AND {r}.latency_s > 0 AND {r}.status <> 'failed' THEN 1 ELSE 0 END"),
)
CALL_SUMS: tuple[tuple[str, str], ...] = (
    ("rows", "1"),
    ("requests", "{r}.requests"),
    ("input_tokens", "{r}.requests * {r}.input_tokens"),
    ("input_tokens_sq", "{r}.requests * {r}.input_tokens * {r}.input_tokens"),
    ("output_tokens", "{r}.requests * {r}.output_tokens"),
    ("reasoning_tokens", "{r}.requests * {r}.reasoning_tokens"),
    ("units", "{r}.requests * {r}.units"),                # images, audio seconds, characters
    ("input_output_tokens", "{r}.requests * {r}.input_tokens * {r}.output_tokens"),
    ("latency_s", "{r}.requests * coalesce({r}.latency_s, 0.0)"),
    ("failed", "{r}.requests * CASE WHEN {r}.status = 'failed' THEN 1 ELSE 0 END"),
    ("failed_tokenless",
     "{r}.requests * CASE WHEN {r}.status = 'failed' AND {r}.input_tokens + {r}.output_tokens + {r}.reasoning_tokens = 0 "
     "THEN 1 ELSE 0 END"),
    # Requests of a kind priced by its units that succeeded without units or tokens (query._UNITLESS).
    ("unitless", "{r}.requests * CASE WHEN {r}.kind IN ('image', 'transcription', 'speech') AND {r}.units = 0 "
                 "AND {r}.input_tokens = 0 AND {r}.status <> 'failed' THEN 1 ELSE 0 END"),
)
RUN_KEYS: tuple[tuple[str, str], ...] = (
    ("day", "{day}"),
    ("workload", "{r}.name"),
    ("project", "{r}.project"),
    ("host", "{r}.host"),
    ("zone", "coalesce({r}.zone, '')"),           # '' : no zone recorded
    ("method", "{r}.method"),
    ("counted", "{counted}"),
)
RUN_SUMS: tuple[tuple[str, str], ...] = (
    ("runs", "1"),
    ("cpu_kwh", "{r}.cpu_kwh"),
    ("gpu_kwh", "{r}.gpu_kwh"),
    ("ram_kwh", "{r}.ram_kwh"),
    ("cpu_cov_kwh", "{r}.cpu_kwh * {r}.coverage"),
    ("gpu_cov_kwh", "{r}.gpu_kwh * {r}.coverage"),
    ("ram_cov_kwh", "{r}.ram_kwh * {r}.coverage"),
    ("extrapolated_runs", "CASE WHEN {r}.coverage < 1.0 THEN 1 ELSE 0 END"),
)
SESSION_KEYS: tuple[tuple[str, str], ...] = (
    ("day", "{day}"),
    ("project", "{r}.project"),
    ("host", "{r}.host"),
    ("zone", "coalesce({r}.zone, '')"),
    ("method", "{r}.method"),
)
SESSION_SUMS: tuple[tuple[str, str], ...] = (
    ("sessions", "1"),
    ("cpu_kwh", "{r}.cpu_kwh"),
    ("gpu_kwh", "{r}.gpu_kwh"),
    ("ram_kwh", "{r}.ram_kwh"),
    ("unattributed_cpu_kwh", "{r}.unattributed_cpu_kwh"),
    ("unattributed_gpu_kwh", "{r}.unattributed_gpu_kwh"),
    ("unattributed_ram_kwh", "{r}.unattributed_ram_kwh"),
    ("extrapolated_kwh", "{r}.extrapolated_kwh"),
)

_TEXT_KEYS = {"workload", "project", "provider", "model", "host", "source", "kind", "image_size", "image_quality",
              "zone", "method"}
_REAL_SUMS = {"latency_s", "units", "cpu_kwh", "gpu_kwh", "ram_kwh", "cpu_cov_kwh", "gpu_cov_kwh", "ram_cov_kwh",
              "unattributed_cpu_kwh", "unattributed_gpu_kwh", "unattributed_ram_kwh", "extrapolated_kwh"}

# table -> (facts table, keys, sums, count column)
_ROLLUPS = {
    "call_rollups": ("api_calls", CALL_KEYS, CALL_SUMS, "rows"),
    "run_rollups": ("runs", RUN_KEYS, RUN_SUMS, "runs"),
    "session_rollups": ("sessions", SESSION_KEYS, SESSION_SUMS, "sessions"),
}


def mark_sql(facts: str) -> str:
    """The high-water mark of the facts table `facts`: its rows with a rowid up to it are in
    the rollups, those above it are not yet (`catch_up`)."""
    return f"(SELECT mark FROM rollup_marks WHERE facts = '{facts}')"


def _counted_sql(r: str, rolled: bool | str = False) -> str:
    """Whether a run is one a total adds: top-level, or its parent is not in the ledger
    (energies are inclusive: a nested run's energy is in its parent's). `rolled`: a parent
    counts only if it is in the rollups already (rowid up to the mark), as the UPDATE and
    DELETE triggers see it: a parent written but not caught up yet is `catch_up`'s to count;
    or (a string) only up to that rowid (`catch_up`, a range of rows at a time)."""
    upto = rolled if isinstance(rolled, str) else mark_sql("runs")
    rolled_cond = f" AND p.rowid <= {upto}" if rolled else ""
    return (f"CASE WHEN {r}.parent_id IS NULL OR ({r}.parent_id <> {r}.id AND NOT EXISTS "
            f"(SELECT 1 FROM runs p WHERE p.id = {r}.parent_id{rolled_cond})) THEN 1 ELSE 0 END")


def _expr(template: str, r: str, counted: str | None = None, rolled: bool | str = False) -> str:
    return template.format(r=r, day=day_of_sql(r), counted=counted if counted is not None else _counted_sql(r, rolled))


def table_statements() -> tuple[str, ...]:
    """CREATE TABLE statements of the rollups and of `ledger_days` (schema migration 5)."""
    out = []
    for table, (_, keys, sums, _) in _ROLLUPS.items():
        cols = [f"{k} {'TEXT' if k in _TEXT_KEYS else 'INTEGER'} NOT NULL" for k, _ in keys]
        cols += [f"{s} {'REAL' if s in _REAL_SUMS else 'INTEGER'} NOT NULL DEFAULT 0" for s, _ in sums]
        pk = ", ".join(k for k, _ in keys)
        out.append(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}, PRIMARY KEY ({pk})) WITHOUT ROWID")
    out.append("CREATE TABLE IF NOT EXISTS ledger_days (day INTEGER PRIMARY KEY, hash TEXT)")
    # The triggers find a run's children (a parent reaching the ledger after them), and a
    # workload-filtered report its nested runs: partial, so top-level runs cost nothing.
    out.append("CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_id) WHERE parent_id IS NOT NULL")
    out.append("CREATE INDEX IF NOT EXISTS runs_nested_name ON runs (name) WHERE parent_id IS NOT NULL")
    return tuple(out)


def _add(table: str, r: str, sign: int, *, counted: str | None = None, source: str = "",
         where: str = "1", rolled: bool | str = False, grouped: bool = False) -> str:
    """Add (sign 1) or take away (sign -1) the row(s) `r` to/from the rollup `table`: one upsert
    per row, or (`grouped`) one per key, the rows summed by a GROUP BY first."""
    _, keys, sums, _ = _ROLLUPS[table]
    names = ", ".join(k for k, _ in keys) + ", " + ", ".join(s for s, _ in sums)
    values = [_expr(e, r, counted, rolled) for _, e in keys]
    terms = [f"SUM({_expr(e, r)})" if grouped else _expr(e, r) for _, e in sums]
    values += [t if sign > 0 else f"-({t})" for t in terms]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if grouped else ""
    update = ", ".join(f"{s} = {s} + excluded.{s}" for s, _ in sums)
    return (f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} {source} WHERE {where}{group} "
            f"ON CONFLICT ({', '.join(k for k, _ in keys)}) DO UPDATE SET {update}")


def _drop_empty(table: str, r: str, counted: str | None = None, rolled: bool = False) -> str:
    """Delete the rollup row of `r`'s key once nothing is left in it."""
    _, keys, _, count = _ROLLUPS[table]
    cond = " AND ".join(f"{k} = {_expr(e, r, counted, rolled)}" for k, e in keys)
    return f"DELETE FROM {table} WHERE {count} = 0 AND {cond}"


def _dirty(r: str) -> str:
    """Mark `r`'s day as changed since it was hashed."""
    return (f"INSERT INTO ledger_days (day, hash) VALUES ({day_of_sql(r)}, NULL) "
            "ON CONFLICT (day) DO UPDATE SET hash = NULL WHERE ledger_days.hash IS NOT NULL")


def _move(src: str, cond: str, from_counted: int) -> list[str]:
    """The runs `c` that `src` and `cond` select change from counted `from_counted` to the other."""
    to = 1 - from_counted
    return [
        _add("run_rollups", "c", -1, counted=str(from_counted), source=src, where=cond),
        _add("run_rollups", "c", 1, counted=str(to), source=src, where=cond),
        f"DELETE FROM run_rollups WHERE runs = 0 AND counted = {from_counted} AND day IN "
        f"(SELECT {day_of_sql('c')} {src} WHERE {cond})",
    ]


def _move_children(parent_id: str, from_counted: int, where: str = "1") -> list[str]:
    """The rolled-up runs whose parent is `parent_id` change from counted `from_counted` to the other."""
    return _move("FROM runs c", f"c.parent_id = {parent_id} AND c.id <> {parent_id} AND c.rowid <= {mark_sql('runs')} "
                                f"AND {where}", from_counted)


def _lower_mark(facts: str) -> str:
    """After the row at the mark is deleted: the mark goes down to the row below it. SQLite gives
    a new row max(rowid) + 1, so a row written after the top one was deleted may take its rowid:
    left at the mark, it would count as rolled up without being so."""
    return (f"UPDATE rollup_marks SET mark = ifnull((SELECT max(rowid) FROM {facts} WHERE rowid < OLD.rowid), 0) "
            f"WHERE facts = '{facts}' AND mark = OLD.rowid")


def _trigger(name: str, event: str, table: str, body: Sequence[str]) -> str:
    # Only rows already in the rollups (up to the mark) are taken out or changed in them; a
    # row above the mark is summed as it is when `catch_up` reaches it (or never, if deleted).
    return (f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} WHEN OLD.rowid <= {mark_sql(table)} "
            "BEGIN\n  " + ";\n  ".join(body) + ";\nEND")


TRIGGERS = ("api_calls_rollup_delete", "api_calls_rollup_update", "runs_rollup_delete", "runs_rollup_update",
            "sessions_rollup_delete", "sessions_rollup_update")
# Schema 6 kept the rollups by a trigger per inserted row; `install` drops them.
OLD_TRIGGERS = ("api_calls_rollup_insert", "runs_rollup_insert", "sessions_rollup_insert")


def trigger_statements() -> tuple[str, ...]:
    """CREATE TRIGGER statements that keep the rollups and `ledger_days` right when a row
    already rolled up is updated (an upsert's DO UPDATE) or deleted. (A rowid is never updated.)"""
    c = "call_rollups"
    calls = (
        _trigger("api_calls_rollup_delete", "DELETE", "api_calls",
                 [_add(c, "OLD", -1, where=plausible_sql("OLD")), _drop_empty(c, "OLD"), _dirty("OLD"),
                  _lower_mark("api_calls")]),
        _trigger("api_calls_rollup_update", "UPDATE", "api_calls",
                 [_add(c, "OLD", -1, where=plausible_sql("OLD")), _add(c, "NEW", 1, where=plausible_sql("NEW")),
                  _drop_empty(c, "OLD"), _dirty("OLD"), _dirty("NEW")]),
    )
    r = "run_rollups"
    runs = (
        # A deleted run puts its children back among the counted runs.
        _trigger("runs_rollup_delete", "DELETE", "runs",
                 [_add(r, "OLD", -1, rolled=True), _drop_empty(r, "OLD", rolled=True), *_move_children("OLD.id", 0),
                  _dirty("OLD"), _lower_mark("runs")]),
        _trigger("runs_rollup_update", "UPDATE", "runs",
                 [_add(r, "OLD", -1, rolled=True), _add(r, "NEW", 1, rolled=True), _drop_empty(r, "OLD", rolled=True),
                  *_move_children("OLD.id", 0, "NEW.id <> OLD.id"), *_move_children("NEW.id", 1, "NEW.id <> OLD.id"),
                  _dirty("OLD"), _dirty("NEW")]),
    )
    s = "session_rollups"
    sessions = (
        _trigger("sessions_rollup_delete", "DELETE", "sessions",
                 [_add(s, "OLD", -1), _drop_empty(s, "OLD"), _lower_mark("sessions")]),
        _trigger("sessions_rollup_update", "UPDATE", "sessions",
                 [_add(s, "OLD", -1), _add(s, "NEW", 1), _drop_empty(s, "OLD")]),
    )
    return calls + runs + sessions


# --- catching up: the rows above the marks, summed once per write transaction ----------------

FACTS = ("api_calls", "runs", "sessions")
# The rows a catch-up step sums: above the mark, up to the step's end.
_NEW = "f.rowid > :mark AND f.rowid <= :top"
MARKS_TABLE = "CREATE TABLE IF NOT EXISTS rollup_marks (facts TEXT PRIMARY KEY, mark INTEGER NOT NULL)"
# Each facts table's last rowid and its mark, in one read (three B-tree ends and three lookups).
_STATE_SQL = "SELECT " + ", ".join(f"(SELECT max(rowid) FROM {t}), {mark_sql(t)}" for t in FACTS)
_SET_MARK = "INSERT INTO rollup_marks (facts, mark) VALUES (?, ?) ON CONFLICT (facts) DO UPDATE SET mark = excluded.mark"


def _dirty_days(facts: str) -> str:
    """Mark the days of the rows above the mark as changed, once per day."""
    return (f"INSERT INTO ledger_days (day, hash) SELECT DISTINCT {day_of_sql('f')}, NULL FROM {facts} f "
            f"WHERE {_NEW} ON CONFLICT (day) DO UPDATE SET hash = NULL WHERE ledger_days.hash IS NOT NULL")


# Rolled-up runs whose parent is above the mark: a parent arriving after its children (a child
# ends, and is written, first) takes them out of the counted runs.
_NEW_PARENTS = "FROM runs p CROSS JOIN runs c ON c.parent_id = p.id"  # p first: the new rows, then their children by index
_NEW_PARENTS_COND = "p.rowid > :mark AND p.rowid <= :top AND c.rowid <= :mark AND c.id <> p.id"
_HAS_NEW_PARENTS = f"SELECT 1 {_NEW_PARENTS} WHERE {_NEW_PARENTS_COND} LIMIT 1"

_CATCH_UP: dict[str, tuple[str, ...]] = {
    "api_calls": (_add("call_rollups", "f", 1, source="FROM api_calls f", where=f"{_NEW} AND {plausible_sql('f')}",
                       grouped=True),
                  _dirty_days("api_calls")),
    # A new run's `counted` is found against the rows up to the range's end: its own batch's
    # parents included, a later range's parents moving it afterwards (above).
    "runs": (_add("run_rollups", "f", 1, source="FROM runs f", where=_NEW, rolled=":top", grouped=True),
             _dirty_days("runs")),
    "sessions": (_add("session_rollups", "f", 1, source="FROM sessions f", where=_NEW, grouped=True),),
}
# At most this many rowids summed by one GROUP BY (its sort in memory stays small, whatever a
# reader has to catch up: a ledger another program filled).
CATCH_UP_ROWS = 100_000


def catch_up(conn) -> int:  # type: ignore[no-untyped-def]
    """Add the rows above each facts table's mark to the rollups, mark their days changed, and
    move the marks to the last rows: inside the caller's write transaction (rows._transaction
    calls it before commit). Set-based: one GROUP BY per table, one upsert per key. Returns
    the number of rowids caught up (0: the rollups were current)."""
    state = conn.execute(_STATE_SQL).fetchone()
    n = 0
    for facts, last, first in zip(FACTS, state[0::2], state[1::2]):
        mark = first = first or 0
        while last is not None and last > mark:
            params = {"mark": mark, "top": min(last, mark + CATCH_UP_ROWS)}
            if facts == "runs" and conn.execute(_HAS_NEW_PARENTS, params).fetchone():
                for statement in _move(_NEW_PARENTS, _NEW_PARENTS_COND, 1):
                    conn.execute(statement, params)
            for statement in _CATCH_UP[facts]:
                conn.execute(statement, params)
            n += params["top"] - mark
            mark = params["top"]
        if mark != first:
            conn.execute(_SET_MARK, (facts, mark))
    return n


# A write that may leave its rows to later (rows.insert_records(defer_rollups=True): a
# multiprocessing worker writing each run before it returns, one transaction per run) sums
# them once this many rows wait above the marks: the catch-up's fixed cost (a handful of
# statements, and the UPDATE trigger on the run's final record) paid once per this many runs
# instead of once per run. Readers sum what still waits (`current`).
DEFER_ROWS = 256


def waiting(conn) -> int:  # type: ignore[no-untyped-def]
    """How many rowids wait above the marks, all facts tables together. O(log n): the tables'
    last rowids."""
    state = conn.execute(_STATE_SQL).fetchone()
    return sum(max(0, (top or 0) - (mark or 0)) for top, mark in zip(state[0::2], state[1::2]))


def due(conn) -> bool:  # type: ignore[no-untyped-def]
    """Whether a deferring write should catch up now: DEFER_ROWS rows or more wait."""
    return waiting(conn) >= DEFER_ROWS


def behind(conn) -> bool:  # type: ignore[no-untyped-def]
    """Whether some facts table holds rows above its mark: written by a program that does not
    go through rows.py (which catches up before it commits), or by deferring writes."""
    return waiting(conn) > 0


_SHADOWED = ("call_rollups", "run_rollups", "session_rollups", "ledger_days", "rollup_marks")


def current(conn) -> None:  # type: ignore[no-untyped-def]
    """Before a read of the rollups: make them cover every row. Nothing to do (one O(log n)
    read) unless another program wrote rows without catching up; then catch up in a write
    transaction of `conn` (or a savepoint of the caller's), or, where the ledger cannot be
    written (a read-only file or folder, a busy writer), in temporary copies of the rollups
    that this connection reads instead (SQLite looks up a name in `temp` first), dropped as
    soon as another connection commits to the file."""
    if conn.execute("SELECT 1 FROM sqlite_temp_master WHERE name = 'rollup_shadow'").fetchone():
        version = conn.execute("SELECT data_version FROM pragma_data_version").fetchone()[0]
        if conn.execute("SELECT version FROM temp.rollup_shadow").fetchone()[0] == version:
            return
        for table in (*_SHADOWED, "rollup_shadow"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    if not behind(conn):
        return
    outer = conn.in_transaction
    try:
        conn.execute("SAVEPOINT frugal_ai_catch_up" if outer else "BEGIN IMMEDIATE")
        try:
            catch_up(conn)
        except BaseException:
            conn.execute("ROLLBACK TO frugal_ai_catch_up" if outer else "ROLLBACK")
            if outer:
                conn.execute("RELEASE frugal_ai_catch_up")
            raise
        conn.execute("RELEASE frugal_ai_catch_up" if outer else "COMMIT")
    except sqlite3.OperationalError:  # cannot write here: catch up in temporary copies
        _shadow(conn)


def _shadow(conn) -> None:  # type: ignore[no-untyped-def]
    """Temporary copies of the rollups, caught up with the rows above the marks (`current`)."""
    version = conn.execute("SELECT data_version FROM pragma_data_version").fetchone()[0]
    statements = [s for s in (*table_statements(), MARKS_TABLE) if s.startswith("CREATE TABLE")]
    for table in _SHADOWED:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    for statement in statements:
        conn.execute(statement.replace("CREATE TABLE IF NOT EXISTS ", "CREATE TEMP TABLE "))
    for table in _SHADOWED:
        conn.execute(f"INSERT INTO temp.{table} SELECT * FROM main.{table}")
    catch_up(conn)
    conn.execute("CREATE TEMP TABLE rollup_shadow (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO temp.rollup_shadow VALUES (?)", (version,))


def rebuild_statements() -> tuple[str, ...]:
    """Recompute every rollup from the rows (the facts), and set the marks to the last rows;
    the day hashes are left to compute."""
    out = []
    for table, (facts, keys, sums, _) in _ROLLUPS.items():
        where = plausible_sql("f") if facts == "api_calls" else "1"
        out.append(f"DELETE FROM {table}")
        # An upsert per row rather than a GROUP BY: no sort of every row (temp_store is in
        # memory on a writable connection), bounded memory, same sums.
        out.append(_add(table, "f", 1, source=f"FROM {facts} f", where=where))
    out.append("DELETE FROM ledger_days")
    out.append(f"INSERT INTO ledger_days (day, hash) SELECT DISTINCT {day_of_sql('f')}, NULL FROM runs f "
               f"UNION SELECT DISTINCT {day_of_sql('f')}, NULL FROM api_calls f")
    for facts in FACTS:
        out.append(f"INSERT INTO rollup_marks (facts, mark) VALUES ('{facts}', ifnull((SELECT max(rowid) FROM {facts}), 0)) "
                   "ON CONFLICT (facts) DO UPDATE SET mark = excluded.mark")
    return tuple(out)


def rebuild(conn) -> None:  # type: ignore[no-untyped-def]
    """Recompute the rollups and every day hash from the rows, in one write transaction
    (`frugal-ai ledger rebuild-rollups`). `conn`: a writable connection in autocommit mode."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in rebuild_statements():
            conn.execute(statement)
        refresh_day_hashes(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def install(conn) -> None:  # type: ignore[no-untyped-def]
    """(Re)create the triggers and rebuild the rollups (marks at the last rows), inside the
    caller's transaction: after a schema migration, so that the rollups match the schema just
    reached."""
    for name in (*OLD_TRIGGERS, *TRIGGERS):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in (*table_statements(), MARKS_TABLE, *trigger_statements(), *rebuild_statements()):
        conn.execute(statement)
    refresh_day_hashes(conn)


# --- the day hashes ---------------------------------------------------------------------

# One line of text per ledger row for the content hash. Floats are printed with 17
# significant digits so that the text (and hence the hash) changes whenever a value does.
# (SQLite's printf; PostgreSQL's format() needs its own spelling of the same text.)
RUN_LINE = (
    "printf('run|%s|%s|%s|%s|%s|%.17g|%.17g|%s|%s|%s|%.17g|%.17g|%.17g|%s', id, ifnull(parent_id, ''), "
    "name, project, tags, start, \"end\", status, ifnull(zone, ''), method, cpu_kwh, gpu_kwh, ram_kwh, host)"
)
CALL_LINE = (
    "printf('api_call|%s|%s|%s|%s|%s|%.17g|%.17g|%s|%s|%s|%d|%d|%d|%d|%s|%s', id, ifnull(run_id, ''), "
    "ifnull(name, ''), project, tags, start, \"end\", status, provider, model, input_tokens, "
    "output_tokens, reasoning_tokens, local, source, host) || "
    # The request count joins the line only where it is not 1 (a row of N requests differs
    # from one of 1).
    "CASE WHEN requests = 1 THEN '' ELSE printf('|%d', requests) END || "
    # Likewise the request kind and its units (schema 4) join only a row that is not a plain
    # chat call.
    "CASE WHEN kind = 'chat' AND units = 0 AND image_size = '' AND image_quality = '' THEN '' "
    "ELSE printf('|%s|%.17g|%s|%s', kind, units, image_size, image_quality) END"
)


def day_digest(conn, day: int, where: str = "1=1",  # type: ignore[no-untyped-def]
               params: Sequence[object] = ()) -> tuple[str, int] | None:
    """(SHA-256 hex, rows) of the rows of `day` that `where` selects: runs then API calls,
    each in storage order, one line each (RUN_LINE, CALL_LINE) ending in a newline. None when
    the day holds no such row."""
    lo, hi = float(day * SECONDS_PER_DAY), float((day + 1) * SECONDS_PER_DAY)
    h = hashlib.sha256()
    rows = 0
    for line, table in ((RUN_LINE, "runs"), (CALL_LINE, "api_calls")):
        # SQLite builds the day's text itself (no Python object per row, GIL released).
        n, text = conn.execute(
            f"SELECT count(*), group_concat(line, char(10)) FROM (SELECT {line} AS line FROM {table} INDEXED BY {table}_start "
            f"WHERE start >= ? AND start < ? AND ({where}) ORDER BY rowid)", [lo, hi, *params]).fetchone()
        if n:
            h.update(text.encode())
            h.update(b"\n")
            rows += n
    return (h.hexdigest(), rows) if rows else None


def refresh_day_hashes(conn, before_day: int | None = None) -> int:  # type: ignore[no-untyped-def]
    """Hash the days changed since they were hashed (before `before_day` only, when given),
    inside the caller's write transaction; forget the days left without rows. Returns how
    many days were hashed. Catches up first (`catch_up`): a day hashed with rows above the
    mark in it would keep that hash if such a row were deleted before being caught up."""
    catch_up(conn)
    sql = "SELECT day FROM ledger_days WHERE hash IS NULL"
    days = [d for (d,) in conn.execute(sql + (" AND day < ?" if before_day is not None else ""),
                                        [before_day] if before_day is not None else [])]
    for day in days:
        digest = day_digest(conn, day)
        if digest is None:
            conn.execute("DELETE FROM ledger_days WHERE day = ?", (day,))
        else:
            conn.execute("UPDATE ledger_days SET hash = ? WHERE day = ?", (digest[0], day))
    return len(days)


def settled_day(now_s: float | None = None) -> int:
    """The first day the writers leave unhashed: yesterday (UTC). Records of today and
    yesterday still arrive (a batch written late, a run that ended after midnight), and
    rehashing a day at every batch would cost its rows each time; a report hashes these two
    days from their rows."""
    now = time.time() if now_s is None else now_s
    return int(now // SECONDS_PER_DAY) - 1


def on_written(conn) -> None:  # type: ignore[no-untyped-def]
    """What a write transaction does before it commits: sum its rows into the rollups, then
    hash the settled days it changed."""
    refresh_day_hashes(conn, settled_day())

