"""The rollups of a PostgreSQL ledger (ledger/pg_rollups.py) against a real server
(tests/pg_server.py): kept by statement-level triggers for every writer, equal to SQLite's
sums of the same rows; the day hashes cached in `ledger_days` and still right under writes.

The reference is independent of the code under test: the PostgreSQL ledger's rows copied into
a ledger file, whose rollups SQLite's own `rollups.rebuild` recomputes from them.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from golden.fixed_ledger import build

DAY = 86_400.0
T0 = 1_782_864_000.0  # 2026-07-01 00:00 UTC


def _pg(url: str) -> Any:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.postgres import connect_pg

    return connect_pg(PostgresURL.parse(url))


def _layout() -> dict[str, tuple[list[str], list[str]]]:
    from frugal_ai.ledger import rollups

    return {"call_rollups": ([k for k, _ in rollups.CALL_KEYS], [s for s, _ in rollups.CALL_SUMS]),
            "run_rollups": ([k for k, _ in rollups.RUN_KEYS], [s for s, _ in rollups.RUN_SUMS]),
            "session_rollups": ([k for k, _ in rollups.SESSION_KEYS], [s for s, _ in rollups.SESSION_SUMS])}


def _rollups(conn: Any) -> dict[str, dict[tuple, tuple]]:
    out = {}
    for table, (keys, sums) in _layout().items():
        rows = conn.execute(f"SELECT {', '.join(keys + sums)} FROM {table}").fetchall()
        out[table] = {tuple(r)[:len(keys)]: tuple(r)[len(keys):] for r in rows}
    return out


def _assert_same(got: dict[str, dict[tuple, tuple]], want: dict[str, dict[tuple, tuple]],
                 abs_tol: float = 1e-15) -> None:
    """Same keys; integer sums equal; float sums equal but for the order of additions (and,
    where a sum was added to and taken from, for the rounding of the largest terms: `abs_tol`)."""
    for table in want:
        assert sorted(got[table]) == sorted(want[table]), table
        for key, sums in want[table].items():
            for name, a, b in zip(_layout()[table][1], got[table][key], sums):
                if isinstance(a, float) or isinstance(b, float):
                    assert a == pytest.approx(b, rel=1e-12, abs=abs_tol), (table, key, name)
                else:
                    assert (type(a), a) == (type(b), b), (table, key, name)


def _from_rows(pg: Any, path: Path) -> sqlite3.Connection:
    """A ledger file holding the PostgreSQL ledger's rows (storage order), its rollups and day
    hashes rebuilt by SQLite from them."""
    from frugal_ai.ledger.rollups import rebuild
    from frugal_ai.ledger.schema import open_writable

    lite = open_writable(path)
    lite.execute("BEGIN IMMEDIATE")
    for table in ("runs", "api_calls", "sessions"):
        cols = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(f'"{c}"' for c in cols)
        rows = [tuple(r) for r in pg.execute(f"SELECT {names} FROM {table} ORDER BY rowid").fetchall()]
        lite.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})", rows)
    lite.execute("COMMIT")
    rebuild(lite)
    return lite


def _assert_rollups_are_the_rows(pg: Any, tmp: Path, name: str = "rows.sqlite", abs_tol: float = 1e-15) -> None:
    lite = _from_rows(pg, tmp / name)
    try:
        _assert_same(_rollups(pg), _rollups(lite), abs_tol)
    finally:
        lite.close()


# --- rows to write ------------------------------------------------------------------------

RUN_COLUMNS = ("id", "parent_id", "name", "project", "tags", "start", "end", "status", "host", "zone", "method",
               "cpu_kwh", "gpu_kwh", "ram_kwh", "coverage")
CALL_COLUMNS = ("id", "run_id", "name", "project", "tags", "start", "end", "status", "provider", "model",
                "input_tokens", "output_tokens", "reasoning_tokens", "latency_s", "host", "local", "source",
                "requests", "kind", "units")
SESSION_COLUMNS = ("id", "host", "project", "start", "end", "zone", "method", "cpu_kwh", "gpu_kwh", "ram_kwh",
                   "unattributed_cpu_kwh", "unattributed_gpu_kwh", "unattributed_ram_kwh", "extrapolated_kwh")


def _when(rng: random.Random) -> float:
    # Few days, and times close to midnight, where a day's boundary is easy to get wrong.
    day = rng.randrange(4)
    return T0 + day * DAY + rng.choice([0.0, 1e-6, DAY - 1e-6, DAY - 3e-10, rng.uniform(0, DAY)])


def _run(rng: random.Random, rid: str, parent: str | None) -> tuple:
    t = _when(rng)
    return (rid, parent, rng.choice(["train", "eval", "etl"]), "p", '{"team": "a"}', t, t + 5, "ok",
            rng.choice(["h1", "h2"]), rng.choice(["FR", None]), "rapl+ram_model", rng.uniform(0, 0.01),
            rng.choice([0.0, rng.uniform(0, 0.1)]), rng.uniform(0, 0.001), rng.choice([1.0, 0.5]))


def _call(rng: random.Random, cid: str) -> tuple:
    t = _when(rng)
    kind = rng.choice(["chat", "chat", "image", "embedding"])
    return (cid, None, rng.choice(["train", None]), "p", "{}", t, t + 1, rng.choice(["ok", "ok", "failed"]),
            rng.choice(["openai", "mistral"]), rng.choice(["gpt-4o-mini", "mistral-small"]),
            rng.choice([0, rng.randrange(1, 5000), 20_000_000]), rng.randrange(0, 900), rng.choice([0, 50]),
            rng.choice([None, 0.0, rng.uniform(0.1, 3)]), "api.example", rng.choice([0, 1]),
            rng.choice(["capture", "declared", "approximated"]), rng.choice([1, 1, 7, 1_000_000_000]), kind,
            1.0 if kind == "image" else 0.0)


def _session(rng: random.Random, sid: str) -> tuple:
    t = _when(rng)
    return (sid, "h1", "p", t, t + 60, rng.choice(["FR", None]), "rapl+ram_model",
            *(rng.uniform(0, 0.01) for _ in range(7)))


def _send(pg: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """What the forwarder and `ledger push` do: one transaction, idempotent by id (runs and
    sessions replaced by their new figures: an INSERT ... ON CONFLICT DO UPDATE)."""
    from frugal_ai.ledger.postgres import send_rows

    with pg.transaction():
        send_rows(pg, table, columns, rows)


# --- the tests ----------------------------------------------------------------------------


def test_the_golden_ledger_pushed_has_the_rollups_sqlite_has(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    ledger = build(tmp_path / "golden.sqlite")
    push(ledger, PostgresURL.parse(pg_url))
    pg = _pg(pg_url)
    lite = sqlite3.connect(ledger)
    try:
        assert _rollups(pg)["call_rollups"]  # not a comparison of empty tables
        _assert_same(_rollups(pg), _rollups(lite))  # the file's own rollups (kept as it was written)
        _assert_rollups_are_the_rows(pg, tmp_path)
        days = [d for (d,) in pg.execute("SELECT day FROM ledger_days ORDER BY day")]
        assert days == [d for (d,) in lite.execute("SELECT day FROM ledger_days ORDER BY day")]
    finally:
        pg.close()
        lite.close()


def test_random_writes_keep_the_rollups_equal_to_the_rows(pg_url: str, tmp_path: Path) -> None:
    """Inserts in batches, runs and sessions written again with new figures (upserts),
    deletes, parents arriving after their children and leaving before them, a run whose id
    changes: after each step, the rollups are SQLite's sums of the rows."""
    rng = random.Random(15)
    pg = _pg(pg_url)
    runs: dict[str, tuple] = {}
    try:
        for step in range(12):
            # Children first, whose parents (p-step-k) arrive in a later statement or never.
            children = [_run(rng, f"c{step}-{k}", f"p{step}-{k % 3}") for k in range(6)]
            _send(pg, "runs", RUN_COLUMNS, children)
            parents = [_run(rng, f"p{step}-{k}", None) for k in range(2)]  # p{step}-2 never comes
            parents.append(_run(rng, f"c{step}-0", f"p{step}-0"))  # a child written again, same parent
            _send(pg, "runs", RUN_COLUMNS, parents)
            _send(pg, "api_calls", CALL_COLUMNS, [_call(rng, f"a{step}-{k}") for k in range(40)])
            _send(pg, "sessions", SESSION_COLUMNS, [_session(rng, f"s{step}-{k % 3}") for k in range(3)])
            runs.update({r[0]: r for r in children + parents})
            if step % 3 == 2:  # runs and sessions written again with new figures
                again = [(*_run(rng, rid, runs[rid][1])[:11], 0.5, 0.0, 0.25, 1.0) for rid in rng.sample(sorted(runs), 5)]
                _send(pg, "runs", RUN_COLUMNS, again)
                _send(pg, "sessions", SESSION_COLUMNS, [_session(rng, f"s{step}-{k}") for k in range(2)])
            if step % 4 == 3:  # a parent leaves (its children count again), calls are deleted
                gone = f"p{step - 1}-0"
                pg.execute("DELETE FROM runs WHERE id = ?", (gone,))
                ids = [i for (i,) in pg.execute("SELECT id FROM api_calls ORDER BY id").fetchall()]
                pg.execute("DELETE FROM api_calls WHERE id = ANY(?)", (rng.sample(ids, 15),))
                pg.execute("DELETE FROM sessions WHERE id = ?", (f"s{step}-0",))
            if step == 5:  # a run's id changes: p5-1's children lose their parent, p5-2's find one
                pg.execute("UPDATE runs SET id = 'p5-2' WHERE id = 'p5-1'")
            if step == 7:  # several runs changed at once, some keys moving to another day
                pg.execute("UPDATE runs SET start = start + 86400, cpu_kwh = cpu_kwh * 2 WHERE id LIKE 'c6-%'")
                pg.execute("UPDATE api_calls SET requests = requests + 1, latency_s = 2.5 WHERE id LIKE 'a7-1%'")
            # Rows of a billion requests add (and deletes take away) up to 3e9 s of latency to a
            # sum: what is left after such a subtraction is exact to about 3e9 × 2^-53 per step.
            _assert_rollups_are_the_rows(pg, tmp_path, f"step{step}.sqlite", abs_tol=1e-5)
        counted = pg.execute("SELECT sum(runs) FROM run_rollups WHERE counted = 0").fetchone()[0]
        assert counted and counted > 10  # the sequence did nest runs under parents that arrived
        # ...and rebuilding from the rows changes nothing.
        before = _rollups(pg)
        from frugal_ai.ledger.pg_rollups import rebuild

        with pg.transaction():
            rebuild(pg)
        _assert_same(_rollups(pg), before, abs_tol=1e-5)
    finally:
        pg.close()


