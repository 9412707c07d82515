"""Every read of the ledger: the one module that holds the SQL a report, the gains, the advice,
`ledger export` and `ledger stats` run over a ledger file.

A read is given a `Selection` (a period [since, until) and an optional workload filter) and
answers with a few aggregated rows, never one Python object per ledger row. The sums come
from the rollups the ledger keeps per day (rollups.py): whole days of the period from them,
the part-days at its ends from the rows (the `start` index), so a report costs the number of
days and groups, not of rows. A filter on tags (`key=value`), which the rollups do not key,
reads the rows.

    run_groups(conn, sel)        measured runs summed per workload × month × zone × method
    call_groups(conn, sel)       API calls summed per workload × month × provider × region × model × local × kind
    run_span(conn, sel)          (runs selected, first start, last start)
    call_span(conn, sel)         (first start, last start) of the API calls summed
    unattributed_kwh(conn, sel)  energy the tracker measured outside every run (period only)
    machine_split(conn, sel)     the trackers' machine energy as runs + own time outside runs + others + idle
    content_hash(conn, sel)      SHA-256 of the selected rows, day by day, as `content_hash_text()` says
    workload_matches(conn, w)    does a name or tag `key=value` match anything at all?
    iter_records(conn, ...)      every record as a plain dict (`ledger export`)
    declared_calls(conn)         the rows `ledger declare` wrote, as the records they were written from
    rejected_counts(conn, sel)   records refused by the plausibility bounds, by reason
    ledger_stats(conn)           counts, span and totals (`ledger stats`, `doctor`)

This set is the reader side of a ledger backend (docs/architecture.md): another store
(PostgreSQL) provides the same functions over its own connection. The SQL is kept to what
SQLite and PostgreSQL share where that costs nothing; what is SQLite's own is marked.
It is about 650 lines because it is the whole reader seam in one place, on purpose: a
backend implements this one file's functions (the rollups' upkeep, triggers and day hashes,
is in rollups.py). Were it to grow, `iter_records`, `declared_calls` and `ledger_stats` (the
reads of `ledger export` and `ledger stats`) would move to their own module.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol, Sequence

from ..errors import InputError
from .overlap import SessionSplit, split_once
from .records import ApiCallRecord
from .bounds import MAX_TOKENS_PER_REQUEST, PLAUSIBLE_CALL_SQL as _PLAUSIBLE
from .rows import is_postgresql
from .rollups import SECONDS_PER_DAY, current as _rollups_current, day_digest, day_of_sql

NO_WORKLOAD = "(no workload)"
"""Workload name of API calls made outside any tracked run."""

DECLARED_SOURCE = "declared"
"""`api_calls.source` of the rows `frugal-ai ledger declare` writes (method 'declared')."""
DECLARED_SPEND_SOURCE = "declared-spend"
"""`api_calls.source` of a declared tool known by its spend alone (method 'declared', spend-based)."""
APPROXIMATED_SOURCE = "approximated"
"""`api_calls.source` of a captured call whose tokens were approximated from its characters
(the provider sent no usage: capture/approximate.py)."""
DECLARED_SOURCES = (DECLARED_SOURCE, DECLARED_SPEND_SOURCE)
_DECLARED_IN = "('" + "', '".join(DECLARED_SOURCES) + "')"
# The sources whose groups the inventory prices with a wider range (`basis` in call_groups):
# approximated tokens (`approximated`, or `approximated:<scripts>`: ledger/scripts.py) and spend.
_BASIS = (f"CASE WHEN source IN ('{APPROXIMATED_SOURCE}', '{DECLARED_SPEND_SOURCE}') "
          f"OR source LIKE '{APPROXIMATED_SOURCE}:%' THEN source ELSE '' END")

# Hosts that name the provider's region: (provider, host prefix, host suffix), the region
# between them. AWS Bedrock's regional endpoint (the capture records it whatever endpoint_url
# was) and Vertex AI's regional endpoints. Azure OpenAI hosts name the customer's resource,
# not its region, so Azure calls have none. Plain LIKE and substr: the same in PostgreSQL.
REGION_HOSTS: tuple[tuple[str, str, str], ...] = (
    ("aws", "bedrock-runtime.", ".amazonaws.com"),
    ("google", "", "-aiplatform.googleapis.com"),
)


def _region_sql(like: str = "LIKE") -> str:
    """The region an API call's host names (lower case), '' when it names none."""
    cases = " ".join(
        f"WHEN provider = '{p}' AND host {like} '{pre}%{suf}' AND length(host) > {len(pre) + len(suf)} "
        f"THEN lower(substr(host, {len(pre) + 1}, length(host) - {len(pre) + len(suf)}))"
        for p, pre, suf in REGION_HOSTS)
    return f"CASE {cases} ELSE '' END"


_REGION = _region_sql()
# 1 for a call of a kind counted in units that succeeded without them (a transcription reply
# as plain text: no duration, no tokens): the report counts it, it cannot price it.
_UNITLESS = ("(CASE WHEN kind IN ('image', 'transcription', 'speech') AND units = 0 AND input_tokens = 0 "
             "AND status <> 'failed' THEN 1 ELSE 0 END)")
IMPLAUSIBLE_REASON = f"a token count above {MAX_TOKENS_PER_REQUEST:,} per request (recorded before the bounds)"
# A call recorded with a duration, priced by the time-based cross-check too: a latency, and not
# failed (a timeout's wait is not serving time). `TIMED` is the condition, the other the requests
# it counts. (The rollups key it: `call_rollups.timed`, rollups.CALL_KEYS.)
TIMED = "latency_s IS NOT NULL AND latency_s > 0 AND status <> 'failed'"
_TIMED_REQUESTS = f"(CASE WHEN {TIMED} THEN requests ELSE 0 END)"


