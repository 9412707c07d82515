"""The inventory's value types: a group of ledger rows with its footprint, and the whole inventory."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from pydantic import BaseModel, Field

from ..footprint import Footprint, Method


class Fallbacks(BaseModel):
    """Which fallback factors a row needed: the report's data-quality section lists them."""

    world_average_zone: bool = Field(False, description="No zone recorded or known: world-average electricity.")
    unknown_zone: str | None = Field(None, description="The recorded zone the factor base does not know (world average used).")
    tdp_fallback: bool = Field(False, description="CPU power from a TDP table, not a meter.")
    params_guessed: bool = Field(False, description="The model's parameter count is unpublished (a guess, as a range).")
    unknown_model: bool = Field(False, description="The model is not in the catalogue: priced by a fallback class (model_class), or, for a kind not priced yet, not at all.")
    model_class: str | None = Field(None, description="For a model not in the catalogue: the fallback class it was priced as (model_fallbacks.csv).")
    kind_not_priced: str | None = Field(None, description="A request kind the inventory cannot price from what the ledger holds (e.g. a transcription without its audio length).")
    extrapolated: bool = Field(False, description="Some runs began before the meter was ready: energy partly extrapolated.")
    approximated: bool = Field(False, description="Tokens approximated from characters (the provider sent no usage): range widened by the characters-per-token bounds.")
    spend_based: bool = Field(False, description="Declared by spend alone: requests from the spend, range widened by the requests-per-euro bounds.")


class MachineSplit(BaseModel):
    """The machine energy the trackers measured (IT energy, kWh), as runs + the tracked
    processes' own time outside runs + other processes + idle: only the runs are in the totals."""

    sessions: int = Field(description="Tracker sessions that recorded the split.")
    machine_kwh: float = Field(description="What they measured of the machine; sessions of one host that ran at once "
                                           "count it once.")
    runs_kwh: float = Field(description="Charged to runs (in the totals; extrapolated energy apart).")
    process_outside_runs_kwh: float = Field(description="The tracked processes' own share while no run of theirs was open.")
    others_kwh: float = Field(description="Other processes' share: programs no tracker ran in.")
    idle_kwh: float = Field(description="Nobody's: idle CPU time, memory not in use.")
    overlap_kwh: float = Field(0.0, description="Machine energy that sessions running at once on one host each measured: "
                                                "counted once here, and taken off the energy measured outside runs.")


class InventoryRow(BaseModel):
    """One group of ledger rows: a workload in a month, by method, provider, model and zone."""

    workload: str
    month: str = Field(description="YYYY-MM, UTC.")
    method: Method
    provider: str | None = None
    model: str | None = None
    zone: str | None = Field(None, description="Electricity zone used for the footprint (None: world average).")
    region: str | None = Field(None, description="For API calls: the provider region whose data centre priced them "
                               "(from the host, e.g. AWS 'eu-west-3'); None: the provider's default.")
    measurement: str | None = Field(None, description="For runs: what was measured, e.g. 'rapl+ram_model'.")
    local: bool = Field(False, description="API calls to a server on this host: counted, energy in the runs.")
    runs: int = 0
    requests: int = 0
    input_tokens: int = 0
    input_tokens_sq: int = Field(0, description="Sum over the requests of input_tokens², for exact re-estimates.")
    output_tokens: int = 0
    reasoning_tokens: int = 0
    failed_requests: int = Field(0, description="Calls recorded with status 'failed' (HTTP error, timeout), in requests.")
    kind: str = Field("chat", description="For API calls: the request kind (chat, embedding, image, transcription, "
                      "speech; ledger/kinds.py). Rows written before kinds were recorded read as chat.")
    units: float = Field(0.0, description="For API calls: Σ requests × units of the kind (images, audio seconds, "
                         "characters); 0 for chat and embedding (tokens).")
    unpriced_requests: int = Field(0, description="Requests of a priced group that could not be priced: an image, "
                                   "transcription or speech call that succeeded without its units (a transcript as "
                                   "plain text: no duration). A group without a footprint leaves all its requests unpriced.")
    image_size: str = Field("", description="For image calls: the size asked for (WIDTHxHEIGHT), '' if not given.")
    image_quality: str = Field("", description="For image calls: the quality level asked for, '' if not given.")
    energy_measured_kwh: float = Field(0.0, description="Sum of the runs' CPU + GPU + RAM energy, before PUE.")
    footprint: Footprint | None = Field(None, description="None for local API calls and unknown models.")
    fallbacks: Fallbacks = Field(default_factory=Fallbacks)
    timed_requests: int = Field(0, description="Requests recorded with a duration (not failed): priced by both estimators.")
    latency_s: float = Field(0.0, description="Sum over those requests of their duration (s).")
    token_based_timed: Footprint | None = Field(
        None, description="Token-based estimate of the timed requests (None: no cross-check for this row).")
    time_based: Footprint | None = Field(
        None, description="Time-based estimate of the same requests (docs/methodology.md § 3.10); the footprint's range spans both.")

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
    approximated_requests: int = Field(0, description="API calls whose tokens were approximated from characters (source 'approximated').")
    unattributed_kwh: float = Field(
        0.0, description="IT energy the tracker measured outside every run, in the period (not in the totals)."
    )
    rejected: dict[str, int] = Field(
        default_factory=dict, description="Records refused by the plausibility bounds in the period, by reason (never summed)."
    )
    machine_split: MachineSplit | None = Field(
        None, description="The trackers' machine energy in the period, split (None: no session recorded it).")
    first_start: datetime | None = None
    last_start: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.ledger_rows == 0


def totals_by_method(rows: Iterable[InventoryRow]) -> dict[str, Footprint]:
    """Sum the rows' footprints per method (never across methods)."""
    totals: dict[str, Footprint] = {}
    for row in rows:
        if row.footprint is None:
            continue
        prev = totals.get(row.method)
        totals[row.method] = row.footprint if prev is None else prev + row.footprint
    return totals
