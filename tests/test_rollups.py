"""Rollups (ledger/rollups.py): caught up once per write transaction from the rows above the
marks and kept by triggers on updates and deletes, equal to a rebuild from the rows, and the
readers (ledger/query.py) equal to sums computed here in Python from the rows themselves, for
random ledgers written in several transactions with nested runs written out of order (a parent
in its children's batch or a later one), runs and calls written again, deleted rows (the last
one too, its rowid then reused), rows another program wrote without catching up (read where
the file can be written and where it cannot), rows outside the plausibility bounds, periods
that cut days, and a schema-6 ledger migrated."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import sqlite3
from collections import defaultdict
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from frugal_ai.cli import main
from frugal_ai.ledger import connect
from frugal_ai.ledger.query import (
    DECLARED_SOURCE,
    NO_WORKLOAD,
    REGION_HOSTS,
    Selection,
    call_groups,
    call_span,
    content_hash,
    run_groups,
    run_span,
    unattributed_kwh,
)
from frugal_ai.ledger.records import ApiCallRecord, RunRecord, SessionRecord
from frugal_ai.ledger import rollups
from frugal_ai.ledger.rollups import rebuild, refresh_day_hashes
from frugal_ai.ledger.rows import delete_and_insert, insert_records

DAY = 86_400
BASE = 1_782_864_000.0  # 2026-07-01 00:00 UTC
NAMES = ["chat", "ocr", "train", None]


def _day(t: float) -> int:
    return math.floor(Fraction(t) / DAY)  # exact, whatever the float


def _month(t: float) -> str:
    return datetime.fromtimestamp(_day(t) * DAY, tz=timezone.utc).strftime("%Y-%m")


def _start(rng: random.Random) -> float:
    """A start within four days, often right at or just before a midnight."""
    day = BASE + rng.randrange(4) * DAY
    kind = rng.random()
    if kind < 0.15:
        return day
    if kind < 0.3:
        return math.nextafter(day, 0.0)  # the last instant of the day before
    return day + rng.random() * DAY


def _call(rng: random.Random, i: int) -> ApiCallRecord:
    t = _start(rng)
    provider, host = rng.choice([("openai", "api.openai.com"), ("aws", "bedrock-runtime.eu-west-3.amazonaws.com"),
                                 ("google", "europe-west1-aiplatform.googleapis.com"), ("ollama", "localhost")])
    status = rng.choice(["ok", "ok", "failed"])
    tokens = (0, 0, 0) if status == "failed" and rng.random() < 0.5 else (
        rng.randrange(5000), rng.randrange(900), rng.choice([0, 0, rng.randrange(400)]))
    image = rng.random() < 0.15
    return ApiCallRecord(id=f"c{i}", request_kind="image" if image else "chat",
                         units=float(rng.randrange(0, 5)) if image else 0.0,
                         image_size="1024x1024" if image else "", provider=provider, model=rng.choice(["gpt-4o-mini", "claude-sonnet-4"]),
                         start=t, end=t + 1, input_tokens=tokens[0], output_tokens=tokens[1],
                         reasoning_tokens=tokens[2], latency_s=rng.choice([None, 0.5 + rng.random()]), status=status,
                         name=rng.choice(NAMES), tags={"team": rng.choice("ab")}, host=host,
                         local=provider == "ollama", requests=rng.choice([1, 1, 1, 7]),
                         source=rng.choice(["capture", "manual", DECLARED_SOURCE, "demo", "declared-spend", "approximated"]))


def _runs(rng: random.Random, n: int) -> list[RunRecord]:
    """Runs, some nested (up to three deep), in the order they end: children first."""
    runs: list[RunRecord] = []
    for i in range(n):
        parent = rng.choice([None, None, *[r.id for r in runs[-4:]], "never-written"])
        t = _start(rng)
        runs.append(RunRecord(id=f"r{i}", parent_id=parent, name=rng.choice(NAMES[:3]), start=t, end=t + 5,
                              zone=rng.choice(["FR", None]), method=rng.choice(["rapl", "tdp_fallback"]),
                              cpu_kwh=rng.random() * 1e-3, gpu_kwh=rng.random() * 1e-3 * rng.randrange(2),
                              ram_kwh=rng.random() * 1e-4, coverage=rng.choice([1.0, 1.0, 0.5, 0.0]),
                              tags={"team": rng.choice("ab")}, host=rng.choice(["h1", "h2"])))
    rng.shuffle(runs)  # a parent may reach the ledger before or after its children
    return runs


def _cuts(rng: random.Random, items: list[Any], parts: int) -> list[list[Any]]:
    """`items` in `parts` consecutive slices of random sizes (some empty)."""
    cuts = sorted(rng.randrange(len(items) + 1) for _ in range(parts - 1))
    return [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)])]


def _build(path: Path, seed: int) -> sqlite3.Connection:
    """A ledger written in several transactions, then changed every way the writers change one."""
    rng = random.Random(seed)
    conn = connect(path, readonly=False)
    runs = _runs(rng, rng.randrange(1, 25))
    calls = [_call(rng, i) for i in range(rng.randrange(1, 80))]
    # Several transactions: a parent may arrive in its child's batch, or in a later one.
    parts = rng.randrange(1, 5)
    for some_runs, some_calls in zip(_cuts(rng, runs, parts), _cuts(rng, calls, parts)):
        batch: list[Any] = [*some_runs, *some_calls]
        if some_runs and rng.random() < 0.5:
            # The same run twice in one batch: the second an upsert of a row not rolled up yet.
            again = some_runs[0]
            batch.append(dataclasses.replace(again, cpu_kwh=again.cpu_kwh + 1e-3, coverage=0.5,
                                             name=rng.choice(NAMES[:3]), start=_start(rng)))
        rng.shuffle(batch)
        insert_records(conn, batch)
    sessions = [SessionRecord(id=f"s{i}", start=_start(rng), end=BASE + 9 * DAY, zone="FR", method="rapl",
                              cpu_kwh=0.01, unattributed_cpu_kwh=rng.random() * 1e-3, unattributed_ram_kwh=1e-5)
                for i in range(rng.randrange(4))]
    insert_records(conn, sessions)
    # Runs written again with better figures, sessions too (upserts: UPDATE triggers), in the
    # same transaction as new runs (a parent of some, a child of others).
    for r in rng.sample(runs, k=min(3, len(runs))):
        r.cpu_kwh *= 2
        r.coverage = 1.0
    late = [RunRecord(id=f"late{i}", parent_id=rng.choice([None, *[r.id for r in runs]]), name=rng.choice(NAMES[:3]),
                      start=_start(rng), end=BASE + 9 * DAY, method="rapl", cpu_kwh=rng.random() * 1e-3)
            for i in range(rng.randrange(3))]
    if rng.random() < 0.5:  # the parent of orphans, arriving as they are written again
        late.append(RunRecord(id="never-written", name="train", start=_start(rng), end=BASE + 9 * DAY, method="rapl",
                              cpu_kwh=0.5))
    again = [*runs, *late]
    rng.shuffle(again)  # a parent may be written before its children are written again
    insert_records(conn, [*again, *[SessionRecord(id=s.id, start=s.start, end=s.end, unattributed_gpu_kwh=1e-4)
                                    for s in sessions[:1]]])
    # `ledger import` replacing rows it wrote before, with other figures and another day.
    replaced = rng.sample(calls, k=min(5, len(calls)))
    for c in replaced:
        c.input_tokens, c.start, c.name = c.input_tokens + 11, _start(rng), rng.choice(NAMES)
    insert_records(conn, replaced, replace_calls=True)
    # `ledger declare` replacing its rows: some deleted, new ones written.
    gone = [c.id for c in rng.sample(calls, k=min(4, len(calls)))]
    delete_and_insert(conn, gone, [_call(rng, 1000 + i) for i in range(3)])
    # The last row deleted, then new rows written: SQLite gives the first of them the deleted
    # row's rowid again.
    (top,) = conn.execute("SELECT id FROM api_calls ORDER BY rowid DESC LIMIT 1").fetchone()
    delete_and_insert(conn, [top], [_call(rng, 2000 + i) for i in range(rng.randrange(1, 3))])
    conn.execute("DELETE FROM runs WHERE rowid = (SELECT max(rowid) FROM runs)")
    conn.execute("DELETE FROM sessions WHERE rowid = (SELECT max(rowid) FROM sessions)")
    after_top = _runs(rng, 2)
    for i, r in enumerate(after_top):
        r.id = f"after-top{i}"
    insert_records(conn, [*after_top, *[SessionRecord(id=f"s{10 + i}", start=_start(rng), end=BASE + 9 * DAY,
                                                          method="rapl", unattributed_cpu_kwh=1e-3) for i in range(2)]])
    # Another program deleting runs (their children become orphans: one it wrote just before,
    # not in the rollups yet) and writing a call from before the plausibility bounds.
    first = conn.execute("SELECT id FROM runs ORDER BY rowid LIMIT 1").fetchone()
    if first:
        conn.execute("INSERT INTO runs (id, parent_id, name, project, start, \"end\", status, method, cpu_kwh) "
                     "VALUES ('foreign-child', ?, 'eval', 'p', ?, ?, 'ok', 'rapl', 0.125)",
                     (first[0], BASE + 2 * DAY + 7, BASE + 2 * DAY + 9))
        conn.execute("DELETE FROM runs WHERE id = ?", first)
    for r in rng.sample(runs, k=min(2, len(runs))):
        conn.execute("DELETE FROM runs WHERE id = ?", (r.id,))
    conn.execute("INSERT INTO api_calls (id, project, start, \"end\", status, provider, model, input_tokens) "
                 "VALUES ('huge', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', 20000000)", (BASE + DAY / 2, BASE + DAY / 2))
    # ... and rows the rollups do not hold yet (not written through rows.py): a call, a session,
    # and the parent of a run already in the ledger.
    orphan = conn.execute("SELECT parent_id FROM runs WHERE parent_id IS NOT NULL AND parent_id NOT IN "
                          "(SELECT id FROM runs) ORDER BY rowid LIMIT 1").fetchone()
    conn.execute("INSERT INTO runs (id, parent_id, name, project, start, \"end\", status, method, cpu_kwh) "
                 "VALUES (?, NULL, 'train', 'p', ?, ?, 'ok', 'rapl', 0.25)",
                 (orphan[0] if orphan else "foreign-run", BASE + DAY + 7, BASE + DAY + 9))
    conn.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens, "
                 "requests) VALUES ('foreign', 'chat', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', 300, 3)",
                 (BASE + 2 * DAY + 5, BASE + 2 * DAY + 6))
    conn.execute("INSERT INTO sessions (id, project, start, \"end\", method, unattributed_cpu_kwh) "
                 "VALUES ('foreign', 'p', ?, ?, 'rapl', 0.5)", (BASE + 3 * DAY + 1, BASE + 3 * DAY + 2))
    return conn


def _rollups(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4, 5, 6, 7").fetchall()
            for t in ("call_rollups", "run_rollups", "session_rollups")} | {
        "ledger_days": conn.execute("SELECT day, hash FROM ledger_days ORDER BY day").fetchall()}


def _same(a: Any, b: Any) -> bool:
    """Equal; floats (energy, latency sums) to the last few bits, since they add in another order."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-15)
    return bool(a == b)


