"""codecarbon as the meter's energy source: the only module of frugal-ai that imports codecarbon.

One `OfflineEmissionsTracker` per source, configured so that it never acts on its own: no
CSV, API, Prometheus or logger output, no lock file and no signal handlers
(`allow_multiple_runs`), PUE 1 and WUE 0 (frugal-ai applies both itself), the configured
country (never geo-IP), and its periodic scheduler given an interval of days. A reading is
the tracker's public `flush()`, which measures and hands the cumulative CPU / GPU / RAM
energy to our output handler (`BaseOutput.out`, codecarbon's public hook).

What codecarbon offers no public way to do, we do through its private attributes. Each is
read in exactly one function below, which raises `CodecarbonContractError` (naming the
attribute and the installed version) when a release moves it, and
tests/test_measure_codecarbon_contract.py checks every one against the installed codecarbon:

  _hardware                  the detected hardware objects (what the method string says)
  CPU._mode                  how a CPU is measured (RAPL, power gadget, load model...)
  _start_time                whether start() really started (it swallows its own errors)
  _last_measured_time        the perf_counter instant of the last measurement
  _total_{cpu,gpu,ram}_energy  the totals, when the output hook itself failed
  core.resource_tracker.ThreadPoolExecutor   swapped for an inline one to detect hardware
                             at interpreter exit, when thread pools refuse work
  the "codecarbon" logger    set to ERROR once imported (its tracker's init logs at INFO)

The supported codecarbon range (pyproject.toml) is the one these checks passed on.
"""

from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import Future
from typing import Any, Callable, Iterator

from ..ledger.notice import warn_once
from .energy_source import EnergySourceError, Reading

# codecarbon's scheduler interval: never, in practice (the meter asks for every reading).
_SCHEDULER_INTERVAL_S = 864_000.0
# codecarbon's CPU._mode -> our method name.
CPU_MODES = {
    "intel_rapl": "rapl",
    "intel_power_gadget": "power_gadget",
    "windows_emi": "windows_emi",
    "cpu_load": "cpu_load",
    "constant": "tdp_fallback",
}
LOGGER_NAME = "codecarbon"

_MISSING = object()


class CodecarbonContractError(EnergySourceError):
    """The installed codecarbon no longer has a private attribute frugal-ai reads."""


def _private(obj: Any, name: str) -> Any:
    value = getattr(obj, name, _MISSING)
    if value is _MISSING:
        raise CodecarbonContractError(
            f"codecarbon {_version()} has no {type(obj).__name__}.{name}; this frugal-ai supports the "
            "codecarbon range in its pyproject.toml")
    return value


def _version() -> str:
    try:
        import codecarbon

        return str(codecarbon.__version__)
    except Exception:
        return "(unknown version)"


# -- the private reads, one function each ----------------------------------------------------------
def hardware_of(tracker: Any) -> list[Any]:
    """The tracker's detected hardware objects (`_hardware`)."""
    hardware = _private(tracker, "_hardware")
    if not isinstance(hardware, list):
        raise CodecarbonContractError(f"codecarbon {_version()}: _hardware is a {type(hardware).__name__}, not a list")
    return hardware


def cpu_mode(cpu: Any) -> str:
    """How codecarbon measures this CPU (`CPU._mode`), e.g. "intel_rapl" or "cpu_load"."""
    mode = _private(cpu, "_mode")
    if not isinstance(mode, str):
        raise CodecarbonContractError(f"codecarbon {_version()}: CPU._mode is a {type(mode).__name__}, not a str")
    return mode


def is_started(tracker: Any) -> bool:
    """Whether the tracker is counting (`_start_time` set): its start() swallows its own errors."""
    return _private(tracker, "_start_time") is not None


def last_measured_pc(tracker: Any) -> float:
    """The perf_counter instant of the tracker's last measurement (`_last_measured_time`)."""
    at = _private(tracker, "_last_measured_time")
    if not isinstance(at, float):
        raise CodecarbonContractError(f"codecarbon {_version()}: _last_measured_time is a {type(at).__name__}")
    return at


def totals_kwh(tracker: Any) -> tuple[float, float, float]:
    """The tracker's cumulative CPU, GPU, RAM energy (`_total_*_energy.kWh`)."""
    return tuple(float(_private(_private(tracker, f"_total_{c}_energy"), "kWh"))  # type: ignore[return-value]
                 for c in ("cpu", "gpu", "ram"))


@contextlib.contextmanager
def inline_thread_pool() -> Iterator[None]:
    """Run codecarbon's hardware detection without a thread pool (at interpreter exit)."""
    import codecarbon.core.resource_tracker as resource_tracker

    saved = _private(resource_tracker, "ThreadPoolExecutor")
    resource_tracker.ThreadPoolExecutor = _InlineExecutor  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        resource_tracker.ThreadPoolExecutor = saved  # type: ignore[misc]


class _InlineExecutor:
    """The part of ThreadPoolExecutor's interface codecarbon uses, running each call at once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> "_InlineExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> "Future[Any]":
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:
            future.set_exception(e)
        return future


def quiet_logger() -> None:
    """codecarbon's logger is at INFO once imported (tracker init, detection): keep only its errors."""
    logging.getLogger(LOGGER_NAME).setLevel(logging.ERROR)


