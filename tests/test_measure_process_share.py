"""Per-process attribution: the machine's energy is split among processes before runs.

The meter's logic in-process, with a source of fixed power and fixed shares; the /proc reader
on a fake /proc tree and on the real one; the NVML reader on a fake NVML module.
"""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from frugal_ai import ledger
from frugal_ai.config import Settings
from frugal_ai.ledger.query import Selection, machine_split
from frugal_ai.ledger.notice import FrugalAIWarning
from frugal_ai.ledger.records import RunRecord, SessionRecord
from frugal_ai.measure.attribution import Span
from frugal_ai.measure.meter import Meter
from frugal_ai.measure.process_share import (
    WHOLE, NvmlProcessShare, ProcShare, Shares, gpu_share, machine_jiffies, process_jiffies, share_methods,
)

# The machine's counters at fixed power, the clock, and a run's energy: as in the meter's tests.
from test_measure_meter import PER_S, Clock, FixedPowerSource, _energy  # noqa: E402


class FakeShare:
    """Fixed shares, one per read (the last one repeats)."""

    method = "fake"

    def __init__(self, *shares: Shares, fail_read: bool = False) -> None:
        self.shares, self.fail_read, self.reads, self.started = list(shares), fail_read, 0, False

    def start(self) -> None:
        self.started = True

    def read(self) -> Shares:
        self.reads += 1
        if self.fail_read:
            raise OSError("no /proc here")
        return self.shares.pop(0) if len(self.shares) > 1 else self.shares[0]


def _meter(clock: Clock, share: FakeShare) -> Meter:
    m = Meter(lambda settings: FixedPowerSource(clock), share_factory=lambda: share, clock=clock,
              sleep=clock.sleep, background=False)
    m.ensure_started(Settings())
    return m


def _run(m: Meter, name: str, start: float, end: float) -> Span:
    span = Span(name, start, record=RunRecord(id=name, name=name, start=start, end=end))
    m.open_span(span)
    span.end_pc = end
    m.close_span(span)
    return span


def _measure_at(clock: Clock, meters: list[Meter], *times: float) -> None:
    for t in times:
        clock.t = t
        for m in meters:
            m.measure()


def test_a_run_gets_its_process_share_of_the_machine_and_the_rest_is_unattributed() -> None:
    clock = Clock()
    m = _meter(clock, FakeShare(Shares(0.25, 0.5, 0.1)))
    run = _run(m, "r", 100.0, 101.0)
    _measure_at(clock, [m], 101.0)
    assert _energy(run) == pytest.approx((0.001 * 0.25, 0.002 * 0.5, 0.0001 * 0.1))
    assert m.measured == pytest.approx(list(PER_S))  # the session still holds the machine's total
    assert m.process_kwh == pytest.approx([0.00025, 0.001, 0.00001])
    assert m.others_kwh == pytest.approx([0.00075, 0.001, 0.00009])
    assert m.unattributed == pytest.approx(m.others_kwh)  # the run covered the whole interval
    assert sum(_energy(run)) + sum(m.unattributed) == pytest.approx(sum(m.measured))


