"""Benchmark: the report of the same records from PostgreSQL and from SQLite (target: PostgreSQL
within 2x of SQLite), and what `ledger push` costs.

The records are bench_report.py's (2% measured runs, the rest API calls over one year),
written to a SQLite file, then pushed to PostgreSQL with `ledger push`'s code. The report
(`build_report` + markdown, content hash included) is timed on each store alternately, in
the same run, `--repeat` times; medians are printed with their spread (min-max), and the
ratio's range from the extremes. When that range covers the 2x target the verdict is
"too noisy to decide".

Run:  python benchmarks/bench_report_postgresql.py [--records 200000] [--repeat 5] [--url postgresql://…]
Without --url a temporary PostgreSQL is started as tests/pg_server.py does (initdb, pg_ctl;
Debian's postgresql package, psycopg installed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

TARGET = 2.0


def _report_s(ledger: object) -> float:
    from bench_report import YEAR_START
    from frugal_ai.config import Settings
    from frugal_ai.report import build_report, parse_period, render

    settings = Settings(country="FR", project="bench", ledger=ledger)
    year = str(time.gmtime(YEAR_START).tm_year)  # the year the records span
    t = time.perf_counter()
    render(build_report(ledger, parse_period(year), settings=settings), "md", "en")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--url", default=None)
    args = ap.parse_args()

    from bench_report import make_ledger
    from frugal_ai.config import PostgresURL
    from frugal_ai.ledger import connect
    from frugal_ai.ledger.postgres import size_bytes
    from frugal_ai.ledger.push import push

    work = Path(tempfile.mkdtemp(prefix="frugal-ai-bench-pg-"))
    server = None
    if args.url:
        url = PostgresURL.parse(args.url)
    else:
        from pg_server import PgServer

        reason = PgServer.unavailable()
        if reason:
            sys.exit(f"cannot start PostgreSQL: {reason}")
        server = PgServer(Path(tempfile.mkdtemp(prefix="frugal-ai-bench-pgdata-"))).init()
        url = PostgresURL.parse(server.url(server.new_database()))
    try:
        ledger = work / "bench.sqlite"
        make_ledger(ledger, args.records)
        t = time.perf_counter()
        pushed = push(ledger, url)
        push_s = time.perf_counter() - t
        conn = connect(url)
        pg_bytes = size_bytes(conn)  # type: ignore[arg-type]
        conn.close()
        print(f"records: {pushed.total_sent:,}; ledger push: {push_s:.1f} s ({pushed.total_sent / push_s:,.0f} rows/s); "
              f"PostgreSQL size {pg_bytes / pushed.total_sent:.0f} bytes/record with indexes, "
              f"SQLite file {ledger.stat().st_size / pushed.total_sent:.0f} bytes/record")
        lite: list[float] = []
        pg: list[float] = []
        _report_s(ledger), _report_s(url)  # warm caches on both sides
        for _ in range(args.repeat):
            lite.append(_report_s(ledger))
            pg.append(_report_s(url))
        m_lite, m_pg = statistics.median(lite), statistics.median(pg)
        lo, hi = min(pg) / max(lite), max(pg) / min(lite)
        print(f"report (build + md), {args.repeat} runs each, alternated:")
        print(f"  SQLite      median {m_lite:.2f} s  (spread {min(lite):.2f}-{max(lite):.2f} s)")
        print(f"  PostgreSQL  median {m_pg:.2f} s  (spread {min(pg):.2f}-{max(pg):.2f} s)")
        ratio = m_pg / m_lite
        if lo <= TARGET <= hi:
            verdict = "too noisy to decide"
        else:
            verdict = "within 2x: met" if ratio <= TARGET else "within 2x: NOT met"
        print(f"  PostgreSQL / SQLite: {ratio:.2f}x (range {lo:.2f}-{hi:.2f}x); target <= {TARGET:.0f}x: {verdict}")
    finally:
        import shutil

        if server is not None:
            server.stop("immediate")
            shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
