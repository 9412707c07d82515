"""Per-(model, provider, zone) coefficients: the formulas evaluated once, per token.

A request's footprint is linear in its generated tokens and input tokens, plus a small
quadratic term in input tokens (attention). So the formulas are evaluated once for each
bound of the range, and an estimate is then a handful of multiplications.

The three scenarios set every uncertain parameter to the bound that gives the lowest, the
central and the highest footprint (fewer parameters, FP8 weights, larger batches, higher
utilisation, lower PUE/WUE, longer hardware life for `low`). Each coefficient triple is
then sorted, so that `low <= central <= high` holds whatever the token counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..factors import DEFAULT_PROVIDER, Constant, ElectricityFactor, FactorSet, LlmModel
from ..footprint import Range
from . import formulas as f
from . import from_latency as fl
from . import serving as sv
from .reasoning import zero_reasoning_warning

Triple = tuple[float, float, float]


@dataclass(frozen=True)
class Coefficients:
    """Everything an estimate multiplies by, for one model at one place. Energies in kWh."""

    model: LlmModel
    provider: str
    zone: str
    it_kwh_per_generated_token: Triple
    it_kwh_per_input_token: Triple
    it_kwh_per_input_token_squared: Triple
    pue: Triple
    wue_onsite_l_per_kwh: Triple
    offsite_water_l_per_kwh: float
    intensity_kg_per_kwh: float
    embodied_kg_per_generated_token: Triple
    embodied_kg_per_input_token: Triple
    embodied_kg_per_input_token_squared: Triple
    gpus: tuple[int, int, int]
    warnings: tuple[str, ...]
    # Added to the warnings of an estimate with no reasoning tokens, for a model that reasons by default.
    zero_reasoning_warning: str | None = None
    # The provider region whose datacenters.csv row priced it (None: the provider's default row).
    region: str | None = None
    # The time-based estimator (from_latency.py): IT energy and embodied emissions per second
    # of one request's duration, in the same (low, central, high) serving scenarios.
    it_kwh_per_request_second: Triple = (0.0, 0.0, 0.0)
    embodied_kg_per_request_second: Triple = (0.0, 0.0, 0.0)
    # Beyond this ratio of their centrals (either way) the two estimators disagree (time.disagreement_factor).
    disagreement_factor: float = 3.0


def _ordered(values: Sequence[float]) -> Triple:
    low, central, high = sorted(values)
    return (low, central, high)


def _bounds(r: Range) -> Triple:
    """(low, central, high): the scenarios where more of this quantity means more footprint."""
    return (r.low, r.central, r.high)


def _bounds_reversed(r: Range) -> Triple:
    """(high, central, low): the scenarios where more of this quantity means less footprint."""
    return (r.high, r.central, r.low)


def _bits(model: LlmModel, default: Constant, from_name: float | None) -> Triple:
    """Bits per weight of the (low, central, high) scenarios: the name's quantisation, else the
    model's published serving precision, else the default range."""
    if from_name is not None:
        return (from_name, from_name, from_name)
    if model.weight_bits is not None:
        high = model.weight_bits_high if model.weight_bits_high is not None else model.weight_bits
        return (model.weight_bits, model.weight_bits, high)
    return _bounds(default.range)


def serving_batch(fs: FactorSet, undisclosed: bool) -> Constant:
    """The batch of data-centre serving: `undisclosed.batch_size` (down to the light batching of
    How Hungry is AI? at the high bound) for a model whose size and serving are not published,
    else `llm.batch_size`. docs/methodology.md § 4.1."""
    return fs.constant("undisclosed.batch_size" if undisclosed else "llm.batch_size")


DECODE_FIT = ("log_coef_j", "active_exponent", "weights_exponent", "bits_exponent", "batch_exponent", "batch_log_curvature")


def decode_fit_constants(fs: FactorSet) -> tuple[float, ...]:
    """The decode fit's coefficients (constants.toml `decode_fit.*`), in formulas.decode_energy_j_per_token's order."""
    return tuple(float(fs.constant(f"decode_fit.{name}")) for name in DECODE_FIT)


