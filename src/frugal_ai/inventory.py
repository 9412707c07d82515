"""The inventory: the ledger's activity data joined with the factor base, aggregated in SQL.

`load_inventory()` turns a period of the ledger into a small list of rows — one per
workload × month × method × provider × model × zone — each with its footprint. The
aggregation happens in SQLite (GROUP BY), so a ledger of a million records costs one scan,
never a Python loop over rows; the footprint is then computed once per group.

Rules (see docs/report.md):
- Runs are measured (`measured_footprint`, summed exactly from sums: `group_measured`). Their energies are inclusive (a run contains the runs nested in it),
  so only root runs are summed: `parent_id IS NULL`, or a parent that is not in the ledger
  (lost in a crash). With a `workloads` filter, a matching run is counted unless one of its
  ancestors also matches.
- API calls with `local = 0` are estimated with `estimate_llm` from the group's sums (requests,
  tokens, and the sum of squared input tokens, since prefill attention grows with the square
  of the prompt): exact, see `group_estimate` (checked in tests/test_inventory.py).
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

import sqlite3
import threading
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from pydantic import BaseModel, Field

from .errors import InputError, UnknownModelError
from .footprint import Footprint, Method
from .ledger.query import NO_WORKLOAD, Selection, call_groups, content_hash, content_hash_text, run_groups, run_span, unattributed_kwh

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings

WORLD_ZONE = "WORLD"
"""The factor base's world-average electricity zone: used for runs recorded without a zone."""

class Fallbacks(BaseModel):
    """Which fallback factors a row needed: the report's data-quality section lists them."""

    world_average_zone: bool = Field(False, description="No zone recorded or known: world-average electricity.")
    unknown_zone: str | None = Field(None, description="The recorded zone the factor base does not know (world average used).")
    tdp_fallback: bool = Field(False, description="CPU power from a TDP table, not a meter.")
    params_guessed: bool = Field(False, description="The model's parameter count is unpublished (a guess, as a range).")
    unknown_model: bool = Field(False, description="The model is not in the catalogue: no estimate was made.")
    extrapolated: bool = Field(False, description="Some runs began before the meter was ready: energy partly extrapolated.")


class InventoryRow(BaseModel):
    """One group of ledger rows: a workload in a month, by method, provider, model and zone."""

    workload: str
    month: str = Field(description="YYYY-MM, UTC.")
    method: Method
    provider: str | None = None
    model: str | None = None
    zone: str | None = Field(None, description="Electricity zone used for the footprint (None: world average).")
    measurement: str | None = Field(None, description="For runs: what was measured, e.g. 'rapl+ram_model'.")
    local: bool = Field(False, description="API calls to a server on this host: counted, energy in the runs.")
    runs: int = 0
    requests: int = 0
    input_tokens: int = 0
    input_tokens_sq: int = Field(0, description="Sum over the requests of input_tokens², for exact re-estimates.")
    output_tokens: int = 0
    reasoning_tokens: int = 0
    failed_requests: int = Field(0, description="Calls recorded with status 'failed' (HTTP error, timeout), in requests.")
    energy_measured_kwh: float = Field(0.0, description="Sum of the runs' CPU + GPU + RAM energy, before PUE.")
    footprint: Footprint | None = Field(None, description="None for local API calls and unknown models.")
    fallbacks: Fallbacks = Field(default_factory=Fallbacks)

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.reasoning_tokens


