"""Benchmark: the report of a 10,000,000-record ledger (and of 1,000,000), in time and peak
memory, beside `SELECT COUNT(*)` on the same file.

Targets (issue 15, item 4): 10M records: report <= 2 s and <= 300 MB peak RSS; 1M records:
<= 0.5 s. The report reads the rollups the ledger keeps at write time (docs/report.md,
"Performance"), so its time follows the number of days and groups, not of rows.

Measured in the same run, on the same file, each step in a fresh subprocess, `--repeat`
times (default 3), printed as min–max:
- `COUNT(*)` over runs and API calls (SQLite touching every row once: what a report that
  reads every row cannot beat);
- the report: `build_report` for the ledger's year + JSON, Markdown, HTML and CSV renderings,
  content hash included. Its time is taken inside the child, from before `build_report` to
  after the last rendering (the target's figure), with the CPU time of all its threads over
  the same span (on a loaded machine the wall clock also counts the time spent waiting for a
  CPU), and beside it the child's whole wall time (process start and imports, about 0.5 s,
  included); its peak resident memory (getrusage).
The verdict is "meets the target" / "misses the target" when every repeat lies on one side
of it, else "too noisy to decide".

The ledger (a year, 2025, 2 % measured runs, the rest API calls over 20 workloads and 5
models, in time order) is written with bulk SQL through the ledger's own schema, each chunk
summed into the rollups in its transaction (`rollups.catch_up`, as the writers do), then its
settled days hashed as the writers do; about 8 min for 10M on a 2-core machine. It is cached under /tmp
(`--cache-dir`), keyed by the record count, and reused by later runs.

Run:  python benchmarks/bench_report.py [--records 10000000] [--also 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4"),
          ("mistral", "mistral-small"), ("google", "gemini-2.0-flash")]
WORKLOADS = [f"workload-{i:02d}" for i in range(20)]
YEAR_START = 1735689600.0  # 2025-01-01 UTC
YEAR_S = 365 * 86400.0
CHUNK = 500_000
TARGETS_S = {10_000_000: 2.0, 1_000_000: 0.5}
TARGET_MB = 300.0


def _pick(values: list[str], index_sql: str) -> str:
    """SQL choosing values[index_sql % len(values)]."""
    cases = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({index_sql}) % {len(values)} {cases} END"


def make_ledger(path: Path, n: int) -> None:
    """n records over 2025 in time order, 2 % runs, written with bulk SQL (a recursive CTE per
    chunk) through the ledger's schema, each chunk summed into the rollups before it commits (as
    rows.insert_records does); then the settled days hashed."""
    from frugal_ai.ledger import connect
    from frugal_ai.ledger.rollups import catch_up, refresh_day_hashes, settled_day

    conn = connect(path, readonly=False)
    n_runs = n // 50
    n_calls = n - n_runs
    gen = "WITH RECURSIVE k(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?) "
    run_sql = (gen + "INSERT INTO runs (id, name, project, tags, start, \"end\", status, host, pid, zone, method, "
               "cpu_kwh, gpu_kwh, ram_kwh) SELECT printf('run-%09d', i), " + _pick(WORKLOADS, "i") + ", 'bench', "
               "'{}', ? + ? * i / ?, ? + ? * i / ? + 30, 'ok', 'h', 1, 'FR', 'rapl+ram_model', "
               "(abs(random()) % 1000) * 1e-6, 0.0, (abs(random()) % 1000) * 1e-7 FROM k")
    provider = _pick([p for p, _ in MODELS], "i")
    model = _pick([m for _, m in MODELS], "i")
    call_sql = (gen + "INSERT INTO api_calls (id, name, project, tags, start, \"end\", status, provider, model, "
                "input_tokens, output_tokens, reasoning_tokens, latency_s, host, path, http_status, local, source, "
                f"requests) SELECT printf('call-%010d', i), {_pick(WORKLOADS, 'i')}, 'bench', '{{\"team\": \"a\"}}', "
                f"? + ? * i / ?, ? + ? * i / ? + 1.0, 'ok', {provider}, {model}, 100 + abs(random()) % 3900, "
                "50 + abs(random()) % 750, 0, 1.0, 'h', '/v1', 200, 0, 'capture', 1 FROM k")
    for sql, total in ((run_sql, n_runs), (call_sql, n_calls)):
        for lo in range(0, total, CHUNK):
            hi = min(lo + CHUNK, total)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, [lo, hi, YEAR_START, YEAR_S, total, YEAR_START, YEAR_S, total])
            catch_up(conn)
            conn.execute("COMMIT")
    conn.execute("BEGIN IMMEDIATE")
    refresh_day_hashes(conn, settled_day())
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


STEPS = {
    "count": """
