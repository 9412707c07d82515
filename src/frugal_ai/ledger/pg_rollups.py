"""Rollups in a PostgreSQL ledger: the same sums as a ledger file's (rollups.py), kept by
statement-level triggers, and the day hashes of the content hash cached in `ledger_days`.

    install(conn)                       the trigger functions and triggers, then `rebuild`
    rebuild(conn)                       every rollup and day mark recomputed from the rows
    fingerprint()                       what `meta.pg_rollups` holds once `install` ran
    day_digests(conn, days, where, params, cacheable)   the content hash's day hashes

One definition: the keys and sums are rollups.py's lists (CALL_KEYS, CALL_SUMS, RUN_KEYS,
RUN_SUMS, SESSION_KEYS, SESSION_SUMS), rendered here as PostgreSQL. Each INSERT, UPDATE or
DELETE statement on api_calls, runs or sessions fires one AFTER ... FOR EACH STATEMENT
trigger whose transition tables (`o`: the rows before, `n`: after) hold the rows it changed;
it sums them per rollup key (GROUP BY) and adds the sums in key order (the same lock order
for every writer, so concurrent writers do not deadlock on the rollups). An INSERT ... ON
CONFLICT DO UPDATE (a run or session written again with better figures) fires the INSERT
trigger for the rows it inserted and the UPDATE trigger for those it updated.

A run is `counted` when it has no parent or its parent is not in the ledger: a statement
that adds a run takes its children already there out of the counted runs, one that removes
a run puts them back. The runs triggers take a transaction-level advisory lock first, so
that a parent and its child written by two transactions at once see each other (the second
one's trigger waits for the first to commit, then reads the runs afresh).

Integer sums are `numeric` here (an overflowing product of a declared row's requests and
tokens must not refuse the write; SQLite turns such a product into a float).

Day hashes: a write marks its days (hash NULL) and holds a FOR KEY SHARE lock on their
`ledger_days` rows until it commits; a report that hashed a settled day (before yesterday)
stores the hash only for the days it could lock FOR UPDATE (SKIP LOCKED) before reading
their rows, so no hash is stored from rows that a writer in flight is changing, and a
writer that arrives later clears it. The hash is made by rollups.day_digest over a SQLite
copy of the day's rows, byte for byte a ledger file's.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any, Sequence

from . import rollups
from .rollups import SECONDS_PER_DAY, day_digest, day_of_sql, plausible_sql

_RUNS_LOCK = 0x6672756772  # pg_advisory_xact_lock key of the runs triggers: 'frugr'
# Integer columns of the facts read as numeric by the triggers (products of them overflow bigint).
_WIDE = ("requests", "input_tokens", "output_tokens", "reasoning_tokens")
_EVENTS = ("insert", "update", "delete")


def _rollups() -> dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str]]:
    """rollup table -> (facts table, keys, sums, count column), from rollups.py's lists."""
    return {
        "call_rollups": ("api_calls", rollups.CALL_KEYS, rollups.CALL_SUMS, "rows"),
        "run_rollups": ("runs", rollups.RUN_KEYS, rollups.RUN_SUMS, "runs"),
        "session_rollups": ("sessions", rollups.SESSION_KEYS, rollups.SESSION_SUMS, "sessions"),
    }


def _expr(template: str, r: str, counted: str = "0") -> str:
    return template.format(r=r, day=day_of_sql(r, "postgresql"), counted=counted)


def _counted_after(r: str) -> str:
    """rollups' `counted`, against the runs as the statement left them."""
    return (f"CASE WHEN {r}.parent_id IS NULL OR ({r}.parent_id <> {r}.id AND NOT EXISTS "
            f"(SELECT 1 FROM runs p WHERE p.id = {r}.parent_id)) THEN 1 ELSE 0 END")


def _wide(expr: str) -> str:
    """An API call's integer columns as numeric in a sum over the row alias `r`."""
    return re.sub(r"\br\.(" + "|".join(_WIDE) + r")\b", r"r.\1::numeric", expr)


