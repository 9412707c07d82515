"""One codecarbon tracker per process, and the runs its measurements are shared among.

The `Meter` owns the process's single `OfflineEmissionsTracker`. It is started lazily, on
the first tracked call, in a background thread, so that codecarbon's hardware detection
(about 1.4 s on a small machine) is never paid on the caller's path. Every measurement the
tracker makes reaches us through its public output-handler hook (`BaseOutput.live_out`,
called after each measurement because `api_call_interval=1`; `out` on `flush`/`stop`), with
cumulative CPU / GPU / RAM energy; we take deltas and share each interval among the runs
that overlap it (`attribution.py`).

We drive the measurements ourselves: codecarbon's own periodic scheduler is given an interval
of days, and our meter thread calls the tracker's public `flush()` (which measures, then calls
our handler's `out`) every `measure_interval_s`, and soon after a top-level run starts or ends
(at most every `MIN_GAP_S`). So all measurements are serialised in one thread, and interval
boundaries fall close to run boundaries, where the power changes: a 0.5 s GPU call is not
blurred with the idle time around it.

A run's energy is known only once an interval ending after it has been measured, so its
record is submitted to the ledger then (within `measure_interval_s` of its end), not when
the function returns. Runs that happened before the tracker was ready get the power of the
first measured half-second times their duration, marked by `coverage < 1`. At exit the
tracker is stopped (waiting for it to be ready if needed), every run is finalised, and the
session (totals and unattributed energy) is written.

If codecarbon cannot start, runs are recorded with method "unavailable" and no energy,
after a single warning; the user's program is never disturbed.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import threading
import time
import concurrent.futures.thread  # noqa: F401  (imported now: importing it at interpreter exit fails)
from concurrent.futures import Future
from typing import Any, Iterator

from ..ledger import SessionRecord, submit, writer_for
from ..ledger import flush as ledger_flush
from ..ledger.notice import warn_once
from ..ledger.records import RunRecord
from .attribution import ZERO, Energy, Span, attribute
from ..ids import new_id

# Power for runs before the tracker was ready is the mean of at least this much measured time.
MIN_POWER_WINDOW_S = 0.5
# How long exit waits for a tracker still detecting hardware (s).
START_WAIT_S = 15.0
# Write the session totals at most this often while running (s).
SESSION_EVERY_S = 5.0
# Measurements asked for by run boundaries are at least this far apart (codecarbon's own
# flush() skips measuring when its last sample is under 50 ms old).
MIN_GAP_S = 0.06
# codecarbon's scheduler interval: never, in practice (we measure from our own thread).
_CODECARBON_INTERVAL_S = 864_000.0

_CPU_MODES = {
    "intel_rapl": "rapl",
    "intel_power_gadget": "power_gadget",
    "windows_emi": "windows_emi",
    "cpu_load": "cpu_load",
    "constant": "tdp_fallback",
}

log = logging.getLogger("frugal_ai.measure")


def _iso3(country: str | None) -> str | None:
    """The 3-letter code codecarbon's offline tracker wants, or None (world average) if unknown."""
    if not country or country == "WORLD":
        return None
    if len(country) == 3:
        return country
    try:  # the factor base knows the 2-letter -> 3-letter mapping
        from ..factors import factor_set

        zone = factor_set().resolve_zone(country)
    except Exception:
        return None
    return zone if len(zone) == 3 else None


def methods_of(tracker: Any) -> str:
    """What codecarbon measures with on this machine, as a '+'-joined method string."""
    from codecarbon.external.hardware import CPU, GPU
    from codecarbon.external.ram import RAM

    found: list[tuple[int, str]] = []  # (rank: CPU, GPU, RAM, other), method
    for hw in getattr(tracker, "_hardware", []):
        if isinstance(hw, CPU):
            found.append((0, _CPU_MODES.get(getattr(hw, "_mode", ""), "tdp_fallback")))
        elif isinstance(hw, GPU):
            devices = getattr(getattr(hw, "devices", None), "devices", []) or []
            amd = any("amd" in type(d).__name__.lower() for d in devices)
            found.append((1, "amdsmi" if amd else "nvml"))
        elif isinstance(hw, RAM):
            found.append((2, "ram_model"))
        else:
            found.append((3, type(hw).__name__.lower()))
    return "+".join(dict.fromkeys(m for _, m in sorted(found))) or "unavailable"


@contextlib.contextmanager
def _inline_thread_pool() -> Iterator[None]:
    """Run codecarbon's hardware detection without a thread pool (at interpreter exit)."""
    import codecarbon.core.resource_tracker as resource_tracker

    saved = resource_tracker.ThreadPoolExecutor
    resource_tracker.ThreadPoolExecutor = _InlineExecutor  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        resource_tracker.ThreadPoolExecutor = saved  # type: ignore[misc]


