"""The process's energy source and the runs its measurements are shared among.

The `Meter` owns the process's single energy source (codecarbon's tracker, behind the
`EnergySource` seam of energy_source.py; codecarbon_source.py is the only module that
touches codecarbon). It is started lazily, on the first tracked call, in a background
thread, so that hardware detection (about 1.4 s on a small machine) is never paid on the
caller's path. Each reading is cumulative CPU / GPU / RAM energy with the instant it stands
for; we take deltas, keep this process's share of each interval's machine energy (a
`ProcessShare`, process_share.py: its CPU time, resident memory and GPU utilisation against
the machine's, read right after the energy), and share that among the runs that overlap it
(`attribution.py`). The rest is other processes' and idle energy: unattributed, and
recorded apart in the session (others_*_kwh, idle_*_kwh), so that runs + this process
outside runs + other processes + idle = the machine.

We drive the readings ourselves: our meter thread reads the source every `measure_interval_s`,
and soon after a top-level run starts or ends (at most every `MIN_GAP_S`). So all readings
are serialised in one thread, and interval boundaries fall close to run boundaries, where
the power changes: a 0.5 s GPU call is not blurred with the idle time around it.

A run's energy is known only once an interval ending after it has been measured; every run
end asks for a reading at once, so its final record is submitted to the ledger within a
reading (tens of ms) of its end. A run that cannot be finalised that soon — the source is
still starting (seconds under load), or the run began before it was ready and waits for a
first mean power — is submitted at its end as it stands (provisional: method "unavailable",
or what was measured so far) and written again when final. Nothing finished waits in
memory for the source. Runs that happened before the source was ready get the power of the
first measured half-second times their duration, marked by `coverage < 1`. At exit the
source is stopped (waiting for it to be ready if needed), every run is finalised, and the
session (totals and unattributed energy) is written.

In a multiprocessing worker (a Pool's or a ProcessPoolExecutor's, fork or spawn), the exit
handler never runs (workers end with os._exit or are terminated as soon as their last task
returns): there, a top-level run's end writes its record, and every queued one, to the
ledger before the wrapped function returns.

Who writes a run's record: the caller's thread fills in its identity at the start and its
end and status at the end (track.py), then hands the span over in `close_span`; from then
on only the meter writes it — its measured figures, once, in `_finalise_record` — and
submits it. Nothing writes a record after it is submitted. A provisional record is a copy,
made and submitted under the meter's lock before the span is marked final, so it can never
reach the ledger after the final one.

If the source cannot start, runs are recorded with method "unavailable" and no energy,
after a single warning; the user's program is never disturbed.

Size: this module is the meter's one state machine (the source's life cycle, the readings,
each interval's share, finalising runs, the fork and exit hooks), all driven from the one
meter thread and sharing its lock; cutting it would spread that lock's invariants over
several files. A later split would move the fork/worker hooks and the finalisation of
records into their own modules behind the same lock.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import sys
import socket
import threading
import time
import concurrent.futures.thread  # noqa: F401  (imported now: importing it at interpreter exit fails)
from typing import TYPE_CHECKING, Callable, Literal

from ..config import on_reset
from ..ledger import SessionRecord, submit, writer_for
from ..ledger.records import RunRecord
from ..ledger import flush as ledger_flush
from ..ledger.notice import warn_once
from .attribution import ZERO, Energy, Span, attribute
from ..ids import new_id
from .energy_source import EnergySource, Reading
from .process_share import WHOLE, MachineShare, ProcessShare, ShareFactory, Shares, process_share

if TYPE_CHECKING:
    from ..config import Settings

# Power for runs before the source was ready is the mean of at least this much measured time.
MIN_POWER_WINDOW_S = 0.5
# How long exit waits for a source still detecting hardware (s).
START_WAIT_S = 15.0
# Write the session totals at most this often while running (s).
SESSION_EVERY_S = 5.0
# Readings asked for by run boundaries are at least this far apart (codecarbon's flush()
# does not measure again when its last sample is under 50 ms old).
MIN_GAP_S = 0.06

State = Literal["idle", "starting", "running", "failed", "stopped"]
SourceFactory = Callable[["Settings"], EnergySource]


def codecarbon_source(settings: "Settings") -> EnergySource:
    """The real source: codecarbon, for the configured country."""
    from .codecarbon_source import CodecarbonSource

    return CodecarbonSource(settings.country)


class Meter:
    """The process's energy source and the runs awaiting their share of its readings.

    `source_factory` makes the source at start (codecarbon by default); `clock` and `sleep`
    are the meter's time (perf_counter seconds). With `background=False` (tests), the source
    is started in the caller's thread, no meter thread reads it (call `measure()`), and
    nothing is registered to run at exit.
    """

    def __init__(self, source_factory: SourceFactory = codecarbon_source, *,
                 share_factory: ShareFactory = process_share,
                 clock: Callable[[], float] = time.perf_counter, sleep: Callable[[float], None] = time.sleep,
                 background: bool = True) -> None:
        self._source_factory = source_factory
        self._share_factory = share_factory
        self.share: ProcessShare = MachineShare()
        self.gpu_per_process = False
        self._clock = clock
        self._sleep = sleep
        self._background = background
        self._lock = threading.RLock()
        self.state: State = "idle"  # idle -> starting -> running | failed -> stopped
        self.roots: list[Span] = []
        self.source: EnergySource | None = None
        self.method = "unavailable"
        self.zone: str | None = None
        self.project = "default"
        self._ready = threading.Event()
        self._last_pc: float | None = None
        self.source_start_pc: float | None = None
        self._cumulative: Energy = ZERO
        self.measured: list[float] = [0.0, 0.0, 0.0]
        self.unattributed: list[float] = [0.0, 0.0, 0.0]  # not charged to runs: others' and idle energy included
        self.process_kwh: list[float] = [0.0, 0.0, 0.0]  # this process's share of `measured`
        self.others_kwh: list[float] = [0.0, 0.0, 0.0]   # other processes' share of `measured`
        self.idle_kwh: list[float] = [0.0, 0.0, 0.0]     # nobody's: idle CPU time, memory not in use
        self.measured_s = 0.0
        self.power_kw: Energy | None = None
        self.extrapolated_kwh = 0.0
        self.session_id = new_id()
        self.session_start = time.time()
        self._session_written = -SESSION_EVERY_S
        self._measurements = 0
        self._measure_lock = threading.Lock()  # one reading at a time
        self._nudge = threading.Event()
        self._stop_driver = False
        self._driver: threading.Thread | None = None
        self._start_thread: threading.Thread | None = None
        self.interval_s = 1.0
        self.in_worker = _in_multiprocessing_worker()

    # -- starting ------------------------------------------------------------------------------
    def ensure_started(self, settings: "Settings") -> None:
        """Start the source in the background if nobody has yet. Cheap after the first call."""
        if self.state != "idle":
            return
        with self._lock:
            if self.state != "idle":
                return
            self.state = "starting"
            self.zone = settings.country
            self.project = settings.project
            self.interval_s = float(settings.measure_interval_s)
        if not self._background:
            self._start(settings)
            return
        atexit.register(self.shutdown)
        self._start_thread = threading.Thread(target=self._start, args=(settings,), name="frugal-ai-meter",
                                              daemon=True)
        self._start_thread.start()

    def _start(self, settings: "Settings") -> None:
        try:
            source = self._source_factory(settings)
            first = source.start()  # the slow part: hardware detection, off the caller's path
            share = self._start_share()
            with self._lock:
                self.source = source
                self.share = share
                self._cumulative = (first.cpu_kwh, first.gpu_kwh, first.ram_kwh)
                self._last_pc = first.at_pc
                self.source_start_pc = first.at_pc
                self.method = source.method
                if self.state == "starting":
                    self.state = "running"
            if self._background:
                self._driver = threading.Thread(target=self._drive, name="frugal-ai-measure", daemon=True)
                self._driver.start()
        except Exception as e:
            with self._lock:
                self.state = "failed"
                self.source = None
                self.method = "unavailable"
            warn_once("meter-start", f"cannot measure energy here ({type(e).__name__}: {e}); "
                                     "runs are recorded with method 'unavailable'")
            self._finalise(until=float("inf"))
        finally:
            self._ready.set()

    def _start_share(self) -> ProcessShare:
        """This process's share of the machine, its baseline set now; the whole machine if it cannot start."""
        try:
            share = self._share_factory()
            share.start()
            return share
        except Exception as e:
            warn_once("process-share", f"cannot tell this process's share of the machine ({type(e).__name__}: {e}); "
                                       "runs are charged the whole machine's energy")
            return MachineShare()

    def _read_share(self) -> Shares:
        try:
            return self.share.read()
        except Exception as e:
            warn_once("process-share-read", f"cannot read this process's share of the machine "
                                            f"({type(e).__name__}: {e}); this interval is charged whole")
            return WHOLE

    # -- the hot path: registering runs -----------------------------------------------------------
    def open_span(self, span: Span) -> None:
        with self._lock:
            if span.parent is None:
                self.roots.append(span)
            else:
                span.parent.children.append(span)
        if span.parent is None and not self._nudge.is_set():
            self._nudge.set()  # measure soon: the power may change here

    def close_span(self, span: Span) -> None:
        """The run ended (span.end_pc is set): the meter owns its record from now on.

        Finalise at once if nothing will ever measure it; submit it as it stands if it cannot
        be final soon (or if this is a multiprocessing worker); ask for a reading.
        """
        state = self.state
        if state == "failed" or state == "stopped":
            self._finalise(until=float("inf"))
        else:
            if self.in_worker or state != "running" or (self.power_kw is None and self._waiting_for_power(span)):
                self._submit_provisional(span)
            if not self._nudge.is_set():
                self._nudge.set()  # measure soon: its energy is known once a reading follows its end
        if self.in_worker and span.parent is None:
            self._write_now(span)

    def _submit_provisional(self, span: Span) -> None:
        with self._lock:
            if span.final or span.record is None:
                return
            rec = dataclasses.replace(span.record)  # a copy: the meter still owns the original
            self._finalise_record(span, self.method, self.state == "failed", into=rec, provisional=True)
            self._submit_record(span, rec)

    @staticmethod
    def _write_now(span: Span) -> None:
        """Write the queued records to the run's ledger before returning (multiprocessing workers).
        One transaction per run: its rollups are left to a later write or read (DEFER_ROWS)."""
        try:
            if span.ledger is None:
                ledger_flush(defer_rollups=True)
            else:
                writer_for(span.ledger).flush(defer_rollups=True)
        except Exception as e:  # never break the program over bookkeeping
            warn_once("ledger-write-now", f"cannot write the ledger ({type(e).__name__}: {e})")

    # -- driving the source ---------------------------------------------------------------------------
    def _drive(self) -> None:
        """Read every interval_s, and soon after a top-level run starts or ends."""
        while not self._stop_driver:
            since = self._clock() - (self._last_pc or 0.0)
            self._nudge.wait(max(0.0, self.interval_s - since))
            if self._stop_driver:
                return
            self._wait_min_gap()
            self._nudge.clear()
            self.measure()

    def measure(self) -> None:
        """One reading of the source, shared among the runs, and the runs it completes finalised."""
        with self._measure_lock:
            source = self.source
            if source is None or self.state != "running":
                return
            try:
                reading = source.read()
            except Exception as e:
                warn_once("meter-read", f"energy measurement failed ({type(e).__name__}: {e})")
                return
            self._on_reading(reading, self._share_of(reading))

    def _share_of(self, reading: Reading) -> Shares:
        """The process's share of the interval the reading closes (read right after it, so
        both cover the same time); none is read when the reading brings no new interval."""
        last = self._last_pc
        return self._read_share() if last is None or reading.at_pc > last else WHOLE

    # -- readings ----------------------------------------------------------------------------------
    def _on_reading(self, reading: Reading, shares: Shares = WHOLE) -> None:
        try:
            with self._lock:
                a = self._last_pc if self._last_pc is not None else reading.at_pc
                b = reading.at_pc
                if b > a:
                    cumulative = (reading.cpu_kwh, reading.gpu_kwh, reading.ram_kwh)
                    delta = (max(0.0, cumulative[0] - self._cumulative[0]),
                             max(0.0, cumulative[1] - self._cumulative[1]),
                             max(0.0, cumulative[2] - self._cumulative[2]))
                    self._cumulative = cumulative
                    self._last_pc = b
                    self._measurements += 1
                    # The machine's energy, then this process's part of it, then its runs' parts.
                    ours: Energy = (delta[0] * shares.cpu, delta[1] * shares.gpu, delta[2] * shares.ram)
                    idle: Energy = (delta[0] * shares.cpu_idle, delta[1] * shares.gpu_idle, delta[2] * shares.ram_idle)
                    self.gpu_per_process = shares.gpu_per_process
                    unattributed = attribute(self.roots, a, b, ours)
                    for i in range(3):
                        self.measured[i] += delta[i]
                        self.process_kwh[i] += ours[i]
                        self.idle_kwh[i] += idle[i]
                        self.others_kwh[i] += max(0.0, delta[i] - ours[i] - idle[i])
                        self.unattributed[i] += unattributed[i] + delta[i] - ours[i]
                    self.measured_s += b - a
                    if self.power_kw is None and self.measured_s >= MIN_POWER_WINDOW_S:
                        self._extrapolate_before_start()
                else:  # no new interval (asked again too soon)
                    b = a
            self._finalise(until=b)
        except Exception as e:  # never let our bookkeeping break the meter thread
            warn_once("meter-measure", f"energy attribution failed ({type(e).__name__}: {e})")

    def _extrapolate_before_start(self) -> None:
        """Give runs that began before the source was ready the first measured mean power."""
        hours = self.measured_s / 3600.0
        mine = self.process_kwh  # the process's power, not the machine's
        power: Energy = (mine[0] / hours, mine[1] / hours, mine[2] / hours) \
            if hours > 0 else ZERO
        self.power_kw = power
        t0 = self.source_start_pc
        if t0 is None:
            return
        early = [s for s in self.roots if s.start_pc < t0]
        if not early:
            return
        a = min(s.start_pc for s in early)
        window_h = (t0 - a) / 3600.0
        energy: Energy = (power[0] * window_h, power[1] * window_h, power[2] * window_h)
        before = sum(s.extrapolated_kwh for s in early)
        attribute(early, a, t0, energy, measured=False)
        self.extrapolated_kwh += sum(s.extrapolated_kwh for s in early) - before

    def _waiting_for_power(self, span: Span) -> bool:
        t0 = self.source_start_pc
        return self.power_kw is None and (t0 is None or span.start_pc < t0)

    # -- finalising runs ----------------------------------------------------------------------------
    def _finalise(self, until: float) -> None:
        """Submit every run that has ended by `until` and whose measurements are complete."""
        with self._lock:
            done: list[Span] = []
            self.roots = self._collect(self.roots, until, self.state == "failed", done)
            method = self.method
            failed = self.state == "failed"
        for span in done:
            self._finalise_record(span, method, failed)
            self._submit(span)
        self._maybe_write_session()

    def _collect(self, roots: list[Span], until: float, unusable: bool, done: list[Span]) -> list[Span]:
        """Move the spans that are complete, children before parents, to `done`; return the roots left."""
        remaining = []
        for root in roots:
            if root.children:
                self._collect_nested(root, until, unusable, done)
            if self._complete(root, until, unusable):
                root.final = True
                done.append(root)
            else:
                remaining.append(root)
        return remaining

    def _collect_nested(self, root: Span, until: float, unusable: bool, done: list[Span]) -> None:
        """`_collect` for the runs nested in `root`, with a work list rather than recursion
        (a tracked recursive function nests runs as deep as the program's recursion goes)."""
        order: list[Span] = []  # pre-order: every parent before its children
        stack = list(root.children)
        while stack:
            span = stack.pop()
            order.append(span)
            stack.extend(span.children)
        complete: set[int] = set()
        for span in reversed(order):  # every child before its parent
            if span.children:
                span.children = [c for c in span.children if id(c) not in complete]
            if self._complete(span, until, unusable):
                span.final = True
                done.append(span)
                complete.add(id(span))
        root.children = [c for c in root.children if id(c) not in complete]

    def _complete(self, span: Span, until: float, unusable: bool) -> bool:
        ended = span.end_pc is not None and (unusable or span.end_pc <= until)
        return ended and not span.children and (unusable or not self._waiting_for_power(span))

    @staticmethod
    def _finalise_record(span: Span, method: str, failed: bool, *, into: RunRecord | None = None,
                         provisional: bool = False) -> None:
        """Write the measured figures into the run's record (the only place the meter writes
        one), or, `provisional`, the figures known so far into the copy `into`."""
        rec = span.record if into is None else into
        if rec is None:
            return
        duration = (span.end_pc or span.start_pc) - span.start_pc
        unmeasured = span.covered_s <= 0 and span.extrapolated_kwh <= 0 and (duration > 0 or provisional)
        if method == "unavailable" or failed or unmeasured:
            rec.method, rec.coverage = "unavailable", 0.0
            rec.cpu_kwh = rec.gpu_kwh = rec.ram_kwh = 0.0
        else:
            rec.method = method
            rec.cpu_kwh, rec.gpu_kwh, rec.ram_kwh = span.cpu_kwh, span.gpu_kwh, span.ram_kwh
            rec.coverage = 1.0 if duration <= 0 else min(1.0, span.covered_s / duration)

    @classmethod
    def _submit(cls, span: Span) -> None:
        if span.record is not None:
            cls._submit_record(span, span.record)

    @staticmethod
    def _submit_record(span: Span, rec: RunRecord) -> None:
        if span.ledger is None:
            submit(rec)
            return
        try:  # the ledger in force when the run began, even if FRUGAL_AI_LEDGER moved since
            writer_for(span.ledger).submit(rec)
        except Exception as e:  # never break the program over bookkeeping
            warn_once("ledger-submit", f"cannot queue a record for the ledger ({e})")

    def _maybe_write_session(self, force: bool = False) -> None:
        if self.state in ("idle", "starting", "failed") and not force:
            return
        now = time.monotonic()
        if not force and now - self._session_written < SESSION_EVERY_S:
            return
        self._session_written = now
        with self._lock:
            rec = SessionRecord(
                id=self.session_id, start=self.session_start, end=time.time(), project=self.project,
                host=socket.gethostname(), pid=os.getpid(), zone=self.zone, method=self.method,
                cpu_kwh=self.measured[0], gpu_kwh=self.measured[1], ram_kwh=self.measured[2],
                unattributed_cpu_kwh=self.unattributed[0], unattributed_gpu_kwh=self.unattributed[1],
                unattributed_ram_kwh=self.unattributed[2], extrapolated_kwh=self.extrapolated_kwh,
                others_cpu_kwh=self.others_kwh[0], others_gpu_kwh=self.others_kwh[1],
                others_ram_kwh=self.others_kwh[2], idle_cpu_kwh=self.idle_kwh[0], idle_gpu_kwh=self.idle_kwh[1],
                idle_ram_kwh=self.idle_kwh[2], share_method=self.share.method,
            )
        submit(rec)

    # -- synchronising ------------------------------------------------------------------------------
    def wait_ready(self, timeout_s: float = START_WAIT_S) -> bool:
        """Wait until the source has started (or failed to). True if it is measuring."""
        self._ready.wait(timeout_s)
        return self.state == "running"

    def settle(self, timeout_s: float = 30.0) -> None:
        """Measure now and submit every run that has ended (tests, CLI). Waits for the source."""
        if self.state == "idle":
            ledger_flush()
            return
        self._ready.wait(timeout_s)
        if self.state == "running" and self.source is not None:
            self._measure_now()
        self._finalise(until=float("inf") if self.state == "failed" else (self._last_pc or 0.0))
        self._maybe_write_session(force=True)
        ledger_flush()

    def _measure_now(self) -> None:
        # Enough measured time for a mean power (runs before the source was ready need it).
        if self.power_kw is None:
            missing = MIN_POWER_WINDOW_S - self.measured_s - (self._clock() - (self._last_pc or 0.0))
            if missing > 0:
                self._sleep(min(missing, MIN_POWER_WINDOW_S))
        self._wait_min_gap()
        self.measure()

    def _wait_min_gap(self) -> None:
        since = self._clock() - (self._last_pc or 0.0)
        if since < MIN_GAP_S:
            self._sleep(MIN_GAP_S - since)

    def shutdown(self) -> None:
        """Stop the source, finalise every run (still-open ones as failed), write the session."""
        try:
            if self.state == "stopped" or self.state == "idle":
                return
            self._ready.wait(START_WAIT_S)
            self._stop_driver = True
            self._nudge.set()
            if self._driver is not None and self._driver is not threading.current_thread():
                self._driver.join(timeout=5.0)
            source = self.source
            if self.state == "running" and source is not None:
                self._measure_now()
                with self._measure_lock:
                    last = source.stop()
                    if last is not None:
                        self._on_reading(last, self._share_of(last))
            with self._lock:
                was_failed = self.state != "running"
                end = self._last_pc or self._clock()
                self.state = "failed" if was_failed else "stopped"
                _close_open(self.roots, end)
            self._finalise(until=float("inf"))
            self._maybe_write_session(force=True)
            ledger_flush()
        except Exception as e:
            warn_once("meter-stop", f"could not stop the energy source cleanly ({type(e).__name__}: {e})")