LOCAL_NOTE = (
    "served on your own machines: when the model runs on this machine, measuring it "
    "(`frugal-ai run` or `track`) gives a better number than this estimate"
)


@dataclass(frozen=True)
class Place:
    """Where requests are served: provider label, electricity, PUE and on-site WUE (low, central, high)."""

    provider: str
    local: bool
    electricity: ElectricityFactor
    pue: Triple
    wue: Triple
    warnings: tuple[str, ...]
    region: str | None = None


def build_place(
    fs: FactorSet,
    provider_name: str,
    subject: str,
    zone: str | None,
    *,
    pue_override: float | None = None,
    wue_override: float | None = None,
    zone_override: str | None = None,
    local_zone: str | None = None,
    region: str | None = None,
) -> Place:
    """The data centre (or your own machines) serving `subject` for `provider_name`, with its warnings.

    `region`: the provider region the calls went to (from their host); its datacenters.csv row
    gives zone, PUE and WUE when the factor base has one, else the provider's default row
    does. A configured zone (`zone_override`) and an explicit `zone` still win over it.
    """
    warnings: list[str] = []
    region_used: str | None = None
    local = fs.provider_key(provider_name) == "local"  # provider_key maps every LOCAL_PROVIDERS name to "local"
    if local:
        onprem = fs.onprem()
        pue_range, wue_range = onprem.pue, onprem.wue_l_per_kwh
        dc_zone = local_zone or "WORLD"
        provider_label = "local"
        warnings.append(LOCAL_NOTE)
    else:
        dc = fs.datacenter(provider_name, region or None)
        pue_range, wue_range, dc_zone = dc.pue, dc.wue_l_per_kwh, dc.zone
        provider_label = dc.provider
        region_used = dc.region
        if dc.fallback:
            warnings.append(f"unknown provider {provider_name!r}: generic data-centre assumptions (PUE, WUE, world electricity)")
        elif dc.provider == DEFAULT_PROVIDER:
            warnings.append(f"no provider given for {subject}: generic data-centre assumptions (PUE, WUE)")
    if zone_override:
        dc_zone = zone_override
    if zone:
        dc_zone = zone
    electricity = fs.electricity(dc_zone)
    if electricity.co2e_fallback:
        warnings.append(f"no carbon intensity for zone {electricity.zone}: world value used")
    if electricity.water_fallback:
        warnings.append(f"no off-site water factor for zone {electricity.zone}: world value used")
    if electricity.zone == "WORLD" and not electricity.co2e_fallback:
        warnings.append("data-centre location unknown: world-average electricity used")
    pue = (pue_override,) * 3 if pue_override is not None else _bounds(pue_range)
    wue = (wue_override,) * 3 if wue_override is not None else _bounds(wue_range)
    return Place(provider_label, local, electricity, _ordered(pue), _ordered(wue), tuple(warnings), region_used)