def test_four_writers_at_once_leave_the_rollups_equal_to_the_rows(pg_url: str, tmp_path: Path) -> None:
    """Four connections send batches over the same days and keys at the same time (what four
    machines' forwarders do): no batch is lost to a deadlock, the rollups add up."""
    from frugal_ai.ledger.push import RETRIED, RETRIES  # noqa: F401  (the retry the forwarder relies on)

    _pg(pg_url).close()  # the schema and triggers, once
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        rng = random.Random(k)
        pg = _pg(pg_url)
        try:
            from frugal_ai.ledger.push import send_batch

            for b in range(15):
                src = sqlite3.connect(":memory:")
                src.execute(f"CREATE TABLE api_calls ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in CALL_COLUMNS)})")
                src.executemany(f"INSERT INTO api_calls VALUES ({', '.join('?' * len(CALL_COLUMNS))})",
                                [_call(rng, f"w{k}-{b}-{i}") for i in range(120)])
                src.execute(f"CREATE TABLE runs ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in RUN_COLUMNS)})")
                src.executemany(f"INSERT INTO runs VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
                                [_run(rng, f"r{k}-{b}-{i}", f"r{k}-{b}-0" if i else None) for i in range(8)])
                for table in ("runs", "api_calls"):
                    send_batch(src, pg, table, 0, 10_000)
                src.close()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)
        finally:
            pg.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    pg = _pg(pg_url)
    try:
        assert pg.execute("SELECT count(*) FROM api_calls").fetchone()[0] == 4 * 15 * 120
        assert pg.execute("SELECT count(*) FROM runs").fetchone()[0] == 4 * 15 * 8
        _assert_rollups_are_the_rows(pg, tmp_path)
    finally:
        pg.close()


