"""Where a use case's footprint comes from: its workloads' months in the ledger.

The balance asks a `UsageSource` for the monthly footprint of a list of workloads (names,
or tags written `key=value`). `LedgerUsage` answers from the ledger through
`frugal_ai.inventory.load_inventory`, which filters by workload in SQL; any other object
with the same two methods will do (the report passes the ledger it already has).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

from ..errors import InputError
from ..footprint import Range
from ..ledger import exists, location

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..inventory import Inventory


@dataclass(frozen=True)
class MonthUsage:
    """The footprint of some workloads in one calendar month (UTC), for one method."""

    month: dt.date  # first day of the month
    method: str  # measured | estimated
    energy_kwh: Range
    co2e_kg: Range
    water_l: Range


@dataclass
class UsageResult:
    months: list[MonthUsage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The day (UTC) of the first record counted, when the source knows it; otherwise the
    # balance takes the first day of the first month.
    first_day: dt.date | None = None


class UsageSource(Protocol):
    """What the balance needs to know about tracked use."""

    def monthly(self, workloads: Sequence[str], since: dt.date | None, until: dt.date | None) -> UsageResult:
        """Footprint by month and method of `workloads` between `since` (inclusive) and `until` (exclusive)."""
        ...

    def matches(self, workload: str) -> bool:
        """Whether a workload name (or tag `key=value`) matches anything at all in the ledger."""
        ...


def month_start(text: str) -> dt.date:
    """`'2026-03'` -> `date(2026, 3, 1)`."""
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


class LedgerUsage:
    """A `UsageSource` reading the ledger through the inventory (aggregated in SQL)."""

    def __init__(self, ledger_path: str | Path, settings: "Settings | None" = None) -> None:
        self.ledger_path = location(ledger_path)
        self.settings = settings
        self._matches: dict[str, bool] = {}

    @classmethod
    def of(cls, inventory: "Inventory", settings: "Settings | None" = None) -> "LedgerUsage":
        """The ledger an inventory was loaded from."""
        return cls(inventory.ledger_path, settings)

    def monthly(self, workloads: Sequence[str], since: dt.date | None, until: dt.date | None) -> UsageResult:
        from ..inventory import load_inventory

        if not workloads:  # no filter would mean the whole ledger: a use case without workloads has none
            return UsageResult()
        if not exists(self.ledger_path):  # nothing tracked yet: a balance before deploying
            return UsageResult()
        inv = load_inventory(self.ledger_path, since=since, until=until, settings=self.settings, workloads=list(workloads))
        result = UsageResult(first_day=inv.first_start.date() if inv.first_start is not None else None)
        skipped: dict[str, int] = {}
        for row in inv.rows:
            if row.footprint is None:
                if row.fallbacks.unknown_model:
                    skipped[row.model or "?"] = skipped.get(row.model or "?", 0) + row.requests
                continue
            fp = row.footprint
            result.months.append(MonthUsage(month_start(row.month), row.method, fp.energy_kwh, fp.co2e_kg, fp.water_l))
        for model, n in sorted(skipped.items()):
            result.warnings.append(f"{n} request(s) to model {model!r} are not counted: the model is not in the catalogue")
        return result

    def matches(self, workload: str) -> bool:
        """An existence query (LIMIT 1) with the inventory's filter rule: a name, or a tag `key=value`."""
        if not exists(self.ledger_path):
            return False
        if workload not in self._matches:
            from ..ledger import connect
            from ..ledger.query import workload_matches

            conn = connect(self.ledger_path, readonly=True)
            try:
                found = workload_matches(conn, workload)
            except sqlite3.DatabaseError as e:
                raise InputError(f"cannot read the ledger: {e}", where=str(self.ledger_path)) from None
            finally:
                conn.close()
            self._matches[workload] = found
        return self._matches[workload]