def test_the_rest_is_split_into_other_processes_and_idle_and_stored_so(ledger_path: Path) -> None:
    clock = Clock()
    m = _meter(clock, FakeShare(Shares(0.25, 0.5, 0.1, cpu_idle=0.5, gpu_idle=0.0, ram_idle=0.6)))
    run = _run(m, "r", 100.0, 100.5)  # half the interval: the other half of our share is ours, outside runs
    _measure_at(clock, [m], 101.0)
    assert m.idle_kwh == pytest.approx([0.0005, 0.0, 0.00006])
    assert m.others_kwh == pytest.approx([0.00025, 0.001, 0.00003])
    m.settle()  # measures once more (no run open: all of our share is outside runs), writes the session
    conn = sqlite3.connect(ledger_path)
    conn.row_factory = sqlite3.Row
    s = conn.execute("SELECT * FROM sessions").fetchone()
    assert s["share_method"] == "fake"
    assert [s["idle_cpu_kwh"], s["idle_gpu_kwh"], s["idle_ram_kwh"]] == pytest.approx(m.idle_kwh)
    assert [s["others_cpu_kwh"], s["others_gpu_kwh"], s["others_ram_kwh"]] == pytest.approx(m.others_kwh)
    split = machine_split(conn, Selection())
    assert split is not None and split["sessions"] == 1
    seconds = m.measured_s  # seconds measured, at PER_S kWh per second of each component
    assert split["machine_kwh"] == pytest.approx(sum(PER_S) * seconds)
    assert split["runs_kwh"] == pytest.approx(sum(_energy(run)))
    assert split["process_outside_runs_kwh"] == pytest.approx((0.001 * 0.25 + 0.002 * 0.5 + 0.0001 * 0.1) * seconds
                                                              - sum(_energy(run)))
    assert split["others_kwh"] == pytest.approx((0.00025 + 0.001 + 0.00003) * seconds)
    assert split["idle_kwh"] == pytest.approx((0.0005 + 0.00006) * seconds)
    parts = ("runs_kwh", "process_outside_runs_kwh", "others_kwh", "idle_kwh")
    assert sum(split[k] for k in parts) == pytest.approx(split["machine_kwh"])


def test_sessions_from_before_the_split_are_left_out_of_it(ledger_path: Path) -> None:
    ledger.submit(SessionRecord(id="old", start=1.0, end=2.0, cpu_kwh=1.0, unattributed_cpu_kwh=1.0))
    ledger.flush()
    assert machine_split(sqlite3.connect(ledger_path), Selection()) is None  # unknown, not zero


def test_idle_time_inside_the_process_share_is_unattributed_too() -> None:
    clock = Clock()
    m = _meter(clock, FakeShare(Shares(0.5, 0.5, 0.5)))
    run = _run(m, "r", 100.0, 100.5)
    _measure_at(clock, [m], 101.0)
    assert _energy(run) == pytest.approx(tuple(p * 0.5 * 0.5 for p in PER_S))
    assert m.unattributed == pytest.approx([p * 0.75 for p in PER_S])


def test_four_processes_with_their_shares_add_up_to_the_machine_not_four_times_it() -> None:
    clock = Clock()
    shares = [Shares(0.4, 0.1, 0.2), Shares(0.3, 0.2, 0.2), Shares(0.2, 0.3, 0.2), Shares(0.1, 0.4, 0.4)]
    meters = [_meter(clock, FakeShare(s)) for s in shares]
    runs = [_run(m, f"p{i}", 100.0, 102.0) for i, m in enumerate(meters)]
    _measure_at(clock, meters, 101.0, 102.0)
    for c in range(3):
        assert sum(_energy(r)[c] for r in runs) == pytest.approx(PER_S[c] * 2)


def test_each_interval_has_its_own_share() -> None:
    clock = Clock()
    m = _meter(clock, FakeShare(Shares(1.0, 0.0, 0.0), Shares(0.0, 1.0, 0.0)))
    run = _run(m, "r", 100.0, 102.0)
    _measure_at(clock, [m], 101.0, 102.0)
    assert _energy(run) == pytest.approx((0.001, 0.002, 0.0))


def test_a_reading_that_brings_no_new_interval_reads_no_share() -> None:
    clock = Clock()
    share = FakeShare(Shares(0.5, 0.5, 0.5))
    m = _meter(clock, share)
    clock.t = 100.5
    m.measure()
    m.measure()  # the same instant: no interval, the share's baseline must not move
    assert share.reads == 1 and share.started


def test_runs_before_the_source_was_ready_get_the_process_power_not_the_machine_power() -> None:
    clock = Clock(99.0)
    m = Meter(lambda settings: FixedPowerSource(clock), share_factory=lambda: FakeShare(Shares(0.5, 0.25, 0.1)),
              clock=clock, sleep=clock.sleep, background=False)
    early = Span("early", 99.0, record=RunRecord(id="early", name="early", start=99.0, end=99.5))
    m.open_span(early)
    early.end_pc = 99.5
    m.close_span(early)
    clock.t = 100.0
    m.ensure_started(Settings())
    _measure_at(clock, [m], 101.0)
    assert _energy(early) == pytest.approx((0.001 * 0.5 * 0.5, 0.002 * 0.25 * 0.5, 0.0001 * 0.1 * 0.5))


