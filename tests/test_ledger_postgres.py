"""The shared PostgreSQL ledger against a real PostgreSQL server (tests/pg_server.py): schema,
`ledger push`, reads equal to SQLite's byte for byte, the spool and its forwarder (four
processes, a server stopped mid-run, a writer killed), credentials kept out of every output.

Skipped with the reason where no server can start (no initdb, no psycopg, root without a
postgres user); .ci/run installs Debian's postgresql so that CI runs them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golden.fixed_ledger import GAINS, build, settings
from pg_server import SECRET

TESTS = Path(__file__).parent
CHILD = TESTS / "pg_child.py"


def _env(tmp: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRUGAL_AI_", "PG"))}
    env.update(FRUGAL_AI_LEDGER=url, XDG_DATA_HOME=str(tmp / "xdg"), PYTHONPATH=os.pathsep.join(
        [str(TESTS.parent / "src"), str(TESTS), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "frugal_ai", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def _count(server, db: str, where: str = "1=1") -> int:  # type: ignore[no-untyped-def]
    try:
        return server.query(db, f"SELECT count(*) FROM api_calls WHERE {where}")[0][0]
    except Exception:  # not created yet (the first process creates the schema), or the server is down
        return 0


def _wait_for(predicate, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _spool_rows(tmp: Path) -> int:
    spools = list((tmp / "xdg" / "frugal-ai" / "spool").glob("*.sqlite"))
    total = 0
    for s in spools:
        with sqlite3.connect(s) as c:
            total += c.execute("SELECT count(*) FROM api_calls").fetchone()[0]
    return total


# --- without a server ---------------------------------------------------------------------


def test_the_url_keeps_its_password_apart() -> None:
    from frugal_ai.config import PostgresURL, load_settings

    url = PostgresURL.parse("postgresql://ops:p%40ss@db.example:6543/frugal?sslmode=require&password=other")
    assert str(url) == "postgresql://ops@db.example:6543/frugal?sslmode=require"
    assert url.password == "other"  # the query's password wins, as libpq reads it
    s = load_settings(env={"FRUGAL_AI_LEDGER": "postgres://ops:hunter2@db/frugal"})
    assert str(s.ledger) == "postgresql://ops@db/frugal" and s.ledger.password == "hunter2"  # type: ignore[union-attr]
    assert "hunter2" not in json.dumps(s.model_dump(), default=str)
    for bad in ("postgresql://ops:pw@:99999/x", "postgresql:///nohost"):
        with pytest.raises(Exception) as e:
            load_settings(env={"FRUGAL_AI_LEDGER": bad})
        assert "pw" not in str(e.value).replace("postgresql", "")


def test_the_spool_is_keyed_on_the_database_not_the_credentials(tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.spool import spool_path

    a = spool_path(PostgresURL.parse("postgresql://alice:one@db.example:5432/frugal"))
    b = spool_path(PostgresURL.parse("postgresql://bob:two@db.example/frugal"))
    c = spool_path(PostgresURL.parse("postgresql://alice:one@db.example:5432/other"))
    assert a == b != c
    assert a.parent == tmp_path / "xdg" / "frugal-ai" / "spool"
    assert "alice" not in a.name and "one" not in a.name.split("-")


def test_every_migration_has_a_postgresql_form() -> None:
    from frugal_ai.ledger.postgres import pg_schema_statements
    from frugal_ai.ledger.schema import MIGRATIONS, SCHEMA_VERSION

    steps = pg_schema_statements()
    assert set(steps) == {0, 1, *MIGRATIONS} and max(steps) == SCHEMA_VERSION
    text = "\n".join(s for v in steps.values() for s in v)
    assert " REAL" not in text and " INTEGER" not in text and "WITHOUT ROWID" not in text
    assert all("IF NOT EXISTS" in s for v in steps.values() for s in v if s.startswith(("ALTER", "CREATE")))


def test_without_psycopg_one_line_names_the_extra(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['psycopg'] = None; from frugal_ai.cli import main; "
            "sys.argv = ['frugal-ai', 'ledger', 'stats']; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(tmp_path, "postgresql://u:pw@127.0.0.1:9/db"), timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: a postgresql:// ledger needs psycopg, an optional extra: pip install 'frugal-ai[postgresql]'"


def test_recording_without_psycopg_keeps_the_records_and_warns_once(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['psycopg'] = None; sys.argv = ['x', 'nopsycopg', '30']; "
            f"sys.path.insert(0, {str(TESTS)!r}); import pg_child; pg_child.main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(tmp_path, "postgresql://u@127.0.0.1:9/db"), timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'frugal-ai[postgresql]'" in lines[0], r.stderr
    assert _spool_rows(tmp_path) == 30


# --- schema and push ----------------------------------------------------------------------


def test_schema_mirrors_every_sqlite_table_and_column(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger import connect
    from frugal_ai.ledger.schema import SCHEMA_VERSION

    sqlite_conn = connect(tmp_path / "l.sqlite", readonly=False)
    pg = connect(PostgresURL.parse(pg_url))
    try:
        for table in ("meta", "runs", "api_calls", "sessions", "rejected"):
            ours = [r[1] for r in sqlite_conn.execute(f"PRAGMA table_info({table})")]
            theirs = [r[0] for r in pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                (table,)).fetchall()]
            assert [c for c in theirs if c != "rowid"] == ours, table
        assert pg.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    finally:
        pg.close()
        sqlite_conn.close()
    again = connect(PostgresURL.parse(pg_url))  # a second connection finds it migrated
    again.close()


def test_push_is_idempotent_and_says_what_it_did(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ledger = build(tmp_path / "golden.sqlite")
    env = _env(tmp_path, str(tmp_path / "unused.sqlite"))
    first = _cli("ledger", "push", "--from", str(ledger), "--to", pg_url, env=env)
    assert first.returncode == 0, first.stderr
    assert "160 rows" in first.stdout and "160 new, 0 already there" in first.stdout
    second = _cli("ledger", "push", "--from", str(ledger), "--to", pg_url, env=env)
    assert second.returncode == 0, second.stderr
    assert "0 new, 160 already there" in second.stdout
    db = pg_url.rsplit("/", 1)[1]
    assert pg_server.query(db, "SELECT count(*), count(DISTINCT id) FROM api_calls")[0] == (154, 154)
    assert pg_server.query(db, "SELECT count(*) FROM runs")[0][0] == 6


def test_push_reports_progress_and_a_run_sent_again_updates_its_figures(pg_server, pg_url: str,  # type: ignore[no-untyped-def]
                                                                        tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import Progress, push

    ledger = build(tmp_path / "golden.sqlite")
    lines: list[str] = []
    first = push(ledger, PostgresURL.parse(pg_url), progress=Progress(lines.append, every_s=0), batch_rows=50)
    assert first.total_new == 160 and lines[0] == "pushed 6 of 160 rows (4%)" and lines[-1].startswith("pushed 160 of 160")
    with sqlite3.connect(ledger) as c:
        c.execute("UPDATE runs SET cpu_kwh = 0.5 WHERE id = 'run-01'")
    again = push(ledger, PostgresURL.parse(pg_url))
    assert again.total_new == 0
    db = pg_url.rsplit("/", 1)[1]
    assert pg_server.query(db, "SELECT cpu_kwh FROM runs WHERE id = 'run-01'")[0][0] == 0.5


def test_push_refuses_a_file_url_and_names_a_missing_file(tmp_path: Path, pg_url: str) -> None:
    env = _env(tmp_path, str(tmp_path / "unused.sqlite"))
    bad = _cli("ledger", "push", "--from", str(tmp_path / "nope.sqlite"), "--to", pg_url, env=env)
    assert bad.returncode == 2 and "nope.sqlite" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    bad = _cli("ledger", "push", "--to", str(tmp_path / "x.sqlite"), env=env)
    assert bad.returncode == 2 and "postgresql://" in bad.stderr


# --- reads: the same reports from either backend ------------------------------------------


def test_reports_from_postgresql_equal_sqlite_byte_for_byte(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push
    from frugal_ai.report import build_report, parse_period, render
    from frugal_ai.report.model.provenance import tool_version

    ledger = build(tmp_path / "golden.sqlite")
    url = PostgresURL.parse(pg_url)
    push(ledger, url)
    a = build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger), gains_path=GAINS)
    b = build_report(url, parse_period("2026-Q3"), settings=settings(ledger), gains_path=GAINS)
    for lang in ("en", "fr"):
        for fmt in ("md", "json", "csv", "html"):
            assert render(a, fmt, lang) == render(b, fmt, lang), (fmt, lang)
    # ...and they are the golden files' reports: the comparison is of the real thing.
    golden = (TESTS / "golden" / "report.en.md").read_text(encoding="utf-8")
    assert render(b, "md", "en").replace(tool_version(), "<version>") == golden


def test_cli_reads_from_postgresql_as_from_the_file(pg_url: str, tmp_path: Path) -> None:
    """report, advise, gains check, ledger export and stats: same output for either ledger."""
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger.push import push

    ledger = build(tmp_path / "golden.sqlite")
    push(ledger, PostgresURL.parse(pg_url))
    commands = [
        ["report", "--period", "2026-Q3", "--format", "json", "--gains", str(GAINS)],
        ["report", "--period", "2026-Q3", "--format", "md", "--lang", "fr"],
        ["advise", "--since", "2026-07-01", "--format", "json"],
        ["gains", "check", str(GAINS)],
        ["ledger", "export", "--format", "jsonl"],
        ["ledger", "export", "--format", "csv", "--since", "2026-08-01"],
    ]
    for args in commands:
        out = []
        for where in (str(ledger), pg_url):
            r = _cli(*args, env=_env(tmp_path, where, FRUGAL_AI_COUNTRY="FR", FRUGAL_AI_PROJECT="golden"), cwd=tmp_path)
            assert r.returncode == 0, (args, r.stderr)
            out.append(r.stdout)
        assert out[0] == out[1], args
        assert out[0].strip()
    stats = []
    for where in (str(ledger), pg_url):
        r = _cli("ledger", "stats", "--format", "json", env=_env(tmp_path, where))
        assert r.returncode == 0, r.stderr
        facts = json.loads(r.stdout)
        assert facts.pop("path") == where and facts.pop("size_bytes") > 0
        stats.append(facts)
    assert stats[0] == stats[1]


def test_workload_and_tag_filters_read_the_same(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger import connect
    from frugal_ai.ledger.push import push
    from frugal_ai.ledger.query import Selection, call_groups, run_groups, workload_matches

    ledger = build(tmp_path / "golden.sqlite")
    url = PostgresURL.parse(pg_url)
    push(ledger, url)
    lite, pg = connect(ledger), connect(url)
    try:
        for workloads in (["ticket-classifier"], ["team=support"], ["evaluate", "team=data"], ["team=nobody"]):
            sel = Selection.of(workloads=workloads)
            assert [tuple(r) for r in run_groups(lite, sel)] == [tuple(r) for r in run_groups(pg, sel)]
            assert [tuple(r) for r in call_groups(lite, sel)] == [tuple(r) for r in call_groups(pg, sel)]
        for w in ("team=data", "ocr-local", "nope", 'we"ird=x'):
            assert workload_matches(lite, w) == workload_matches(pg, w)
    finally:
        lite.close()
        pg.close()


# --- the spool and its forwarder -----------------------------------------------------------


def test_four_processes_with_their_own_spools_lose_and_double_nothing(pg_server, pg_url: str,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    db = pg_url.rsplit("/", 1)[1]
    procs = []
    for k in range(4):
        home = tmp_path / f"machine{k}"
        procs.append(subprocess.Popen([sys.executable, str(CHILD), f"m{k}", "4000"], env=_env(home, pg_url),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert "warning" not in err, err
    # What a process could not send within its bounded exit (a loaded machine) waits in its
    # spool for the next process or for `ledger push`, the documented way to send it now.
    arrived = _count(pg_server, db)
    for k in range(4):
        home = tmp_path / f"machine{k}"
        pushed = _cli("ledger", "push", "--to", pg_url, env=_env(home, pg_url))
        assert pushed.returncode == 0, pushed.stderr
    assert arrived >= 4000, arrived  # most go during the run: the forwarder is woken by each write
    total, distinct_ids, distinct_calls = pg_server.query(
        db, "SELECT count(*), count(DISTINCT id), count(DISTINCT tags) FROM api_calls")[0]
    assert (total, distinct_ids, distinct_calls) == (16_000, 16_000, 16_000)
    per_child = dict(pg_server.query(db, "SELECT tags::jsonb ->> 'child', count(*) FROM api_calls GROUP BY 1"))
    assert per_child == {"m0": 4000, "m1": 4000, "m2": 4000, "m3": 4000}
    assert all(_spool_rows(tmp_path / f"machine{k}") == 0 for k in range(4))


def test_postgresql_stopped_mid_run_records_wait_then_arrive(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = pg_url.rsplit("/", 1)[1]
    stop = tmp_path / "stop"
    child = subprocess.Popen([sys.executable, str(CHILD), "steady", "1500", "--steady", str(stop)],
                             env=_env(tmp_path, pg_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: _count(pg_server, db) > 100, 60), "nothing arrived while the server was up"
        pg_server.stop("fast")
        down_at = time.monotonic()
        time.sleep(3.0)
        assert _spool_rows(tmp_path) > 0  # recording went on into the spool
        pg_server.start()
        assert time.monotonic() - down_at >= 3.0
        assert _wait_for(lambda: _count(pg_server, db) == 1500, 90), _count(pg_server, db)
    finally:
        pg_server.start() if not _server_up(pg_server) else None
        stop.touch()
        _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert pg_server.query(db, "SELECT count(DISTINCT id) FROM api_calls")[0][0] == 1500
    assert _spool_rows(tmp_path) == 0
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "kept in" in warnings[0], err  # one warning for the episode


def _server_up(server) -> bool:  # type: ignore[no-untyped-def]
    try:
        server.query("postgres", "SELECT 1")
        return True
    except Exception:
        return False


def _killed_while_the_server_is_down(server, env: dict[str, str], tag: str, n: int, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """A process records `n` calls while PostgreSQL is down, flushes them to its spool and is SIGKILLed."""
    server.stop("fast")
    try:
        child = subprocess.Popen([sys.executable, str(CHILD), tag, str(n), "--hold", str(tmp / "never")],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "flushed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
    finally:
        server.start()


def test_spool_survives_a_sigkill_and_push_sends_the_backlog(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = pg_url.rsplit("/", 1)[1]
    env = _env(tmp_path, pg_url)
    _killed_while_the_server_is_down(pg_server, env, "killed", 700, tmp_path)
    assert _spool_rows(tmp_path) == 700
    assert _count(pg_server, db) == 0
    pushed = _cli("ledger", "push", "--to", pg_url, env=env)
    assert pushed.returncode == 0, pushed.stderr
    assert "700 new" in pushed.stdout and "removed from the spool" in pushed.stdout
    assert _count(pg_server, db) == 700 and _spool_rows(tmp_path) == 0


def test_the_next_process_forwards_what_a_killed_one_left(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = pg_url.rsplit("/", 1)[1]
    env = _env(tmp_path, pg_url)
    _killed_while_the_server_is_down(pg_server, env, "first", 300, tmp_path)
    second = subprocess.run([sys.executable, str(CHILD), "second", "5"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 0, second.stderr
    assert _count(pg_server, db) == 305
    assert _spool_rows(tmp_path) == 0


def test_an_unreachable_server_never_breaks_the_program_nor_delays_its_exit(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:9/frugal"  # the discard port: nothing listens
    started = time.monotonic()
    r = subprocess.run([sys.executable, str(CHILD), "offline", "200"], env=_env(tmp_path, url), capture_output=True,
                       text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    assert elapsed < 20
    assert _spool_rows(tmp_path) == 200
    warnings = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(warnings) <= 1 and all("kept in" in w for w in warnings), r.stderr


# --- credentials ---------------------------------------------------------------------------


def test_the_password_is_in_no_output_and_no_row(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = pg_server.new_database()
    url = pg_server.url(db, user="secretive", password=SECRET)
    env = _env(tmp_path, url)
    outputs = []
    r = subprocess.run([sys.executable, str(CHILD), "secret", "50"], env=env, capture_output=True, text=True,
                       timeout=120)
    outputs += [r.stdout, r.stderr]
    assert r.returncode == 0, r.stderr
    assert _count(pg_server, db) == 50
    ledger = build(tmp_path / "golden.sqlite")
    for args in (["ledger", "push", "--from", str(ledger), "--to", url], ["ledger", "stats"],
                 ["ledger", "stats", "--format", "json"], ["report", "--period", "2026-Q3", "--format", "json"],
                 ["report", "--period", "2026-Q3"], ["doctor"], ["doctor", "--format", "json"],
                 ["ledger", "export"]):
        r = _cli(*args, env=env, cwd=tmp_path)
        assert r.returncode in (0, 1), (args, r.stderr)
        outputs += [r.stdout, r.stderr]
    # A wrong password: the error names the URL, not the password given.
    wrong = _cli("ledger", "stats", env=_env(tmp_path, pg_server.url(db, user="secretive", password="Wr0ng-" + SECRET)))
    assert wrong.returncode == 1 and "postgresql://secretive@127.0.0.1" in wrong.stderr
    outputs += [wrong.stdout, wrong.stderr]
    for text in outputs:
        assert SECRET not in text
    rows = pg_server.query(db, "SELECT string_agg(t::text, '') FROM (SELECT * FROM api_calls) t")[0][0] + \
        pg_server.query(db, "SELECT string_agg(t::text, '') FROM (SELECT * FROM runs) t")[0][0]
    assert SECRET not in rows and "secretive" not in rows
    for spool in (tmp_path / "xdg" / "frugal-ai" / "spool").glob("*"):
        assert SECRET.encode() not in spool.read_bytes() and SECRET not in spool.name


def test_password_from_pgpassword_or_the_configured_file(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = pg_server.new_database()
    url = pg_server.url(db, user="secretive")
    ledger = build(tmp_path / "golden.sqlite")
    r = _cli("ledger", "push", "--from", str(ledger), "--to", url, env=_env(tmp_path, url, PGPASSWORD=SECRET))
    assert r.returncode == 0, r.stderr
    secret_file = tmp_path / "pg.secret"
    secret_file.write_text(SECRET + "\n")
    secret_file.chmod(0o600)
    env = _env(tmp_path, url, FRUGAL_AI_LEDGER_PASSWORD_FILE=str(secret_file))
    r = _cli("ledger", "stats", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["api_call_rows"] == 154
    r = _cli("ledger", "stats", env=_env(tmp_path, url))  # no password anywhere: refused, said in one line
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "postgresql://secretive@" in r.stderr


# --- doctor --------------------------------------------------------------------------------


def test_doctor_shows_the_spool_backlog_and_whether_postgresql_answers(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = _env(tmp_path, pg_url)
    up = _cli("doctor", "--format", "json", env=env)
    assert up.returncode == 0, up.stderr
    facts = json.loads(up.stdout)["ledger"]
    assert facts["backend"] == "postgresql" and facts["reachable"] is True and facts["spool_backlog"] == 0
    down_url = "postgresql://nobody@127.0.0.1:9/frugal"
    env = _env(tmp_path, down_url)
    subprocess.run([sys.executable, str(CHILD), "doc", "40"], env=env, capture_output=True, timeout=60, check=True)
    down = _cli("doctor", "--format", "json", env=env)
    facts = json.loads(down.stdout)["ledger"]
    assert facts["reachable"] is False and facts["spool_backlog"] == 40 and facts["problem"]
    table = _cli("doctor", env=env).stdout
    assert "40" in table and "spool" in table.lower()


def test_without_a_postgresql_ledger_doctor_makes_no_connection(tmp_path: Path) -> None:
    r = _cli("doctor", "--format", "json", env=_env(tmp_path, str(tmp_path / "l.sqlite")))
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout)["ledger"]
    assert "reachable" not in facts and "spool_backlog" not in facts