def _close_open(spans: list[Span], end_pc: float) -> None:
    """Runs still in progress at exit: end them now, as failed (they did not complete)."""
    stack = list(spans)
    while stack:
        s = stack.pop()
        if s.end_pc is None:
            s.end_pc = max(end_pc, s.start_pc)
            if s.record is not None:
                s.record.end = time.time()
                s.record.status = "failed"
        stack.extend(s.children)


def _in_multiprocessing_worker() -> bool:
    """Whether this process was started by multiprocessing (a Pool's or an executor's worker,
    or a Process): such a process may end without running exit handlers."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return False
    try:
        return mp.parent_process() is not None
    except Exception:
        return False


_meter: Meter | None = None
_meter_lock = threading.Lock()


def meter() -> Meter:
    """The process's meter."""
    global _meter
    m = _meter
    if m is None:
        with _meter_lock:
            if _meter is None:
                _meter = Meter()
            m = _meter
    return m


def reset_meter() -> None:
    """Stop and forget the process's meter (tests). The next tracked call starts a new one."""
    global _meter
    with _meter_lock:
        m, _meter = _meter, None
    if m is not None:
        m.shutdown()
        try:
            atexit.unregister(m.shutdown)
        except Exception:
            pass


on_reset(reset_meter)  # config.reset(): after the layers above, before the ledger's writers close


def _before_fork() -> None:
    # Forking while the meter thread imports codecarbon (pandas, numpy, psutil...) would leave
    # the child with half-imported modules: our source could not start there, and the child's
    # own `import pandas` would fail. Let the start finish first (once, about 1.5 s at most).
    m = _meter
    if m is not None and m.state == "starting" and threading.current_thread() is not m._start_thread:
        m._ready.wait(START_WAIT_S)


def _after_fork_in_child() -> None:
    # The parent's meter threads do not exist in the child: the child measures on its own.
    global _meter, _meter_lock
    _meter_lock = threading.Lock()
    _meter = None


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
