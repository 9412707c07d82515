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


def test_the_session_stores_the_machine_split_and_it_adds_up(ledger_after_script: Path) -> None:
    """runs + the process outside its runs + other processes + idle = the machine, per component,
    as stored; a single thread that mostly sleeps is far from the whole of the machine."""
    conn = sqlite3.connect(ledger_after_script)
    conn.row_factory = sqlite3.Row
    s = conn.execute("SELECT * FROM sessions").fetchone()
    assert s["share_method"] in ("proc", "proc+nvml_process", "proc+gpu_whole")
    # runs' measured energy (their extrapolated part is outside the session's totals)
    runs = conn.execute("SELECT sum(cpu_kwh + gpu_kwh + ram_kwh) FROM runs WHERE parent_id IS NULL").fetchone()[0] \
        - s["extrapolated_kwh"]
    parts = {"runs": runs}
    for part in ("others", "idle"):
        parts[part] = sum(s[f"{part}_{c}_kwh"] for c in ("cpu", "gpu", "ram"))
    parts["own_outside_runs"] = sum(s[f"unattributed_{c}_kwh"] for c in ("cpu", "gpu", "ram")) - parts["others"] \
        - parts["idle"]
    for c in ("cpu", "gpu", "ram"):
        assert 0 <= s[f"others_{c}_kwh"] + s[f"idle_{c}_kwh"] <= s[f"unattributed_{c}_kwh"] + 1e-15, c
    assert all(v >= 0 for v in parts.values()), parts
    assert sum(parts.values()) == pytest.approx(s["cpu_kwh"] + s["gpu_kwh"] + s["ram_kwh"], rel=1e-9)
    assert s["others_cpu_kwh"] + s["idle_cpu_kwh"] > 0.2 * s["cpu_kwh"]  # the rest of the machine is not ours
    assert s["idle_ram_kwh"] > 0  # some memory is not in use


def test_nested_energy_is_inside_its_parent(ledger_after_script: Path) -> None:
    conn = sqlite3.connect(ledger_after_script)
    outer, inner = (conn.execute("SELECT cpu_kwh + ram_kwh FROM runs WHERE name = ?", (n,)).fetchone()[0]
                    for n in ("outer", "inner"))
    assert 0 < inner < outer


# -- The meter's logic in-process, with a source giving fixed readings ----------------------------
# The source's counters advance with a fake clock at a constant power: 3.6 kW CPU, 7.2 kW GPU and
# 0.36 kW RAM, i.e. 0.001, 0.002 and 0.0001 kWh per second. The source starts at t = 100 s.

import warnings  # noqa: E402

from frugal_ai import ledger  # noqa: E402
from frugal_ai.config import Settings  # noqa: E402
from frugal_ai.ledger.notice import FrugalAIWarning  # noqa: E402
from frugal_ai.ledger.records import RunRecord  # noqa: E402
from frugal_ai.measure.attribution import Span  # noqa: E402
from frugal_ai.measure.energy_source import EnergySourceError, Reading  # noqa: E402
from frugal_ai.measure.meter import Meter  # noqa: E402
from frugal_ai.measure.process_share import MachineShare  # noqa: E402

PER_S = (0.001, 0.002, 0.0001)  # kWh per second of each component


class Clock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


class FixedPowerSource:
    """Counters that advance with the clock at fixed power (the way Zeus's tests fake NVML)."""

    method = "rapl+nvml+ram_model"

    def __init__(self, clock: Clock, fail: bool = False) -> None:
        self.clock, self.fail, self.t0, self.reads = clock, fail, 0.0, 0

    def _at(self, t: float) -> Reading:
        s = t - self.t0
        return Reading(PER_S[0] * s, PER_S[1] * s, PER_S[2] * s, t)

    def start(self) -> Reading:
        if self.fail:
            raise EnergySourceError("no meters in this test")
        self.t0 = self.clock()
        return self._at(self.t0)

    def read(self) -> Reading:
        self.reads += 1
        return self._at(self.clock())

    def stop(self) -> Reading | None:
        return self._at(self.clock())


def _meter(clock: Clock, fail: bool = False) -> tuple[Meter, FixedPowerSource]:
    source = FixedPowerSource(clock, fail)
    m = Meter(lambda settings: source, share_factory=MachineShare, clock=clock, sleep=clock.sleep, background=False)
    return m, source


def _running() -> tuple[Clock, Meter]:
    """A meter whose source started at t = 100 s."""
    clock = Clock()
    m, _ = _meter(clock)
    m.ensure_started(Settings())
    return clock, m