def test_a_ledger_from_before_the_triggers_gets_them_and_its_rollups_on_open(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    push(build(tmp_path / "golden.sqlite"), PostgresURL.parse(pg_url))
    pg = _pg(pg_url)
    # What a schema-6 ledger written by the previous frugal-ai looks like: tables, no triggers.
    for (name, table) in pg.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                                    "WHERE tgname LIKE 'frugal_ai_%'").fetchall():
        pg.execute(f"DROP TRIGGER {name} ON {table}")
    for table in ("call_rollups", "run_rollups", "session_rollups", "ledger_days"):
        pg.execute(f"DELETE FROM {table}")
    pg.execute("DELETE FROM meta WHERE key = 'pg_rollups'")
    pg.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens) "
               "VALUES ('late', 'x', 'p', 1782900000, 1782900001, 'ok', 'openai', 'gpt-4o-mini', 10)")
    pg.close()
    pg = _pg(pg_url)  # opening it installs the triggers and rebuilds the rollups from the rows
    try:
        assert pg.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'frugal_ai_%'").fetchone()[0] == 9
        _assert_rollups_are_the_rows(pg, tmp_path)
    finally:
        pg.close()


def test_rebuild_rollups_command_on_a_postgresql_ledger(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    push(build(tmp_path / "golden.sqlite"), PostgresURL.parse(pg_url))
    pg = _pg(pg_url)
    pg.execute("UPDATE call_rollups SET requests = requests + 5")  # damaged sums
    pg.close()
    env = {"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path),
           "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    r = subprocess.run([sys.executable, "-m", "frugal_ai", "ledger", "rebuild-rollups", "--ledger", pg_url],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"rollups rebuilt from the rows of {PostgresURL.parse(pg_url)}: ")
    pg = _pg(pg_url)
    try:
        _assert_rollups_are_the_rows(pg, tmp_path)
        # The settled days are hashed, as the file's rebuild hashes them.
        lite = sqlite3.connect(tmp_path / "golden.sqlite")
        want = dict(lite.execute("SELECT day, hash FROM ledger_days"))
        got = dict(pg.execute("SELECT day, hash FROM ledger_days").fetchall())
        assert got == want and all(got.values())
    finally:
        pg.close()


# --- the day hashes -------------------------------------------------------------------------


def _hash(loc: Any) -> str:
    from frugal_ai.ledger import connect
    from frugal_ai.ledger.query import Selection, content_hash

    conn = connect(loc)
    try:
        return content_hash(conn, Selection())
    finally:
        conn.close()


def _add_call(conn: Any, cid: str, start: float) -> None:
    conn.execute("INSERT INTO api_calls (id, name, project, start, \"end\", status, provider, model, input_tokens) "
                 "VALUES (?, 'x', 'p', ?, ?, 'ok', 'openai', 'gpt-4o-mini', 10)", (cid, start, start + 1))


def test_day_hashes_are_cached_cleared_by_a_write_and_equal_sqlites(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    ledger = build(tmp_path / "golden.sqlite")
    url = PostgresURL.parse(pg_url)
    push(ledger, url)
    pg = _pg(pg_url)
    try:
        assert pg.execute("SELECT count(*) FROM ledger_days WHERE hash IS NOT NULL").fetchone()[0] == 0
        assert _hash(url) == _hash(ledger)
        cached = dict(pg.execute("SELECT day, hash FROM ledger_days").fetchall())
        lite = sqlite3.connect(ledger)
        assert cached == dict(lite.execute("SELECT day, hash FROM ledger_days"))  # the file's, byte for byte
        day = min(cached)
        _add_call(pg, "new-1", day * DAY + 10)
        _add_call(lite, "new-1", day * DAY + 10)
        lite.commit()
        assert pg.execute("SELECT hash FROM ledger_days WHERE day = ?", (day,)).fetchone()[0] is None
        assert _hash(url) == _hash(ledger)
        lite.close()
    finally:
        pg.close()


def test_a_hash_is_not_cached_from_rows_a_writer_in_flight_is_changing(pg_url: str, tmp_path: Path) -> None:
    """A writer has added a row to a settled day and not committed yet when a report hashes
    that day: the report must not store that day's hash (the writer's commit would leave it
    stale). After the commit the hash is the rows' with the new one."""
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    ledger = build(tmp_path / "golden.sqlite")
    url = PostgresURL.parse(pg_url)
    push(ledger, url)
    writer = _pg(pg_url)
    pg = _pg(pg_url)
    try:
        day = pg.execute("SELECT min(day) FROM ledger_days").fetchone()[0]
        with writer.transaction():
            _add_call(writer, "in-flight", day * DAY + 20)
            before = _hash(url)  # the writer has not committed: the rows without its row
            assert pg.execute("SELECT hash FROM ledger_days WHERE day = ?", (day,)).fetchone()[0] is None
            others = pg.execute("SELECT count(*) FROM ledger_days WHERE hash IS NOT NULL").fetchone()[0]
            assert others > 0  # the days nobody was writing were cached
        assert before == _hash(ledger)
        lite = sqlite3.connect(ledger)
        _add_call(lite, "in-flight", day * DAY + 20)
        lite.commit()
        lite.close()
        assert _hash(url) == _hash(ledger)
    finally:
        writer.close()
        pg.close()


def test_a_read_only_role_reports_without_storing_hashes(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    ledger = build(tmp_path / "golden.sqlite")
    push(ledger, PostgresURL.parse(pg_url))
    db = pg_url.rsplit("/", 1)[1]
    pg_server.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reader') THEN "
                   "CREATE ROLE reader LOGIN PASSWORD 'readpw'; END IF; END $$")
    pg_server.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader", db)
    reader = PostgresURL.parse(pg_server.url(db, user="reader", password="readpw"))
    assert _hash(reader) == _hash(ledger)
    assert pg_server.query(db, "SELECT count(*) FROM ledger_days WHERE hash IS NOT NULL")[0][0] == 0


def test_sums_too_big_for_a_bigint_are_kept_exactly(pg_url: str) -> None:
    """A declared row of a billion requests of 10 million tokens each: its Σ requests·input²
    (10^23) does not fit a bigint; the write goes through and the sum is exact."""
    pg = _pg(pg_url)
    try:
        row = ("big", None, "x", "p", "{}", T0, T0 + 1, "ok", "openai", "gpt-4o-mini", 10_000_000, 10_000_000, 0,
               None, "", 0, "declared", 1_000_000_000, "chat", 0.0)
        _send(pg, "api_calls", CALL_COLUMNS, [row, ("big2", *row[1:])])
        sq, io = pg.execute("SELECT input_tokens_sq, input_output_tokens FROM call_rollups").fetchone()
        assert sq == io == 2 * 10**9 * 10**7 * 10**7
    finally:
        pg.close()
