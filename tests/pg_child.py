"""A recording process for the PostgreSQL ledger tests (run as `python pg_child.py ...`).

    pg_child.py TAG N                 record N API calls (ids TAG-0..TAG-N-1) through the public
                                      API, into the ledger in force (FRUGAL_AI_LEDGER), then exit
    pg_child.py TAG N --hold FILE     the same, then flush to the spool, print 'flushed' and wait
                                      until FILE exists (or a signal ends the process)
    pg_child.py TAG N --steady FILE   N calls spread over time (one every 5 ms) and wait for FILE

Each call is a `record_llm_call`, whose row id the test then recognises by its tag.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import frugal_ai
from frugal_ai import ledger


def main() -> None:
    tag, n = sys.argv[1], int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else None
    stop = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    for i in range(n):
        frugal_ai.record_llm_call("gpt-4o-mini", 100 + i % 7, 20, provider="openai", tags={"child": tag, "i": str(i)})
        if mode == "--steady":
            time.sleep(0.005)
    if mode in ("--hold", "--steady"):
        ledger.flush()
        print("flushed", flush=True)
        assert stop is not None
        while not stop.exists():
            time.sleep(0.05)


if __name__ == "__main__":
    main()
