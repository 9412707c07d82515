"""Other request kinds than text: images, transcription, speech and embeddings.

Each model of `data/emission_factors/modalities.csv` gives its energy per unit (an image,
a second of audio, a character, an input token) by one of three methods:

* `measured`: GPU energy per unit at a reference, from published measurements (diffusion
  models) or derived from published speeds (Whisper);
* `tokens`: the tokens an LLM reads and writes per unit (gpt-image-1 writes 1,056 image
  tokens for a medium 1024x1024 image), priced by the text estimator;
* `encoder`: one forward pass per input token through the model's parameters, like a
  prompt's prefill (§ 3.3), at the embedding utilisation.

Then PUE, carbon, water and embodied impacts follow as for text (§ 3.4-3.5), at the same
places and with the same ranges. docs/methodology.md § 3.8.

    >>> from frugal_ai.estimate import estimate_image
    >>> fp = estimate_image("gpt-image-1", images=10, size="1024x1024")
    >>> fp.energy_kwh.low <= fp.energy_kwh.central <= fp.energy_kwh.high
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..config import settings_in_force
from ..errors import InputError
from ..factors import ModalityModel, factor_set
from ..footprint import Footprint
from . import formulas as f
from . import serving as sv
from ._api import assemble_footprint, cached, coefficients, place_settings, remember
from ._coefficients import Triple, _bounds, _bounds_reversed, _ordered, build_place

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

KINDS = ("text", "image", "transcription", "speech", "embedding")
# The JSON `kind` of each request kind (docs/methodology.md: text, image, audio, embedding).
JSON_KIND = {"text": "text", "image": "image", "transcription": "audio", "speech": "audio", "embedding": "embedding"}


@dataclass(frozen=True)
class UnitCoefficients:
    """What one unit (image, audio second, character, input token) of a non-text model costs, at one place."""

    model: ModalityModel
    provider: str
    zone: str
    it_kwh_per_unit: Triple
    embodied_kg_per_unit: Triple
    pue: Triple
    wue_onsite_l_per_kwh: Triple
    offsite_water_l_per_kwh: float
    intensity_kg_per_kwh: float
    warnings: tuple[str, ...]


# --- pure functions ------------------------------------------------------------------------
@lru_cache(maxsize=256)
def image_pixels(size: str) -> int:
    """Pixels of an image size written `WIDTHxHEIGHT` (`1024x1024`). Raises InputError otherwise."""
    width, sep, height = size.strip().lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or int(width) == 0 or int(height) == 0:
        raise InputError(f"image size {size!r} is not WIDTHxHEIGHT (e.g. 1024x1024)")
    return int(width) * int(height)


def image_units(pixels: float, reference_pixels: float, quality_factor: float, steps: float | None, reference_steps: float | None) -> float:
    """Reference images one image stands for: its pixels, its quality's factor and its steps over the reference."""
    steps_factor = steps / reference_steps if steps is not None and reference_steps else 1.0
    return pixels / reference_pixels * quality_factor * steps_factor


def encoder_gpu_seconds_per_token(params_b: float, flops_per_param: float, peak_tflops: float, mfu: float) -> float:
    """Accelerator time (GPU-s) to encode one input token: one forward pass, compute-bound."""
    return f.accelerator_seconds(f.prefill_flops_linear_per_token(params_b, flops_per_param), peak_tflops, mfu)


# --- coefficients per unit -------------------------------------------------------------------
def unit_coefficients(
    model: str, provider: str | None = None, zone: str | None = None, settings: "Settings | None" = None
) -> UnitCoefficients:
    """Energy and embodied emissions per unit of a non-text model at a place (cached). Raises UnknownModelError."""
    s = settings if settings is not None else settings_in_force()
    key = ("unit", model, provider, zone, id(s))
    hit = cached(key, s)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    return _build_unit_coefficients(key, model, provider, zone, s)


def _build_unit_coefficients(key: tuple[object, ...], model: str, provider: str | None, zone: str | None, s: "Settings") -> UnitCoefficients:
    fs = factor_set()
    entry = fs.modality(model)
    if entry.method == "tokens":
        built = _from_tokens(entry, provider, zone, s)
    else:
        built = _from_gpu_time(entry, provider, zone, s)
    remember(key, built, s)
    return built


