"""Estimates of one or several models for the same workload, ranked: what `frugal-ai estimate` shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..factors import factor_set
from ..footprint import Footprint
from ._api import coefficients, estimate_llm
from .modalities import JSON_KIND, estimate_audio, estimate_embedding, estimate_image, unit_coefficients
from .reasoning import default_reasoning_effort, reasoning_tokens_per_request

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from .cross_check import LatencyCheck


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
    # Other request kinds (docs/methodology.md § 3.8): totals over these, not per request.
    images: int = 0
    size: str = "1024x1024"
    quality: str | None = None
    steps: int | None = None
    audio_seconds: float = 0.0
    characters: int = 0
    # Duration of one request (s), when known: adds the time-based cross-check (text models).
    latency_s: float | None = None

    def names_a_modality(self) -> bool:
        """Whether the workload gives images, audio seconds or characters (so the model must be of that kind)."""
        return bool(self.images or self.audio_seconds or self.characters or self.quality or self.steps)


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
    kind: str = "text"  # text, image, transcription, speech, embedding
    cross_check: "LatencyCheck | None" = None  # the time-based estimate beside the token-based one (latency_s given)

    def as_json(self) -> dict[str, Any]:
        """The JSON object of `estimate --format json` (totals over all requests; keys in the README's
        estimate section, kinds in docs/methodology.md)."""
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
        } | self._kind_json() | self._cross_check_json()

    def _cross_check_json(self) -> dict[str, Any]:
        """`latency_s` and `cross_check` (the two estimators compared), added where a latency was given."""
        if self.cross_check is None:
            return {}
        return {"latency_s": self.workload.latency_s, "cross_check": self.cross_check.as_json()}

    def _kind_json(self) -> dict[str, Any]:
        """`kind` and the units of a request that is not text (docs/methodology.md: added where not text)."""
        w = self.workload
        if self.kind == "text":
            return {}
        units: dict[str, Any] = {"kind": JSON_KIND[self.kind], "request_kind": self.kind}
        if self.kind == "image":
            units |= {"images": w.images, "size": w.size, "quality": w.quality, "steps": w.steps}
        elif self.kind == "transcription":
            units["audio_seconds"] = w.audio_seconds
        elif self.kind == "speech":
            units["characters"] = w.characters
        return units

    def units_label(self) -> str:
        """What was estimated, in words, for a request that is not text."""
        w = self.workload
        if self.kind == "image":
            extra = "".join(f", {k} {v}" for k, v in (("quality", w.quality), ("steps", w.steps)) if v is not None)
            return f"{w.images:,} image{'s' if w.images != 1 else ''} of {w.size}{extra}"
        if self.kind == "transcription":
            return f"{w.audio_seconds:,g} s of audio transcribed"
        if self.kind == "speech":
            return f"{w.characters:,} characters spoken"
        return f"{w.requests:,} request{'s' if w.requests != 1 else ''} × {w.input_tokens:,} input tokens embedded"

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
        other = _other_kind(name, workload, provider, zone, settings)
        if other is not None:
            if workload.latency_s is not None:
                raise InputError(f"{other.model} is not a text model: a latency cross-checks text requests only")
            out.append(other)
            continue
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
        checked = None
        if workload.latency_s is not None:
            from .cross_check import with_latency

            if not workload.latency_s >= 0:
                raise InputError(f"the latency must be a non-negative number of seconds, got {workload.latency_s!r}")
            n, r = workload.input_tokens, workload.requests
            fp, checked = with_latency(c, fp, workload.latency_s * r, r, (n * r, n * n * r))
        e = fs.electricity(c.zone)
        used = effort if c.model.reasoning != "no" else None
        out.append(ModelEstimate(c.model.id, name, c.provider, e.alpha2 or e.zone, workload, fp, reasoning_effort=used,
                                 cross_check=checked))
    ranked = sorted(out, key=lambda m: m.footprint.co2e_kg.central)
    cheapest = ranked[0].footprint.co2e_kg.central if ranked else 0.0
    result = []
    for i, m in enumerate(ranked, start=1):
        ratio = m.footprint.co2e_kg.central / cheapest if cheapest > 0 else 1.0
        result.append(ModelEstimate(m.model, m.requested, m.provider, m.zone, m.workload, m.footprint, i, ratio, m.reasoning_effort, m.kind,
                                    m.cross_check))
    return result


def _other_kind(
    name: str, workload: Workload, provider: str | None, zone: str | None, settings: "Settings | None"
) -> ModelEstimate | None:
    """The estimate of an image, audio or embedding model, or None for a text model.

    A name in both catalogues (Voxtral, Gemini Flash Image) is a text model unless the
    workload gives images, audio seconds or characters.
    """
    fs = factor_set()
    entry = fs.find_modality(name)
    if entry is None:
        if workload.names_a_modality():
            try:
                text = fs.model(name)
            except InputError:
                fs.modality(name)  # raises UnknownModelError with close image/audio model names
                raise
            raise InputError(f"{text.id} is a text model: images, audio seconds and characters need an image or audio model")
        return None
    if not workload.names_a_modality() and entry.kind != "embedding":
        try:
            fs.model(name)
            return None
        except InputError:
            pass
    kw = {"provider": provider, "zone": zone, "settings": settings}
    if entry.kind == "image":
        fp = estimate_image(name, workload.images, size=workload.size, quality=workload.quality, steps=workload.steps, **kw)
    elif entry.kind in ("transcription", "speech"):
        fp = estimate_audio(name, workload.audio_seconds, characters=workload.characters, **kw)
    else:
        if workload.names_a_modality():
            raise InputError(f"{entry.id} is an embedding model: give --input-tokens, not images or audio")
        fp = estimate_embedding(name, workload.input_tokens, requests=workload.requests, **kw)
    c = unit_coefficients(name, provider, zone, settings)
    e = fs.electricity(c.zone)
    return ModelEstimate(entry.id, name, c.provider, e.alpha2 or e.zone, workload, fp, kind=entry.kind)