def _span(m: Meter, name: str, start: float, end: float | None = None, parent: Span | None = None) -> Span:
    rec = RunRecord(id=name, name=name, start=start, end=0.0, parent_id=parent.id if parent else None)
    span = Span(name, start, parent=parent, record=rec)
    m.open_span(span)
    if end is not None:
        _end(m, span, end)
    return span


def _end(m: Meter, span: Span, end: float) -> None:
    span.end_pc = end
    assert span.record is not None
    span.record.end = end
    m.close_span(span)


def _energy(span: Span) -> tuple[float, float, float]:
    rec = span.record
    assert rec is not None
    return rec.cpu_kwh, rec.gpu_kwh, rec.ram_kwh


def _at(clock: Clock, m: Meter, t: float) -> None:
    clock.t = t
    m.measure()


def test_a_run_gets_its_overlap_of_the_interval_and_the_idle_rest_is_unattributed() -> None:
    clock, m = _running()
    run = _span(m, "r", 100.25, 100.75)
    _at(clock, m, 101.0)
    assert _energy(run) == pytest.approx(tuple(p * 0.5 for p in PER_S))
    assert run.record.method == "rapl+nvml+ram_model" and run.record.coverage == 1.0
    assert m.unattributed == pytest.approx([p * 0.5 for p in PER_S])
    assert m.measured == pytest.approx(list(PER_S))


def test_a_run_is_submitted_only_once_an_interval_after_its_end_is_measured(ledger_path) -> None:
    clock, m = _running()
    run = _span(m, "late", 100.5, 101.5)
    _at(clock, m, 101.0)
    assert m.roots == [run] and run.record.method == "unavailable"  # not final yet: not submitted
    _at(clock, m, 102.0)
    assert m.roots == []
    assert _energy(run) == pytest.approx(tuple(p * 1.0 for p in PER_S))
    ledger.flush()
    rows = sqlite3.connect(ledger_path).execute("SELECT id, method, cpu_kwh, coverage FROM runs").fetchall()
    assert rows == [("late", "rapl+nvml+ram_model", pytest.approx(0.001), 1.0)]


def test_runs_before_the_source_was_ready_are_extrapolated_from_the_first_measured_power() -> None:
    clock = Clock(99.0)
    m, _ = _meter(clock)
    early = _span(m, "early", 99.0, 99.2)       # over before the source starts
    straddling = _span(m, "straddling", 99.5)   # still running when it starts
    clock.t = 100.0
    m.ensure_started(Settings())
    _end(m, straddling, 100.5)
    _at(clock, m, 100.25)  # 0.25 s measured: not enough for a mean power yet
    assert early.record.method == "unavailable" and m.power_kw is None
    _at(clock, m, 101.0)   # 1 s measured: the power is known, the early window gets it
    assert m.power_kw == pytest.approx(tuple(p * 3600 for p in PER_S))
    assert _energy(early) == pytest.approx(tuple(p * 0.2 for p in PER_S))
    assert early.record.coverage == 0.0 and early.record.method == "rapl+nvml+ram_model"
    # 0.5 s extrapolated + 0.5 s measured (the straddling run was alone in both)
    assert _energy(straddling) == pytest.approx(tuple(p * 1.0 for p in PER_S))
    assert straddling.record.coverage == pytest.approx(0.5)
    assert m.extrapolated_kwh == pytest.approx(sum(PER_S) * 0.7)
    # Conservation: roots - extrapolated + unattributed = measured
    roots = sum(_energy(early)) + sum(_energy(straddling))
    assert roots - m.extrapolated_kwh + sum(m.unattributed) == pytest.approx(sum(m.measured))


def test_nested_runs_share_their_parents_energy() -> None:
    clock, m = _running()
    parent = _span(m, "parent", 100.0)
    child = _span(m, "child", 100.25, 100.75, parent=parent)
    _at(clock, m, 100.9)
    assert child.record.method == "rapl+nvml+ram_model"  # final: it ended before the reading
    assert parent.record.method == "unavailable"         # still running
    _end(m, parent, 101.0)
    _at(clock, m, 101.0)
    assert _energy(parent) == pytest.approx(PER_S)
    assert _energy(child) == pytest.approx(tuple(p * 0.5 for p in PER_S))
    assert sum(m.unattributed) == pytest.approx(0.0)


def test_overlapping_runs_split_the_busy_time_by_overlap() -> None:
    clock, m = _running()
    a = _span(m, "a", 100.0, 101.0)
    b = _span(m, "b", 100.5, 101.0)
    _at(clock, m, 101.0)
    assert _energy(a) == pytest.approx(tuple(p * 2 / 3 for p in PER_S))
    assert _energy(b) == pytest.approx(tuple(p * 1 / 3 for p in PER_S))
    assert sum(m.unattributed) == pytest.approx(0.0)


