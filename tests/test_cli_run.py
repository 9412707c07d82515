"""`frugal-ai run -- COMMAND`: like `time`, plus the energy, recorded in the ledger."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _frugal(args: list[str], ledger: Path, **kw: object) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = str(ledger)
    return subprocess.run([sys.executable, "-m", "frugal_ai", *args], env=env, capture_output=True, text=True,
                          timeout=120, **kw)  # type: ignore[call-overload]


def test_exit_status_passes_through_and_the_run_is_recorded(ledger_path: Path) -> None:
    done = _frugal(["run", "--name", "job", "--tag", "team=ocr", "--tag", "k=a=b", "--",
                    sys.executable, "-c",
                    "import sys, time; time.sleep(0.3); print('out'); print('err', file=sys.stderr); sys.exit(3)"],
                   ledger_path)
    assert done.returncode == 3
    assert done.stdout == "out\n"  # the command's output, untouched
    *command_err, summary = done.stderr.strip().splitlines()
    assert command_err == ["err"]  # and its stderr: frugal-ai adds only the summary line
    assert summary.startswith("frugal-ai: 'job' exit 3,") and "Wh" in summary and "CO2e" in summary and "water" in summary
    (name, status, tags, method, kwh, duration) = sqlite3.connect(ledger_path).execute(
        'SELECT name, status, tags, method, cpu_kwh + gpu_kwh + ram_kwh, "end" - start FROM runs').fetchone()
    assert (name, status, tags) == ("job", "failed", '{"k": "a=b", "team": "ocr"}')
    assert method != "unavailable" and kwh > 0 and duration >= 0.3


def test_success_and_default_name(ledger_path: Path) -> None:
    done = _frugal(["run", "--", sys.executable, "-c", "pass"], ledger_path)
    assert done.returncode == 0, done.stderr
    name, status = sqlite3.connect(ledger_path).execute("SELECT name, status FROM runs").fetchone()
    assert status == "ok" and name == os.path.basename(sys.executable)


@pytest.mark.parametrize("args, message", [
    (["run", "--", "no-such-command-frugal"], "command not found"),
    (["run", "--tag", "novalue", "--", "true"], "KEY=VALUE"),
])
def test_bad_input_exits_2_with_one_line(ledger_path: Path, args: list[str], message: str) -> None:
    done = _frugal(args, ledger_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # the test's name says one line: check it
    assert done.stdout == ""


def test_a_command_that_cannot_start_is_not_recorded(ledger_path: Path) -> None:
    done = _frugal(["run", "--", "no-such-command-frugal"], ledger_path)
    assert done.returncode == 2
    rows = sqlite3.connect(ledger_path).execute("SELECT COUNT(*) FROM runs").fetchone()[0] if ledger_path.exists() else 0
    assert rows == 0


def test_a_bad_tag_runs_nothing_and_records_nothing(ledger_path: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    done = _frugal(["run", "--tag", "novalue", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"], ledger_path)
    assert done.returncode == 2
    assert not marker.exists()  # the command was refused before it started
    assert not ledger_path.exists()


def test_ctrl_c_stops_the_command_and_still_records(ledger_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = str(ledger_path)
    proc = subprocess.Popen([sys.executable, "-m", "frugal_ai", "run", "--name", "long", "--",
                             sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "started\n"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)  # only to frugal-ai, as a script would; a terminal sends it to both
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 20
    assert proc.returncode == 130, err
    assert "frugal-ai: 'long' exit 130" in err
    status, = sqlite3.connect(ledger_path).execute("SELECT status FROM runs WHERE name = 'long'").fetchone()
    assert status == "failed"


def test_the_command_starts_before_the_tracker_is_ready_and_its_start_is_extrapolated(ledger_path: Path) -> None:
    # The command no longer waits for codecarbon's start (hardware detection, 1-2 s on a small
    # machine): a command that ends at once finishes before the meter is ready, so it is
    # recorded with coverage below 1 and its energy extrapolated from the power measured next,
    # as for a decorated function's first run; exit status and record are as before.
    done = _frugal(["run", "--name", "quick", "--", sys.executable, "-c", "import sys; sys.exit(4)"], ledger_path)
    assert done.returncode == 4, done.stderr
    assert "extrapolated" in done.stderr.strip().splitlines()[-1]
    status, coverage, method, kwh = sqlite3.connect(ledger_path).execute(
        "SELECT status, coverage, method, cpu_kwh + gpu_kwh + ram_kwh FROM runs WHERE name = 'quick'").fetchone()
    assert status == "failed" and method != "unavailable"
    assert 0.0 <= coverage < 1.0 and kwh > 0