# -- the method string -------------------------------------------------------------------------------
def methods_of(tracker: Any) -> str:
    """What codecarbon measures with on this machine, as a '+'-joined method string."""
    from codecarbon.external.hardware import CPU, GPU
    from codecarbon.external.ram import RAM

    found: list[tuple[int, str]] = []  # (rank: CPU, GPU, RAM, other), method
    for hw in hardware_of(tracker):
        if isinstance(hw, CPU):
            found.append((0, CPU_MODES.get(cpu_mode(hw), "tdp_fallback")))
        elif isinstance(hw, GPU):
            devices = getattr(getattr(hw, "devices", None), "devices", []) or []
            amd = any("amd" in type(d).__name__.lower() for d in devices)
            found.append((1, "amdsmi" if amd else "nvml"))
        elif isinstance(hw, RAM):
            found.append((2, "ram_model"))
        else:
            found.append((3, type(hw).__name__.lower()))
    return "+".join(dict.fromkeys(m for _, m in sorted(found))) or "unavailable"


def iso3(country: str | None) -> str | None:
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


def make_tracker(country: str | None, on_total: Callable[[Any], None] | None = None) -> Any:
    """An OfflineEmissionsTracker that only measures (see the module docstring); not started."""
    from codecarbon import OfflineEmissionsTracker
    from codecarbon.output_methods.base_output import BaseOutput

    quiet_logger()  # after the import: importing codecarbon sets its logger's level

    class _Handler(BaseOutput):  # type: ignore[misc]
        """Receives every flush()'s and stop()'s totals (out); live_out is off (api_call_interval=-1)."""

        def out(self, total: Any, delta: Any) -> None:
            if on_total is not None:
                on_total(total)

    code = iso3(country)
    kwargs: dict[str, Any] = {}
    if code is None:
        # No zone configured (or one codecarbon does not know): its own CO2 figure is never
        # used by frugal-ai, so give it a neutral intensity rather than let it guess a place.
        kwargs["force_carbon_intensity_g_co2e_kwh"] = 0.0
    return OfflineEmissionsTracker(
        country_iso_code=code,
        project_name="frugal-ai",
        measure_power_secs=_SCHEDULER_INTERVAL_S,
        api_call_interval=-1,
        output_methods=[],
        emissions_endpoint=None,
        electricitymaps_api_token=None,
        output_handlers=[_Handler()],
        log_level="error",
        pue=1.0,
        wue=0.0,
        allow_multiple_runs=True,
        tracking_mode="machine",
        **kwargs,
    )


def detect(country: str | None) -> tuple[str, dict[str, Any]]:
    """Detect the hardware without starting (for `frugal-ai doctor`): the method and codecarbon's hardware info."""
    tracker = make_tracker(country)
    info = tracker.get_detected_hardware()
    return methods_of(tracker), dict(info)


class CodecarbonSource:
    """An `EnergySource` reading codecarbon's cumulative energies."""

    def __init__(self, country: str | None) -> None:
        self.country = country
        self.method = "unavailable"
        self._tracker: Any = None
        self._last: tuple[float, float, float] | None = None  # set by the output hook
        self._outs = 0

    def _hook(self, total: Any) -> None:
        self._on_total(total)

    def _on_total(self, total: Any) -> None:
        self._last = (float(total.cpu_energy), float(total.gpu_energy), float(total.ram_energy))
        self._outs += 1

    def start(self) -> Reading:
        tracker = make_tracker(self.country, self._hook)
        try:
            tracker.get_detected_hardware()  # the slow part: hardware detection
        except RuntimeError as e:
            # A script that ended before detection finished: the interpreter is shutting
            # down and thread pools refuse work; codecarbon detects CPU and GPU in one.
            if "shutdown" not in str(e):
                raise
            tracker = make_tracker(self.country, self._hook)
            with inline_thread_pool():
                tracker.get_detected_hardware()
        t0 = time.perf_counter()
        tracker.start()  # swallows its own errors: check that it really started
        if not is_started(tracker) or not hardware_of(tracker):
            raise EnergySourceError("codecarbon's tracker did not start")
        self._tracker = tracker
        self.method = methods_of(tracker)
        return Reading(0.0, 0.0, 0.0, t0)

    def read(self) -> Reading:
        tracker = self._tracker
        if tracker is None:
            raise EnergySourceError("the codecarbon source is not started")
        before = self._outs
        try:
            tracker.flush()  # measures (unless its last sample is under 50 ms old), then calls out()
        except Exception as e:
            warn_once("meter-flush", f"energy measurement failed ({type(e).__name__}: {e})")
        return self._reading(tracker, before)

    def _reading(self, tracker: Any, before: int) -> Reading:
        if self._outs == before or self._last is None:
            # codecarbon swallows errors after measuring (e.g. while computing its own CO2
            # figure) and then never calls out(): read its totals ourselves rather than let
            # runs get a silent zero.
            warn_once("meter-hook", "codecarbon measured but did not report; reading its totals directly")
            self._last = totals_kwh(tracker)
        return Reading(*self._last, last_measured_pc(tracker))

    def stop(self) -> Reading | None:
        tracker = self._tracker
        if tracker is None or not is_started(tracker):
            return None
        before = self._outs
        tracker.stop()  # its last measurement (if stale) reaches out() too
        return self._reading(tracker, before)
