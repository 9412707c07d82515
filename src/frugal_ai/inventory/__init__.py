"""The inventory: the ledger's activity data joined with the factor base, aggregated in SQL.

    ledger_rows.py   ledger rows: the selection read from the ledger, summed per group (and hashed)
    priced.py        priced rows: each group joined with the factors, with its footprint
    load.py          load_inventory: ledger rows -> priced rows -> Inventory
    model.py         Inventory, InventoryRow, Fallbacks (the value types), totals_by_method
    hashing.py       the content hash, read in the background

`load_inventory()` turns a period of the ledger into a small list of rows — one per
workload × month × method × provider × model × zone — each with its footprint. The
aggregation happens in SQLite (GROUP BY), so a ledger of a million records costs one scan,
never a Python loop over rows; the footprint is then computed once per group.

Rules (see docs/report.md):
- Runs are measured (`measured_footprint`, summed exactly from sums: `group_measured`).
  Their energies are inclusive (a run contains the runs nested in it),
  so only root runs are summed: `parent_id IS NULL`, or a parent that is not in the ledger
  (lost in a crash). With a `workloads` filter, a matching run is counted unless one of its
  ancestors also matches.
- API calls with `local = 0` are estimated with `estimate_llm` from the group's sums (requests,
  tokens, and the sum of squared input tokens, since prefill attention grows with the square
  of the prompt): exact, see `estimate.group.group_estimate` (checked in tests/test_inventory.py).
- API calls with `local = 1` ran on this host: they are counted (requests, tokens) but add
  no estimate, since their energy is already in the measured runs.
- Failed API calls (status 'failed': HTTP 429/5xx, timeouts, SDK retries) are requests like
  any other: counted, and estimated from the tokens they report — none, mostly, hence zero
  energy (the provider may have spent some; the report's data-quality section counts them).
- A run's electricity zone is the one recorded with it (`runs.zone`), never the country
  configured when the report runs: a run recorded without a zone, or with one the factor
  base does not know, is counted at the world average and flagged (data quality).
- A row belongs to the month (UTC) in which it started; `since` is inclusive, `until`
  exclusive.
- The content hash is a SHA-256 over the selected ledger rows, in a documented text form
  (`content_hash_text`), so an auditor can check that a report was made from the same data.
  It is computed on a second connection while the first aggregates.

Example:
    >>> inv = load_inventory("ledger.sqlite", since=date(2026, 7, 1), until=date(2026, 10, 1))  # doctest: +SKIP
    >>> inv.totals_by_method["measured"].energy_kwh.central  # doctest: +SKIP
    0.42
"""

from __future__ import annotations

from ..ledger.query import NO_WORKLOAD, content_hash_text
from .load import load_inventory
from .model import Fallbacks, Inventory, InventoryRow, totals_by_method

__all__ = ["Inventory", "InventoryRow", "Fallbacks", "load_inventory", "totals_by_method", "content_hash_text", "NO_WORKLOAD"]
