"""Priced rows: one group of ledger rows joined with the factor base, with its footprint.

- Runs are measured (`measured_footprint`, summed exactly from sums: `group_measured`). A
  run's electricity zone is the one recorded with it (`runs.zone`), never the country
  configured when the report runs: a run recorded without a zone, or with one the factor
  base does not know, is counted at the world average and flagged (data quality).
- API calls with `local = 0` are estimated from the group's sums (requests, tokens, and the
  sum of squared input tokens, since prefill attention grows with the square of the prompt):
  exact, see `estimate.group.group_estimate`. They are priced in the provider region their
  host names where the factor base has it (AWS Bedrock, Vertex AI: `query.REGION_HOSTS`; a
  configured `providers.<name>.zone` still wins), else in the provider's default zone (as
  are an unknown model's stand-ins and image, audio and embedding models, for now).
- API calls with `local = 1` ran on this host: counted (requests, tokens), no estimate,
  since their energy is already in the measured runs.
- Failed API calls are requests like any other: counted, and estimated from the tokens they
  report — none, mostly, hence zero energy.
- A model the catalogue does not know is never left at zero: it is priced by a fallback class
  read from its name (`estimate.fallback`), with a wide range, and flagged.
- A call of another kind than chat (`api_calls.kind`, ledger/kinds.py) is priced by its kind
  through estimate/modalities.py, requests × units per request: images (of the size and quality
  asked for), seconds of audio (transcription), characters (speech), input tokens (embedding).
  A group of such a kind without its units (a transcription whose reply gave no duration), or
  of a model the image/audio/embedding catalogue does not know, is counted and flagged
  (`kind_not_priced`), never priced as text.
- Rows written before kinds were recorded read as chat: an image, transcription or embedding
  model among them (modalities.csv) is priced as before, one image per request, the input tokens
  of an embedding, and for declared usage a minute of audio per request (docs/usage.md); a
  transcription without its audio length is counted and flagged, not priced.
- Some groups carry more uncertainty than the estimator's, and their range is widened by a
  factor from constants.toml: declared usage by the declaration's own (`declared.requests_factor`:
  users × prompts × days are estimates), a tool declared by its spend by the requests per euro
  (`spend.requests_per_eur`, instead), and calls whose tokens were approximated from characters
  by the characters per token (`approximation.chars_per_token[_<script>]`: the group re-estimated
  with its tokens scaled to each bound, over the writing systems its source names:
  ledger/scripts.py). Central figures are unchanged; the rows are flagged.
- API calls recorded with a duration (captured, `record_llm_call(latency_s=)`, timed imports)
  are also priced from that duration (`estimate.cross_check`, from the group's timed sums):
  the row's range spans both estimates for those requests, its centre stays token-based, and
  both estimates are kept on the row for the report's disagreement check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..errors import InputError, UnknownModelError
from ..estimate.cross_check import group_check, widened_total
from ..estimate.fallback import fallback_group_estimate
from ..estimate.group import group_estimate
from ..estimate.names import catalogue_name
from ..estimate.spread import spanning
from ..footprint import Footprint
from ..ledger.kinds import CHAT
from ..ledger.query import DECLARED_SPEND_SOURCE
from ..ledger.scripts import is_approximated, scripts_of, token_scale_bounds
from .model import Fallbacks, InventoryRow

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

WORLD_ZONE = "WORLD"
"""The factor base's world-average electricity zone: used for runs recorded without a zone."""


def measured_row(g: Mapping[str, Any], settings: "Settings", factors: Any) -> InventoryRow:
    # The zone recorded with the runs, never the configuration of whoever runs the report:
    # the same ledger and factor set must always give the same numbers (docs/report.md). No zone, or
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
    from ..estimate.measured import measured_footprint

    covered = tuple(min(c, k) for c, k in zip(covered_kwh, kwh))
    rest = tuple(max(k - c, 0.0) for c, k in zip(covered, kwh))
    fp = measured_footprint(*covered, method, zone, settings, coverage=1.0)
    if any(x > 0 for x in rest):
        fp = fp + measured_footprint(*rest, method, zone, settings, coverage=0.0)
    return fp