def test_a_reading_that_does_not_advance_measures_nothing() -> None:
    clock, m = _running()
    _at(clock, m, 100.5)
    _at(clock, m, 100.5)  # asked again at once: the same instant
    assert m.measured_s == pytest.approx(0.5) and m.measured == pytest.approx([p * 0.5 for p in PER_S])


def test_a_failed_start_records_runs_as_unavailable_after_one_warning(ledger_path) -> None:
    clock = Clock()
    m, _ = _meter(clock, fail=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = _span(m, "before", 99.0, 99.5)
        m.ensure_started(Settings())
        after = _span(m, "after", 100.0, 100.5)
        m.measure()
        m.settle()
    ours = [w for w in caught if issubclass(w.category, FrugalAIWarning)]
    assert len(ours) == 1 and "cannot measure energy here" in str(ours[0].message), ours
    assert m.state == "failed" and m.roots == []
    for span in (before, after):
        assert span.record.method == "unavailable" and span.record.coverage == 0.0 and sum(_energy(span)) == 0
    rows = sqlite3.connect(ledger_path).execute("SELECT id, method, status FROM runs ORDER BY id").fetchall()
    assert rows == [("after", "unavailable", "ok"), ("before", "unavailable", "ok")]


def test_shutdown_ends_open_runs_as_failed_and_writes_the_session(ledger_path) -> None:
    clock = Clock()
    m, source = _meter(clock)
    m.ensure_started(Settings())
    done = _span(m, "done", 100.0, 100.5)
    open_ = _span(m, "open", 100.5)
    clock.t = 101.0
    m.shutdown()
    assert m.state == "stopped" and m.roots == []
    assert done.record.status == "ok" and open_.record.status == "failed"
    assert _energy(open_) == pytest.approx(tuple(p * 0.5 for p in PER_S))
    rows = sqlite3.connect(ledger_path).execute(
        "SELECT cpu_kwh, unattributed_cpu_kwh, method FROM sessions").fetchall()
    assert rows == [(pytest.approx(0.001), pytest.approx(0.0), "rapl+nvml+ram_model")]


def _rows(ledger_path) -> list[tuple]:
    return sqlite3.connect(ledger_path).execute(
        "SELECT id, method, round(cpu_kwh, 9), coverage FROM runs ORDER BY id").fetchall()


def test_a_run_that_ends_before_the_source_is_ready_is_written_at_once_then_again_when_final(ledger_path) -> None:
    clock = Clock(99.0)
    m, _ = _meter(clock)
    m.state = "starting"  # as while the source detects hardware in the background
    early = _span(m, "early", 99.0, 99.5)
    ledger.flush()  # the writer thread's next batch
    assert _rows(ledger_path) == [("early", "unavailable", 0.0, 0.0)]  # provisional: nothing measured yet
    assert early.record.method == "unavailable" and not early.final  # the meter's own record is untouched
    m.state = "idle"
    clock.t = 100.0
    m.ensure_started(Settings())
    _at(clock, m, 100.5)
    ledger.flush()
    assert _rows(ledger_path) == [("early", "rapl+nvml+ram_model", 0.0005, 0.0)]  # final: extrapolated


def test_a_provisional_copy_never_follows_the_final_record(ledger_path) -> None:
    clock, m = _running()
    run = _span(m, "r", 100.0, 100.5)
    _at(clock, m, 101.0)
    assert run.final
    m._submit_provisional(run)  # a caller's close_span that lost the race with the meter thread
    ledger.flush()
    assert _rows(ledger_path) == [("r", "rapl+nvml+ram_model", 0.0005, 1.0)]


def test_in_a_multiprocessing_worker_a_top_level_run_is_in_the_ledger_when_it_returns(ledger_path) -> None:
    clock = Clock()
    m, _ = _meter(clock)
    m.in_worker = True
    m.ensure_started(Settings())
    parent = _span(m, "parent", 100.0)
    _span(m, "child", 100.1, 100.2, parent=parent)
    _end(m, parent, 100.3)  # no flush, no reading: the worker may be terminated right now
    assert _rows(ledger_path) == [("child", "unavailable", 0.0, 0.0), ("parent", "unavailable", 0.0, 0.0)]
    _at(clock, m, 101.0)  # the worker lived on: final figures replace the provisional ones
    ledger.flush()
    assert _rows(ledger_path) == [("child", "rapl+nvml+ram_model", 0.0001, 1.0),
                                  ("parent", "rapl+nvml+ram_model", 0.0003, 1.0)]