class _InlineExecutor:
    """The part of ThreadPoolExecutor's interface codecarbon uses, running each call at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> "_InlineExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:
            future.set_exception(e)
        return future


class Meter:
    """The process's tracker and the runs awaiting their share of its measurements."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.state = "idle"  # idle -> starting -> running | failed -> stopped
        self.roots: list[Span] = []
        self.tracker: Any = None
        self.method = "unavailable"
        self.zone: str | None = None
        self.project = "default"
        self._ready = threading.Event()
        self._last_pc: float | None = None
        self.tracker_start_pc: float | None = None
        self._cumulative: Energy = ZERO
        self.measured: list[float] = [0.0, 0.0, 0.0]
        self.unattributed: list[float] = [0.0, 0.0, 0.0]
        self.measured_s = 0.0
        self.power_kw: Energy | None = None
        self.extrapolated_kwh = 0.0
        self.session_id = new_id()
        self.session_start = time.time()
        self._session_written = 0.0
        self._measurements = 0
        self._measure_lock = threading.Lock()  # one measurement at a time
        self._nudge = threading.Event()
        self._stop_driver = False
        self._driver: threading.Thread | None = None
        self.interval_s = 1.0

    # -- starting ------------------------------------------------------------------------------
    def ensure_started(self, settings: Any) -> None:
        """Start the tracker in the background if nobody has yet. Cheap after the first call."""
        if self.state != "idle":
            return
        with self._lock:
            if self.state != "idle":
                return
            self.state = "starting"
            self.zone = settings.country
            self.project = settings.project
            self.interval_s = float(settings.measure_interval_s)
        atexit.register(self.shutdown)
        threading.Thread(target=self._start, args=(settings,), name="frugal-ai-meter", daemon=True).start()

    def _start(self, settings: Any) -> None:
        try:
            tracker = self._make_tracker(settings)
            try:
                tracker.get_detected_hardware()  # the slow part: hardware detection, off the caller's path
            except RuntimeError as e:
                # A script that ended before detection finished: the interpreter is shutting
                # down and thread pools refuse work; codecarbon detects CPU and GPU in one.
                if "shutdown" not in str(e):
                    raise
                tracker = self._make_tracker(settings)
                with _inline_thread_pool():
                    tracker.get_detected_hardware()
            t0 = time.perf_counter()
            with self._lock:
                self.tracker = tracker
                self._last_pc = t0
                self.tracker_start_pc = t0
            tracker.start()  # codecarbon swallows its own errors: check that it really started
            if getattr(tracker, "_start_time", None) is None or not getattr(tracker, "_hardware", None):
                raise RuntimeError("codecarbon's tracker did not start")
            with self._lock:
                self.method = methods_of(tracker)
                if self.state == "starting":
                    self.state = "running"
            self._driver = threading.Thread(target=self._drive, name="frugal-ai-measure", daemon=True)
            self._driver.start()
        except Exception as e:
            with self._lock:
                self.state = "failed"
                self.tracker = None
                self.method = "unavailable"
            warn_once("meter-start", f"cannot measure energy here ({type(e).__name__}: {e}); "
                                     "runs are recorded with method 'unavailable'")
            self._finalise(until=float("inf"))
        finally:
            self._ready.set()

    def _make_tracker(self, settings: Any) -> Any:
        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        meter = self

        from codecarbon.output_methods.base_output import BaseOutput

        class _Handler(BaseOutput):
            """Receives every measurement (live_out) and the final ones (out)."""

            def live_out(self, total: Any, delta: Any) -> None:
                meter._on_measurement(total)

            def out(self, total: Any, delta: Any) -> None:
                meter._on_measurement(total)

        country = _iso3(settings.country)
        kwargs: dict[str, Any] = {}
        if country is None:
            # No zone configured (or one codecarbon does not know): its own CO2 figure is never
            # used by frugal-ai, so give it a neutral intensity rather than let it guess a place.
            kwargs["force_carbon_intensity_g_co2e_kwh"] = 0.0
        return OfflineEmissionsTracker(
            country_iso_code=country,
            project_name="frugal-ai",
            measure_power_secs=_CODECARBON_INTERVAL_S,
            api_call_interval=-1,  # no live_out: our flush() calls give us every measurement via out()
            output_methods=[],  # no CSV, no API, no Prometheus, no logger: only our handler
            emissions_endpoint=None,
            electricitymaps_api_token=None,
            output_handlers=[_Handler()],
            log_level="error",
            pue=1.0,  # frugal-ai applies PUE and WUE itself, to the right energy
            wue=0.0,
            allow_multiple_runs=True,  # no lock file, and no signal handlers in the user's program
            tracking_mode="machine",
            **kwargs,
        )

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
        """The run ended (span.end_pc is set). Finalise at once if nothing will ever measure it."""
        if self.state == "failed" or self.state == "stopped":
            self._finalise(until=float("inf"))
        elif span.parent is None and not self._nudge.is_set():
            self._nudge.set()

    # -- driving the tracker --------------------------------------------------------------------------
    def _drive(self) -> None:
        """Measure every interval_s, and soon after a top-level run starts or ends."""
        while not self._stop_driver:
            since = time.perf_counter() - (self._last_pc or 0.0)
            self._nudge.wait(max(0.0, self.interval_s - since))
            if self._stop_driver:
                return
            self._wait_min_gap()
            self._nudge.clear()
            self._measure()

    def _measure(self) -> None:
        """One measurement: codecarbon reads its meters and calls our handler's out()."""
        with self._measure_lock:
            tracker = self.tracker
            if tracker is None or self.state != "running":
                return
            before = self._measurements
            try:
                tracker.flush()
            except Exception as e:
                warn_once("meter-flush", f"energy measurement failed ({type(e).__name__}: {e})")
            if self._measurements == before and getattr(tracker, "_start_time", None) is not None:
                # codecarbon swallows errors after measuring (e.g. while computing its own CO2
                # figure) and then never calls out(): read its energy totals ourselves rather
                # than let runs get a silent zero.
                warn_once("meter-hook", "codecarbon measured but did not report; reading its totals directly")
                self._on_measurement(_Totals(tracker))

    # -- measurements ------------------------------------------------------------------------------
    def _on_measurement(self, total: Any) -> None:
        try:
            with self._lock:
                cumulative = (float(total.cpu_energy), float(total.gpu_energy), float(total.ram_energy))
                delta = tuple(max(0.0, c - p) for c, p in zip(cumulative, self._cumulative))
                self._cumulative = cumulative  # type: ignore[assignment]
                a = self._last_pc if self._last_pc is not None else time.perf_counter()
                b = getattr(self.tracker, "_last_measured_time", None) if self.tracker is not None else None
                if not isinstance(b, float) or b < a:
                    b = time.perf_counter()
                self._last_pc = b
                self._measurements += 1
                unattributed = attribute(self.roots, a, b, delta)  # type: ignore[arg-type]
                for i in range(3):
                    self.measured[i] += delta[i]
                    self.unattributed[i] += unattributed[i]
                self.measured_s += b - a
                if self.power_kw is None and self.measured_s >= MIN_POWER_WINDOW_S:
                    self._extrapolate_before_start()
            self._finalise(until=b)
        except Exception as e:  # never let our bookkeeping break codecarbon's thread
            warn_once("meter-measure", f"energy attribution failed ({type(e).__name__}: {e})")

    def _extrapolate_before_start(self) -> None:
        """Give runs that began before the tracker was ready the first measured mean power."""
        hours = self.measured_s / 3600.0
        self.power_kw = tuple(m / hours for m in self.measured) if hours > 0 else ZERO  # type: ignore[assignment]
        t0 = self.tracker_start_pc
        early = [s for s in self.roots if t0 is not None and s.start_pc < t0]
        if not early:
            return
        a = min(s.start_pc for s in early)
        window_h = (t0 - a) / 3600.0  # type: ignore[operator]
        energy = tuple(p * window_h for p in self.power_kw)  # type: ignore[union-attr]
        before = sum(s.extrapolated_kwh for s in early)
        attribute(early, a, t0, energy, measured=False)  # type: ignore[arg-type]
        self.extrapolated_kwh += sum(s.extrapolated_kwh for s in early) - before

    def _waiting_for_power(self, span: Span) -> bool:
        t0 = self.tracker_start_pc
        return self.power_kw is None and (t0 is None or span.start_pc < t0)

    # -- finalising runs ----------------------------------------------------------------------------
    def _finalise(self, until: float) -> None:
        """Submit every run that has ended by `until` and whose measurements are complete."""
        with self._lock:
            done: list[Span] = []
            self.roots = self._collect(self.roots, until, self.state == "failed", done)
            method = self.method
        for span in done:
            self._submit(span, method)
        self._maybe_write_session()

    def _collect(self, spans: list[Span], until: float, unusable: bool, done: list[Span]) -> list[Span]:
        """Move the spans that are complete, children before parents, to `done`; return the rest."""
        remaining = []
        for span in spans:
            span.children = self._collect(span.children, until, unusable, done)
            ended = span.end_pc is not None and (unusable or span.end_pc <= until)
            if ended and not span.children and (unusable or not self._waiting_for_power(span)):
                done.append(span)
            else:
                remaining.append(span)
        return remaining

    def _submit(self, span: Span, method: str) -> None:
        rec: RunRecord = span.record  # type: ignore[attr-defined]
        duration = (span.end_pc or span.start_pc) - span.start_pc
        unmeasured = span.covered_s <= 0 and span.extrapolated_kwh <= 0 and duration > 0
        if method == "unavailable" or self.state == "failed" or unmeasured:
            rec.method, rec.coverage = "unavailable", 0.0
            rec.cpu_kwh = rec.gpu_kwh = rec.ram_kwh = 0.0
        else:
            rec.method = method
            rec.cpu_kwh, rec.gpu_kwh, rec.ram_kwh = span.cpu_kwh, span.gpu_kwh, span.ram_kwh
            rec.coverage = 1.0 if duration <= 0 else min(1.0, span.covered_s / duration)
        if span.ledger is None:
            submit(rec)
        else:
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
            )
        submit(rec)

    # -- synchronising ------------------------------------------------------------------------------
    def wait_ready(self, timeout_s: float = START_WAIT_S) -> bool:
        """Wait until the tracker has started (or failed to). True if it is measuring."""
        self._ready.wait(timeout_s)
        return self.state == "running"

    def settle(self, timeout_s: float = 30.0) -> None:
        """Measure now and submit every run that has ended (tests, CLI). Waits for the tracker."""
        if self.state == "idle":
            ledger_flush()
            return
        self._ready.wait(timeout_s)
        if self.state == "running" and self.tracker is not None:
            self._measure_now()
        self._finalise(until=float("inf") if self.state == "failed" else (self._last_pc or 0.0))
        self._maybe_write_session(force=True)
        ledger_flush()

    def _measure_now(self) -> None:
        # Enough measured time for a mean power (runs before the tracker was ready need it).
        if self.power_kw is None:
            missing = MIN_POWER_WINDOW_S - self.measured_s - (time.perf_counter() - (self._last_pc or 0.0))
            if missing > 0:
                time.sleep(min(missing, MIN_POWER_WINDOW_S))
        self._wait_min_gap()
        self._measure()

    def _wait_min_gap(self) -> None:
        # codecarbon's flush() skips measuring when its last sample is under 50 ms old.
        since = time.perf_counter() - (self._last_pc or 0.0)
        if since < MIN_GAP_S:
            time.sleep(MIN_GAP_S - since)

    def shutdown(self) -> None:
        """Stop the tracker, finalise every run (still-open ones as failed), write the session."""
        try:
            if self.state == "stopped" or self.state == "idle":
                return
            self._ready.wait(START_WAIT_S)
            self._stop_driver = True
            self._nudge.set()
            if self._driver is not None and self._driver is not threading.current_thread():
                self._driver.join(timeout=5.0)
            if self.state == "running" and self.tracker is not None:
                self._measure_now()
                with self._measure_lock:
                    self.tracker.stop()  # its last measurement (if stale) reaches out() too
            with self._lock:
                was_failed = self.state != "running"
                end = self._last_pc or time.perf_counter()
                self.state = "failed" if was_failed else "stopped"
                _close_open(self.roots, end)
            self._finalise(until=float("inf"))
            self._maybe_write_session(force=True)
            ledger_flush()
        except Exception as e:
            warn_once("meter-stop", f"could not stop the energy tracker cleanly ({type(e).__name__}: {e})")


class _Totals:
    """codecarbon's cumulative energies (kWh), read from the tracker when its output hook failed."""

    def __init__(self, tracker: Any) -> None:
        self.cpu_energy = tracker._total_cpu_energy.kWh
        self.gpu_energy = tracker._total_gpu_energy.kWh
        self.ram_energy = tracker._total_ram_energy.kWh


def _close_open(spans: list[Span], end_pc: float) -> None:
    """Runs still in progress at exit: end them now, as failed (they did not complete)."""
    for s in spans:
        if s.end_pc is None:
            s.end_pc = max(end_pc, s.start_pc)
            rec = s.record  # type: ignore[attr-defined]
            rec.end = time.time()
            rec.status = "failed"
        _close_open(s.children, end_pc)


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


def _after_fork_in_child() -> None:
    # The parent's tracker thread does not exist in the child: the child measures on its own.
    global _meter, _meter_lock
    _meter_lock = threading.Lock()
    _meter = None


os.register_at_fork(after_in_child=_after_fork_in_child)