def _select(table: str, source: str, sign: int, counted: str = "0", where: str = "") -> str:
    """The keys and signed sums for the rollup `table` of the rows `source` (a FROM clause
    naming them `r`)."""
    facts, keys, sums, _ = _rollups()[table]
    cols = [_expr(e, "r", counted) for _, e in keys]
    for _, e in sums:
        value = _wide(_expr(e, "r"))
        cols.append(value if sign > 0 else f"-({value})")
    conds = [plausible_sql("r")] if facts == "api_calls" else []
    conds += [where] if where else []
    return f"SELECT {', '.join(cols)} FROM {source}" + (f" WHERE {' AND '.join(conds)}" if conds else "")


def _apply(table: str, delta: str, ctes: str) -> str:
    """Add the signed rows `delta` to `table` per key, in key order, into `empty` the days of
    the keys it left empty."""
    _, keys, sums, count = _rollups()[table]
    k = ", ".join(n for n, _ in keys)
    s = [n for n, _ in sums]
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in s)
    return (f"WITH {ctes}d({k}, {', '.join(s)}) AS ({delta}),\n"
            f"    up AS (INSERT INTO {table} ({k}, {', '.join(s)}) "
            f"SELECT {k}, {', '.join(f'sum({c})' for c in s)} FROM d GROUP BY {k} ORDER BY {k}\n"
            f"      ON CONFLICT ({k}) DO UPDATE SET {update} RETURNING day, {count})\n"
            f"  SELECT array_agg(DISTINCT day) INTO empty FROM up WHERE {count} = 0;\n"
            f"  IF empty IS NOT NULL THEN DELETE FROM {table} WHERE {count} = 0 AND day = ANY(empty); END IF;")


def _mark_days(ctes: str) -> str:
    """Mark the days of the rows changed as changed since hashed, and hold them until commit
    (module docstring, "Day hashes")."""
    day = day_of_sql("x", "postgresql")
    return f"""
  SELECT array_agg(DISTINCT t.d ORDER BY t.d) INTO days
    FROM ({'WITH ' + ctes.rstrip(', ') + ' ' if ctes else ''}SELECT {day} AS d FROM n x UNION SELECT {day} FROM o x) AS t;
  IF days IS NOT NULL THEN
    INSERT INTO ledger_days (day, hash) SELECT d, NULL FROM unnest(days) AS d ORDER BY d ON CONFLICT (day) DO NOTHING;
    PERFORM 1 FROM ledger_days WHERE day = ANY(days) ORDER BY day FOR KEY SHARE;
    UPDATE ledger_days SET hash = NULL WHERE day = ANY(days) AND hash IS NOT NULL;
  END IF;"""


def _recount_runs(ctes: str) -> str:
    """The run rollups of the days a statement touched, summed again from the runs: the days of
    the runs it changed and of their children (whose `counted` follows their parent's
    presence). Recounting, not adding a difference, keeps them right whatever the order in
    which an INSERT ... ON CONFLICT DO UPDATE fires its UPDATE and INSERT triggers."""
    day = day_of_sql("x", "postgresql")
    _, keys, sums, _ = _rollups()["run_rollups"]
    k = ", ".join(n for n, _ in keys)
    s = ", ".join(n for n, _ in sums)
    rows = ("unnest(touched) AS t(d) JOIN runs AS r "
            f"ON r.start >= CAST(t.d * {SECONDS_PER_DAY} AS double precision) "
            f"AND r.start < CAST((t.d + 1) * {SECONDS_PER_DAY} AS double precision)")
    return f"""
  SELECT array_agg(DISTINCT t.d ORDER BY t.d) INTO touched
    FROM ({'WITH ' + ctes.rstrip(', ') + ' ' if ctes else ''}SELECT {day} AS d FROM n x UNION SELECT {day} FROM o x
          UNION SELECT {day} FROM runs x WHERE x.parent_id IN (SELECT id FROM n UNION SELECT id FROM o)) AS t;
  DELETE FROM run_rollups WHERE day = ANY(touched);
  INSERT INTO run_rollups ({k}, {s})
    SELECT {k}, {', '.join(f'sum({n})' for n, _ in sums)}
    FROM ({_select("run_rollups", rows, 1, _counted_after("r"))}) AS x({k}, {s}) GROUP BY {k} ORDER BY {k};"""