@dataclass(frozen=True)
class Dialect:
    """The few expressions SQLite and PostgreSQL spell differently; the rest of the SQL is shared.
    A connection names its own (`PgConnection.dialect`); a sqlite3 connection has none."""

    name: str
    month: str  # the month (UTC) a record started in, 'YYYY-MM'
    total: str  # a floating-point sum that is 0.0 over no rows, of `{}`
    tag: str  # the value of tag key ? (a parameter: `tag_param(key)`) in the row's tags
    like: str  # SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same
    table_exists: str  # one row when the table named ? exists
    text_order: str  # ordering text the way SQLite's BINARY collation does
    nulls_first: str
    day_month: str  # the month 'YYYY-MM' of the UTC day number `{}`
    by_start: str  # table `{}` read through its `start` index (SQLite's INDEXED BY; PostgreSQL's planner picks)
    join_in_order: str  # a join whose left side the planner keeps outermost (SQLite's CROSS JOIN)

    def tag_param(self, key: str) -> str:
        return json_path(key) if self.name == "sqlite" else key


SQLITE = Dialect("sqlite", month="strftime('%Y-%m', start, 'unixepoch')", total="total({})",
                 tag="json_extract(tags, ?)", like="LIKE",
                 table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", text_order="",
                 nulls_first="", day_month=f"strftime('%Y-%m', ({{}}) * {SECONDS_PER_DAY}, 'unixepoch')",
                 by_start="{0} INDEXED BY {0}_start", join_in_order="CROSS JOIN")
POSTGRESQL = Dialect("postgresql", month="to_char(to_timestamp(start) AT TIME ZONE 'UTC', 'YYYY-MM')",
                     total="coalesce(sum({})::double precision, 0.0)", tag="(tags::jsonb ->> ?)", like="ILIKE",
                     table_exists="SELECT 1 WHERE to_regclass(?) IS NOT NULL", text_order=' COLLATE "C"',
                     nulls_first=" NULLS FIRST",
                     day_month=f"to_char(to_timestamp(({{}}) * {SECONDS_PER_DAY}) AT TIME ZONE 'UTC', 'YYYY-MM')",
                     by_start="{0}", join_in_order="JOIN")


def dialect(conn: Any) -> Dialect:
    """The SQL dialect of a ledger connection (sqlite3, or the PostgreSQL backend's)."""
    return POSTGRESQL if is_postgresql(conn) else SQLITE


def _current(conn: Any, d: Dialect) -> None:
    """Before reading the rollups of a SQLite ledger: sum into them any rows another program
    wrote without doing so (rollups.current; PostgreSQL's triggers keep its own)."""
    if d is SQLITE:
        _rollups_current(conn)


def _table_exists(conn: Any, name: str) -> bool:
    return conn.execute(dialect(conn).table_exists, (name,)).fetchone() is not None


def _month(r: str, d: "Dialect") -> str:
    """The month (UTC) of row `r`'s day, 'YYYY-MM': a row's month is its day's, exactly as the
    rollups have it."""
    return d.day_month.format(day_of_sql(r, d.name))


class GroupRow(Protocol):
    """One aggregated row (`run_groups`, `call_groups`): its values by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class Selection:
    """Which ledger rows a read covers: those starting in [since_s, until_s) (UTC epoch
    seconds, None: unbounded) whose name is one of `workloads` or whose tags match one of
    its `key=value` items (empty: every row)."""

    since_s: float | None = None
    until_s: float | None = None
    workloads: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for item in self.workloads:
            if item.startswith("="):
                raise InputError(f"workload filter {item!r}: expected a name or key=value")

    @classmethod
    def of(cls, since_s: float | None = None, until_s: float | None = None,
           workloads: Sequence[str] | None = None) -> "Selection":
        return cls(since_s, until_s, tuple(workloads or ()))

    def sql(self, d: "Dialect | None" = None) -> tuple[str, list[object]]:
        """A WHERE condition (and its parameters) for the runs, api_calls and sessions tables alike."""
        clauses, params = _range("start", self.since_s, self.until_s)
        if self.workloads:
            alternatives: list[str] = []
            names = [w for w in self.workloads if "=" not in w]
            if names:
                alternatives.append(f"name IN ({', '.join('?' * len(names))})")
                params.extend(names)
            for item in self.workloads:
                if "=" in item:
                    clause, values = _workload_clause(item, d or SQLITE)
                    alternatives.append(clause)
                    params.extend(values)
            clauses.append("(" + " OR ".join(alternatives) + ")")
        return (" AND ".join(clauses) if clauses else "1=1"), params

    def period_only(self) -> "Selection":
        return Selection(self.since_s, self.until_s)

    @property
    def by_tag(self) -> bool:
        """Whether the filter names a tag (`key=value`): the rollups do not key tags."""
        return any("=" in w for w in self.workloads)

    def split(self) -> "Split":
        """The period as whole UTC days (read from the rollups) and the part-days at its ends
        (read from the rows)."""
        return Split.of(self.since_s, self.until_s)


def _range(column: str, lo: object | None, hi: object | None) -> tuple[list[str], list[object]]:
    """The conditions lo <= column < hi (a bound that is None: none) and their parameters."""
    clauses: list[str] = []
    params: list[object] = []
    if lo is not None:
        clauses.append(f"{column} >= ?")
        params.append(lo)
    if hi is not None:
        clauses.append(f"{column} < ?")
        params.append(hi)
    return clauses, params


def _floor_day(t: float) -> int:
    """The UTC day holding the instant t (exact: d * 86400 <= t < (d + 1) * 86400)."""
    d = int(t // SECONDS_PER_DAY)
    while d * SECONDS_PER_DAY > t:
        d -= 1
    while (d + 1) * SECONDS_PER_DAY <= t:
        d += 1
    return d


@dataclass(frozen=True)
class Split:
    """A period [since, until) as whole days [day_lo, day_hi) (None: unbounded) and the
    `edges`, the [lo, hi) ranges of seconds before and after them. `days` is False when the
    period covers no whole day: then the one edge is the whole period."""

    day_lo: int | None
    day_hi: int | None
    edges: tuple[tuple[float, float], ...]
    days: bool = True

    @classmethod
    def of(cls, since_s: float | None, until_s: float | None) -> "Split":
        lo = hi = None
        if since_s is not None:
            lo = _floor_day(since_s)
            if lo * SECONDS_PER_DAY < since_s:
                lo += 1
        if until_s is not None:
            hi = _floor_day(until_s)
        if lo is not None and hi is not None and lo >= hi:
            return cls(None, None, ((float(since_s), float(until_s)),) if since_s < until_s else (), False)  # type: ignore[arg-type, operator]
        edges = []
        if since_s is not None and lo is not None and lo * SECONDS_PER_DAY > since_s:
            edges.append((float(since_s), float(lo * SECONDS_PER_DAY)))
        if until_s is not None and hi is not None and hi * SECONDS_PER_DAY < until_s:
            edges.append((float(hi * SECONDS_PER_DAY), float(until_s)))
        return cls(lo, hi, tuple(edges))

    def day_sql(self) -> tuple[str, list[object]]:
        """The condition on a rollup's `day` for the whole days."""
        if not self.days:
            return "1=0", []
        clauses, params = _range("day", self.day_lo, self.day_hi)
        return (" AND ".join(clauses) or "1=1"), params


