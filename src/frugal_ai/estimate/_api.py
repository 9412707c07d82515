"""`estimate_llm`: the footprint of GenAI API requests, as ranges, with no I/O per call."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..config import on_reset, settings_in_force
from ..errors import InputError
from ..factors import factor_set, weight_bits_of
from ..footprint import Footprint, Impacts, Range
from ._coefficients import Coefficients, build_coefficients
from .names import catalogue_name
from .overrides import provider_override
from .reasoning import effort_note, reasoning_tokens_per_request

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

_MAX_CACHE = 4096
_cache: dict[tuple[Any, ...], tuple[Any, object]] = {}
_lock = threading.Lock()
_ZERO = Range.zero()
# The unvalidated constructors, bound once: looking them up on the model classes at every call
# costs about a sixth of an estimate.
_range, _impacts, _footprint = Range.of, Impacts.of, Footprint.of


def clear_caches() -> None:
    """Forget cached coefficients (to measure building them). A change of settings needs no
    call: coefficients are cached per settings object, and `settings_in_force` gives a new
    one when a `FRUGAL_AI_*` variable or the config file changes."""
    with _lock:
        _cache.clear()


on_reset(clear_caches)


def coefficients(
    model: str, provider: str | None = None, zone: str | None = None, settings: "Settings | None" = None,
    *, region: str | None = None,
) -> Coefficients:
    """The per-token coefficients for a model at a place (cached). Raises UnknownModelError, UnknownZoneError.

    `region`: the provider region the calls went to (the ledger's reader takes it from the
    host); priced with that region's data centre where the factor base has it.
    """
    s = settings if settings is not None else settings_in_force()
    key = (model, provider, zone, id(s), region)
    hit = _cache.get(key)
    # The cache holds the settings object itself, so its id cannot be reused by another one.
    if hit is not None and hit[1] is s:
        return hit[0]  # type: ignore[no-any-return]
    fs = factor_set()
    name = catalogue_name(model, s)
    entry = fs.model(name, provider)
    provider_name = provider if provider is not None else entry.host
    coeffs = build_coefficients(
        fs,
        entry,
        provider,
        zone,
        **place_settings(s, provider_name),
        local_accelerator=s.accelerator,
        name_weight_bits=weight_bits_of(name),
        region=region,
    )
    remember(key, coeffs, s)
    return coeffs


def place_settings(s: "Settings", provider_name: str) -> dict[str, Any]:
    """The configuration's say on where `provider_name` serves: PUE, WUE, zone overrides and the local zone."""
    fs = factor_set()
    found = provider_override(s, provider_name, fs)
    override = found[1] if found else None
    local = fs.provider_key(provider_name) == "local"
    return {
        "pue_override": s.pue if local else (override.pue if override else None),
        "wue_override": s.wue if local else (override.wue if override else None),
        "zone_override": override.zone if override else None,
        "local_zone": s.country,
    }


def cached(key: tuple[Any, ...], s: "Settings") -> Any:
    """A value `remember`ed for `key` under these very settings, or None."""
    hit = _cache.get(key)
    # The cache holds the settings object itself, so its id cannot be reused by another one.
    return hit[0] if hit is not None and hit[1] is s else None


def remember(key: tuple[Any, ...], value: Any, s: "Settings") -> None:
    with _lock:
        if len(_cache) >= _MAX_CACHE:
            _cache.clear()
        _cache[key] = (value, s)


def estimate_llm(
    model: str,
    input_tokens: int = 0,
    output_tokens: int = 0,
    *,
    provider: str | None = None,
    zone: str | None = None,
    reasoning_tokens: int = 0,
    requests: int = 1,
    settings: "Settings | None" = None,
    reasoning_effort: str | None = None,
    latency_s: float | None = None,
) -> Footprint:
    """Estimate energy (kWh), greenhouse gases (kg CO2e) and water (L) of GenAI API requests.

    `input_tokens`, `output_tokens` and `reasoning_tokens` are per request; the result is the
    total over `requests` identical requests. `output_tokens` are the visible output tokens
    and `reasoning_tokens` the hidden ones (both are generated, both count); instead of a
    count, `reasoning_effort` (`low`, `medium`, `high`) takes the reasoning tokens per request
    from that effort's profile, as a range. A model that reasons by default estimated with
    neither gets a warning: the estimate is low unless the output tokens include the
    reasoning. `provider`
    names who serves the model (its catalogue host by default; `local` for your machines);
    `zone` (ISO 3166 code) overrides where the data centre is. Per-provider overrides of
    zone, PUE and WUE come from `settings` (the settings in force if None: a changed
    `FRUGAL_AI_*` variable counts from the next call). `latency_s`, the duration of one
    request in seconds, adds the time-based estimate (`estimate.cross_check`): the ranges
    then span both estimates, the centre stays token-based, and a warning says when the two
    disagree by more than the factor set's `time.disagreement_factor`.
    Nothing is recorded. See docs/methodology.md.

    Example:
        >>> fp = estimate_llm("gpt-4o-mini", input_tokens=500, output_tokens=300, zone="FR")
        >>> fp.energy_kwh.low <= fp.energy_kwh.central <= fp.energy_kwh.high
        True
    """
    if input_tokens < 0 or output_tokens < 0 or reasoning_tokens < 0:
        raise InputError("token counts cannot be negative")
    if requests < 0:
        raise InputError("the number of requests cannot be negative")
    c = coefficients(model, provider, zone, settings)
    generated, warnings = generated_tokens(c, output_tokens, reasoning_tokens, reasoning_effort)
    if latency_s is None:
        return footprint_of(c, input_tokens, generated, requests, warnings)
    if not latency_s >= 0:  # also refuses NaN
        raise InputError(f"latency_s must be a non-negative number of seconds, got {latency_s!r}")
    from .cross_check import spanned_footprint

    return spanned_footprint(c, *token_triples(c, input_tokens, generated, requests), latency_s * requests, requests, warnings,
                             (input_tokens * requests, input_tokens * input_tokens * requests))


