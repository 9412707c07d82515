"""The two estimators side by side, where a call's duration is known (docs/methodology.md § 3.10).

The token-based estimate (`_api`) and the time-based one (`from_latency`) of the same
requests: the range spans both (low = the lower low, high = the higher high), the centre
stays token-based, and a ratio of their centrals beyond `time.disagreement_factor` flags
the requests. Everything here works on sums (Σ durations, the token sums of the timed
requests), never per ledger row: the time-based estimate is linear in Σ duration, the
token-based one exact from its sums (`estimate.group`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..footprint import Footprint, Impacts, Range
from ._api import assemble_footprint, coefficients
from ._coefficients import Coefficients
from .from_latency import disagreement_ratio, disagrees

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

_range, _impacts, _footprint = Range.of, Impacts.of, Footprint.of


@dataclass(frozen=True)
class LatencyCheck:
    """Both estimates of the requests recorded with a duration, and how far apart they are."""

    requests: float
    latency_s: float  # Σ duration over the requests (s)
    token_based: Footprint
    time_based: Footprint
    ratio: float  # time-based / token-based central energy
    factor: float  # beyond it (either way) the two disagree

    @property
    def disagrees(self) -> bool:
        return disagrees(self.ratio, self.factor)

    def as_json(self) -> dict[str, Any]:
        """The `cross_check` object of `estimate --format json` (docs/methodology.md § 3.10)."""
        return {
            "latency_s": self.latency_s,
            "time_based": _quantities(self.time_based),
            "token_based": _quantities(self.token_based),
            "ratio": None if self.ratio == float("inf") else self.ratio,
            "disagreement_factor": self.factor,
            "disagrees": self.disagrees,
        }


def _quantities(fp: Footprint) -> dict[str, Any]:
    return {"energy_kwh": fp.energy_kwh.as_dict(), "co2e_kg": fp.co2e_kg.as_dict(), "water_l": fp.water_l.as_dict()}


Triple = tuple[float, float, float]


NO_PROMPT = (0.0, 0.0)


def time_triples(c: Coefficients, latency_s: float, prompt: tuple[float, float] = NO_PROMPT) -> tuple[Triple, Triple]:
    """(IT kWh, embodied kg) in the (low, central, high) scenarios of requests lasting `latency_s`
    seconds in all, whose prompts sum to `prompt` = (Σ input tokens, Σ input tokens²).

    Their duration at the replica's power shared by the batch, plus the prompts' prefill as the
    token method prices it: prefill is compute-bound work of the request alone, which a share of
    the node by the batch would put at 1/B of its cost (docs/methodology.md § 3.10)."""
    s, e = c.it_kwh_per_request_second, c.embodied_kg_per_request_second
    n, n2 = prompt
    i1, i2, e1, e2 = c.it_kwh_per_input_token, c.it_kwh_per_input_token_squared, c.embodied_kg_per_input_token, c.embodied_kg_per_input_token_squared
    return ((s[0] * latency_s + i1[0] * n + i2[0] * n2, s[1] * latency_s + i1[1] * n + i2[1] * n2, s[2] * latency_s + i1[2] * n + i2[2] * n2),
            (e[0] * latency_s + e1[0] * n + e2[0] * n2, e[1] * latency_s + e1[1] * n + e2[1] * n2, e[2] * latency_s + e1[2] * n + e2[2] * n2))


def time_footprint(c: Coefficients, latency_s: float, prompt: tuple[float, float] = NO_PROMPT,
                   warnings: list[str] | None = None) -> Footprint:
    """The time-based footprint of requests lasting `latency_s` seconds in all (prompts `prompt`:
    Σ input tokens, Σ input tokens²), at a model's place."""
    it, emb = time_triples(c, latency_s, prompt)
    return assemble_footprint(it, emb, c.pue, c.wue_onsite_l_per_kwh, c.offsite_water_l_per_kwh, c.intensity_kg_per_kwh, warnings or [])