_ROLLUP_OF = {"api_calls": "call_rollups", "runs": "run_rollups", "sessions": "session_rollups"}


def _body(facts: str, event: str) -> str:
    """The PL/pgSQL body of the trigger of `event` on `facts`."""
    table = _ROLLUP_OF[facts]
    # The transition table the event lacks, as an empty one, so one text serves every event.
    missing = {"insert": "o", "delete": "n"}.get(event)
    ctes = f"{missing} AS (SELECT * FROM {facts} WHERE false), " if missing else ""
    out = ["DECLARE empty bigint[]; days bigint[]; touched bigint[];\nBEGIN",
           f"  IF NOT EXISTS (SELECT 1 FROM {'o' if event == 'delete' else 'n'}) THEN RETURN NULL; END IF;"]
    if facts == "runs":
        out.append(f"  PERFORM pg_advisory_xact_lock({_RUNS_LOCK});")
        out.append(_recount_runs(ctes))
    else:
        parts = [_select(table, "n AS r", 1), _select(table, "o AS r", -1)]
        out.append("  " + _apply(table, "\n      UNION ALL ".join(parts), ctes))
    if facts in ("api_calls", "runs"):
        out.append(_mark_days(ctes))
    out.append("  RETURN NULL;\nEND")
    return "\n".join(out)


def _function(facts: str, event: str) -> str:
    return f"frugal_ai_{facts}_rollup_{event}"


def trigger_statements() -> list[str]:
    """The functions and triggers (dropped and created again)."""
    out = []
    for facts in ("api_calls", "runs", "sessions"):
        for event in _EVENTS:
            fn = _function(facts, event)
            refs = {"insert": "NEW TABLE AS n", "update": "OLD TABLE AS o NEW TABLE AS n", "delete": "OLD TABLE AS o"}[event]
            out.append(f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $frugal$\n"
                       f"{_body(facts, event)}\n$frugal$")
            out.append(f"DROP TRIGGER IF EXISTS {fn} ON {facts}")
            out.append(f"CREATE TRIGGER {fn} AFTER {event.upper()} ON {facts} REFERENCING {refs} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()")
    return out