def estimated_row(g: Mapping[str, Any], settings: "Settings", factors: Any) -> InventoryRow:
    from ..estimate import coefficients

    local = bool(g["local"])
    row = InventoryRow(
        workload=g["workload"],
        month=g["month"],
        method="declared" if g["declared"] else "estimated",
        provider=g["provider"],
        model=g["model"],
        local=local,
        requests=int(g["requests"]),
        input_tokens=int(g["input_tokens"] or 0),
        input_tokens_sq=int(g["input_tokens_sq"] or 0),
        output_tokens=int(g["output_tokens"] or 0),
        reasoning_tokens=int(g["reasoning_tokens"] or 0),
        failed_requests=int(g["failed"] or 0),
        kind=g["kind"], units=float(g["units"] or 0.0), image_size=g["image_size"], image_quality=g["image_quality"],
        unpriced_requests=int(g["unitless"] or 0),
    )
    if local:
        # Energy of a local server is in the measured runs: counting it here would double it.
        row.method = "measured"
        return row
    basis = g["basis"] or ""
    if row.kind != CHAT:
        row = _kind_row(row, factors, settings)
        if row.footprint is not None:
            row.footprint = _widened(row.footprint, row.method, basis, None, factors)
        _flag_basis(row, basis)
        return row
    if factors.find_modality(g["model"]) is not None:
        row = _modality_row(row, factors, settings)
        if row.footprint is not None:
            row.footprint = _widened(row.footprint, row.method, basis, None, factors)
        row.fallbacks.spend_based = basis == DECLARED_SPEND_SOURCE
        return row
    sums = dict(requests=row.requests, input_tokens=row.input_tokens, input_tokens_sq=row.input_tokens_sq,
                output_tokens=row.output_tokens, reasoning_tokens=row.reasoning_tokens, settings=settings)
    region = g["region"] or None
    model, provider = g["model"], g["provider"] or None
    try:
        fp = group_estimate(model, provider, **sums, region=region)  # type: ignore[arg-type]
    except UnknownModelError:
        fp, cls = fallback_group_estimate(model, provider, **sums)  # type: ignore[arg-type]
        row.footprint = _widened(fp, row.method, basis, lambda s: fallback_group_estimate(model, provider, **s)[0],
                                 factors, sums)
        row.zone = coefficients(cls.models[1], provider, settings=settings).zone
        row.fallbacks = Fallbacks(unknown_model=True, model_class=cls.name)
        _flag_basis(row, basis)
        return row
    fp = _widened(fp, row.method, basis, lambda s: group_estimate(model, provider, **s, region=region),
                  factors, sums)
    timed = _timed_sums(g)
    if timed is not None:
        check = group_check(model, provider, float(g["latency_s"] or 0.0), timed, settings=settings, region=region)
        if check is not None:
            fp = widened_total(fp, check)
            row.timed_requests, row.latency_s = timed["requests"], check.latency_s
            row.token_based_timed, row.time_based = check.token_based, check.time_based
    row.footprint = fp
    # The zone and region the estimate used (provider overrides applied by the estimator's one rule).
    used = coefficients(model, provider, settings=settings, region=region)
    row.zone, row.region = used.zone, used.region
    row.fallbacks = Fallbacks(params_guessed=_params_guessed(catalogue_name(model, settings), g["provider"], factors))
    _flag_basis(row, basis)
    return row