def spanned_footprint(
    c: Coefficients, token_it: Triple, token_emb: Triple, latency_s: float, requests: float, warnings: list[str],
    prompt: tuple[float, float] = NO_PROMPT,
) -> Footprint:
    """`spanning_both` from the two estimators' IT energy and embodied emissions, priced once
    (`estimate_llm(latency_s=)`'s fast path). Within a scenario energy, CO2e and water are each
    a positive multiple of the IT energy at the same place, so spanning the IT energies spans
    them all; a warning is added when the two centrals disagree beyond the factor."""
    # time_triples written out: only what the span and the check use (tests compare the two).
    s, e, (n, n2) = c.it_kwh_per_request_second, c.embodied_kg_per_request_second, prompt
    i1, i2, e1, e2 = c.it_kwh_per_input_token, c.it_kwh_per_input_token_squared, c.embodied_kg_per_input_token, c.embodied_kg_per_input_token_squared
    time_low = s[0] * latency_s + i1[0] * n + i2[0] * n2
    time_central = s[1] * latency_s + i1[1] * n + i2[1] * n2
    time_high = s[2] * latency_s + i1[2] * n + i2[2] * n2
    f, token_central = c.disagreement_factor, token_it[1]
    if time_central > f * token_central or time_central * f < token_central:  # disagrees(), without the division
        ratio = disagreement_ratio(time_central, token_central)
        warnings = [*warnings, disagreement_note(ratio, f, latency_s / requests if requests else latency_s)]
    emb_low = e[0] * latency_s + e1[0] * n + e2[0] * n2
    emb_high = e[2] * latency_s + e1[2] * n + e2[2] * n2
    it = (token_it[0] if token_it[0] < time_low else time_low, token_central, token_it[2] if token_it[2] > time_high else time_high)
    emb = (token_emb[0] if token_emb[0] < emb_low else emb_low, token_emb[1],
           token_emb[2] if token_emb[2] > emb_high else emb_high)
    return assemble_footprint(it, emb, c.pue, c.wue_onsite_l_per_kwh, c.offsite_water_l_per_kwh, c.intensity_kg_per_kwh, warnings)


def _span(a: Range, b: Range) -> Range:
    low, high = a.low if a.low < b.low else b.low, a.high if a.high > b.high else b.high
    return _range(low, a.central, high)


def _span_impacts(a: Impacts, b: Impacts) -> Impacts:
    return _impacts(_span(a.energy_kwh, b.energy_kwh), _span(a.co2e_kg, b.co2e_kg), _span(a.water_l, b.water_l))


def spanning_both(token_based: Footprint, time_based: Footprint, warnings: list[str] | None = None) -> Footprint:
    """The token-based footprint with each range widened to take in the time-based one
    (usage and embodied parts alike, so total = usage + embodied still holds bound by bound)."""
    usage = _span_impacts(token_based.usage, time_based.usage)
    embodied = _span_impacts(token_based.embodied, time_based.embodied)
    return _total(usage, embodied, token_based.method, warnings if warnings is not None else list(token_based.warnings))


def _total(usage: Impacts, embodied: Impacts, method: Any, warnings: list[str]) -> Footprint:
    u, e = usage, embodied
    return _footprint(u.energy_kwh + e.energy_kwh, u.co2e_kg + e.co2e_kg, u.water_l + e.water_l, method, usage, embodied, warnings)


def check(c: Coefficients, token_based: Footprint, latency_s: float, requests: float,
          prompt: tuple[float, float] = NO_PROMPT) -> LatencyCheck:
    """Compare the token-based footprint of some requests with their time-based one (`latency_s`
    in all; `prompt`: Σ input tokens and Σ input tokens² of the same requests)."""
    time_based = time_footprint(c, latency_s, prompt)
    ratio = disagreement_ratio(time_based.energy_kwh.central, token_based.energy_kwh.central)
    return LatencyCheck(requests, latency_s, token_based, time_based, ratio, c.disagreement_factor)


