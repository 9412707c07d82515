"""Benchmark: `ledger import` of a usage CSV straight into a PostgreSQL ledger, in time and peak
memory, beside the same import into a SQLite file in the same run.

Measured on bench_import.py's file (distinct generic-csv rows over a year, in time order):
- the import into a fresh SQLite file (the baseline: the path every other import takes);
- the import into a fresh PostgreSQL database (one transaction, 10,000-row batches sent by COPY
  and one INSERT ... ON CONFLICT each), in a fresh subprocess each time, with its peak resident
  memory (getrusage) and its own CPU time (PostgreSQL's server work is not in it);
- the same PostgreSQL import of a file 10x smaller: a flat memory means the two peaks are
  about the same (streamed in batches, not held whole).
Each figure is printed as its median with the spread (min-max) of `--repeat` runs; the
PostgreSQL/SQLite ratio with its range from the extremes. No target is set for this path.

Run:  python benchmarks/bench_import_postgresql.py [--rows 200000] [--repeat 3] [--url postgresql://…]
Without --url a temporary PostgreSQL is started as tests/pg_server.py does (initdb, pg_ctl;
Debian's postgresql package, psycopg installed); with --url, each run imports into a new
database created there (the user needs CREATEDB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_import import _CHILD, make_csv, spread  # noqa: E402

def _import(csv_path: Path, ledger: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(csv_path), ledger], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _new_database(url: str) -> str:
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--url", default=None, help="a PostgreSQL server's database to create the test databases from")
    args = ap.parse_args()
    server = None
    if args.url:
        url = args.url
    else:
        from pg_server import PgServer

        reason = PgServer.unavailable()
        if reason:
            sys.exit(f"cannot start PostgreSQL: {reason}")
        server = PgServer(Path(tempfile.mkdtemp(prefix="frugal-ai-bench-pgdata-"))).init()
        url = server.url()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            big, small = Path(tmp) / "usage.csv", Path(tmp) / "usage-small.csv"
            make_csv(big, args.rows)
            make_csv(small, max(args.rows // 10, 1))
            print(f"file: {args.rows:,} rows, {big.stat().st_size / 1e6:.0f} MB")
            lite, pg, pg_small = [], [], []
            for i in range(args.repeat):  # alternated, so that load changes hit both alike
                lite.append(_import(big, str(Path(tmp) / f"ledger-{i}.sqlite")))
                pg.append(_import(big, _new_database(url)))
                pg_small.append(_import(small, _new_database(url)))
            assert all(r["new"] == args.rows for r in lite + pg), (lite, pg)
            ls, ps = [r["seconds"] for r in lite], [r["seconds"] for r in pg]
            print(f"import into SQLite:      wall {spread(ls)} s, CPU {spread([r['cpu_s'] for r in lite])} s, "
                  f"peak {spread([r['peak_mb'] for r in lite])} MB")
            print(f"import into PostgreSQL:  wall {spread(ps)} s, CPU {spread([r['cpu_s'] for r in pg])} s, "
                  f"peak {spread([r['peak_mb'] for r in pg])} MB "
                  f"({args.rows / statistics.median(ps):,.0f} rows/s)")
            print(f"PostgreSQL / SQLite wall: {statistics.median(ps) / statistics.median(ls):.2f}x "
                  f"(range {min(ps) / max(ls):.2f}-{max(ps) / min(ls):.2f}x)")
            big_peak = statistics.median([r["peak_mb"] for r in pg])
            small_peak = statistics.median([r["peak_mb"] for r in pg_small])
            print(f"PostgreSQL peak memory, {max(args.rows // 10, 1):,} rows: "
                  f"{spread([r['peak_mb'] for r in pg_small])} MB (the 10x larger file: {big_peak - small_peak:+.1f} MB)")
    finally:
        if server is not None:
            import shutil

            server.stop("immediate")
            shutil.rmtree(server.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
