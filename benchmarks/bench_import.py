"""Benchmark: `ledger import` of a 1,000,000-row usage CSV, in time and peak memory.

Targets (issue 11, section 3): 1M rows in <= 30 s, and flat memory (streamed: the peak does
not grow with the file). Measured in the same run on the same file:
- baseline: plain `csv.reader` over the file (the floor: reading every row once, no checks,
  no ledger);
- `import_usage` of the 1M-row file into a fresh ledger (read, check, id, write), in a fresh
  subprocess each time, with its peak resident memory (getrusage);
- the same import of a 100k-row file: a flat memory means the 1M peak is about the 100k peak.
The import's CPU time is printed beside its wall time: on a machine shared with other work the
wall time also counts the time spent waiting for a CPU.

Run:  python benchmarks/bench_import.py [--rows 1000000] [--repeat 3]
The verdict is "meets the target" / "misses the target" when every repeat falls on one side
of 30 s, else "too noisy to decide".
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 30.0
MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4"),
          ("mistral", "mistral-small"), ("google", "gemini-2.0-flash")]
WORKLOADS = [f"workload-{i:02d}" for i in range(20)]

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from frugal_ai.imports import import_usage
from frugal_ai.ledger import location
t0 = time.perf_counter()
r = import_usage(Path(sys.argv[1]), "csv", ledger=location(sys.argv[2]))  # a file, or a postgresql:// URL
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "cpu_s": time.process_time(), "imported": r.imported, "new": r.new,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_csv(path: Path, n: int, seed: int = 1) -> None:
    """n generic usage rows over a year in time order (as exports are), distinct (so every row is
    a new fact)."""
    rng = random.Random(seed)
    year_s = 365 * 86400
    with open(path, "w", encoding="utf-8") as f:
        f.write("date,provider,model,requests,input_tokens,output_tokens,reasoning_tokens,workload\n")
        for i in range(n):
            provider, model = MODELS[i % len(MODELS)]
            at = 1767225600 + year_s * i // n
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(at))},{provider},{model},"
                    f"{1 + rng.randrange(5000)},{rng.randrange(4000)},{rng.randrange(1500)},0,"
                    f"{WORKLOADS[i % len(WORKLOADS)]}\n")


def plain_csv_s(path: Path) -> float:
    import csv

    t0 = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as f:
        n = sum(1 for _ in csv.reader(f))
    assert n > 1
    return time.perf_counter() - t0


def import_run(csv_path: Path, ledger: Path) -> dict[str, float]:
    for p in ledger.parent.glob(ledger.name + "*"):
        p.unlink()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(csv_path), str(ledger)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def _verdict(values: list[float]) -> str:
    if max(values) <= TARGET_S:
        return "meets the target"
    if min(values) > TARGET_S:
        return "misses the target"
    return "too noisy to decide"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "usage.csv", Path(tmp) / "usage-small.csv"
        make_csv(big, args.rows)
        make_csv(small, max(args.rows // 10, 1))
        size_mb = big.stat().st_size / 1e6
        print(f"file: {args.rows:,} rows, {size_mb:.0f} MB")
        base = [plain_csv_s(big) for _ in range(args.repeat)]
        print(f"baseline, plain csv.reader over the file:  {spread(base)} s")
        ledger = Path(tmp) / "ledger.sqlite"
        runs = [import_run(big, ledger) for _ in range(args.repeat)]
        assert all(r["new"] == args.rows for r in runs), runs
        secs = [r["seconds"] for r in runs]
        print(f"ledger import of {args.rows:,} rows:             {spread(secs)} s "
              f"({args.rows / statistics.median(secs):,.0f} rows/s, {statistics.median(secs) / statistics.median(base):.1f}x "
              "the plain parse)")
        print(f"  its CPU time (the process, imports included):  {spread([r['cpu_s'] for r in runs])} s "
              "(the wall time includes waiting for a CPU on a loaded machine)")
        smalls = [import_run(small, ledger) for _ in range(args.repeat)]
        peak_big = [r["peak_mb"] for r in runs]
        peak_small = [r["peak_mb"] for r in smalls]
        print(f"peak memory, {args.rows:,} rows:               {spread(peak_big)} MB")
        print(f"peak memory, {max(args.rows // 10, 1):,} rows:                 {spread(peak_small)} MB "
              f"(the 10x larger file: {statistics.median(peak_big) - statistics.median(peak_small):+.1f} MB)")
        print(f"target: {args.rows:,} rows <= {TARGET_S:.0f} s, wall: {_verdict(secs)}")
        # On a machine shared with other work the wall time is mostly waiting for a CPU: the
        # import's own CPU time says what it would take on a machine of its own.
        print(f"target: {args.rows:,} rows <= {TARGET_S:.0f} s, CPU time: {_verdict([r['cpu_s'] for r in runs])}")


if __name__ == "__main__":
    main()
