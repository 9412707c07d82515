"""Nothing finished is lost: runs from multiprocessing workers, and a SIGKILL under CPU load.

Pool workers end with os._exit or are terminated as soon as the pool is done with them, so
no exit handler runs there; and a killed process runs nothing at all. Each case runs in
fresh Python processes with real codecarbon and a real SQLite file (issue 10, cases 1 and 2).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

# The promise of docs/measurement.md: a killed process loses at most the runs that ended
# in the last LOSS_WINDOW_S before the kill, with every CPU kept busy by other processes
# (its writer thread then waits its turn: 1.40 and 1.65 s were seen on the 2-core CI machine,
# in about one run in three; a second or less with a core to spare).
LOSS_WINDOW_S = 2.5

WORKERS_SCRIPT = textwrap.dedent("""
    import concurrent.futures as cf
    import multiprocessing as mp
    import sys

    import frugal_ai

    @frugal_ai.track("task", capture_api=False)
    def tracked_fn(x):
        return x * x

    if __name__ == "__main__":
        kind = sys.argv[1]
        if kind == "fork-pool":
            with mp.get_context("fork").Pool(2) as pool:
                out = pool.map(tracked_fn, range(20))
        elif kind == "spawn-pool":
            with mp.get_context("spawn").Pool(2) as pool:
                out = pool.map(tracked_fn, range(20))
        elif kind == "fork-executor":
            with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
                out = list(ex.map(tracked_fn, range(20)))
        elif kind == "fork-pool-inside-a-run":
            with frugal_ai.track("batch", capture_api=False):
                with mp.get_context("fork").Pool(2) as pool:
                    out = pool.map(tracked_fn, range(20))
        assert out == [x * x for x in range(20)], out
        print("parent", __import__("os").getpid())
""")


def _env(ledger: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = str(ledger)
    return env


@pytest.mark.parametrize("kind", ["fork-pool", "spawn-pool", "fork-executor", "fork-pool-inside-a-run"])
def test_every_run_of_a_pool_worker_reaches_the_ledger(tmp_path: Path, kind: str) -> None:
    script = tmp_path / "workers.py"
    script.write_text(WORKERS_SCRIPT)
    ledger = tmp_path / "ledger.sqlite"
    done = subprocess.run([sys.executable, str(script), kind], env=_env(ledger), capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no warning, no traceback
    parent_pid = int(done.stdout.split()[-1])
    conn = sqlite3.connect(ledger)
    tasks = conn.execute("SELECT id, pid, status, parent_id, method, coverage FROM runs WHERE name = 'task'").fetchall()
    assert len(tasks) == 20, tasks
    assert len({t[0] for t in tasks}) == 20
    assert all(t[2] == "ok" for t in tasks), tasks
    assert all(t[1] != parent_pid for t in tasks), (parent_pid, tasks)  # each recorded with its worker's pid
    # What a worker could not measure before it was stopped is said so, never a made-up figure
    assert all(t[4] != "unavailable" or t[5] == 0.0 for t in tasks), tasks
    if kind == "fork-pool-inside-a-run":
        ((batch_id, batch_pid),) = conn.execute("SELECT id, pid FROM runs WHERE name = 'batch'").fetchall()
        assert batch_pid == parent_pid
        assert {t[3] for t in tasks} == {batch_id}  # nested in the run the pool was created in
    else:
        assert {t[3] for t in tasks} == {None}


LOOP_SCRIPT = textwrap.dedent("""
    import frugal_ai

    @frugal_ai.track("tick", capture_api=False)
    def tick():
        return sum(range(20_000))    # a few ms of CPU

    tick()                           # the first run (it loads the settings, starts the tracker)
    print("go", flush=True)
    while True:
        tick()
""")


def _runs_in(ledger: Path) -> int:
    try:
        conn = sqlite3.connect(ledger)
        try:
            return conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created yet


def _wait_for_runs(ledger: Path, more_than: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while _runs_in(ledger) <= more_than and time.monotonic() < deadline:
        time.sleep(0.1)


def _burn_cpus() -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_s", [1.5, 5.0])  # during the tracker's start-up, and after it (here)
def test_a_sigkill_under_cpu_load_loses_at_most_the_promised_window(tmp_path: Path, kill_after_s: float) -> None:
    ledger = tmp_path / "ledger.sqlite"
    burners = _burn_cpus()
    try:
        proc = subprocess.Popen([sys.executable, "-c", LOOP_SCRIPT], env=_env(ledger), stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None and proc.stdout.readline() == "go\n"
        time.sleep(kill_after_s)
        # ...and at least past the first few flushes: how many runs a starved process gets
        # through in kill_after_s depends on the load, not on frugal-ai (normally no wait).
        _wait_for_runs(ledger, 20, timeout_s=120)
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    conn = sqlite3.connect(ledger)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = conn.execute('SELECT id, "end" FROM runs').fetchall()
    assert len(rows) > 20, len(rows)
    # Run ids are this process's prefix and a counter (frugal_ai/ids.py); the meter took the
    # first for its session, and the loop's runs, one after another, took the next ones.
    counters = sorted(int(run_id[20:], 16) for run_id, _ in rows)
    assert counters == list(range(1, len(rows) + 1)), "a finished run is missing before the last one written"
    last_end = max(end for _, end in rows)
    assert killed_at - last_end <= LOSS_WINDOW_S, (killed_at - last_end, len(rows))
