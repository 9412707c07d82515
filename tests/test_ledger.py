"""The ledger writer: batched, non-blocking, durable, and harmless when the file is bad."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

import frugal_ai.ledger as ledger
from frugal_ai.errors import InputError
from frugal_ai.ledger import ApiCallRecord, RunRecord, SessionRecord
from frugal_ai.ledger.notice import FrugalAIWarning, forget
from frugal_ai.ledger.schema import SCHEMA_VERSION


@pytest.fixture()
def ledger_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(path))
    ledger.reset()
    forget()
    yield path
    ledger.reset()


def _run(i: int | str, **kw: object) -> RunRecord:
    now = time.time()
    return RunRecord(id=f"run-{i}", name="job", start=now - 1, end=now, **kw)  # type: ignore[arg-type]


def test_submitted_records_are_written_by_flush(ledger_file: Path) -> None:
    ledger.submit(_run(1, tags={"team": "ocr", "é": "ü"}, cpu_kwh=1e-6, gpu_kwh=2e-6, ram_kwh=3e-7, method="rapl+ram_model"))
    ledger.submit(ApiCallRecord(id="call-1", provider="openai", model="gpt-4o-mini", start=1.0, end=2.0,
                                input_tokens=10, output_tokens=20, run_id="run-1", local=True))
    assert ledger.flush() == 2
    conn = ledger.connect(ledger_file)
    row = conn.execute("SELECT name, tags, method, cpu_kwh, gpu_kwh, ram_kwh FROM runs WHERE id='run-1'").fetchone()
    assert row[0] == "job" and json.loads(row[1]) == {"team": "ocr", "é": "ü"}
    assert row[2:] == ("rapl+ram_model", 1e-6, 2e-6, 3e-7)
    call = conn.execute("SELECT run_id, input_tokens, output_tokens, local FROM api_calls").fetchone()
    assert call == ("run-1", 10, 20, 1)


def test_background_thread_writes_without_an_explicit_flush(ledger_file: Path) -> None:
    # Nothing here calls flush(): only the writer's own thread can put the row in. The loss bound
    # (<= one flush interval) is checked against a real SIGKILL in test_reliability; a tight wall-clock
    # bound here would flake on a loaded 2-core machine.
    ledger.submit(_run("bg"))
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if ledger_file.exists() and ledger.connect(ledger_file).execute("SELECT count(*) FROM runs").fetchone()[0]:
            break
        time.sleep(0.05)
    assert ledger.connect(ledger_file).execute("SELECT id FROM runs").fetchall() == [("run-bg",)]


def test_submit_does_not_block_on_a_locked_ledger(ledger_file: Path) -> None:
    ledger.submit(_run(0))
    ledger.flush()
    blocker = sqlite3.connect(ledger_file, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    # The lock is held until we release it below, so the submits can only finish if none of them
    # waits for it (no wall-clock threshold: a submit that blocked would never finish here).
    submitted = threading.Event()

    def submit_all() -> None:
        for i in range(1, 1001):
            ledger.submit(_run(i))
        submitted.set()

    threading.Thread(target=submit_all, daemon=True).start()
    finished = submitted.wait(30)
    assert blocker.in_transaction
    if not finished:
        blocker.execute("COMMIT")
    assert finished, "submit() waited for a locked ledger"
    threading.Timer(0.8, lambda: blocker.execute("COMMIT")).start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a busy ledger is retried, not reported
        ledger.flush()
    time.sleep(0.1)
    ledger.flush()
    assert ledger.connect(ledger_file).execute("SELECT count(*) FROM runs").fetchone()[0] == 1001


def test_ledger_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.reset()
    for name in ("a", "b"):
        monkeypatch.setenv("FRUGAL_AI_LEDGER", str(tmp_path / f"{name}.sqlite"))
        ledger.submit(_run(name))
    ledger.flush()
    assert ledger.connect(tmp_path / "a.sqlite").execute("SELECT id FROM runs").fetchall() == [("run-a",)]
    assert ledger.connect(tmp_path / "b.sqlite").execute("SELECT id FROM runs").fetchall() == [("run-b",)]
    ledger.reset()


def test_runs_can_be_rewritten_and_calls_are_written_once(ledger_file: Path) -> None:
    ledger.submit(_run(1, cpu_kwh=1.0))
    ledger.submit(_run(1, cpu_kwh=2.0))
    call = ApiCallRecord(id="c", provider="p", model="m", start=1, end=2)
    ledger.submit(call)
    ledger.submit(call)
    ledger.submit(SessionRecord(id="s", start=1, end=2, cpu_kwh=3.0, unattributed_cpu_kwh=1.0))
    ledger.flush()
    conn = ledger.connect(ledger_file)
    assert conn.execute("SELECT cpu_kwh FROM runs").fetchall() == [(2.0,)]
    assert conn.execute("SELECT count(*) FROM api_calls").fetchone() == (1,)
    assert conn.execute("SELECT cpu_kwh, unattributed_cpu_kwh FROM sessions").fetchone() == (3.0, 1.0)


def test_a_call_without_id_gets_one_from_the_writer_kept_across_a_retry(ledger_file: Path) -> None:
    # The capture leaves ids to the writer thread; a batch written twice keeps its ids.
    first, second = (ApiCallRecord(id="", provider="p", model="m", start=1, end=2) for _ in range(2))
    ledger.submit(first)
    ledger.submit(second)
    ledger.flush()
    assert first.id and second.id and first.id != second.id
    given = first.id
    ledger.submit(first)  # as a retried batch would: same record, same id, not a second row
    ledger.flush()
    assert first.id == given
    ids = [r[0] for r in ledger.connect(ledger_file).execute("SELECT id FROM api_calls ORDER BY id")]
    assert ids == sorted([first.id, second.id])


def test_schema_is_versioned_and_wal(ledger_file: Path) -> None:
    ledger.submit(_run(1))
    ledger.flush()
    conn = sqlite3.connect(ledger_file)
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_version_1_ledger_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    schema = (Path(ledger.__file__).parent / "schema.sql").read_text()
    old = sqlite3.connect(path)
    old.executescript(schema)
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    old.execute("INSERT INTO runs (id, name, project, start, \"end\", status, method) "
                "VALUES ('r', 'n', 'p', 1, 2, 'ok', 'rapl')")
    old.commit()
    old.close()
    conn = ledger.connect(path)
    assert conn.execute("SELECT id, coverage FROM runs").fetchall() == [("r", 1.0)]
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def test_reading_a_missing_ledger_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ledger.sqlite"
    conn = ledger.connect(path)
    assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    assert not path.exists() and not path.parent.exists()


def test_corrupt_ledger_one_warning_program_goes_on_file_untouched(ledger_file: Path) -> None:
    ledger_file.write_bytes(b"this is not a database, just some text " * 200)
    digest = hashlib.sha256(ledger_file.read_bytes()).hexdigest()
    with pytest.warns(FrugalAIWarning, match="cannot write the ledger") as caught:
        for i in range(3):
            ledger.submit(_run(i))
            ledger.flush()
    assert len([w for w in caught if issubclass(w.category, FrugalAIWarning)]) == 1
    assert hashlib.sha256(ledger_file.read_bytes()).hexdigest() == digest
    with pytest.raises(InputError, match=str(ledger_file)):
        ledger.connect(ledger_file)


def _unwritable_ledger(tmp_path: Path) -> Path:
    """A ledger path whose folder cannot be written: a read-only folder, or (as root, who
    ignores permissions) a folder under /proc, which nobody can create."""
    if os.geteuid() == 0:
        return Path("/proc/frugal-ai-test/ledger.sqlite")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "ledger.sqlite"


def test_read_only_folder_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _unwritable_ledger(tmp_path)
    try:
        monkeypatch.setenv("FRUGAL_AI_LEDGER", str(path))
        ledger.reset()
        forget()
        with pytest.warns(FrugalAIWarning, match="cannot write the ledger") as caught:
            for i in range(3):
                ledger.submit(_run(i))
                ledger.flush()
        assert len(caught) == 1
        assert not path.exists()
    finally:
        path.parent.chmod(0o755) if path.parent.is_relative_to(tmp_path) else None
        ledger.reset()


def test_records_queued_at_exit_are_written(tmp_path: Path) -> None:
    path = tmp_path / "exit.sqlite"
    code = ("import time, frugal_ai.ledger as L\n"
            "from frugal_ai.ledger import RunRecord\n"
            "for i in range(50): L.submit(RunRecord(id=str(i), name='x', start=time.time(), end=time.time()))\n")
    env = {**os.environ, "FRUGAL_AI_LEDGER": str(path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert ledger.connect(path).execute("SELECT count(*) FROM runs").fetchone() == (50,)


def test_threads_and_processes_share_one_ledger(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    code = ("import sys, threading, time, frugal_ai.ledger as L\n"
            "from frugal_ai.ledger import RunRecord\n"
            "p = sys.argv[1]\n"
            "def work(t):\n"
            "    for i in range(200):\n"
            "        L.submit(RunRecord(id=f'{p}-{t}-{i}', name='x', start=time.time(), end=time.time()))\n"
            "ts = [threading.Thread(target=work, args=(t,)) for t in range(3)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n")
    env = {**os.environ, "FRUGAL_AI_LEDGER": str(path)}
    procs = [subprocess.Popen([sys.executable, "-W", "error::UserWarning", "-c", code, str(p)], env=env,
                              stderr=subprocess.PIPE, text=True) for p in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    assert not any("locked" in e for e in errors), errors
    assert ledger.connect(path).execute("SELECT count(*) FROM runs").fetchone() == (1800,)


_TRACK_ONE = ("import frugal_ai\n"
              "with frugal_ai.track('located'):\n"
              "    pass\n")
# The same path resolution without starting codecarbon (a second per process): what a captured API call does.
_SUBMIT_ONE = ("import time, frugal_ai.ledger as L\n"
               "L.submit(L.RunRecord(id='x', name='located', start=time.time(), end=time.time()))\n")


def _track_one_in(cwd: Path, code: str = _TRACK_ONE, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env.update(FRUGAL_AI_MEASURE_INTERVAL_S="0.25", **env_extra)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def _names(path: Path) -> list[str]:
    return [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM runs")]


def test_ledger_location_default_then_config_then_environment(tmp_path: Path) -> None:
    """Where a tracked run lands (issue 3): $XDG_DATA_HOME/frugal-ai/ledger.sqlite by default, the
    config's `ledger` key when set, FRUGAL_AI_LEDGER above both."""
    xdg = tmp_path / "xdg"
    work = tmp_path / "project"
    work.mkdir()
    done = _track_one_in(work, XDG_DATA_HOME=str(xdg))
    assert done.returncode == 0, done.stderr
    assert _names(xdg / "frugal-ai" / "ledger.sqlite") == ["located"]

    from_config = tmp_path / "from-config.sqlite"
    (work / "frugal-ai.toml").write_text(f"ledger = {json.dumps(str(from_config))}\n", encoding="utf-8")
    done = _track_one_in(work, _SUBMIT_ONE, XDG_DATA_HOME=str(xdg))
    assert done.returncode == 0, done.stderr
    assert _names(from_config) == ["located"]
    assert _names(xdg / "frugal-ai" / "ledger.sqlite") == ["located"]  # the default was not written again

    from_env = tmp_path / "from-env.sqlite"
    done = _track_one_in(work, _SUBMIT_ONE, XDG_DATA_HOME=str(xdg), FRUGAL_AI_LEDGER=str(from_env))
    assert done.returncode == 0, done.stderr
    assert _names(from_env) == ["located"] and _names(from_config) == ["located"]


def test_a_bad_config_file_does_not_break_a_tracked_program(tmp_path: Path) -> None:
    """A typo in the config is one warning; the run still goes to the ledger named by the environment."""
    (tmp_path / "frugal-ai.toml").write_text('contry = "FR"\n', encoding="utf-8")
    path = tmp_path / "l.sqlite"
    done = _track_one_in(tmp_path, FRUGAL_AI_LEDGER=str(path))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings_ = [line for line in done.stderr.splitlines() if line.startswith("frugal-ai: warning:")]
    assert len(warnings_) >= 1 and all("contry" in w for w in warnings_), done.stderr
    assert _names(path) == ["located"]