def generated_tokens(
    c: Coefficients, output_tokens: float, reasoning_tokens: float, reasoning_effort: str | None = None
) -> tuple[tuple[float, float, float], list[str]]:
    """Generated tokens per request as (low, central, high), and the estimate's warnings."""
    warnings = list(c.warnings)
    if reasoning_effort is None:
        gen_l = gen_c = gen_h = output_tokens + reasoning_tokens
        if not reasoning_tokens and c.zero_reasoning_warning:
            warnings.append(c.zero_reasoning_warning)
    else:
        if reasoning_tokens:
            raise InputError("give reasoning_tokens or reasoning_effort, not both")
        r_l, r_c, r_h = reasoning_tokens_per_request(reasoning_effort)
        if r_h and c.model.reasoning == "no":
            warnings.append(f"{c.model.id} does not reason: reasoning_effort {reasoning_effort!r} ignored")
            r_l = r_c = r_h = 0
        gen_l, gen_c, gen_h = output_tokens + r_l, output_tokens + r_c, output_tokens + r_h
        if r_h:
            warnings.append(effort_note(reasoning_effort.strip().lower()))
    return (gen_l, gen_c, gen_h), warnings


def footprint_of(
    c: Coefficients, n: float, generated: tuple[float, float, float], requests: float, warnings: list[str]
) -> Footprint:
    """The footprint of `requests` requests of `n` input tokens and `generated` (low, central,
    high) generated tokens each, from a model's coefficients. Floats: `estimate.group` passes
    effective lengths."""
    it, emb = token_triples(c, n, generated, requests)
    return assemble_footprint(it, emb, c.pue, c.wue_onsite_l_per_kwh, c.offsite_water_l_per_kwh, c.intensity_kg_per_kwh, warnings)


def token_triples(
    c: Coefficients, n: float, generated: tuple[float, float, float], requests: float
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(IT kWh, embodied kg) in the (low, central, high) scenarios of `requests` requests of `n`
    input and `generated` generated tokens each: what `assemble_footprint` prices."""
    gen_l, gen_c, gen_h = generated
    n2 = n * n
    g, i1, i2 = c.it_kwh_per_generated_token, c.it_kwh_per_input_token, c.it_kwh_per_input_token_squared
    eg, e1, e2 = c.embodied_kg_per_generated_token, c.embodied_kg_per_input_token, c.embodied_kg_per_input_token_squared
    it = (
        (g[0] * gen_l + i1[0] * n + i2[0] * n2) * requests,
        (g[1] * gen_c + i1[1] * n + i2[1] * n2) * requests,
        (g[2] * gen_h + i1[2] * n + i2[2] * n2) * requests,
    )
    emb = (
        (eg[0] * gen_l + e1[0] * n + e2[0] * n2) * requests,
        (eg[1] * gen_c + e1[1] * n + e2[1] * n2) * requests,
        (eg[2] * gen_h + e1[2] * n + e2[2] * n2) * requests,
    )
    return it, emb


def assemble_footprint(
    it_kwh: tuple[float, float, float],
    embodied_kg: tuple[float, float, float],
    pue: tuple[float, float, float],
    wue: tuple[float, float, float],
    offsite_l_per_kwh: float,
    intensity_kg_per_kwh: float,
    warnings: list[str],
) -> Footprint:
    """The estimated footprint of IT energy (kWh) and embodied emissions (kg) in the (low,
    central, high) scenarios, at a place's PUE, on-site WUE, off-site water and intensity."""
    it_l, it_c, it_h = it_kwh
    emb_l, emb_c, emb_h = embodied_kg
    off, ci = offsite_l_per_kwh, intensity_kg_per_kwh
    en_l, en_c, en_h = it_l * pue[0], it_c * pue[1], it_h * pue[2]
    # Built unvalidated: the ranges are ordered by construction (_coefficients.py).
    energy = _range(en_l, en_c, en_h)
    usage_co2 = _range(en_l * ci, en_c * ci, en_h * ci)
    water = _range(it_l * wue[0] + en_l * off, it_c * wue[1] + en_c * off, it_h * wue[2] + en_h * off)
    return _footprint(
        energy,
        _range(en_l * ci + emb_l, en_c * ci + emb_c, en_h * ci + emb_h),
        water,
        "estimated",
        _impacts(energy, usage_co2, water),
        # Embodied energy is not consumption (footprint.py); embodied water is outside the boundary.
        _impacts(_ZERO, _range(emb_l, emb_c, emb_h), _ZERO),
        warnings,
    )