# --- the sums, computed here from the rows ---------------------------------------------------


def _rows(conn: sqlite3.Connection, sql: str) -> list[sqlite3.Row]:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(sql).fetchall()


def _selected(row: sqlite3.Row, sel: Selection) -> bool:
    if sel.since_s is not None and row["start"] < sel.since_s:
        return False
    if sel.until_s is not None and row["start"] >= sel.until_s:
        return False
    if not sel.workloads:
        return True
    tags = json.loads(row["tags"])
    return any(tags.get(w.split("=", 1)[0]) == w.split("=", 1)[1] if "=" in w else row["name"] == w
               for w in sel.workloads)


def _region(provider: str, host: str) -> str:
    for p, pre, suf in REGION_HOSTS:
        if provider == p and host.startswith(pre) and host.endswith(suf) and len(host) > len(pre) + len(suf):
            return host[len(pre): len(host) - len(suf)].lower()
    return ""


def _expected_calls(conn: sqlite3.Connection, sel: Selection) -> dict[tuple[Any, ...], dict[str, Any]]:
    groups: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for c in _rows(conn, "SELECT * FROM api_calls"):
        if not _selected(c, sel) or max(c["input_tokens"], c["output_tokens"], c["reasoning_tokens"]) > 10_000_000:
            continue
        key = (c["name"] if c["name"] is not None else NO_WORKLOAD, _month(c["start"]), c["provider"],
               _region(c["provider"], c["host"]), c["model"], c["local"],
               int(c["source"] in (DECLARED_SOURCE, "declared-spend")),
               c["source"] if c["source"] in ("approximated", "declared-spend") else "",
               c["kind"], c["image_size"], c["image_quality"])
        g, r = groups[key], c["requests"]
        g["rows"] += 1
        g["requests"] += r
        g["input_tokens"] += r * c["input_tokens"]
        g["input_tokens_sq"] += r * c["input_tokens"] ** 2
        g["output_tokens"] += r * c["output_tokens"]
        g["reasoning_tokens"] += r * c["reasoning_tokens"]
        g["units"] += r * c["units"]
        timed = c["latency_s"] is not None and c["latency_s"] > 0 and c["status"] != "failed"
        g["latency_s"] += r * (c["latency_s"] or 0.0) * timed
        g["timed_requests"] += r * timed
        g["timed_input_tokens"] += r * c["input_tokens"] * timed
        g["timed_input_tokens_sq"] += r * c["input_tokens"] ** 2 * timed
        g["timed_output_tokens"] += r * c["output_tokens"] * timed
        g["timed_reasoning_tokens"] += r * c["reasoning_tokens"] * timed
        g["unitless"] += r * (c["kind"] in ("image", "transcription", "speech") and c["units"] == 0
                              and c["input_tokens"] == 0 and c["status"] != "failed")
        g["demo"] += r * (c["source"] == "demo")
        g["failed"] += r * (c["status"] == "failed")
        g["failed_tokenless"] += r * (c["status"] == "failed" and c["input_tokens"] + c["output_tokens"]
                                      + c["reasoning_tokens"] == 0)
    return {k: dict(v) for k, v in groups.items()}


