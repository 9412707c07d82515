"""CPU per tracked call with the OpenTelemetry export off, on, and on with sampled spans, in one run.

    python benchmarks/bench_otel_export.py        # a minute or two on a 2-core machine

A local OTLP/HTTP receiver runs in a child process (its CPU is not counted). Batches of
tracked calls (each with one recorded API call inside) rotate between export off, on with
every span (`otel_sample_ratio` 1, the default) and on with 1 % of the spans
(`otel_sample_ratio` 0.01; metrics still count every record), set through the
`FRUGAL_AI_OTEL_ENDPOINT` and `FRUGAL_AI_OTEL_SAMPLE_RATIO` variables between batches; each
batch's process CPU time, every thread counted, runs until its records are written to the
ledger and, when on, turned into spans and metric sums and sent (metrics collected and sent
at the end of every batch). Prints the median per call for each, what each "on" adds with the
middle half of its per-round differences from "off", and "too noisy to decide" when that
middle half contains zero.
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
ROUNDS = 9


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

    def batch_cpu_us(ratio: float | None) -> float:
        """CPU per tracked call with the export off (None) or on at `ratio`."""
        if ratio is None:
            os.environ.pop("FRUGAL_AI_OTEL_ENDPOINT", None)
        else:
            os.environ["FRUGAL_AI_OTEL_ENDPOINT"] = url
            os.environ["FRUGAL_AI_OTEL_SAMPLE_RATIO"] = str(ratio)
        tracked()  # the change is seen from here on
        settle()
        ledger.flush()
        otel.flush(10.0)
        cpu0 = time.process_time()
        for _ in range(CALLS):
            tracked()
        settle()
        ledger.flush()
        if ratio is not None:
            otel.flush(30.0)  # spans sent, metrics collected, priced and sent
        return (time.process_time() - cpu0) / CALLS * 1e6

    modes = {"export off": None, "export on, every span": 1.0, "export on, 1 % of spans": 0.01}
    for ratio in modes.values():
        batch_cpu_us(ratio)  # warm every path
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(ROUNDS):
        for mode, ratio in modes.items():
            cpu[mode].append(batch_cpu_us(ratio))
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; {ROUNDS} rounds of {CALLS} tracked calls per mode, "
          "each with one API call recorded")
    for mode in modes:
        note = "   (baseline)" if modes[mode] is None else ""
        print(f"{'CPU per tracked call, ' + mode:50s} {statistics.median(cpu[mode]):10.1f} µs{note}")
    off = cpu["export off"]
    for mode, ratio in modes.items():
        if ratio is None:
            continue
        diffs = sorted(b - a for a, b in zip(off, cpu[mode]))
        q1, _, q3 = statistics.quantiles(diffs, n=4)
        verdict = "too noisy to decide" if q1 <= 0 <= q3 else "difference measured"
        print(f"{'added by the ' + mode:50s} {statistics.median(diffs):10.1f} µs   "
              f"(middle half {q1:.1f}-{q3:.1f}; {verdict})")
    print(f"{'records dropped by the export queue':50s} {otel.dropped():10d}")
    server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