def _widen_sums(conn: Any) -> None:
    """The rollups' integer sums as numeric (the translated schema made them bigint)."""
    for table, (_, _, sums, _) in _rollups().items():
        bigint = {n for (n,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND data_type = 'bigint'", (table,)).fetchall()}
        for name in (n for n, _ in sums if n in bigint):
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE numeric")


def rebuild_statements() -> list[str]:
    """Every rollup and day mark from the rows (one GROUP BY per rollup)."""
    out = []
    for table, (facts, keys, sums, _) in _rollups().items():
        k = [n for n, _ in keys]
        s = [n for n, _ in sums]
        out.append(f"DELETE FROM {table}")
        select = _select(table, f"{facts} AS r", 1, _counted_after("r"))
        out.append(f"INSERT INTO {table} ({', '.join(k + s)}) SELECT {', '.join(k)}, "
                   f"{', '.join(f'sum({c})' for c in s)} FROM ({select}) AS d({', '.join(k + s)}) "
                   f"GROUP BY {', '.join(k)}")
    day = day_of_sql("f", "postgresql")
    out.append("DELETE FROM ledger_days")
    out.append(f"INSERT INTO ledger_days (day, hash) SELECT {day}, NULL FROM runs f "
               f"UNION SELECT {day}, NULL FROM api_calls f")
    return out


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the installed triggers and column types were made from (`meta.pg_rollups`)."""
    from .schema import SCHEMA_VERSION

    text = "\n".join([str(SCHEMA_VERSION), *trigger_statements(), *rebuild_statements()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def install(conn: Any) -> None:
    """Create the triggers and rebuild the rollups, in the caller's transaction."""
    _widen_sums(conn)
    for statement in trigger_statements():
        conn.execute(statement)
    rebuild(conn)
    conn.execute("INSERT INTO meta (key, value) VALUES ('pg_rollups', ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (fingerprint(),))


def rebuild(conn: Any) -> None:
    """Recompute the rollups from the rows, in the caller's transaction (locks out the writers'
    triggers on the rollups until it commits)."""
    conn.execute("LOCK TABLE call_rollups, run_rollups, session_rollups, ledger_days IN EXCLUSIVE MODE")
    for statement in rebuild_statements():
        conn.execute(statement)


# --- the day hashes -----------------------------------------------------------------------


def _day_ranges(days: Sequence[int]) -> tuple[str, list[object]]:
    """A condition on `start` selecting the rows of `days` (consecutive days as one range)."""
    spans: list[list[int]] = []
    for day in sorted(days):
        if spans and spans[-1][1] == day:
            spans[-1][1] = day + 1
        else:
            spans.append([day, day + 1])
    cond = " OR ".join("(start >= ? AND start < ?)" for _ in spans)
    return f"({cond})", [float(t * SECONDS_PER_DAY) for span in spans for t in span]


def _lock_for_caching(conn: Any, days: Sequence[int]) -> list[int]:
    """The days among `days` this connection may store a hash for: those still unhashed that
    no writer in flight holds, locked until the caller's transaction ends. None on a
    connection that may not write (a read-only role or server): the report goes on."""
    if not days:
        return []
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the caller's transaction usable
            return [d for (d,) in conn.execute(
                "SELECT day FROM ledger_days WHERE day = ANY(?) AND hash IS NULL ORDER BY day FOR UPDATE SKIP LOCKED",
                (list(days),))]
    except Exception:  # LedgerError (permission denied, read-only transaction) or the driver's own
        return []


def _store(conn: Any, digests: dict[int, str | None]) -> None:
    """Write the hashes of locked days back (a day left without rows is forgotten); best effort."""
    if not digests:
        return
    try:
        with conn.transaction():
            for day, digest in sorted(digests.items()):
                if digest is None:
                    conn.execute("DELETE FROM ledger_days WHERE day = ?", (day,))
                else:
                    conn.execute("UPDATE ledger_days SET hash = ? WHERE day = ?", (digest, day))
    except Exception:
        pass


def day_digests(conn: Any, days: Sequence[int], where: str, params: Sequence[object],
                cacheable: Sequence[int] = ()) -> dict[int, str | None]:
    """The SHA-256 (hex) of the rows `where` selects in each of `days` (None: none there),
    made by rollups.day_digest over a SQLite copy of those rows alone. The hashes of the
    `cacheable` days (whole, settled, unfiltered: the caller knows) are stored in
    `ledger_days` where this connection may write."""
    from .postgres import sqlite_copy

    if not days:
        return {}
    ranges, range_params = _day_ranges(days)
    with conn.transaction():
        locked = set(_lock_for_caching(conn, [d for d in cacheable if d < rollups.settled_day()]))
        with sqlite_copy(conn, f"({where}) AND {ranges}", [*params, *range_params]) as local:
            out = {}
            for day in days:
                found = day_digest(local, day)
                out[day] = found[0] if found else None
        _store(conn, {d: out[d] for d in locked})
    return out


def refresh_day_hashes(conn: Any) -> int:
    """Hash every settled day not hashed yet (`ledger rebuild-rollups`); returns how many."""
    days = [d for (d,) in conn.execute("SELECT day FROM ledger_days WHERE hash IS NULL AND day < ? ORDER BY day",
                                       (rollups.settled_day(),))]
    day_digests(conn, days, "1=1", (), cacheable=days)
    return len(days)