def _expected_runs(conn: sqlite3.Connection, sel: Selection) -> dict[tuple[Any, ...], dict[str, Any]]:
    runs = {r["id"]: r for r in _rows(conn, "SELECT * FROM runs")}

    def ancestors(r: sqlite3.Row) -> list[sqlite3.Row]:
        out, seen = [], {r["id"]}
        while r["parent_id"] in runs and r["parent_id"] not in seen:
            r = runs[r["parent_id"]]
            seen.add(r["id"])
            out.append(r)
        return out

    groups: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for r in runs.values():
        if not _selected(r, sel):
            continue
        if sel.workloads:
            if any(_selected(a, sel) for a in ancestors(r)):
                continue
        elif r["parent_id"] is not None and r["parent_id"] in runs:
            continue
        g = groups[(r["name"], _month(r["start"]), r["zone"] or None, r["method"])]
        g["runs"] += 1
        for part in ("cpu", "gpu", "ram"):
            g[f"{part}_kwh"] += r[f"{part}_kwh"]
            g[f"{part}_cov_kwh"] += r[f"{part}_kwh"] * r["coverage"]
        g["extrapolated_runs"] += r["coverage"] < 1.0
    return {k: dict(v) for k, v in groups.items()}


def _got_calls(conn: sqlite3.Connection, sel: Selection) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = ("workload", "month", "provider", "region", "model", "local", "declared", "basis", "kind", "image_size",
            "image_quality")
    return {tuple(g[k] for k in keys): {k: g[k] for k in g.keys() if k not in keys} for g in call_groups(conn, sel)}


