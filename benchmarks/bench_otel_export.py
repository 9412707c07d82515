"""CPU per tracked call with the OpenTelemetry export on vs off, measured in the same run.

    python benchmarks/bench_otel_export.py        # about a minute on a 2-core machine

A local OTLP/HTTP receiver runs in a child process (its CPU is not counted). Batches of
tracked calls (each with one recorded API call inside) alternate between export off and on
(the `FRUGAL_AI_OTEL_ENDPOINT` variable set or unset between batches); each batch's process
CPU time, every thread counted, runs until its records are written to the ledger and, when
on, turned into spans and metric points and sent. Prints the median per call for each, the
difference with the middle half of the per-pair differences, and "too noisy to decide"
when that middle half contains zero.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
warnings.simplefilter("ignore")
logging.getLogger("codecarbon").setLevel(logging.ERROR)
os.environ["FRUGAL_AI_LEDGER"] = os.path.join(tempfile.mkdtemp(prefix="frugal-bench-"), "ledger.sqlite")
os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)

CALLS = 500
PAIRS = 9


def _serve(port_queue: "multiprocessing.Queue[int]") -> None:
    from fakeservers.otlp_receiver import OtlpReceiver

    r = OtlpReceiver()
    port_queue.put(r.server_address[1])
    time.sleep(3600)


def main() -> int:
    q: "multiprocessing.Queue[int]" = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(q,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{q.get(timeout=60)}"

    import frugal_ai
    from frugal_ai import ledger
    from frugal_ai.export import otel
    from frugal_ai.measure import settle
    from frugal_ai.measure.meter import meter

    def work() -> None:
        frugal_ai.record_llm_call("gpt-4o-mini", 500, 300, provider="openai")

    tracked = frugal_ai.track("bench-otel", capture_api=False)(work)
    tracked()
    assert meter().wait_ready(60), "the tracker did not start"

    def batch_cpu_us(on: bool) -> float:
        if on:
            os.environ["FRUGAL_AI_OTEL_ENDPOINT"] = url
        else:
            os.environ.pop("FRUGAL_AI_OTEL_ENDPOINT", None)
        tracked()  # the change is seen from here on
        settle()
        ledger.flush()
        otel.flush(10.0)
        cpu0 = time.process_time()
        for _ in range(CALLS):
            tracked()
        settle()
        ledger.flush()
        if on:
            otel.flush(30.0)
        return (time.process_time() - cpu0) / CALLS * 1e6

    batch_cpu_us(True), batch_cpu_us(False)  # warm both paths
    off, on = [], []
    for _ in range(PAIRS):
        off.append(batch_cpu_us(False))
        on.append(batch_cpu_us(True))
    diffs = sorted(b - a for a, b in zip(off, on))
    q1, q3 = statistics.quantiles(diffs, n=4)[0], statistics.quantiles(diffs, n=4)[2]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; {PAIRS} pairs of {CALLS} tracked calls, "
          "each with one API call recorded")
    print(f"{'CPU per tracked call, export off':40s} {statistics.median(off):10.1f} µs   (baseline)")
    print(f"{'CPU per tracked call, export on':40s} {statistics.median(on):10.1f} µs")
    verdict = "too noisy to decide" if q1 <= 0 <= q3 else "difference measured"
    print(f"{'added by the export':40s} {statistics.median(diffs):10.1f} µs   (middle half {q1:.1f}-{q3:.1f}; {verdict})")
    print(f"{'records dropped by the export queue':40s} {otel.dropped():10d}")
    server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