def test_a_share_that_cannot_be_read_charges_the_interval_whole_after_one_warning() -> None:
    clock = Clock()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = _meter(clock, FakeShare(WHOLE, fail_read=True))
        run = _run(m, "r", 100.0, 102.0)
        _measure_at(clock, [m], 101.0, 102.0)
    ours = [w for w in caught if issubclass(w.category, FrugalAIWarning)]
    assert len(ours) == 1 and "share of the machine" in str(ours[0].message)
    assert _energy(run) == pytest.approx(tuple(p * 2 for p in PER_S))


def test_a_share_that_cannot_start_falls_back_to_the_whole_machine() -> None:
    clock = Clock()

    def broken() -> FakeShare:
        raise PermissionError("/proc/stat")

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        m = Meter(lambda settings: FixedPowerSource(clock), share_factory=broken, clock=clock,
                  sleep=clock.sleep, background=False)
        m.ensure_started(Settings())
    assert m.state == "running" and m.share.method == "machine"


# -- /proc ---------------------------------------------------------------------------------------
def test_machine_jiffies_sums_busy_and_idle_but_not_guest_twice() -> None:
    assert machine_jiffies("cpu  10 1 5 100 2 0 1 3 7 1\ncpu0 5 0 2 50 1 0 0 1 3 0\n") == 10 + 1 + 5 + 100 + 2 + 0 + 1 + 3


def test_process_jiffies_reads_utime_and_stime_whatever_the_name() -> None:
    fields = ["S"] + [str(i) for i in range(4, 53)]  # field n holds n (utime: 14, stime: 15, starttime: 22)
    assert process_jiffies("42 (a) b (c) " + " ".join(fields)) == (14 + 15, 22)


def _stat(utime: int, stime: int, start: int) -> str:
    fields = ["S"] + ["0"] * 49
    fields[11], fields[12], fields[19] = str(utime), str(stime), str(start)
    return "1 (x) " + " ".join(fields)


def _fake_proc(root: Path, machine: int, procs: dict[int, tuple[int, int, int]], children: dict[int, list[int]]) -> None:
    root.mkdir(exist_ok=True)
    (root / "stat").write_text(f"cpu  {machine} 0 0 0 0 0 0 0 0 0\n")
    (root / "meminfo").write_text("MemTotal:       1000 kB\nMemFree: 10 kB\n")
    for pid, (ticks, start, rss_pages) in procs.items():
        task = root / str(pid) / "task" / str(pid)
        task.mkdir(parents=True, exist_ok=True)
        (root / str(pid) / "stat").write_text(_stat(ticks, 0, start))
        (root / str(pid) / "statm").write_text(f"999 {rss_pages} 0 0 0 0 0\n")
        (task / "children").write_text(" ".join(str(c) for c in children.get(pid, [])))