def _from_tokens(entry: ModalityModel, provider: str | None, zone: str | None, s: "Settings") -> UnitCoefficients:
    c = coefficients(entry.text_model, provider if provider is not None else entry.host, zone, s)
    n_in, n_out = entry.input_tokens_per_unit, entry.output_tokens_per_unit
    it = _ordered([n_in * c.it_kwh_per_input_token[i] + n_out * c.it_kwh_per_generated_token[i] for i in range(3)])
    emb = _ordered([n_in * c.embodied_kg_per_input_token[i] + n_out * c.embodied_kg_per_generated_token[i] for i in range(3)])
    warnings = [w.replace(f"parameters of {entry.text_model} ", f"parameters of {entry.id} ({entry.text_model}) ") for w in c.warnings]
    return UnitCoefficients(
        entry, c.provider, c.zone, it, emb, c.pue, c.wue_onsite_l_per_kwh, c.offsite_water_l_per_kwh, c.intensity_kg_per_kwh, tuple(warnings)
    )


def _from_gpu_time(entry: ModalityModel, provider: str | None, zone: str | None, s: "Settings") -> UnitCoefficients:
    fs = factor_set()
    provider_name = provider if provider is not None else entry.host
    where = build_place(fs, provider_name, entry.id, zone, **place_settings(s, provider_name))
    accel = fs.hardware(s.accelerator or fs.choice("local_accelerator")) if where.local else fs.hardware(fs.choice("llm_accelerator"))
    server = fs.hardware(fs.choice("llm_server"))
    if accel.power_w is None or accel.peak_tflops_bf16 is None or server.power_w is None or server.gpus_per_server is None:
        raise InputError("the accelerator and server need power_w, peak_tflops_bf16 and gpus_per_server", where="hardware.csv")
    c = fs.constant
    if where.local:
        host_w, gps, host_embodied = _bounds(c("local.host_power_w").range), 1, _bounds(c("local.host_embodied_co2e_kg").range)
    else:
        host_w, gps, host_embodied = (server.power_w,) * 3, server.gpus_per_server, _bounds(server.embodied_co2e_kg)
    if entry.method == "measured":
        assert entry.gpu_wh_per_unit is not None  # checked when the file was loaded
        # Measured on H100s (the fit's accelerator): another accelerator does the same compute-bound work
        # at its own power per unit of throughput, for longer or shorter.
        ref = fs.hardware(fs.choice("llm_fit_accelerator"))
        assert ref.power_w is not None and ref.peak_tflops_bf16 is not None
        ratio = sv.accelerator_compute_ratio(accel.power_w, accel.peak_tflops_bf16, ref.power_w, ref.peak_tflops_bf16)
        gpu_s = [wh * ratio * f.SECONDS_PER_HOUR / accel.power_w for wh in _bounds(entry.gpu_wh_per_unit)]
    else:
        assert entry.params_b is not None
        mfu = _bounds_reversed(c("embedding.mfu").range)
        per_param = float(c("llm.flops_per_param_per_token"))
        gpu_s = [encoder_gpu_seconds_per_token(p, per_param, accel.peak_tflops_bf16, mfu[i]) for i, p in enumerate(_bounds(entry.params_b))]
    gpu_embodied, lifetime = _bounds(accel.embodied_co2e_kg), _bounds_reversed(accel.lifetime_years)
    it = [f.prefill_energy_wh(gpu_s[i], accel.power_w, host_w[i], gps) / f.WH_PER_KWH for i in range(3)]
    emb = [gpu_s[i] * f.embodied_co2e_kg_per_gpu_second(gpu_embodied[i], host_embodied[i], gps, lifetime[i]) for i in range(3)]
    warnings = list(where.warnings)
    if entry.params_estimated:
        warnings.append(f"{entry.id}: {entry.note or 'size not published'}")
    e = where.electricity
    return UnitCoefficients(
        entry, where.provider, e.zone, _ordered(it), _ordered(emb), where.pue, where.wue, e.water_l_per_kwh, e.co2e_kg_per_kwh, tuple(warnings)
    )