def _widened(fp: Footprint, method: str, basis: str, price: Any, factors: Any,
             sums: dict[str, Any] | None = None) -> Footprint:
    """`fp` with the range its group's own uncertainty adds (the module docstring says which)."""
    if is_approximated(basis) and price is not None and sums is not None:
        # Fewer characters per token, more tokens: the high bounds of the constants give the low footprint.
        low_k, high_k = token_scale_bounds(factors, scripts_of(basis))
        fp = spanning(price(_tokens_scaled(sums, low_k)), fp, price(_tokens_scaled(sums, high_k)))
    if basis == DECLARED_SPEND_SOURCE:
        fp = _times(fp, factors.constant("spend.requests_per_eur").range)
    elif method == "declared":
        fp = _times(fp, factors.constant("declared.requests_factor").range)
    return fp


def _times(fp: Footprint, factor: Any) -> Footprint:
    """`fp` with its bounds scaled by a factor's bounds over its central value (the centre kept)."""
    return spanning(fp * (factor.low / factor.central), fp, fp * (factor.high / factor.central))


def _tokens_scaled(sums: dict[str, Any], k: float) -> dict[str, Any]:
    """A group's sums with every request's tokens scaled by `k` (Σ input² by k²)."""
    return {**sums, "input_tokens": sums["input_tokens"] * k, "input_tokens_sq": sums["input_tokens_sq"] * k * k,
            "output_tokens": sums["output_tokens"] * k, "reasoning_tokens": sums["reasoning_tokens"] * k}


def _flag_basis(row: InventoryRow, basis: str) -> None:
    row.fallbacks.approximated = is_approximated(basis)
    row.fallbacks.spend_based = basis == DECLARED_SPEND_SOURCE


def _timed_sums(g: Mapping[str, Any]) -> dict[str, int] | None:
    """The group's sums over its requests recorded with a duration (`query.call_groups`' timed_*),
    as `group_estimate` takes them; None when it has none (or the reader gives no such keys)."""
    keys = g.keys() if hasattr(g, "keys") else ()
    if "timed_requests" not in keys or not g["timed_requests"]:
        return None
    return {name: int(g[f"timed_{name}"] or 0)
            for name in ("requests", "input_tokens", "input_tokens_sq", "output_tokens", "reasoning_tokens")}


# A declared request of a transcription product is one minute of audio (usage/months.py).
DECLARED_AUDIO_SECONDS_PER_REQUEST = 60.0


def _modality_row(row: InventoryRow, factors: Any, settings: "Settings") -> InventoryRow:
    """An image, audio or embedding model's group, priced per unit where the ledger says how many."""
    from ..estimate.modalities import estimate_audio, estimate_embedding, estimate_image

    kind = factors.find_modality(row.model).kind
    provider = row.provider or None
    if kind == "image":
        row.footprint = estimate_image(row.model, images=row.requests, provider=provider, settings=settings)
    elif kind == "embedding":
        row.footprint = estimate_embedding(row.model, row.input_tokens, provider=provider, settings=settings)
    elif kind == "transcription" and row.method == "declared":
        row.footprint = estimate_audio(row.model, row.requests * DECLARED_AUDIO_SECONDS_PER_REQUEST,
                                       provider=provider, settings=settings)
    else:
        row.fallbacks = Fallbacks(kind_not_priced=kind)
    return row


def _kind_row(row: InventoryRow, factors: Any, settings: "Settings") -> InventoryRow:
    """A group of image, transcription, speech or embedding calls, priced by its kind
    (`estimate.request_kind.kind_footprint`: the ledger's units, Σ requests × units per request).
    Counted and flagged, not priced, where the units or the model are missing."""
    from ..estimate.request_kind import kind_footprint

    fp = kind_footprint(row.kind, row.model or "", units=row.units, input_tokens=row.input_tokens,
                        image_size=row.image_size, image_quality=row.image_quality,
                        provider=row.provider or None, settings=settings)
    if fp is None:
        # Never priced as text, whose per-token figures would mean nothing here.
        row.fallbacks = Fallbacks(kind_not_priced=row.kind, unknown_model=factors.find_modality(row.model) is None)
    row.footprint = fp
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
