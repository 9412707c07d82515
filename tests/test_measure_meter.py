"""The process's tracker, end to end in a fresh process: energy conserved, and a call that
ends before the tracker is ready still gets an energy (marked as extrapolated)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import threading, time, frugal_ai
from frugal_ai.measure.meter import meter

@frugal_ai.track("early")
def early():
    return sum(range(10_000))

early()                                   # ends long before the tracker is ready
assert meter().wait_ready(30)
with frugal_ai.track("outer"):
    time.sleep(0.3)
    with frugal_ai.track("inner"):
        time.sleep(0.2)
def worker():
    with frugal_ai.track("thread"):
        time.sleep(0.4)
ts = [threading.Thread(target=worker) for _ in range(3)]
[t.start() for t in ts]; [t.join() for t in ts]
time.sleep(0.6)                           # idle: unattributed
"""


@pytest.fixture(scope="module")
def ledger_after_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("meter") / "ledger.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = str(path)
    env["FRUGAL_AI_MEASURE_INTERVAL_S"] = "0.25"
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


def test_energy_is_conserved_per_session(ledger_after_script: Path) -> None:
    conn = sqlite3.connect(ledger_after_script)
    (total, unattributed, extrapolated) = conn.execute(
        "SELECT cpu_kwh + gpu_kwh + ram_kwh, unattributed_cpu_kwh + unattributed_gpu_kwh + unattributed_ram_kwh, "
        "extrapolated_kwh FROM sessions").fetchone()
    roots = conn.execute("SELECT sum(cpu_kwh + gpu_kwh + ram_kwh) FROM runs WHERE parent_id IS NULL").fetchone()[0]
    assert total > 0 and unattributed > 0  # there was idle time
    assert roots - extrapolated + unattributed == pytest.approx(total, rel=1e-9)


def test_every_run_is_recorded_with_energy_and_method(ledger_after_script: Path) -> None:
    conn = sqlite3.connect(ledger_after_script)
    rows = conn.execute("SELECT name, method, cpu_kwh + gpu_kwh + ram_kwh, coverage, status FROM runs").fetchall()
    names = sorted(r[0] for r in rows)
    assert names == ["early", "inner", "outer", "thread", "thread", "thread"]
    for name, method, kwh, coverage, status in rows:
        assert method != "unavailable" and kwh > 0 and status == "ok", name
        assert coverage == (0.0 if name == "early" else 1.0), name


def test_nested_energy_is_inside_its_parent(ledger_after_script: Path) -> None:
    conn = sqlite3.connect(ledger_after_script)
    outer, inner = (conn.execute("SELECT cpu_kwh + ram_kwh FROM runs WHERE name = ?", (n,)).fetchone()[0]
                    for n in ("outer", "inner"))
    assert 0 < inner < outer
