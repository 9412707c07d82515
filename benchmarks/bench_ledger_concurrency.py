"""Many writers, one ledger: 8 processes × 4 threads × 1,000 tracked calls.

    python benchmarks/bench_ledger_concurrency.py [--processes 8 --threads 4 --calls 1000]

Each process runs its threads' tracked calls (each call its own run record), then exits
(the exit flushes). Checks that every row is in the ledger and that no "database is locked"
(or any traceback) reached a process's output. Baseline in the same run: the same number of
records written by one process with one thread, so the ratio shows what contention costs.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

WORKER = r"""
import sys, threading, frugal_ai
threads, calls = int(sys.argv[1]), int(sys.argv[2])

@frugal_ai.track("bench-write", capture_api=False)
def work(i):
    return i + 1

def loop():
    for i in range(calls):
        work(i)

ts = [threading.Thread(target=loop) for _ in range(threads)]
[t.start() for t in ts]
[t.join() for t in ts]
"""


def run(processes: int, threads: int, calls: int, ledger: str) -> tuple[float, int, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = ledger
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(threads), str(calls)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    problems = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        text = out + err
        if p.returncode != 0 or "locked" in text or "Traceback" in text or "FrugalAIWarning" in text:
            problems.append(f"exit {p.returncode}: {text.strip()[-500:]}")
    elapsed = time.perf_counter() - t0
    rows = sqlite3.connect(ledger).execute("SELECT count(*) FROM runs WHERE name = 'bench-write'").fetchone()[0]
    return elapsed, rows, problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="frugal-ledger-bench-")
    expected = args.processes * args.threads * args.calls

    base_s, base_rows, base_problems = run(1, 1, expected, os.path.join(folder, "baseline.sqlite"))
    conc_s, conc_rows, conc_problems = run(args.processes, args.threads, args.calls, os.path.join(folder, "shared.sqlite"))

    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"baseline   1 process  x 1 thread  x {expected:,} calls: {base_rows:,}/{expected:,} rows in {base_s:6.1f} s "
          f"({base_rows / base_s:,.0f} rows/s)")
    print(f"concurrent {args.processes} processes x {args.threads} threads x {args.calls:,} calls: "
          f"{conc_rows:,}/{expected:,} rows in {conc_s:6.1f} s ({conc_rows / conc_s:,.0f} rows/s, "
          f"{(conc_rows / conc_s) / (base_rows / base_s):.2f}x the baseline's rate)")
    problems = base_problems + conc_problems
    print(f"'database is locked' or other errors reaching a process: {len(problems)}")
    for p in problems[:5]:
        print("  ", p)
    return 0 if conc_rows == expected and base_rows == expected and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