def _got_runs(conn: sqlite3.Connection, sel: Selection) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = ("workload", "month", "zone", "measurement")
    return {tuple(g[k] for k in keys): {k: g[k] for k in g.keys() if k not in keys} for g in run_groups(conn, sel)}


def _selections(rng: random.Random) -> list[Selection]:
    bounds = [None, BASE, BASE + DAY, BASE + 2 * DAY + 3600.5, math.nextafter(BASE + DAY, 0.0), BASE + 3 * DAY - 1e-3,
              BASE + 0.25 * DAY]
    out = [Selection(), Selection(BASE + DAY, BASE + 3 * DAY), Selection(BASE + 0.5 * DAY, BASE + 0.75 * DAY)]
    for _ in range(6):
        since, until = rng.choice(bounds), rng.choice(bounds)
        if since is not None and until is not None and until <= since:
            continue
        out.append(Selection.of(since, until, rng.choice([None, ["chat"], ["ocr", "train"], ["team=a"], ["chat", "team=b"]])))
    return out


def _check_readers(conn: sqlite3.Connection, rng: random.Random) -> None:
    for sel in _selections(rng):
        assert _same(_got_calls(conn, sel), _expected_calls(conn, sel)), sel
        assert _same(_got_runs(conn, sel), _expected_runs(conn, sel)), sel
        runs = [r for r in _rows(conn, "SELECT * FROM runs") if _selected(r, sel)]
        starts = [r["start"] for r in runs]
        assert run_span(conn, sel) == (len(runs), min(starts, default=None), max(starts, default=None)), sel
        calls = [c["start"] for c in _rows(conn, "SELECT * FROM api_calls WHERE input_tokens <= 10000000")
                 if _selected(c, sel)]
        assert call_span(conn, sel) == (min(calls, default=None), max(calls, default=None)), sel
        sessions = [s for s in _rows(conn, "SELECT * FROM sessions") if _selected(s, sel.period_only())]
        assert unattributed_kwh(conn, sel) == pytest.approx(
            sum(s["unattributed_cpu_kwh"] + s["unattributed_gpu_kwh"] + s["unattributed_ram_kwh"] for s in sessions))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_rollups_kept_by_the_writes_equal_a_rebuild_and_the_rows(seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("rollups") / "ledger.sqlite"
    step, rollups.CATCH_UP_ROWS = rollups.CATCH_UP_ROWS, random.Random(seed).choice([1, 3, 100_000])
    try:
        conn = _build(path, seed)  # caught up a few rows at a time, or all at once
    finally:
        rollups.CATCH_UP_ROWS = step
    try:
        # Rows another program wrote are above the marks: a reader that cannot write sums them
        # in temporary copies of the rollups (the file is left as it is) ...
        marks = conn.execute("SELECT * FROM rollup_marks ORDER BY facts").fetchall()
        reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        _check_readers(reader, random.Random(seed))
        read_only_hashes = {sel: content_hash(reader, sel) for sel in _selections(random.Random(seed))}
        reader.close()
        assert conn.execute("SELECT * FROM rollup_marks ORDER BY facts").fetchall() == marks
        # ... one that can write sums them into the file.
        _check_readers(conn, random.Random(seed))
        assert conn.execute("SELECT * FROM rollup_marks ORDER BY facts").fetchall() != marks
        conn.execute("BEGIN")
        refresh_day_hashes(conn)  # the days the last writes changed, as a writer hashes them once settled
        conn.execute("COMMIT")
        kept = _rollups(conn)
        hashes = {sel: content_hash(conn, sel) for sel in _selections(random.Random(seed))}
        assert hashes == read_only_hashes
        rebuild(conn)
        assert _same(_rollups(conn), kept)
        # The content hash of any selection, whether from the days hashed at write time or
        # from the rows (a rebuild hashes every day again), is the same.
        assert {sel: content_hash(conn, sel) for sel in hashes} == hashes
        conn.execute("UPDATE ledger_days SET hash = NULL")
        assert {sel: content_hash(conn, sel) for sel in hashes} == hashes
    finally:
        conn.close()


def test_a_day_is_cut_exactly_at_midnight(tmp_path: Path) -> None:
    """The last float before midnight belongs to the day before, in the rollups as in a period."""
    conn = connect(tmp_path / "l.sqlite", readonly=False)
    midnight = BASE + DAY
    before = math.nextafter(midnight, 0.0)
    insert_records(conn, [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o", start=t, end=t, input_tokens=10,
                                        name="chat") for i, t in enumerate([before, midnight])])
    days = conn.execute("SELECT day, rows FROM call_rollups ORDER BY day").fetchall()
    assert days == [(int(BASE // DAY), 1), (int(BASE // DAY) + 1, 1)]
    assert [g["requests"] for g in call_groups(conn, Selection(BASE, midnight))] == [1]
    assert [g["requests"] for g in call_groups(conn, Selection(midnight, None))] == [1]


def test_a_parent_written_after_its_child_takes_it_out_of_the_totals(tmp_path: Path) -> None:
    conn = connect(tmp_path / "l.sqlite", readonly=False)
    child = RunRecord(id="child", parent_id="parent", name="eval", start=BASE + 10, end=BASE + 20, cpu_kwh=1.0)
    insert_records(conn, [child])
    assert conn.execute("SELECT counted, runs, cpu_kwh FROM run_rollups").fetchall() == [(1, 1, 1.0)]  # an orphan, so far
    insert_records(conn, [RunRecord(id="parent", name="train", start=BASE, end=BASE + 30, cpu_kwh=3.0)])
    assert sorted(conn.execute("SELECT workload, counted, runs, cpu_kwh FROM run_rollups").fetchall()) == [
        ("eval", 0, 1, 1.0), ("train", 1, 1, 3.0)]
    conn.execute("DELETE FROM runs WHERE id = 'parent'")
    assert conn.execute("SELECT workload, counted, runs, cpu_kwh FROM run_rollups").fetchall() == [("eval", 1, 1, 1.0)]


def test_an_old_ledger_gets_its_rollups_on_migration(tmp_path: Path) -> None:
    from frugal_ai.ledger.schema import MIGRATIONS, SCHEMA_VERSION, _base_statements

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in _base_statements():
        conn.execute(statement)
    for version in (2, 3):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    for i in range(5):
        conn.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens, "
                     "output_tokens, requests) VALUES (?, 'chat', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', 500, 100, 2)",
                     (f"c{i}", BASE + i * DAY / 2, BASE + i * DAY / 2))
    conn.execute("INSERT INTO runs (id, name, project, start, \"end\", status, method, cpu_kwh) "
                 "VALUES ('r', 'train', 'p', ?, ?, 'ok', 'rapl', 0.5)", (BASE, BASE + 60))
    conn.commit()
    conn.close()
    reader = connect(path)  # an old ledger opened to read is migrated first
    assert reader.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert reader.execute("SELECT day - ?, rows, requests, input_tokens FROM call_rollups ORDER BY day",
                          (int(BASE // DAY),)).fetchall() == [(0, 2, 4, 2000), (1, 2, 4, 2000), (2, 1, 2, 1000)]
    assert reader.execute("SELECT runs, cpu_kwh FROM run_rollups").fetchall() == [(1, 0.5)]
    assert reader.execute("SELECT count(*) FROM ledger_days WHERE hash IS NOT NULL").fetchone() == (3,)
    _check_readers(reader, random.Random(1))


def test_cli_rebuild_rollups(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    conn = _build(path, 3)
    conn.execute("BEGIN")
    refresh_day_hashes(conn)
    conn.execute("COMMIT")
    kept = _rollups(conn)
    # Sums damaged by hand (or by a program that dropped the triggers): the rows are the facts.
    conn.execute("DELETE FROM call_rollups")
    conn.execute("UPDATE run_rollups SET cpu_kwh = 99")
    conn.execute("UPDATE ledger_days SET hash = 'x'")
    conn.close()
    result = CliRunner().invoke(main, ["ledger", "rebuild-rollups", "--ledger", str(path)])
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt" in result.output
    conn = sqlite3.connect(path)
    assert _same(_rollups(conn), kept)
    missing = CliRunner().invoke(main, ["ledger", "rebuild-rollups", "--ledger", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "none.sqlite" in missing.stderr


def test_a_row_written_where_the_last_one_was_deleted_is_summed(tmp_path: Path) -> None:
    """SQLite gives a new row max(rowid) + 1: after the last row is deleted, the next row takes
    its rowid again, which the mark had already passed (the delete trigger lowers the mark)."""
    conn = connect(tmp_path / "l.sqlite", readonly=False)
    insert_records(conn, [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o", start=BASE + i, end=BASE + i,
                                        input_tokens=10, name="chat") for i in range(3)])
    (top,) = conn.execute("SELECT rowid FROM api_calls WHERE id = 'c2'").fetchone()
    delete_and_insert(conn, ["c2"], [ApiCallRecord(id="c3", provider="openai", model="gpt-4o", start=BASE + 9,
                                                   end=BASE + 9, input_tokens=1000, name="chat")])
    assert conn.execute("SELECT rowid FROM api_calls WHERE id = 'c3'").fetchone() == (top,)
    assert [(g["rows"], g["input_tokens"]) for g in call_groups(conn, Selection())] == [(3, 1020)]
    conn.execute("DELETE FROM runs")  # deleting from an empty table leaves the mark where it is
    conn.execute("DELETE FROM api_calls")
    assert conn.execute("SELECT mark FROM rollup_marks WHERE facts = 'api_calls'").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM call_rollups").fetchone() == (0,)


def test_rows_another_program_wrote_are_summed_into_the_file_by_a_reader(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    conn = connect(path, readonly=False)
    insert_records(conn, [ApiCallRecord(id="c0", provider="openai", model="gpt-4o", start=BASE, end=BASE,
                                        input_tokens=10, name="chat")])
    conn.close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens) "
                "VALUES ('other', 'chat', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', 5)", (BASE + 1, BASE + 1))
    raw.commit()
    assert raw.execute("SELECT mark FROM rollup_marks WHERE facts = 'api_calls'").fetchone() == (1,)
    reader = connect(path)  # read-only; the file can be written: caught up there, once
    assert [(g["rows"], g["input_tokens"]) for g in call_groups(reader, Selection())] == [(2, 15)]
    assert raw.execute("SELECT mark FROM rollup_marks WHERE facts = 'api_calls'").fetchone() == (2,)
    assert raw.execute("SELECT sum(rows), sum(input_tokens) FROM call_rollups").fetchone() == (2, 15)


def _schema_6(path: Path) -> None:
    """A ledger as frugal-ai 0.x wrote it at schema 6: no marks, the rollups kept by a trigger
    per inserted row (the same sums as schema 7's, added row by row)."""
    connect(path, readonly=False).close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TABLE rollup_marks")
    for name in rollups.TRIGGERS:
        raw.execute(f"DROP TRIGGER {name}")
    for facts, table, extra in (("api_calls", "call_rollups", [rollups._dirty("NEW")]),
                                ("runs", "run_rollups", [rollups._dirty("NEW")]), ("sessions", "session_rollups", [])):
        where = rollups.plausible_sql("NEW") if facts == "api_calls" else "1"
        body = "; ".join([rollups._add(table, "NEW", 1, where=where), *extra])
        raw.execute(f"CREATE TRIGGER {facts}_rollup_insert AFTER INSERT ON {facts} BEGIN {body}; END")
    raw.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    raw.close()


def test_a_schema_6_ledger_loses_its_insert_triggers_on_migration(tmp_path: Path) -> None:
    from frugal_ai.ledger.schema import SCHEMA_VERSION

    path = tmp_path / "six.sqlite"
    _schema_6(path)
    rng = random.Random(6)
    old = sqlite3.connect(path, isolation_level=None)  # frugal-ai at schema 6 writing: its triggers sum each row
    old.execute("BEGIN")
    insert = ("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens, "
              "requests) VALUES (?, 'chat', 'p', ?, ?, 'ok', 'openai', 'gpt-4o', ?, ?)")
    for i in range(20):
        t = _start(rng)
        old.execute(insert, (f"six{i}", t, t, rng.randrange(900), rng.choice([1, 3])))
    old.execute("INSERT INTO runs (id, name, project, start, \"end\", status, method, cpu_kwh) "
                "VALUES ('six-run', 'train', 'p', ?, ?, 'ok', 'rapl', 0.5)", (BASE, BASE + 60))
    old.execute("COMMIT")
    assert old.execute("SELECT sum(rows) FROM call_rollups").fetchone() == (20,)
    old.close()
    conn = connect(path, readonly=False)  # migrated to schema 7
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    triggers = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == set(rollups.TRIGGERS)
    assert conn.execute("SELECT facts, mark FROM rollup_marks ORDER BY facts").fetchall() == [
        ("api_calls", 20), ("runs", 1), ("sessions", 0)]
    # Written by this version, in several transactions: each row summed once (an insert
    # trigger left behind would sum it a second time).
    runs, calls = _runs(rng, 8), [_call(rng, i) for i in range(30)]
    insert_records(conn, [*runs[:4], *calls[:15]])
    insert_records(conn, [*runs[4:], *calls[15:]])
    _check_readers(conn, rng)
    kept = _rollups(conn)
    rebuild(conn)
    assert _same(_rollups(conn), kept)


def test_deferring_writes_sum_their_rows_once_enough_wait_and_readers_see_them_meanwhile(tmp_path: Path) -> None:
    """A multiprocessing worker writes each run before it returns (one transaction per run):
    those writes leave their rows above the mark until rollups.DEFER_ROWS wait, then one of
    them sums them all; a reader in between sums what waits itself (into the file where it
    can write), with the totals and hash of a rebuild. The run's final record (an upsert of a
    row not yet summed) is summed with its final figures."""
    path = tmp_path / "l.sqlite"
    conn = connect(path, readonly=False)

    def run(i: int, kwh: float) -> RunRecord:
        return RunRecord(id=f"r{i}", name="job", start=BASE + i, end=BASE + i + 1, method="rapl", cpu_kwh=kwh)

    def mark() -> int:
        return conn.execute("SELECT mark FROM rollup_marks WHERE facts = 'runs'").fetchone()[0]

    def top() -> int:
        return conn.execute("SELECT max(rowid) FROM runs").fetchone()[0]

    n = rollups.DEFER_ROWS
    for i in range(n - 1):
        insert_records(conn, [run(i, 0.001)], defer_rollups=True)  # provisional
        insert_records(conn, [run(i, 0.002)], defer_rollups=True)  # final: same id, new figures
    assert mark() == 0 and conn.execute("SELECT count(*) FROM run_rollups").fetchone() == (0,)
    insert_records(conn, [run(n - 1, 0.002)], defer_rollups=True)  # the DEFER_ROWS-th waiting row: all summed
    assert mark() == top() == n
    assert conn.execute("SELECT sum(runs), sum(cpu_kwh) FROM run_rollups").fetchone() == pytest.approx((n, 0.002 * n))
    for i in range(n, n + 5):
        insert_records(conn, [run(i, 0.002)], defer_rollups=True)
    assert mark() == n < top()
    reader = connect(path)  # read-only connection, writable file: sums the five into the file
    groups = run_groups(reader, Selection())
    assert sum(g["runs"] for g in groups) == n + 5
    assert sum(g["cpu_kwh"] for g in groups) == pytest.approx(0.002 * (n + 5))
    digest = content_hash(reader, Selection())
    reader.close()
    assert mark() == top()
    def rollup_rows() -> list[tuple[Any, ...]]:  # float sums depend on the order they were added in
        return [tuple(round(v, 12) if isinstance(v, float) else v for v in row)
                for row in conn.execute("SELECT * FROM run_rollups ORDER BY day, workload")]

    kept = rollup_rows()
    rebuild(conn)
    assert rollup_rows() == kept
    assert content_hash(conn, Selection()) == digest
    insert_records(conn, [run(n + 5, 0.002)])  # a write that does not defer sums at once, as before
    assert mark() == top()