class Inventory(BaseModel):
    """The footprint of a period of the ledger, by group, with what is needed to reproduce it."""

    ledger_path: str
    since: datetime | None = None
    until: datetime | None = None
    workloads: list[str] | None = None
    rows: list[InventoryRow]
    totals_by_method: dict[str, Footprint] = Field(description="measured / estimated totals; absent when none.")
    ledger_rows: int = Field(description="Ledger rows (runs and API calls) in the period and filter.")
    content_hash: str = Field(description="sha256 of the selected ledger rows (content_hash_text()); '' when not computed.")
    factor_set_version: str
    demo_rows: int = Field(0, description="API calls recorded by `frugal-ai demo` (source 'demo'): example data.")
    failed_requests: int = Field(0, description="API calls with status 'failed' in the period (counted as requests).")
    failed_tokenless: int = Field(0, description="Of those, the ones with no token count: estimated as zero energy.")
    unattributed_kwh: float = Field(
        0.0, description="IT energy the tracker measured outside every run, in the period (not in the totals)."
    )
    first_start: datetime | None = None
    last_start: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.ledger_rows == 0


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
    from .config import load_settings

    since_s, until_s = _unix(since), _unix(until)
    if since_s is not None and until_s is not None and until_s <= since_s:
        raise InputError(f"the period is empty: until ({until}) is not after since ({since})")
    path = Path(ledger_path)
    conn = _open(path)
    sel = Selection.of(since_s, until_s, workloads)
    tick = progress or (lambda stage, fraction: None)
    # The content hash reads every selected row once: it runs on its own connection in a
    # thread while this one aggregates (SQLite releases the GIL), so the two scans overlap.
    if with_hash is None:
        with_hash = not workloads
    hasher = _HashThread(path, sel,
                         lambda share: tick("hashing", 0.1 + 0.8 * share)) if with_hash and path.exists() else None
    try:
        if hasher is not None:
            hasher.start()
        tick("runs", 0.05)
        runs = run_groups(conn, sel)
        tick("api calls", 0.1)
        calls = call_groups(conn, sel)
        n_runs, first_run, last_run = run_span(conn, sel)
        unattributed = unattributed_kwh(conn, sel) if not workloads else 0.0
        if hasher is not None:
            digest = hasher.result()
        elif with_hash:  # a missing ledger: the hash of nothing
            digest = content_hash(conn, sel)
        else:
            digest = ""
    except sqlite3.DatabaseError as e:
        raise InputError(f"cannot read the ledger: {e}", where=str(ledger_path)) from None
    finally:
        conn.close()
        if hasher is not None:
            hasher.join()
    n_rows = n_runs + sum(int(g["requests"]) for g in calls)
    demo_rows = sum(int(g["demo"]) for g in calls)
    failed = sum(int(g["failed"] or 0) for g in calls)
    failed_tokenless = sum(int(g["failed_tokenless"] or 0) for g in calls)
    starts = [v for v in (first_run, last_run, *(g["first"] for g in calls), *(g["last"] for g in calls))
              if v is not None]
    first, last = (min(starts), max(starts)) if starts else (None, None)

    from .factors import factor_set

    settings = settings or load_settings()
    factors = factor_set()
    rows = [_measured_row(g, settings, factors) for g in runs]
    rows += [_estimated_row(g, settings, factors) for g in calls]
    rows.sort(key=lambda r: (r.month, r.workload, r.method, r.provider or "", r.model or "", r.zone or ""))
    return Inventory(
        ledger_path=str(ledger_path),
        since=_as_datetime(since_s),
        until=_as_datetime(until_s),
        workloads=list(workloads) if workloads else None,
        rows=rows,
        totals_by_method=totals_by_method(rows),
        ledger_rows=n_rows,
        content_hash=digest,
        factor_set_version=str(factors.version),
        demo_rows=int(demo_rows),
        failed_requests=failed,
        failed_tokenless=failed_tokenless,
        unattributed_kwh=unattributed,
        first_start=_as_datetime(first),
        last_start=_as_datetime(last),
    )


def totals_by_method(rows: Iterable[InventoryRow]) -> dict[str, Footprint]:
    """Sum the rows' footprints per method (never across methods)."""
    totals: dict[str, Footprint] = {}
    for row in rows:
        if row.footprint is None:
            continue
        prev = totals.get(row.method)
        totals[row.method] = row.footprint if prev is None else prev + row.footprint
    return totals


# --- reading the ledger -------------------------------------------------------------------


