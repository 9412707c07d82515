"""Ledger rows: what the inventory reads from the ledger for one selection, already summed.

One read (`read_ledger_rows`) gives the run groups and call groups of `ledger.query`, the
span of the runs, the energy measured outside every run and, when asked, the content hash
(computed in the background while the groups are read: `hashing.HashThread`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..errors import InputError
from ..ledger import connect, exists
from ..ledger.query import (
    IMPLAUSIBLE_REASON,
    GroupRow,
    Selection,
    call_groups,
    call_span,
    content_hash,
    probe_facts,
    machine_split,
    rejected_counts,
    run_groups,
    run_span,
    unattributed_kwh,
)
from .hashing import HashThread


@dataclass(frozen=True)
class LedgerRows:
    """The selected part of a ledger, summed by group."""

    run_groups: Sequence[GroupRow]
    call_groups: Sequence[GroupRow]
    runs: int
    first_run: float | None
    last_run: float | None
    first_call: float | None
    last_call: float | None
    unattributed_kwh: float
    content_hash: str  # '' when not computed
    rejected: dict[str, int]  # records refused by the plausibility bounds, by reason
    machine_split: dict[str, float] | None = None  # the trackers' machine energy, split (query.machine_split)

    @property
    def ledger_rows(self) -> int:
        """Runs and API calls selected (those outside the plausibility bounds too: they are
        rows of the ledger, hashed with the others, only never summed)."""
        return self.runs + sum(int(g["rows"]) for g in self.call_groups) + self.rejected.get(IMPLAUSIBLE_REASON, 0)

    def span(self) -> tuple[float | None, float | None]:
        """(first, last) start time of any selected run or API call."""
        starts = [v for v in (self.first_run, self.last_run, self.first_call, self.last_call) if v is not None]
        return (min(starts), max(starts)) if starts else (None, None)


def read_ledger_rows(path: Path, sel: Selection, *, with_hash: bool,
                     progress: Callable[[str, float], None]) -> LedgerRows:
    """Read `sel` from the ledger at `path` (a missing one reads as empty; a corrupt one raises
    `InputError` naming it). `progress` is called with (stage, fraction done)."""
    conn = connect(path, readonly=True)
    hasher = (HashThread(path, sel, lambda share: progress("hashing", 0.1 + 0.8 * share))
              if with_hash and exists(path) else None)
    try:
        if hasher is not None:
            hasher.start()
        progress("runs", 0.05)
        probe_facts(conn)
        runs = run_groups(conn, sel)
        progress("api calls", 0.1)
        calls = call_groups(conn, sel)
        n_runs, first_run, last_run = run_span(conn, sel)
        first_call, last_call = call_span(conn, sel)
        unattributed = unattributed_kwh(conn, sel) if not sel.workloads else 0.0
        rejected = rejected_counts(conn, sel) if not sel.workloads else {}
        split = machine_split(conn, sel) if not sel.workloads else None
        if split is not None:  # concurrent sessions' energy counted once (ledger/overlap.py)
            unattributed = max(0.0, unattributed - split["overlap_kwh"])
        if hasher is not None:
            digest = hasher.result()
        elif with_hash:  # a missing ledger: the hash of nothing
            digest = content_hash(conn, sel)
        else:
            digest = ""
    except sqlite3.DatabaseError as e:
        raise InputError(f"cannot read the ledger: {e}", where=str(path)) from None
    finally:
        conn.close()
        if hasher is not None:
            hasher.join()
    return LedgerRows(runs, calls, n_runs, first_run, last_run, first_call, last_call, unattributed, digest, rejected,
                      split)
