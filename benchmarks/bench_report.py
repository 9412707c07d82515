"""Benchmark: the report of a 1,000,000-record ledger, in time and peak memory.

Targets (issue 6): <= 5 s and <= 500 MB peak for `build_report` + rendering, with the
aggregation in SQL. Baselines measured in the same run on the same file:
- `SELECT COUNT(*)` over both tables (the floor: SQLite touching every row once);
- a naive Python loop over every API-call row (fetch rows, group in a dict), the approach
  the SQL aggregation replaces.

Run:  python benchmarks/bench_report.py [--records 1000000] [--keep PATH]
The peak memory is the process's maximum resident set size (getrusage), measured in a
fresh subprocess per step so that one step's peak does not hide another's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4"),
          ("mistral", "mistral-small"), ("google", "gemini-2.0-flash")]
WORKLOADS = [f"workload-{i:02d}" for i in range(20)]


def make_ledger(path: Path, n: int, seed: int = 1) -> None:
    """n records over one year: 2% measured runs, the rest API calls, written in one transaction
    through the ledger writer's row builder (as a tracked process writes them).

    Records are written in time order, as a real ledger is (it is appended to as work happens).
    """
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import ApiCallRecord, RunRecord

    rng = random.Random(seed)
    start = 1767225600.0  # 2026-01-01 UTC
    year = 365 * 86400
    n_runs = n // 50
    team = {"team": "a"}

    def runs():
        for i in range(n_runs):
            t = start + year * i / n_runs
            yield RunRecord(id=f"run-{i:07d}", name=rng.choice(WORKLOADS), project="bench", start=t, end=t + 30,
                            host="h", pid=1, zone="FR", method="rapl+ram_model", cpu_kwh=rng.random() * 1e-3,
                            ram_kwh=rng.random() * 1e-4)

    def calls():  # a generator: the benchmark's own memory stays flat while writing
        n_calls = n - n_runs
        for i in range(n_calls):
            t = start + year * (i + rng.random()) / n_calls
            provider, model = MODELS[i % len(MODELS)]
            yield ApiCallRecord(id=str(uuid.UUID(int=rng.getrandbits(128))), name=WORKLOADS[i % len(WORKLOADS)],
                                project="bench", tags=team, start=t, end=t + 1.0, provider=provider, model=model,
                                input_tokens=rng.randint(100, 4000), output_tokens=rng.randint(50, 800),
                                latency_s=1.0, host="h", path="/v1", http_status=200)

    write_records(path, itertools.chain(runs(), calls()))


STEPS = {
    "count": """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM api_calls)").fetchone()[0])
""",
    "naive_python_loop": """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
groups = {}
for name, start, provider, model, i, o in c.execute(
        "SELECT name, start, provider, model, input_tokens, output_tokens FROM api_calls"):
    key = (name, int(start // 2629800), provider, model)
    g = groups.setdefault(key, [0, 0, 0])
    g[0] += 1; g[1] += i; g[2] += o
print(len(groups))
""",
    "report": """
import sys
from frugal_ai.config import Settings
from frugal_ai.report import build_report, render, parse_period
s = Settings(country="FR", ledger=sys.argv[1])
r = build_report(sys.argv[1], parse_period("2026"), settings=s)
for fmt in ("json", "md", "html", "csv"):
    render(r, fmt, "en")
print(r.methodology.ledger_rows)
""",
}


def run_step(name: str, ledger: Path) -> dict[str, float | str]:
    code = STEPS[name] + "\nimport resource, json\nprint(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, str(ledger)], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    lines = r.stdout.strip().splitlines()
    return {"seconds": seconds, "peak_mb": json.loads(lines[-1])["peak_mb"], "result": lines[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="Keep (or reuse) the ledger at this path.")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    ledger = args.keep or Path(tmp.name) / "ledger.sqlite"
    if not ledger.exists():
        t0 = time.perf_counter()
        make_ledger(ledger, args.records)
        print(f"wrote {args.records:,} records in {time.perf_counter() - t0:.1f} s ({ledger.stat().st_size / 1e6:.0f} MB)")
    # Warm the OS page cache once, so that no step pays for the first read of the file.
    run_step("count", ledger)
    results = {name: run_step(name, ledger) for name in ("count", "naive_python_loop", "report")}
    for name, r in results.items():
        print(f"{name:>18}: {r['seconds']:6.2f} s   peak {r['peak_mb']:6.0f} MB   (result {r['result']})")
    rep, count, naive = results["report"], results["count"], results["naive_python_loop"]
    print(f"report / COUNT(*) = {rep['seconds'] / count['seconds']:.1f}x; "
          f"report / naive loop (grouping only, no footprint) = {rep['seconds'] / naive['seconds']:.2f}x")
    ok = rep["seconds"] <= 5.0 and rep["peak_mb"] <= 500
    print(f"target <= 5 s and <= 500 MB: {'met' if ok else 'NOT met'} "
          f"({rep['seconds']:.2f} s, {rep['peak_mb']:.0f} MB; process start and imports included)")


if __name__ == "__main__":
    main()