def test_proc_share_counts_the_process_and_its_descendants(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    page = os.sysconf("SC_PAGE_SIZE")
    _fake_proc(proc, 1000, {10: (100, 1, 0), 11: (50, 2, 0), 99: (500, 1, 0)}, {10: [11]})
    share = ProcShare(10, proc=str(proc))
    share.start()
    # next interval: the machine did 400 ticks; we (10) 60, our child (11) 20, a new grandchild (12) 20;
    # pid 99 (not ours) the rest
    pages = 1000 * 1024 // page // 4  # a quarter of MemTotal, over the tree
    _fake_proc(proc, 1400, {10: (160, 1, pages), 11: (70, 2, 0), 12: (20, 9, 0), 99: (800, 1, 0)}, {10: [11], 11: [12]})
    got = share.read()
    assert got.cpu == pytest.approx(100 / 400)
    assert got.ram == pytest.approx(pages * page / (1000 * 1024))
    assert got.gpu == 1.0 and not got.gpu_per_process  # no NVML given: the device stays whole
    # the child ended; its pid was reused by an unrelated process of ours started later
    _fake_proc(proc, 1800, {10: (200, 1, 0), 11: (5, 50, 0)}, {10: [11], 11: []})
    assert share.read().cpu == pytest.approx((40 + 5) / 400)


def test_proc_share_says_which_part_of_the_rest_is_idle(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    page = os.sysconf("SC_PAGE_SIZE")
    _fake_proc(proc, 0, {10: (100, 1, 0)}, {})
    (proc / "stat").write_text("cpu  1000 0 0 3000 0 0 0 0 0 0\n")
    share = ProcShare(10, proc=str(proc))
    share.start()
    # 400 ticks: 100 ours, 200 idle (150 idle + 50 iowait), 100 another process's
    _fake_proc(proc, 0, {10: (200, 1, 1000 * 1024 // page // 10)}, {})
    (proc / "stat").write_text("cpu  1150 0 50 3150 50 0 0 0 0 0\n")
    (proc / "meminfo").write_text("MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    700 kB\n")
    got = share.read()
    assert got.cpu == pytest.approx(0.25) and got.cpu_idle == pytest.approx(0.5)
    assert got.ram == pytest.approx(0.1, abs=0.01) and got.ram_idle == pytest.approx(0.7)
    assert share.method == "proc" and share_methods(share.method)["gpu"] == "no_gpu"


def test_proc_share_on_this_machine_sees_this_process_burn_cpu() -> None:
    share = ProcShare()
    share.start()
    t = time.process_time()
    while time.process_time() - t < 0.3:
        pass
    got = share.read()
    ncpu = os.cpu_count() or 1
    assert 0 < got.cpu <= 1.0
    assert got.cpu <= 1.0 / ncpu + 0.05  # one thread can use one CPU of the machine's
    assert 0 < got.ram < 1
    assert got.cpu + got.cpu_idle <= 1.0 + 1e-9 and 0 < got.ram_idle <= 1 - got.ram


# -- NVML ----------------------------------------------------------------------------------------
class FakeNvml:
    """pynvml's calls used by NvmlProcessShare, with per-process samples given by the test."""

    def __init__(self, devices: int, supported: bool = True) -> None:
        self.devices, self.supported = devices, supported
        self.samples: dict[int, list[SimpleNamespace]] = {i: [] for i in range(devices)}
        self.asked: list[tuple[int, int]] = []

    def nvmlInit(self) -> None:
        pass

    def nvmlDeviceGetCount(self) -> int:
        return self.devices

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def nvmlDeviceGetProcessUtilization(self, handle: int, since: int) -> list[SimpleNamespace]:
        if not self.supported:
            raise RuntimeError("Not Supported")
        self.asked.append((handle, since))
        got = [s for s in self.samples[handle] if s.timeStamp > since]
        if not got:
            raise RuntimeError("Not Found")
        return got


def _sample(pid: int, sm: float, ts: int) -> SimpleNamespace:
    return SimpleNamespace(pid=pid, smUtil=sm, timeStamp=ts)


def test_gpu_share_is_our_utilisation_over_everyones() -> None:
    assert gpu_share([30.0], [30.0, 90.0]) == pytest.approx(0.25)
    assert gpu_share([], []) is None


def test_nvml_share_per_device_and_idle_devices_keep_their_last_share() -> None:
    nvml = FakeNvml(2)
    gpu = NvmlProcessShare(nvml)
    gpu.start()
    assert gpu.per_process
    nvml.samples[0] = [_sample(10, 60, 5), _sample(99, 20, 5)]
    nvml.samples[1] = [_sample(99, 50, 6)]
    assert gpu.read({10}) == (pytest.approx((0.75 + 0.0) / 2), True)
    assert (0, 5) not in nvml.asked
    # nothing ran since: both devices keep their shares; the next call asks from the last timestamp
    assert gpu.read({10}) == (pytest.approx(0.375), True)
    assert (0, 5) in nvml.asked and (1, 6) in nvml.asked


def test_nvml_without_per_process_samples_keeps_the_whole_device_and_says_so() -> None:
    gpu = NvmlProcessShare(FakeNvml(1, supported=False))  # e.g. MIG
    gpu.start()
    assert not gpu.per_process and gpu.read({1}) == (1.0, False)