def _names(sel: Selection, column: str, named: str | None = None) -> tuple[str, list[object]]:
    """The workload-name filter of `sel` on a rollup (`named`: the column that says the
    workload is a run's name, for API calls outside any run)."""
    if not sel.workloads:
        return "1=1", []
    cond = f"{column} IN ({', '.join('?' * len(sel.workloads))})"
    return (f"{named} = 1 AND {cond}" if named else cond), list(sel.workloads)


def _edge_selections(sel: Selection) -> list[Selection]:
    """The part-days of `sel`'s period, each as a selection with `sel`'s filter."""
    return [Selection(lo, hi, sel.workloads) for lo, hi in sel.split().edges]


def json_path(key: str) -> str:
    """The JSON path of a tag key (quoted, so any key is one member): the one escaping of tag keys."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _workload_clause(item: str, d: Dialect) -> tuple[str, list[object]]:
    """The condition for one workload filter item: a name, or a tag `key=value`."""
    if "=" not in item:
        return "name = ?", [item]
    key, value = item.split("=", 1)
    return f"{d.tag} = ?", [d.tag_param(key), value]


# --- the inventory's reads ------------------------------------------------------------------


_RUN_SUMS = ("runs", "cpu_kwh", "gpu_kwh", "ram_kwh", "cpu_cov_kwh", "gpu_cov_kwh", "ram_cov_kwh", "extrapolated_runs")


def _run_row_sums(r: str) -> str:
    """The run sums of `_RUN_SUMS` over the rows `r` (in a GROUP BY)."""
    return (f"COUNT(*), SUM({r}.cpu_kwh), SUM({r}.gpu_kwh), SUM({r}.ram_kwh), SUM({r}.cpu_kwh * {r}.coverage), "
            f"SUM({r}.gpu_kwh * {r}.coverage), SUM({r}.ram_kwh * {r}.coverage), "
            f"SUM(CASE WHEN {r}.coverage < 1.0 THEN 1 ELSE 0 END)")


def _by_start(table: str, d: "Dialect") -> str:
    """`table` read through its `start` index (SQLite's INDEXED BY): a part-day's rows are few,
    a workload's may be millions, and SQLite's planner cannot tell which index selects fewer."""
    return d.by_start.format(table)


def _counted_rows(where: str, d: "Dialect") -> str:
    """The runs a total adds among those `where` selects: top-level, or orphans (a parent
    that never reached the ledger)."""
    return (f"SELECT * FROM {_by_start('runs', d)} WHERE ({where}) "
            "AND (parent_id IS NULL OR parent_id NOT IN (SELECT id FROM runs))")


def _first_match_rows(where: str, nested_only: bool, d: "Dialect") -> str:
    """The runs `where` selects that no selected ancestor contains (a workload-filtered total
    adds a matching run unless one of its ancestors matches too). `nested_only`: only the
    runs whose parent is in the ledger (the others come from the rollups). `where` appears
    twice: its parameters are given twice."""
    if nested_only:
        matched = f"SELECT id, parent_id FROM runs WHERE parent_id IS NOT NULL AND ({where}) AND parent_id IN (SELECT id FROM runs)"
    else:
        matched = f"SELECT id, parent_id FROM runs WHERE {where}"
    return f"""
        WITH RECURSIVE matched(id, parent_id) AS ({matched}),
        up(id, ancestor) AS (
            SELECT id, parent_id FROM matched WHERE parent_id IS NOT NULL
            UNION
            SELECT up.id, p.parent_id FROM up JOIN runs p ON p.id = up.ancestor WHERE p.parent_id IS NOT NULL
        )
        SELECT * FROM runs WHERE id IN (SELECT id FROM matched)
          AND id NOT IN (SELECT up.id FROM up {d.join_in_order} runs a ON a.id = up.ancestor WHERE {where})"""


def run_groups(conn: sqlite3.Connection, sel: Selection) -> list[sqlite3.Row]:
    """Counted runs summed per workload × month × zone × measurement.

    Energies are inclusive (a run contains the runs nested in it): unfiltered, root runs and
    orphans (a parent that never reached the ledger) are counted; with a workload filter, a
    matching run is counted unless one of its ancestors matches too. Keys: workload, month,
    zone, measurement, runs, cpu_kwh, gpu_kwh, ram_kwh, cpu_cov_kwh, gpu_cov_kwh, ram_cov_kwh
    (each energy × the run's coverage), extrapolated_runs.

    Whole days come from `run_rollups` (its `counted` runs), part-days from the rows; with a
    workload-name filter, the nested runs (whose counting depends on the filter) from the
    rows too, through the index of nested runs by name; with a tag filter, all from the rows.
    """
    d = dialect(conn)
    _current(conn, d)
    parts: list[tuple[str, list[object]]] = []
    rows_part = (f"SELECT name, {_month('c', d)}, coalesce(zone, ''), method, {_run_row_sums('c')} "
                 "FROM ({}) AS c GROUP BY 1, 2, 3, 4")
    if sel.by_tag:
        where, params = sel.sql(d)
        parts.append((rows_part.format(_first_match_rows(where, nested_only=False, d=d)), params * 2))
    else:
        days, day_params = sel.split().day_sql()
        names, name_params = _names(sel, "workload")
        parts.append((f"SELECT workload, {d.day_month.format('day')}, zone, method, "
                      f"{', '.join(f'SUM({c})' for c in _RUN_SUMS)} "
                      f"FROM run_rollups WHERE counted = 1 AND {days} AND {names} GROUP BY 1, 2, 3, 4",
                      [*day_params, *name_params]))
        for edge in _edge_selections(sel):
            where, params = edge.sql(d)
            parts.append((rows_part.format(_counted_rows(where, d)), params))
        if sel.workloads:
            where, params = sel.sql(d)
            parts.append((rows_part.format(_first_match_rows(where, nested_only=True, d=d)), params * 2))
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS p{i}" for i, (sql, _) in enumerate(parts))
    cols = ", ".join(f"SUM(s{i}) AS {c}" for i, c in enumerate(_RUN_SUMS))
    sql = (f"WITH u(workload, month, zone, measurement, {', '.join(f's{i}' for i in range(len(_RUN_SUMS)))}) AS "
           f"({union}) SELECT workload, month, NULLIF(zone, '') AS zone, measurement, {cols} FROM u "
           "GROUP BY workload, month, u.zone, measurement")
    if d is POSTGRESQL:  # SQLite's GROUP BY answers in key order: the same order here
        sql += f" ORDER BY workload{d.text_order}, month, u.zone{d.text_order}, measurement{d.text_order}"
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, [p for _, ps in parts for p in ps]).fetchall()
    finally:
        conn.row_factory = None


# The sums of a call group, beyond its key: (column, sum over rows `r`, sum over call_rollups).
_CALL_GROUP_SUMS: tuple[tuple[str, str, str], ...] = (
    ("rows", "1", "rows"),
    ("requests", "requests", "requests"),
    ("input_tokens", "requests * input_tokens", "input_tokens"),
    ("input_tokens_sq", "requests * input_tokens * input_tokens", "input_tokens_sq"),
    ("output_tokens", "requests * output_tokens", "output_tokens"),
    ("reasoning_tokens", "requests * reasoning_tokens", "reasoning_tokens"),
    ("demo", "requests * CASE WHEN source = 'demo' THEN 1 ELSE 0 END",
     "requests * CASE WHEN source = 'demo' THEN 1 ELSE 0 END"),
    ("failed", "requests * CASE WHEN status = 'failed' THEN 1 ELSE 0 END", "failed"),
    ("failed_tokenless", "requests * CASE WHEN status = 'failed' AND input_tokens + output_tokens + reasoning_tokens = 0 "
     "THEN 1 ELSE 0 END", "failed_tokenless"),
    ("units", "requests * units", "units"),
    ("timed_requests", _TIMED_REQUESTS, "requests * timed"),
    ("timed_input_tokens", f"{_TIMED_REQUESTS} * input_tokens", "input_tokens * timed"),
    ("timed_input_tokens_sq", f"{_TIMED_REQUESTS} * input_tokens * input_tokens", "input_tokens_sq * timed"),
    ("timed_output_tokens", f"{_TIMED_REQUESTS} * output_tokens", "output_tokens * timed"),
    ("timed_reasoning_tokens", f"{_TIMED_REQUESTS} * reasoning_tokens", "reasoning_tokens * timed"),
    ("latency_s", f"{_TIMED_REQUESTS} * coalesce(latency_s, 0.0)", "latency_s * timed"),
    ("unitless", f"requests * {_UNITLESS}", "unitless"),
)


def call_groups(conn: sqlite3.Connection, sel: Selection) -> list[sqlite3.Row]:
    """The API calls summed per workload × month × provider × region × model × local × basis ×
    kind (request kind, image size and quality).

    Only calls within the plausibility bounds are summed (`rejected_counts` counts the others).
    Keys: workload (NO_WORKLOAD outside any run), month, provider, region (the one its host
    names, `REGION_HOSTS`; '' for most), model, local, declared (1 for the rows `ledger declare`
    wrote: source 'declared' or 'declared-spend'), basis (the source of rows priced with a wider
    range: 'approximated', 'declared-spend'; '' for the others), kind (the request kind,
    ledger/kinds.py), image_size, image_quality; and the sums: rows (ledger rows), requests,
    input_tokens, input_tokens_sq (Σ input²), output_tokens, reasoning_tokens, demo, failed,
    failed_tokenless, units (Σ requests × units: images, audio seconds or characters); and for
    the time-based cross-check, the same sums over the requests recorded with a duration
    (`TIMED`: a latency, and not failed, since a timeout's wait is not serving time):
    timed_requests, timed_input_tokens, timed_input_tokens_sq, timed_output_tokens,
    timed_reasoning_tokens, and latency_s (Σ requests × latency_s).

    A row stands for `requests` identical requests (its token counts are per request), so it
    adds `requests` to the requests, `requests × tokens` to each token sum and `requests ×
    input²` to Σ input²: a month loaded as one row of N requests sums exactly as N rows.

    Whole days come from `call_rollups`, part-days (and everything, under a tag filter) from
    the rows. In SQLite not a GROUP BY: an upsert into a temporary table keyed by the group
    adds each row to one of a few hundred totals without sorting them. PostgreSQL (hash
    aggregation) runs one GROUP BY over the same SELECTs. Same sums (integers).
    """
    d = dialect(conn)
    _current(conn, d)
    region = _REGION if d is SQLITE else _region_sql(d.like)
    declared = f"CASE WHEN source IN {_DECLARED_IN} THEN 1 ELSE 0 END"
    # What each source adds: (SELECT of the keys and sums, parameters).
    parts: list[tuple[str, list[object]]] = []

    def from_rows(s: Selection, table: str = "api_calls") -> None:
        where, params = s.sql(d)
        parts.append((f"""
            SELECT coalesce(name, ?), {_month(table.split()[0], d)}, provider, {region}, model, local, {declared},
                   {_BASIS}, kind, image_size, image_quality, {', '.join(e for _, e, _ in _CALL_GROUP_SUMS)}
            FROM {table} WHERE ({where}) AND {_PLAUSIBLE}""", [NO_WORKLOAD, *params]))

    if sel.by_tag:
        from_rows(sel)
    else:
        days, day_params = sel.split().day_sql()
        named, name_params = _names(sel, "workload", named="named")
        parts.append((f"""
            SELECT CASE WHEN named = 1 THEN workload ELSE ? END, {d.day_month.format('day')}, provider, {region},
                   model, local, {declared}, {_BASIS}, kind, image_size, image_quality,
                   {', '.join(e for _, _, e in _CALL_GROUP_SUMS)}
            FROM call_rollups WHERE {days} AND {named}""", [NO_WORKLOAD, *day_params, *name_params]))
        for edge in _edge_selections(sel):
            from_rows(edge, _by_start("api_calls", d))
    names = [c for c, _, _ in _CALL_GROUP_SUMS]
    if d is POSTGRESQL:  # hash aggregation: one GROUP BY, in the key order of SQLite's table
        keys = (*_CALL_KEYS, *_CALL_KINDS)
        order = ", ".join(f"{k}{d.text_order}" if k not in ("local", "declared") else k for k in keys)
        union = " UNION ALL ".join(sql for sql, _ in parts)
        return conn.execute(
            f"SELECT {', '.join(keys)}, {', '.join(f'sum({c}) AS {c}' for c in names)} "
            f"FROM ({union}) AS u({', '.join((*keys, *names))}) GROUP BY {', '.join(keys)} ORDER BY {order}",
            [p for _, ps in parts for p in ps]).fetchall()
    conn.execute("DROP TABLE IF EXISTS temp.frugal_ai_call_groups")
    conn.execute(f"""
        CREATE TEMP TABLE frugal_ai_call_groups (
            workload TEXT NOT NULL, month TEXT NOT NULL, provider TEXT NOT NULL, region TEXT NOT NULL,
            model TEXT NOT NULL, local INTEGER NOT NULL, declared INTEGER NOT NULL, basis TEXT NOT NULL,
            kind TEXT NOT NULL, image_size TEXT NOT NULL, image_quality TEXT NOT NULL,
            {', '.join(f'{c} {"REAL" if c in ("latency_s", "units") else "INTEGER"}' for c in names)},
            PRIMARY KEY (workload, month, provider, region, model, local, declared, basis, kind, image_size,
                         image_quality))
            WITHOUT ROWID""")
    upsert = "ON CONFLICT DO UPDATE SET " + ", ".join(f"{c} = {c} + excluded.{c}" for c in names)
    try:
        for sql, params in parts:
            conn.execute(f"INSERT INTO temp.frugal_ai_call_groups {sql} {upsert}", params)
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM temp.frugal_ai_call_groups").fetchall()
    finally:
        conn.row_factory = None
        conn.execute("DROP TABLE IF EXISTS temp.frugal_ai_call_groups")


def _span(conn: sqlite3.Connection, sel: Selection, table: str, rollup: str, rollup_cond: str,
          rows_cond: str) -> tuple[float | None, float | None]:
    """(first start, last start) of the rows of `table` that `sel` selects (and `rows_cond`):
    the first and last day that holds any, from the rollup (`rollup_cond` on it), then the
    rows of those days alone (the `start` index); the part-days from the rows."""
    d = dialect(conn)
    _current(conn, d)
    where, params = sel.sql(d)
    if sel.by_tag:
        return conn.execute(f"SELECT MIN(start), MAX(start) FROM {table} WHERE ({where}) AND {rows_cond}",
                            params).fetchone()
    ranges: list[tuple[float, float]] = list(sel.split().edges)
    days, day_params = sel.split().day_sql()
    names, name_params = _names(sel, "workload", named="named" if rollup == "call_rollups" else None)
    lo, hi = conn.execute(f"SELECT MIN(day), MAX(day) FROM {rollup} WHERE {days} AND {names} AND {rollup_cond}",
                          [*day_params, *name_params]).fetchone()
    if lo is not None:
        ranges += [(lo * SECONDS_PER_DAY, (lo + 1) * SECONDS_PER_DAY), (hi * SECONDS_PER_DAY, (hi + 1) * SECONDS_PER_DAY)]
    starts: list[float] = []
    for a, b in ranges:
        first, last = conn.execute(f"SELECT MIN(start), MAX(start) FROM {_by_start(table, d)} WHERE start >= ? AND start < ? "
                                   f"AND ({where}) AND {rows_cond}", [a, b, *params]).fetchone()
        starts += [t for t in (first, last) if t is not None]
    return (min(starts), max(starts)) if starts else (None, None)


_CALL_KEYS = ("workload", "month", "provider", "region", "model", "local", "declared", "basis")
_CALL_SUMS = ("rows", "requests", "input_tokens", "input_tokens_sq", "output_tokens", "reasoning_tokens", "demo",
              "failed", "failed_tokenless")
_CALL_KINDS = ("kind", "image_size", "image_quality")
# The sums after the kind keys, in the temporary table's order (SQLite's rows and PostgreSQL's alike).
_CALL_TAIL_SUMS = ("units", "timed_requests", "timed_input_tokens", "timed_input_tokens_sq", "timed_output_tokens",
                   "timed_reasoning_tokens", "latency_s", "unitless")


def run_span(conn: sqlite3.Connection, sel: Selection) -> tuple[int, float | None, float | None]:
    """(number of selected runs, earliest start, latest start)."""
    d = dialect(conn)
    _current(conn, d)
    if sel.by_tag:
        where, params = sel.sql(d)
        n = conn.execute(f"SELECT COUNT(*) FROM runs WHERE {where}", params).fetchone()[0]
    else:
        days, day_params = sel.split().day_sql()
        names, name_params = _names(sel, "workload")
        n = conn.execute(f"SELECT {d.total.format('runs')} FROM run_rollups WHERE {days} AND {names}",
                         [*day_params, *name_params]).fetchone()[0]
        for edge in _edge_selections(sel):
            where, params = edge.sql(d)
            n += conn.execute(f"SELECT COUNT(*) FROM {_by_start('runs', d)} WHERE {where}", params).fetchone()[0]
    first, last = _span(conn, sel, "runs", "run_rollups", "1=1", "1=1")
    return int(n), first, last


def call_span(conn: sqlite3.Connection, sel: Selection) -> tuple[float | None, float | None]:
    """(earliest start, latest start) of the selected API calls within the plausibility bounds."""
    return _span(conn, sel, "api_calls", "call_rollups", "1=1", _PLAUSIBLE)


def unattributed_kwh(conn: sqlite3.Connection, sel: Selection) -> float:
    """Energy the tracker measured while no run was active, in the selection's period (table
    `sessions`; a session belongs to no workload, so the workload filter does not apply):
    whole days from `session_rollups`, part-days from the rows."""
    d = dialect(conn)
    _current(conn, d)
    total = d.total.format("unattributed_cpu_kwh + unattributed_gpu_kwh + unattributed_ram_kwh")
    period = sel.period_only()
    days, day_params = period.split().day_sql()
    (value,) = conn.execute(f"SELECT {total} FROM session_rollups WHERE {days}", day_params).fetchone()
    for edge in _edge_selections(period):
        where, params = edge.sql(d)
        (part,) = conn.execute(f"SELECT {total} FROM sessions WHERE {where}", params).fetchone()
        value += part
    return float(value or 0.0)


_SUM3 = "{0}_cpu_kwh + {0}_gpu_kwh + {0}_ram_kwh"


def machine_split(conn: sqlite3.Connection, sel: Selection) -> dict[str, float] | None:
    """The machine energy the trackers measured in the selection's period, split (kWh):
    `runs_kwh` (charged to runs), `process_outside_runs_kwh` (the tracked processes' own
    time outside every run), `others_kwh` (other processes), `idle_kwh`; they add up to
    `machine_kwh`. Only sessions that recorded the split (`share_method` set); None if none
    did. `sessions` counts them. Sessions of one host that ran at once (web workers, jobs
    side by side) count the machine once (overlap.py); `overlap_kwh` is what their sum
    counted more than once."""
    d = dialect(conn)
    where, params = sel.period_only().sql(d)
    try:
        rows = conn.execute(
            f"SELECT host, start, \"end\", cpu_kwh + gpu_kwh + ram_kwh, {_SUM3.format('unattributed')}, "
            f"{_SUM3.format('others')}, {_SUM3.format('idle')} FROM sessions WHERE share_method != '' AND {where}",
            params).fetchall()
    except sqlite3.OperationalError:  # a ledger from before the split (no such column or table)
        return None
    split = split_once(SessionSplit(str(host), float(start), float(end), float(m), float(u), float(o), float(i))
                       for host, start, end, m, u, o, i in rows)
    if split is not None:
        split.pop("clusters")
    return split


def rejected_counts(conn: sqlite3.Connection, sel: Selection) -> dict[str, int]:
    """Records refused by the plausibility bounds in the selection's period, by reason: the
    `rejected` table, and API calls outside the bounds that a ledger holds from before them.
    Never summed with the facts; the report's data quality shows them."""
    where, params = sel.period_only().sql(dialect(conn))
    counts: dict[str, int] = {}
    if _table_exists(conn, "rejected"):
        for reason, n in conn.execute(f"SELECT reason, COUNT(*) FROM rejected WHERE {where} GROUP BY reason", params):
            counts[_reason_kind(reason)] = counts.get(_reason_kind(reason), 0) + n
    # The partial index schema.OPTIONAL_TABLES creates holds exactly these rows (none, mostly):
    # no scan of the calls. The condition must read as the index's does for SQLite to use it.
    (n,) = conn.execute(f"SELECT COUNT(*) FROM api_calls WHERE NOT ({_PLAUSIBLE}) AND ({where})", params).fetchone()
    if n:
        counts[IMPLAUSIBLE_REASON] = counts.get(IMPLAUSIBLE_REASON, 0) + n
    return dict(sorted(counts.items()))


def _reason_kind(reason: str) -> str:
    """A rejection reason without the offending value ('input_tokens above 10,000,000 per
    request (1e+19)' -> 'input_tokens above 10,000,000 per request'), so that equal reasons add up."""
    head, sep, _ = reason.rpartition(" (")
    return head if sep and reason.endswith(")") else reason


def probe_facts(conn: sqlite3.Connection) -> None:
    """Read the first and last row of each table of facts (their B-trees' root and end pages):
    a report reads the rollups, not every row, so this is its cheap check that the rows are
    still readable. Damage deeper in the rows goes unseen here; `ledger stats`, `doctor` and
    `gains check` check the whole file (ledger/health.py). Raises sqlite3.DatabaseError."""
    for table in ("runs", "api_calls", "sessions"):
        for order in ("ASC", "DESC"):
            conn.execute(f"SELECT * FROM {table} ORDER BY rowid {order} LIMIT 1").fetchone()


def workload_matches(conn: sqlite3.Connection, workload: str) -> bool:
    """Whether a workload name (or tag `key=value`) matches any run or API call, in any period."""
    clause, params = _workload_clause(workload, dialect(conn))
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE {clause} LIMIT 1", params).fetchone() is not None
        for table in ("runs", "api_calls")
    )


# --- the content hash ---------------------------------------------------------------------


def content_hash_text() -> str:
    """How the content hash is made, in words, for the report's methodology section."""
    return (
        "SHA-256 over one line per UTC day holding selected ledger rows, in day order: the day "
        "(YYYY-MM-DD), '|', and the SHA-256 (hex) of that day's selected rows, one UTF-8 line "
        "each, runs first then API calls, each in storage order (rowid); fields joined by '|' in "
        "schema order up to the host, floats with 17 significant digits, NULL as an empty field; "
        "an API call standing for more than one request ends with '|' and its request count; one "
        "that is not a plain chat call then ends with '|' and its request kind, units, image size "
        "and image quality; lines end with a newline."
    )


def content_hash(conn: sqlite3.Connection, sel: Selection, progress: Callable[[float], None] | None = None) -> str:
    """SHA-256 of the runs and API calls `sel` selects, day by day (see `content_hash_text`).

    The hash of a whole day is kept in `ledger_days` (the writers hash a day once it is
    settled, and a write to it clears it: rollups.py), so an unfiltered report rehashes only
    the days not hashed yet (today's, yesterday's) and the part-days at its ends. A workload
    filter hashes its selected rows day by day. Storage order within a day, not id order: the
    order of a ledger file's rows is part of that file (a copy hashes the same). A PostgreSQL
    ledger hashes the days it lacks from a SQLite copy of their rows, and keeps the settled
    ones' hashes where it may write (pg_rollups.day_digests).
    """
    d = dialect(conn)
    conn.row_factory = None
    _current(conn, d)
    split = sel.split()
    cond, params = [], []
    if sel.since_s is not None:
        cond.append("day >= ?")
        params.append(_floor_day(sel.since_s))
    if sel.until_s is not None:
        cond.append("day <= ?")
        params.append(_floor_day(sel.until_s))
    days = conn.execute(f"SELECT day, hash FROM ledger_days WHERE {' AND '.join(cond) or '1=1'} ORDER BY day",
                        params).fetchall()
    where, where_params = sel.sql(d)

    def whole(day: int) -> bool:  # a whole day of the period, unfiltered: its cached hash is the one
        return (not sel.workloads and split.days and (split.day_lo is None or day >= split.day_lo)
                and (split.day_hi is None or day < split.day_hi))

    if d is POSTGRESQL:  # the lines are SQLite's printf: the days to hash, from a SQLite copy of their rows
        from .pg_rollups import day_digests

        todo = [day for day, cached in days if cached is None or not whole(day)]
        computed = day_digests(conn, todo, where, where_params, cacheable=[day for day in todo if whole(day)])
        digest_of: Callable[[int], str | None] = computed.__getitem__
    else:
        def digest_of(day: int) -> str | None:
            found = day_digest(conn, day, where, where_params)
            return found[0] if found else None

    h = hashlib.sha256()
    for i, (day, cached) in enumerate(days):
        digest = cached if cached is not None and whole(day) else digest_of(day)
        if digest is not None:
            h.update(f"{datetime.fromtimestamp(day * SECONDS_PER_DAY, tz=timezone.utc):%Y-%m-%d}|{digest}\n".encode())
        if progress is not None:
            progress((i + 1) / len(days))
    return "sha256:" + h.hexdigest()


# --- export and stats ----------------------------------------------------------------------


def iso_utc(t: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC, e.g. 2026-07-01T12:00:00.123456Z."""
    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def iter_records(conn: sqlite3.Connection, since_s: float | None = None, until_s: float | None = None) -> Iterator[dict[str, Any]]:
    """Runs then API calls whose start lies in [since_s, until_s), oldest first within each kind,
    as the plain dicts `ledger export` writes (keys: export.FIELDS)."""
    where, params = Selection(since_s, until_s).sql(dialect(conn))
    conn.row_factory = sqlite3.Row
    try:
        runs = conn.execute(f'SELECT * FROM runs WHERE {where} ORDER BY start, id', params)
        for r in runs:
            yield {
                "kind": "run", "id": r["id"], "run_id": None, "parent_id": r["parent_id"], "name": r["name"],
                "project": r["project"], "tags": _tags(r["tags"]), "start": iso_utc(r["start"]),
                "end": iso_utc(r["end"]), "status": r["status"],
                "energy_kwh": r["cpu_kwh"] + r["gpu_kwh"] + r["ram_kwh"], "cpu_kwh": r["cpu_kwh"],
                "gpu_kwh": r["gpu_kwh"], "ram_kwh": r["ram_kwh"], "method": r["method"], "coverage": r["coverage"],
                "zone": r["zone"], "provider": None, "model": None, "input_tokens": None, "output_tokens": None,
                "reasoning_tokens": None, "latency_s": None, "host": r["host"], "requests": None, "source": None,
                "request_kind": None, "units": None, "image_size": None, "image_quality": None,
            }
        calls = conn.execute(f'SELECT * FROM api_calls WHERE {where} ORDER BY start, id', params)
        for c in calls:
            yield {
                "kind": "api_call", "id": c["id"], "run_id": c["run_id"], "parent_id": None, "name": c["name"],
                "project": c["project"], "tags": _tags(c["tags"]), "start": iso_utc(c["start"]),
                "end": iso_utc(c["end"]), "status": c["status"], "energy_kwh": None, "cpu_kwh": None,
                "gpu_kwh": None, "ram_kwh": None, "method": None, "coverage": None, "zone": None,
                "provider": c["provider"], "model": c["model"], "input_tokens": c["input_tokens"],
                "output_tokens": c["output_tokens"], "reasoning_tokens": c["reasoning_tokens"],
                "latency_s": c["latency_s"], "host": c["host"], "requests": c["requests"], "source": c["source"],
                "request_kind": c["kind"], "units": c["units"], "image_size": c["image_size"],
                "image_quality": c["image_quality"],
            }
    except sqlite3.DatabaseError as e:
        raise corrupt_ledger(conn, e) from None
    finally:
        conn.row_factory = None


def declared_calls(conn: sqlite3.Connection) -> list[ApiCallRecord]:
    """The API-call rows `frugal-ai ledger declare` wrote (source 'declared' or 'declared-spend'),
    as records, so that a new declaration can be compared with them field by field."""
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(f"SELECT * FROM api_calls WHERE source IN {_DECLARED_IN} ORDER BY start, id").fetchall()
    except sqlite3.DatabaseError as e:
        raise corrupt_ledger(conn, e) from None
    finally:
        conn.row_factory = None
    return [ApiCallRecord(id=r["id"], provider=r["provider"], model=r["model"], start=r["start"], end=r["end"],
                          input_tokens=r["input_tokens"], output_tokens=r["output_tokens"],
                          reasoning_tokens=r["reasoning_tokens"], requests=r["requests"], status=r["status"],
                          name=r["name"], project=r["project"], tags=_tags(r["tags"]), source=r["source"],
                          request_kind=r["kind"], units=r["units"], image_size=r["image_size"],
                          image_quality=r["image_quality"])
            for r in rows]


def _tags(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def ledger_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Row counts, time span and measured totals of a ledger."""
    total = dialect(conn).total.format
    try:
        one = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
        runs, roots, failed, first_run, last_run = one(
            "SELECT count(*), sum(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), min(start), max(\"end\") FROM runs")
        energy = one("SELECT sum(cpu_kwh), sum(gpu_kwh), sum(ram_kwh) FROM runs WHERE parent_id IS NULL")
        unavailable = one("SELECT count(*) FROM runs WHERE method = 'unavailable'")[0]
        calls, call_rows, first_call, last_call = one(
            f"SELECT {total('requests')}, count(*), min(start), max(\"end\") FROM api_calls")
        # TOTAL, not SUM: a floating-point sum that cannot overflow, whatever a row holds;
        # calls outside the plausibility bounds are counted as rejected, not summed.
        tokens = one(f"SELECT {total('requests * input_tokens')}, {total('requests * output_tokens')}, "
                     f"{total('requests * reasoning_tokens')} "
                     f"FROM api_calls WHERE {_PLAUSIBLE}")
        rejected = sum(rejected_counts(conn, Selection()).values())
        sessions, measured, unattributed = one(
            "SELECT count(*), sum(cpu_kwh + gpu_kwh + ram_kwh), "
            "sum(unattributed_cpu_kwh + unattributed_gpu_kwh + unattributed_ram_kwh) FROM sessions")
        version = one("SELECT value FROM meta WHERE key = 'schema_version'")
        split = machine_split(conn, Selection())
    except sqlite3.DatabaseError as e:
        raise corrupt_ledger(conn, e) from None
    starts = [t for t in (first_run, first_call) if t is not None]
    ends = [t for t in (last_run, last_call) if t is not None]
    return {
        "schema_version": int(version[0]) if version else None,
        "runs": runs or 0, "root_runs": roots or 0, "failed_runs": failed or 0, "unmeasured_runs": unavailable or 0,
        "api_calls": int(calls or 0), "api_call_rows": call_rows or 0, "sessions": sessions or 0,
        "first": iso_utc(min(starts)) if starts else None, "last": iso_utc(max(ends)) if ends else None,
        "measured_cpu_kwh": energy[0] or 0.0, "measured_gpu_kwh": energy[1] or 0.0, "measured_ram_kwh": energy[2] or 0.0,
        "tracker_total_kwh": measured or 0.0, "unattributed_kwh": unattributed or 0.0,
        "input_tokens": int(tokens[0]), "output_tokens": int(tokens[1]), "reasoning_tokens": int(tokens[2]),
        "rejected_records": rejected,
        # The split of the sessions that recorded it (machine_split); null when none did.
        "machine_split": split,
    }


def ledger_file(conn: sqlite3.Connection) -> str | None:
    """The file a connection reads (None for an in-memory ledger; a PostgreSQL ledger's URL, without its password)."""
    if dialect(conn) is POSTGRESQL:
        return str(conn.url)
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