def _open(path: Path) -> sqlite3.Connection:
    """The ledger module's read-only connection, schema migrated; a missing ledger reads as an
    empty one (nothing tracked yet is not an error), a corrupt one raises `InputError`."""
    from .ledger import connect

    return connect(path, readonly=True)


class _HashThread(threading.Thread):
    """`content_hash` on its own read-only connection, in the background."""

    def __init__(self, path: Path, *selection: Any) -> None:
        super().__init__(name="frugal-ai-ledger-hash", daemon=True)
        self.path, self.selection = path, selection
        self._digest: str | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            conn = _open(self.path)
            try:
                self._digest = content_hash(conn, *self.selection)
            finally:
                conn.close()
        except BaseException as e:  # handed to the caller by result()
            self._error = e

    def result(self) -> str:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest


# --- joining with the factors --------------------------------------------------------------


def _measured_row(g: sqlite3.Row, settings: "Settings", factors: Any) -> InventoryRow:
    # The zone recorded with the runs, never the configuration of whoever runs the report:
    # the same ledger and factor set must always give the same numbers (DESIGN). No zone, or
    # one the factor base does not know (older ledgers), means the world average, flagged.
    recorded = g["zone"] or None
    zone = _zone_used(recorded, factors)
    unknown_zone = recorded if recorded is not None and zone is None else None
    measurement = g["measurement"] or "unavailable"
    cpu, gpu, ram = float(g["cpu_kwh"] or 0.0), float(g["gpu_kwh"] or 0.0), float(g["ram_kwh"] or 0.0)
    fp = group_measured(
        (cpu, gpu, ram),
        (float(g["cpu_cov_kwh"] or 0.0), float(g["gpu_cov_kwh"] or 0.0), float(g["ram_cov_kwh"] or 0.0)),
        measurement,
        zone or WORLD_ZONE,
        settings,
    )
    return InventoryRow(
        workload=g["workload"],
        month=g["month"],
        method="measured",
        zone=zone,
        measurement=measurement,
        runs=int(g["runs"]),
        energy_measured_kwh=cpu + gpu + ram,
        footprint=fp,
        fallbacks=Fallbacks(
            world_average_zone=zone is None or _is_world_fallback(zone, factors),
            unknown_zone=unknown_zone,
            tdp_fallback="tdp" in measurement or "cpu_load" in measurement or measurement == "unavailable",
            extrapolated=bool(g["extrapolated_runs"]),
        ),
    )


def group_measured(
    kwh: tuple[float, float, float], covered_kwh: tuple[float, float, float], method: str, zone: str | None, settings: Any
) -> Footprint:
    """The sum of `measured_footprint` over a group of runs, from sums alone.

    `kwh` is (CPU, GPU, RAM) summed over the runs, `covered_kwh` the same weighted by each
    run's coverage. `measured_footprint` is linear in each component's energy and in energy ×
    coverage (the coverage only widens the range of the extrapolated share), so the group
    equals its covered part at coverage 1 plus the rest at coverage 0 — exactly.
    """
    from .measure.footprint import measured_footprint

    covered = tuple(min(c, k) for c, k in zip(covered_kwh, kwh))
    rest = tuple(max(k - c, 0.0) for c, k in zip(covered, kwh))
    fp = measured_footprint(*covered, method, zone, settings, coverage=1.0)
    if any(x > 0 for x in rest):
        fp = fp + measured_footprint(*rest, method, zone, settings, coverage=0.0)
    return fp


