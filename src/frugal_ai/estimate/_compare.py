"""Estimates of one or several models for the same workload, ranked: what `frugal-ai estimate` shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..factors import factor_set
from ..footprint import Footprint
from ._api import coefficients, estimate_llm
from .reasoning import default_reasoning_effort, reasoning_tokens_per_request

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


@dataclass(frozen=True)
class Workload:
    """Tokens per request and number of requests.

    `reasoning_tokens=None` means not known: a model that reasons by default then takes the
    documented default effort profile (docs/methodology.md § 2), the others none.
    `reasoning_effort` (`none`, `low`, `medium`, `high`) asks for a profile instead of a count.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int | None = 0
    requests: int = 1
    reasoning_effort: str | None = None


@dataclass(frozen=True)
class ModelEstimate:
    """The footprint of a workload on one model, with where it was assumed to run."""

    model: str  # catalogue id
    requested: str  # the name as given
    provider: str
    zone: str  # ISO alpha-2 where one exists, else the factor base's code (WORLD)
    workload: Workload
    footprint: Footprint
    rank: int = 1
    ratio_to_cheapest: float = 1.0
    reasoning_effort: str | None = None  # the effort profile the reasoning tokens came from, if any

    def as_json(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md (totals over all requests), plus a few extra keys."""
        fp = self.footprint
        return {
            "model": self.model,
            "provider": self.provider,
            "zone": self.zone,
            "input_tokens": self.workload.input_tokens,
            "output_tokens": self.workload.output_tokens,
            "requests": self.workload.requests,
            "energy_kwh": fp.energy_kwh.as_dict(),
            "co2e_kg": fp.co2e_kg.as_dict(),
            "water_l": fp.water_l.as_dict(),
            "reasoning_tokens": self.reasoning_tokens(),
            "reasoning_effort": self.reasoning_effort,
            "model_requested": self.requested,
            "method": fp.method,
            "usage": {"co2e_kg": fp.usage.co2e_kg.as_dict(), "water_l": fp.usage.water_l.as_dict()},
            "embodied": {"co2e_kg": fp.embodied.co2e_kg.as_dict()},
            "rank": self.rank,
            "ratio_to_cheapest": self.ratio_to_cheapest,
            "warnings": list(fp.warnings),
            "factor_set_version": factor_set().version,
        }

    def reasoning_tokens(self) -> int:
        """Reasoning tokens per request: the given count, or the central value of the effort profile used."""
        if self.reasoning_effort is not None:
            return reasoning_tokens_per_request(self.reasoning_effort)[1]
        return self.workload.reasoning_tokens or 0


def estimate_models(
    models: list[str],
    workload: Workload,
    *,
    provider: str | None = None,
    zone: str | None = None,
    settings: "Settings | None" = None,
) -> list[ModelEstimate]:
    """Estimate `workload` on each model; ranked by central CO2e, each with its ratio to the cheapest."""
    fs = factor_set()
    out = []
    for name in models:
        c = coefficients(name, provider, zone, settings)
        effort = workload.reasoning_effort
        assumed = workload.reasoning_tokens is None and effort is None and default_reasoning_effort(c.model) is not None
        if assumed:
            effort = default_reasoning_effort(c.model)
        fp = estimate_llm(
            name,
            workload.input_tokens,
            workload.output_tokens,
            provider=provider,
            zone=zone,
            reasoning_tokens=workload.reasoning_tokens or 0,
            requests=workload.requests,
            settings=settings,
            reasoning_effort=effort,
        )
        if assumed:
            note = f"no reasoning tokens given and {c.model.id} reasons by default: the default {effort}-effort profile is assumed"
            fp = fp.model_copy(update={"warnings": [note, *fp.warnings]})
        e = fs.electricity(c.zone)
        used = effort if c.model.reasoning != "no" else None
        out.append(ModelEstimate(c.model.id, name, c.provider, e.alpha2 or e.zone, workload, fp, reasoning_effort=used))
    ranked = sorted(out, key=lambda m: m.footprint.co2e_kg.central)
    cheapest = ranked[0].footprint.co2e_kg.central if ranked else 0.0
    result = []
    for i, m in enumerate(ranked, start=1):
        ratio = m.footprint.co2e_kg.central / cheapest if cheapest > 0 else 1.0
        result.append(ModelEstimate(m.model, m.requested, m.provider, m.zone, m.workload, m.footprint, i, ratio, m.reasoning_effort))
    return result
