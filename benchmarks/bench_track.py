"""Overhead of `@frugal_ai.track` on a function that does nothing, against codecarbon's own
per-call APIs measured in the same run.

    python benchmarks/bench_track.py            # about 30 s on a 2-core machine

Prints the median cost per call once warm (µs), for:
  - a bare call (the floor),
  - @frugal_ai.track (target: <= 20 µs over the bare call, each tracked batch timed right
    after a bare one, in wall-clock time and in the calling thread's CPU time, which carries
    the verdict (on a loaded machine the wall clock also counts other processes' turns); it
    says "too noisy to decide" when the middle half of the batches straddles the target),
    and the process CPU time per
    tracked call counting every thread (the background attribution and SQLite writes too),
  - codecarbon's tracker.start_task() / stop_task() around the call,
  - codecarbon's @track_emissions (a tracker per call; its first call is printed apart),
  - @frugal_ai.track in a fork Pool worker, where each top-level run is written to the
    ledger before the call returns (workers end without exit handlers), against a bare call
    in the same worker.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from typing import Any, Callable

warnings.simplefilter("ignore")
logging.getLogger("codecarbon").setLevel(logging.ERROR)
os.environ["FRUGAL_AI_LEDGER"] = os.path.join(tempfile.mkdtemp(prefix="frugal-bench-"), "ledger.sqlite")


def per_call_us(fn: Callable[[], Any], calls: int, batches: int) -> float:
    """Median over `batches` of the mean time of `calls` calls, in µs."""
    return statistics.median(batch_means_us(fn, calls, batches))


def batch_means_us(fn: Callable[[], Any], calls: int, batches: int) -> list[float]:
    """The mean time of `calls` calls, in µs, for each of `batches` batches."""
    means = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        means.append((time.perf_counter() - t0) / calls * 1e6)
    return means


def _batch_thread_cpu_us(fn: Callable[[], Any], calls: int) -> float:
    t0 = time.thread_time()
    for _ in range(calls):
        fn()
    return (time.thread_time() - t0) / calls * 1e6


def overheads_us(bare: Callable[[], Any], tracked: Callable[[], Any], calls: int,
                 batches: int) -> tuple[list[float], list[float]]:
    """Per batch pair, tracked minus bare (µs per call), the two timed back to back so that a
    change of load on the machine touches both: (wall-clock, calling thread's CPU time). The
    CPU time of the calling thread is what the caller pays; on a loaded machine the wall clock
    also counts the time the scheduler gave to other processes."""
    wall, cpu = [], []
    for _ in range(batches):
        b = batch_means_us(bare, calls, 1)[0]
        wall.append(batch_means_us(tracked, calls, 1)[0] - b)
        b = _batch_thread_cpu_us(bare, calls)
        cpu.append(_batch_thread_cpu_us(tracked, calls) - b)
    return wall, cpu


def verdict(values: list[float], target: float) -> str:
    """'met' / 'not met' when the middle half of the values is on one side of the target."""
    q1, _, q3 = statistics.quantiles(values, n=4)
    if q3 <= target:
        return "met"
    if q1 > target:
        return "NOT met"
    return "too noisy to decide"


def _in_pool_worker_us() -> tuple[float, float]:
    """Run in a Pool worker: (bare call, tracked call) in µs, medians over batches of top-level runs."""
    import frugal_ai

    def noop() -> None:
        return None

    tracked = frugal_ai.track("bench-worker", capture_api=False)(noop)
    for _ in range(200):  # warm: the worker's first run loads settings and opens the ledger
        tracked()
    return per_call_us(noop, 200, 9), per_call_us(tracked, 200, 9)


def main() -> int:
    import frugal_ai
    from frugal_ai.measure import settle
    from frugal_ai.measure.meter import meter

    def noop() -> None:
        return None

    tracked = frugal_ai.track("bench-noop", capture_api=False)(noop)
    tracked()  # starts the tracker in the background
    assert meter().wait_ready(60), "the tracker did not start"
    for _ in range(2000):  # warm
        tracked()

    bare_us = per_call_us(noop, 2000, 25)
    cpu0 = time.process_time()
    overheads, thread_overheads = overheads_us(noop, tracked, 2000, 25)
    settle()  # the background work of those 100,000 runs: attribution and SQLite writes
    cpu_us = (time.process_time() - cpu0) / 100_000 * 1e6

    from codecarbon import OfflineEmissionsTracker, track_emissions

    cc = OfflineEmissionsTracker(country_iso_code="FRA", output_methods=[], log_level="error",
                                 allow_multiple_runs=True, measure_power_secs=1)
    cc.start()

    names = (f"noop-{i}" for i in range(10**9))

    def task() -> None:
        # One name per task: codecarbon renames a reused name on start, and stop_task(name)
        # would then stop nothing (and log an error), which would flatter the baseline.
        name = next(names)
        cc.start_task(name)
        noop()
        cc.stop_task(name)

    task()
    task_us = per_call_us(task, 20, 10)
    cc.stop()

    decorated = track_emissions(offline=True, country_iso_code="FRA", output_methods=[], log_level="error",
                                allow_multiple_runs=True)(noop)
    t0 = time.perf_counter()
    decorated()
    first_ms = (time.perf_counter() - t0) * 1e3
    te_us = per_call_us(decorated, 3, 5)

    import multiprocessing as mp

    with mp.get_context("fork").Pool(1) as pool:
        worker_bare_us, worker_track_us = pool.apply(_in_pool_worker_us)

    overhead = statistics.median(overheads)
    q1, _, q3 = statistics.quantiles(overheads, n=4)
    thread_overhead = statistics.median(thread_overheads)
    t1, _, t3 = statistics.quantiles(thread_overheads, n=4)
    target = 20.0
    result = verdict(thread_overheads, target)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'bare call':38s} {bare_us:12.2f} µs")
    print(f"{'@frugal_ai.track overhead, wall clock':38s} {overhead:12.2f} µs   (middle half {q1:.2f}-{q3:.2f} "
          "over 25 batch pairs)")
    label = "  in the calling thread's CPU time"
    print(f"{label:38s} {thread_overhead:12.2f} µs   (middle half {t1:.2f}-{t3:.2f}; "
          f"target <= {target:.0f}: {result})")
    print(f"{'  CPU per tracked call, all threads':38s} {cpu_us:12.2f} µs   (caller + attribution + ledger writes)")
    print(f"{'codecarbon start_task/stop_task':38s} {task_us:12.2f} µs   = {task_us / max(overhead, 1e-9):,.0f}x our overhead")
    print(f"{'codecarbon @track_emissions':38s} {te_us:12.2f} µs   = {te_us / max(overhead, 1e-9):,.0f}x; "
          f"first call {first_ms:,.0f} ms")
    print(f"{'@frugal_ai.track in a fork Pool worker':38s} {worker_track_us:12.2f} µs   (bare call there "
          f"{worker_bare_us:.2f} µs; each run written before it returns)")
    return 1 if result == "NOT met" else 0


if __name__ == "__main__":
    sys.exit(main())