def build_coefficients(
    fs: FactorSet,
    model: LlmModel,
    provider: str | None,
    zone: str | None,
    *,
    pue_override: float | None = None,
    wue_override: float | None = None,
    zone_override: str | None = None,
    local_zone: str | None = None,
    local_accelerator: str | None = None,
    name_weight_bits: float | None = None,
    region: str | None = None,
) -> Coefficients:
    """Evaluate the method for one model, served by `provider` (its catalogue host if None), in `zone`.

    `local_accelerator` (hardware.csv key) is the accelerator of local serving, from the
    configuration; `name_weight_bits` the precision the model's name states (`-q4_K_M`).
    """
    provider_name = provider if provider is not None else model.host
    where = build_place(
        fs, provider_name, model.id, zone, pue_override=pue_override, wue_override=wue_override,
        zone_override=zone_override, local_zone=local_zone, region=region,
    )
    local, pue, wue, electricity = where.local, where.pue, where.wue, where.electricity
    warnings = list(where.warnings)
    undisclosed = model.params_estimated and not local
    if undisclosed:
        smallest = serving_batch(fs, True).low
        warnings.append(
            f"parameters and serving set-up of {model.id} are not published: estimated as a range "
            f"(the high bound assumes batches as small as {smallest:g})"
        )
    elif model.params_estimated:
        warnings.append(f"parameters of {model.id} are not published: estimated as a range")

    if local:
        accel = fs.hardware(local_accelerator or fs.choice("local_accelerator"))
    else:
        accel = fs.hardware(model.accelerator or fs.choice("llm_accelerator"))
    server = fs.hardware(fs.choice("llm_server"))
    if accel.memory_gb is None or accel.power_w is None or accel.peak_tflops_bf16 is None or accel.memory_bandwidth_tb_s is None:
        raise InputError(
            f"accelerator {accel.key!r} needs memory_gb, memory_bandwidth_tb_s, power_w and peak_tflops_bf16 to serve models",
            where="hardware.csv",
        )
    if not local and accel.decode_energy_ratio is None:
        raise InputError(f"accelerator {accel.key!r} has no decode_energy_ratio: it cannot serve in a data centre", where="hardware.csv")
    if server.power_w is None or server.gpus_per_server is None:
        raise InputError("the estimator's server needs power_w and gpus_per_server", where="hardware.csv")
    c = fs.constant
    fit = decode_fit_constants(fs)
    lat_a, lat_b, lat_c = float(c("llm.latency_alpha")), float(c("llm.latency_beta")), float(c("llm.latency_gamma"))
    overhead = float(c("llm.memory_overhead"))
    flops_per_param = float(c("llm.flops_per_param_per_token"))
    width_coef, width_exp = float(c("llm.attention_width_coef")), float(c("llm.attention_width_exponent"))
    reference_bits = float(c("serving.reference_weight_bits"))
    mfu = c("llm.prefill_mfu")
    batch = c("local.batch_size") if local else serving_batch(fs, undisclosed)
    bits_range = _bits(model, c("local.weight_bits") if local else c("llm.weight_bits"), name_weight_bits)

    # Parameter values of the (low, central, high) footprint scenarios.
    scenarios = {
        "active_b": _bounds(model.active_params_b),
        "total_b": _bounds(model.total_params_b),
        "bits": bits_range,
        "batch": _bounds_reversed(batch.range),
        "mfu": _bounds_reversed(mfu.range),
        "gpu_embodied": _bounds(accel.embodied_co2e_kg),
        "server_embodied": _bounds(c("local.host_embodied_co2e_kg").range) if local else _bounds(server.embodied_co2e_kg),
        "lifetime": _bounds_reversed(accel.lifetime_years),
        "fit_spread": _bounds(c("decode_fit.spread").range),
        "gpu_power_utilisation": _bounds(c("time.gpu_power_utilisation").range),
    }
    node_non_gpu_w = float(c("time.node_non_gpu_power_w"))
    non_gpu_utilisation = float(c("time.non_gpu_power_utilisation"))
    if local:
        scenarios |= {
            "bandwidth_efficiency": _bounds_reversed(c("local.bandwidth_efficiency").range),
            "step_overhead_s": _bounds(c("local.step_overhead_s").range),
            "power_utilisation": _bounds(c("local.power_utilisation").range),
            "host_power_w": _bounds(c("local.host_power_w").range),
        }
    per_gen, per_in, per_in2, emb_gen, emb_in, emb_in2, gpus_used = [], [], [], [], [], [], []
    per_second, emb_second = [], []
    for i in range(3):
        active, total = scenarios["active_b"][i], scenarios["total_b"][i]
        batch_i, bits_i = scenarios["batch"][i], scenarios["bits"][i]
        gpus = f.gpus_required(f.model_memory_gb(total, bits_i, overhead), accel.memory_gb)
        gpus_used.append(gpus)
        if local:
            # Your own machine: one host around its accelerators; a step reads the weights once for the batch.
            host_w, gps = scenarios["host_power_w"][i], gpus
            latency = sv.local_decode_step_s(
                active, bits_i, gpus, accel.memory_bandwidth_tb_s, scenarios["bandwidth_efficiency"][i], scenarios["step_overhead_s"][i]
            )
            gen_wh = sv.local_decode_energy_wh_per_token(latency, gpus, accel.power_w, scenarios["power_utilisation"][i], host_w, batch_i)
            power_w = fl.local_machine_power_w(gpus, accel.power_w, scenarios["power_utilisation"][i], host_w)
        else:
            host_w, gps = server.power_w, server.gpus_per_server
            latency = f.decode_latency_s_per_token(active, batch_i, lat_a, lat_b, lat_c, model.output_tps)
            # The fit measures the whole replica on H100s; another accelerator scales the energy, not the count.
            fit_j = f.decode_energy_j_per_token(
                active, sv.weights_gb(total, bits_i), sv.weight_bytes_ratio(bits_i, reference_bits), batch_i, *fit
            )
            assert accel.decode_energy_ratio is not None
            gen_wh = sv.datacenter_decode_gpu_wh_per_token(fit_j, scenarios["fit_spread"][i], accel.decode_energy_ratio) + f.server_energy_wh(
                latency, host_w, gpus, gps, batch_i
            )
            power_w = fl.replica_power_w(gpus, accel.power_w, scenarios["gpu_power_utilisation"][i], gps, node_non_gpu_w, non_gpu_utilisation)
        gpu_s_linear = f.accelerator_seconds(f.prefill_flops_linear_per_token(active, flops_per_param), accel.peak_tflops_bf16, scenarios["mfu"][i])
        gpu_s_quadratic = f.accelerator_seconds(
            f.prefill_flops_quadratic(f.attention_width(active, width_coef, width_exp)), accel.peak_tflops_bf16, scenarios["mfu"][i]
        )
        per_gen.append(gen_wh / f.WH_PER_KWH)
        per_in.append(f.prefill_energy_wh(gpu_s_linear, accel.power_w, host_w, gps) / f.WH_PER_KWH)
        per_in2.append(f.prefill_energy_wh(gpu_s_quadratic, accel.power_w, host_w, gps) / f.WH_PER_KWH)
        per_gpu_s = f.embodied_co2e_kg_per_gpu_second(
            scenarios["gpu_embodied"][i], scenarios["server_embodied"][i], gps, scenarios["lifetime"][i]
        )
        emb_gen.append(f.decode_gpu_seconds_per_token(latency, gpus, batch_i) * per_gpu_s)
        emb_in.append(gpu_s_linear * per_gpu_s)
        emb_in2.append(gpu_s_quadratic * per_gpu_s)
        per_second.append(fl.request_it_energy_kwh(1.0, power_w, batch_i))
        emb_second.append(fl.request_gpu_seconds(1.0, gpus, batch_i) * per_gpu_s)

    return Coefficients(
        model=model,
        provider=where.provider,
        zone=electricity.zone,
        it_kwh_per_generated_token=_ordered(per_gen),
        it_kwh_per_input_token=_ordered(per_in),
        it_kwh_per_input_token_squared=_ordered(per_in2),
        pue=_ordered(pue),
        wue_onsite_l_per_kwh=_ordered(wue),
        offsite_water_l_per_kwh=electricity.water_l_per_kwh,
        intensity_kg_per_kwh=electricity.co2e_kg_per_kwh,
        embodied_kg_per_generated_token=_ordered(emb_gen),
        embodied_kg_per_input_token=_ordered(emb_in),
        embodied_kg_per_input_token_squared=_ordered(emb_in2),
        gpus=(gpus_used[0], gpus_used[1], gpus_used[2]),
        warnings=tuple(warnings),
        zero_reasoning_warning=zero_reasoning_warning(model),
        region=where.region,
        it_kwh_per_request_second=_ordered(per_second),
        embodied_kg_per_request_second=_ordered(emb_second),
        disagreement_factor=float(c("time.disagreement_factor")),
    )
