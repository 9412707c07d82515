"""`load_inventory`: ledger rows (`ledger_rows`) -> priced rows (`priced`) -> `Inventory`."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import InputError
from ..ledger import location
from ..ledger.query import Selection
from ..ledger.scripts import is_approximated
from .ledger_rows import read_ledger_rows
from .model import Inventory, totals_by_method
from .priced import estimated_row, measured_row

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


def load_inventory(
    ledger_path: str | Path,
    since: date | datetime | float | None = None,
    until: date | datetime | float | None = None,
    settings: "Settings | None" = None,
    workloads: Sequence[str] | None = None,
    *,
    progress: Callable[[str, float], None] | None = None,
    with_hash: bool | None = None,
) -> Inventory:
    """The inventory of the ledger between `since` (inclusive) and `until` (exclusive).

    `workloads` keeps only the runs and calls whose name is in it or whose tags match one of
    its `key=value` items. Dates are UTC; a `date` means its midnight. Raises `InputError`
    when the ledger is not a frugal-ai ledger (a missing one reads as empty). `progress`, if
    given, is called with (stage, fraction done) as the work advances.

    `with_hash` says whether to compute the content hash (a second full read of the selected
    rows, the costliest part of a large report). None, the default: only for an unfiltered
    inventory — the report's — since a workload-filtered one (the gains balance reads one per
    use case) or the advice never shows it. Without it, `content_hash` is "".
    """
    from ..config import settings_in_force

    since_s, until_s = _unix(since), _unix(until)
    if since_s is not None and until_s is not None and until_s <= since_s:
        raise InputError(f"the period is empty: until ({until}) is not after since ({since})")
    sel = Selection.of(since_s, until_s, workloads)
    if with_hash is None:
        with_hash = not workloads
    read = read_ledger_rows(location(ledger_path), sel, with_hash=with_hash, progress=progress or (lambda stage, fraction: None))
    first, last = read.span()

    from ..factors import factor_set

    settings = settings or settings_in_force()
    factors = factor_set()
    rows = [measured_row(g, settings, factors) for g in read.run_groups]
    rows += [estimated_row(g, settings, factors) for g in read.call_groups]
    rows.sort(key=lambda r: (r.month, r.workload, r.method, r.provider or "", r.model or "", r.zone or "", r.region or "",
                             r.kind, r.image_size, r.image_quality))
    return Inventory(
        ledger_path=str(ledger_path),
        since=_as_datetime(since_s),
        until=_as_datetime(until_s),
        workloads=list(workloads) if workloads else None,
        rows=rows,
        totals_by_method=totals_by_method(rows),
        ledger_rows=read.ledger_rows,
        content_hash=read.content_hash,
        factor_set_version=str(factors.version),
        demo_rows=sum(int(g["demo"]) for g in read.call_groups),
        failed_requests=sum(int(g["failed"] or 0) for g in read.call_groups),
        failed_tokenless=sum(int(g["failed_tokenless"] or 0) for g in read.call_groups),
        approximated_requests=sum(int(g["requests"]) for g in read.call_groups if is_approximated(g["basis"])),
        unattributed_kwh=read.unattributed_kwh,
        rejected=read.rejected,
        machine_split=read.machine_split,
        first_start=_as_datetime(first),
        last_start=_as_datetime(last),
    )


# --- time ----------------------------------------------------------------------------------


def _unix(value: date | datetime | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    raise InputError(f"not a date: {value!r}")


def _as_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)