def disagreement_note(ratio: float, factor: float, seconds: float) -> str:
    """The warning of an estimate whose two estimators disagree (`seconds` per request), with the likely causes."""
    if ratio > 1:
        cause = ("the calls took longer than their tokens explain: unreported reasoning tokens, "
                 "or slow, lightly batched serving")
    else:
        cause = ("the calls were faster than their tokens suggest: a smaller model or better "
                 "serving than the catalogue assumes")
    return (f"the time-based estimate ({seconds:.3g} s per request) is {ratio:.2g}x the token-based one, "
            f"beyond {factor:g}x either way: {cause}; the range spans both")


def with_latency(c: Coefficients, token_based: Footprint, latency_s: float, requests: float,
                 prompt: tuple[float, float] = NO_PROMPT) -> tuple[Footprint, LatencyCheck]:
    """Requests of known duration (`latency_s` in all; `prompt`: their Σ input tokens and Σ input
    tokens²): their footprint spanning both estimates, and the check."""
    k = check(c, token_based, latency_s, requests, prompt)
    warnings = list(token_based.warnings)
    if k.disagrees:
        warnings.append(disagreement_note(k.ratio, k.factor, k.latency_s / k.requests if k.requests else k.latency_s))
    return spanning_both(token_based, k.time_based, warnings), k


def widened_total(total: Footprint, k: LatencyCheck | None) -> Footprint:
    """A group's token-based total with the range of its timed part spanning the time-based
    estimate: exact from sums, since the token-based total is the timed part plus the rest."""
    if k is None:
        return total
    timed = spanning_both(k.token_based, k.time_based)

    def widen(t: Range, part: Range, wide: Range) -> Range:
        low = min(max(t.low - part.low + wide.low, 0.0), t.central)
        return _range(low, t.central, max(t.high - part.high + wide.high, t.central))

    def widen_impacts(t: Impacts, part: Impacts, wide: Impacts) -> Impacts:
        return _impacts(widen(t.energy_kwh, part.energy_kwh, wide.energy_kwh), widen(t.co2e_kg, part.co2e_kg, wide.co2e_kg),
                        widen(t.water_l, part.water_l, wide.water_l))

    usage = widen_impacts(total.usage, k.token_based.usage, timed.usage)
    embodied = widen_impacts(total.embodied, k.token_based.embodied, timed.embodied)
    return _total(usage, embodied, total.method, list(total.warnings))


def group_check(
    model: str,
    provider: str | None,
    latency_s: float,
    timed: Mapping[str, int],
    *,
    zone: str | None = None,
    settings: "Settings | None" = None,
    region: str | None = None,
) -> LatencyCheck | None:
    """The check of a group's timed requests from their sums: Σ duration `latency_s` and
    `timed`, the sums `estimate.group.group_estimate` takes (requests, input_tokens,
    input_tokens_sq = Σ input², output_tokens, reasoning_tokens) over the requests recorded
    with a duration. None when no request of the group has one."""
    from .group import group_estimate

    if timed["requests"] <= 0 or latency_s <= 0:
        return None
    token_based = group_estimate(model, provider, **timed, zone=zone, settings=settings, region=region)  # type: ignore[arg-type]
    c = coefficients(model, provider, zone, settings, region=region)
    return check(c, token_based, latency_s, timed["requests"], (timed["input_tokens"], timed["input_tokens_sq"]))


def estimate_from_latency(
    model: str,
    latency_s: float,
    *,
    input_tokens: int = 0,
    provider: str | None = None,
    zone: str | None = None,
    requests: int = 1,
    settings: "Settings | None" = None,
) -> Footprint:
    """The time-based estimate alone: `requests` requests of `latency_s` seconds and
    `input_tokens` prompt tokens each, served as the catalogue says `model` is (provider, zone
    and settings as in `estimate_llm`)."""
    from ..errors import InputError

    if latency_s < 0 or requests < 0 or input_tokens < 0:
        raise InputError("latency_s, input_tokens and requests cannot be negative")
    c = coefficients(model, provider, zone, settings)
    prompt = (float(input_tokens * requests), float(input_tokens * input_tokens * requests))
    return time_footprint(c, latency_s * requests, prompt, list(c.warnings))