def _estimate(c: UnitCoefficients, units: float) -> Footprint:
    it, emb = c.it_kwh_per_unit, c.embodied_kg_per_unit
    return assemble_footprint(
        (it[0] * units, it[1] * units, it[2] * units),
        (emb[0] * units, emb[1] * units, emb[2] * units),
        c.pue,
        c.wue_onsite_l_per_kwh,
        c.offsite_water_l_per_kwh,
        c.intensity_kg_per_kwh,
        list(c.warnings),
    )


def _require(c: UnitCoefficients, kinds: tuple[str, ...], what: str) -> None:
    if c.model.kind not in kinds:
        raise InputError(f"{c.model.id} is a {c.model.kind} model, not {what}")


def _count(value: float, name: str) -> float:
    if value < 0:
        raise InputError(f"{name} cannot be negative")
    return value


# --- the public estimates ------------------------------------------------------------------
def estimate_image(
    model: str,
    images: int = 1,
    *,
    size: str = "1024x1024",
    quality: str | None = None,
    steps: int | None = None,
    provider: str | None = None,
    zone: str | None = None,
    settings: "Settings | None" = None,
) -> Footprint:
    """Energy (kWh), CO2e (kg) and water (L) of generating `images` images of `size` pixels.

    `quality` is one of the model's levels (gpt-image-1: low, medium, high; dall-e-3:
    standard, hd; each also accepts the other's names; default: the reference level; a
    diffusion model without levels ignores it, with a note), `steps` the denoising steps of
    a diffusion model (default: its reference). docs/methodology.md § 3.8.
    """
    c = unit_coefficients(model, provider, zone, settings)
    _require(c, ("image",), "an image model")
    m = c.model
    factor, notes = 1.0, []
    if quality is not None:
        level = quality.strip().lower()
        if not m.quality_factors:
            notes.append(f"{m.id} has no quality levels: quality {quality!r} ignored (its steps set the work)")
        elif level not in m.quality_factors:
            raise InputError(f"unknown quality {quality!r} for {m.id} (known: {', '.join(m.quality_factors)})")
        else:
            factor = m.quality_factors[level]
    if steps is not None and (steps <= 0 or m.reference_steps is None):
        raise InputError(f"steps apply to diffusion models with a reference step count, and must be positive (got {steps} for {m.id})")
    assert m.reference_pixels is not None
    units = _count(images, "images") * image_units(image_pixels(size), m.reference_pixels, factor, steps, m.reference_steps)
    fp = _estimate(c, units)
    if notes:
        fp.warnings.extend(notes)
    return fp


def estimate_audio(
    model: str,
    audio_seconds: float = 0.0,
    *,
    characters: int = 0,
    provider: str | None = None,
    zone: str | None = None,
    settings: "Settings | None" = None,
) -> Footprint:
    """Energy, CO2e and water of transcribing `audio_seconds` of speech (speech-to-text model) or
    of speaking `characters` characters of text (text-to-speech model)."""
    c = unit_coefficients(model, provider, zone, settings)
    _require(c, ("transcription", "speech"), "an audio model")
    if c.model.kind == "transcription":
        if characters:
            raise InputError(f"{c.model.id} transcribes speech: give audio seconds, not characters")
        return _estimate(c, _count(audio_seconds, "audio seconds"))
    if audio_seconds:
        raise InputError(f"{c.model.id} speaks text: give characters, not audio seconds")
    return _estimate(c, _count(characters, "characters"))


def estimate_embedding(
    model: str,
    input_tokens: int = 0,
    *,
    requests: int = 1,
    provider: str | None = None,
    zone: str | None = None,
    settings: "Settings | None" = None,
) -> Footprint:
    """Energy, CO2e and water of embedding `input_tokens` tokens per request, over `requests` requests."""
    c = unit_coefficients(model, provider, zone, settings)
    _require(c, ("embedding",), "an embedding model")
    return _estimate(c, _count(input_tokens, "input tokens") * _count(requests, "requests"))