import sqlite3, sys, time
t0, c0 = time.perf_counter(), time.process_time()
c = sqlite3.connect(sys.argv[1])
n = c.execute("SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM api_calls)").fetchone()[0]
print(json.dumps({"inner_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "result": n}))
""",
    "report": """
import sys, time
from frugal_ai.config import Settings
from frugal_ai.report import build_report, render, parse_period
s = Settings(country="FR", ledger=sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
r = build_report(sys.argv[1], parse_period("2025"), settings=s)
for fmt in ("json", "md", "html", "csv"):
    render(r, fmt, "en")
print(json.dumps({"inner_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                  "result": r.methodology.ledger_rows}))
""",
}


def run_step(name: str, ledger: Path) -> dict[str, float]:
    code = ("import json\n" + STEPS[name]
            + "\nimport resource\nprint(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, str(ledger)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    lines = r.stdout.strip().splitlines()
    return {"wall_s": wall, **json.loads(lines[-2]), **json.loads(lines[-1])}


def _spread(values: list[float], fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}" if len(values) > 1 else fmt.format(values[0])


def verdict(values: list[float], target: float) -> str:
    if all(v <= target for v in values):
        return "meets the target"
    if all(v > target for v in values):
        return "misses the target"
    return "too noisy to decide"


def bench(records: int, cache_dir: Path, repeat: int) -> None:
    ledger = cache_dir / f"bench-report-{records}.sqlite"
    if not ledger.exists():
        t0 = time.perf_counter()
        partial = ledger.with_suffix(".partial")
        for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            p.unlink(missing_ok=True)
        make_ledger(partial, records)
        partial.rename(ledger)
        print(f"wrote {records:,} records in {time.perf_counter() - t0:.0f} s ({ledger.stat().st_size / 1e6:.0f} MB): {ledger}")
    run_step("count", ledger)  # warm the OS page cache once: no step pays for the first read
    runs: dict[str, list[dict[str, float]]] = {"count": [], "report": []}
    for _ in range(repeat):  # alternated, so both see the same load
        for name in runs:
            runs[name].append(run_step(name, ledger))
    count, report = runs["count"], runs["report"]
    print(f"\n{records:,} records ({ledger.stat().st_size / 1e6:.0f} MB), {repeat} runs each, min–max:")
    print(f"  COUNT(*)  {_spread([r['inner_s'] for r in count])} s in process (CPU {_spread([r['cpu_s'] for r in count])} s), "
          f"{_spread([r['wall_s'] for r in count])} s "
          f"with process start; peak {_spread([r['peak_mb'] for r in count], '{:.0f}')} MB (result {int(count[0]['result']):,})")
    print(f"  report    {_spread([r['inner_s'] for r in report])} s in process (CPU, all threads, "
          f"{_spread([r['cpu_s'] for r in report])} s), {_spread([r['wall_s'] for r in report])} s "
          f"with process start and imports; peak {_spread([r['peak_mb'] for r in report], '{:.0f}')} MB "
          f"(ledger rows {int(report[0]['result']):,})")
    target = TARGETS_S.get(records)
    if target is not None:
        print(f"  target <= {target} s (in process, wall): {verdict([r['inner_s'] for r in report], target)}; "
              f"in CPU time: {verdict([r['cpu_s'] for r in report], target)}; "
              f"<= {TARGET_MB:.0f} MB: {verdict([r['peak_mb'] for r in report], TARGET_MB)}")
        print(f"  report / COUNT(*) (in process, wall): {min(r['inner_s'] for r in report) / max(c['inner_s'] for c in count):.1f}x"
              f"–{max(r['inner_s'] for r in report) / min(c['inner_s'] for c in count):.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--also", type=int, nargs="*", default=[1_000_000], help="Other ledger sizes, benched after.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/frugal-ai-bench"))
    args = ap.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    for records in (args.records, *args.also):
        bench(records, args.cache_dir, args.repeat)


if __name__ == "__main__":
    main()