def _estimated_row(g: sqlite3.Row, settings: "Settings", factors: Any) -> InventoryRow:
    from .estimate import coefficients

    local = bool(g["local"])
    row = InventoryRow(
        workload=g["workload"],
        month=g["month"],
        method="estimated",
        provider=g["provider"],
        model=g["model"],
        local=local,
        requests=int(g["requests"]),
        input_tokens=int(g["input_tokens"] or 0),
        input_tokens_sq=int(g["input_tokens_sq"] or 0),
        output_tokens=int(g["output_tokens"] or 0),
        reasoning_tokens=int(g["reasoning_tokens"] or 0),
        failed_requests=int(g["failed"] or 0),
    )
    if local:
        # Energy of a local server is in the measured runs: counting it here would double it.
        row.method = "measured"
        return row
    try:
        fp = group_estimate(
            g["model"],
            g["provider"] or None,
            requests=row.requests,
            input_tokens=row.input_tokens,
            input_tokens_sq=row.input_tokens_sq,
            output_tokens=row.output_tokens,
            reasoning_tokens=row.reasoning_tokens,
            settings=settings,
        )
    except UnknownModelError:
        row.fallbacks = Fallbacks(unknown_model=True)
        return row
    row.footprint = fp
    # The zone the estimate used (provider overrides applied by the estimator's one rule).
    row.zone = coefficients(g["model"], g["provider"] or None, settings=settings).zone
    row.fallbacks = Fallbacks(params_guessed=_params_guessed(g["model"], g["provider"], factors))
    return row


def _zone_used(zone: str | None, factors: Any) -> str | None:
    """The canonical zone code (alpha-3) of a recorded zone; None when there is none, when
    it is the world average, or when the factor base does not know it (the world average
    stands in, and the row says so)."""
    if zone is None:
        return None
    try:
        code = str(factors.resolve_zone(zone))
    except InputError:
        return None
    return None if code == WORLD_ZONE else code


def _is_world_fallback(zone: str | None, factors: Any) -> bool:
    """True when the world-average electricity factor stood in: no zone, or none known for it."""
    if zone is None:
        return True
    try:
        elec = factors.electricity(zone)
    except InputError:
        return True
    return bool(elec.zone == "WORLD" or elec.co2e_fallback)


def _params_guessed(model: str, provider: str | None, factors: Any) -> bool:
    try:
        return bool(factors.model(model, provider=provider).params_estimated)
    except InputError:
        return False


def group_estimate(
    model: str,
    provider: str | None,
    *,
    requests: int,
    input_tokens: int,
    input_tokens_sq: int,
    output_tokens: int,
    reasoning_tokens: int,
    zone: str | None = None,
    settings: "Settings | None" = None,
) -> Footprint:
    """The sum of `estimate_llm` over a group of requests, from the group's sums alone.

    Per request, the estimator is a polynomial `a·generated + b·input + c·input²` with no
    constant term (estimate/_api.py; docs/methodology.md), bound by bound. Summed over the
    group that is `a·G + b·Σn + c·Σn²`, which equals `R` identical requests of input length
    `μ = Σn²/Σn` with `R = (Σn)²/Σn²` and the generated tokens `G` spread over them:
    `R·(a·G/R + b·μ + c·μ²) = a·G + b·Σn + c·Σn²`. So one call gives the exact total, which
    a call with the mean input length would not (it would miss `c·N·Var(n)`).
    tests/test_inventory.py checks this against a per-request sum with the real estimator.
    `zone` overrides the data centre's electricity zone, as in `estimate_llm`.

    Requests with no tokens at all (failed calls: HTTP 429, timeouts) add nothing, since the
    polynomial has no constant term: they are counted, not charged.
    """
    from .estimate import estimate_llm

    if requests <= 0:
        raise ValueError("a group has at least one request")
    if input_tokens > 0 and input_tokens_sq > 0:
        mu = input_tokens_sq / input_tokens
        r = input_tokens * input_tokens / input_tokens_sq
    else:
        mu, r = 0.0, float(requests)
    return estimate_llm(
        model,
        mu,  # type: ignore[arg-type]  # an effective length: the estimator's arithmetic takes floats
        output_tokens / r,  # type: ignore[arg-type]
        provider=provider,
        reasoning_tokens=reasoning_tokens / r,  # type: ignore[arg-type]
        requests=r,  # type: ignore[arg-type]
        zone=zone,
        settings=settings,
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


__all__ = ["Inventory", "InventoryRow", "Fallbacks", "load_inventory", "totals_by_method", "content_hash_text", "NO_WORKLOAD"]
