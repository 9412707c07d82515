"""The estimate of a GenAI request, one small pure function per quantity.

Read top to bottom, this is docs/methodology.md in code. Every coefficient is an argument:
the values come from data/emission_factors/constants.toml and hardware.csv, never from here.
The decode (generation) part follows the method EcoLogits documents (energy per token
fitted on ML.ENERGY H100 measurements, GPU count from model memory, server overhead, PUE,
time-allocated embodied impacts); the prefill (input tokens), the water split and the
ranges are frugal-ai's additions. Cite the method; the code is our own.
"""

from __future__ import annotations

import math

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_YEAR = 365.0 * 24.0 * 3600.0
WH_PER_KWH = 1000.0


# --- how many accelerators hold the model --------------------------------------------
def model_memory_gb(total_params_b: float, weight_bits: float, memory_overhead: float) -> float:
    """GPU memory (GB) to serve a model: weights (billions x bytes per weight) times an overhead."""
    return memory_overhead * total_params_b * weight_bits / 8.0


def gpus_required(memory_gb: float, gpu_memory_gb: float) -> int:
    """Accelerators per model replica: enough memory, rounded up to a power of two (tensor parallelism)."""
    needed = max(1, math.ceil(memory_gb / gpu_memory_gb))
    return 2 ** math.ceil(math.log2(needed))


# --- decode: generating output (and reasoning) tokens ---------------------------------
def decode_energy_j_per_token(
    active_params_b: float,
    weights_gb: float,
    bytes_ratio: float,
    batch_size: float,
    log_coef_j: float,
    active_exponent: float,
    weights_exponent: float,
    bits_exponent: float,
    batch_exponent: float,
    batch_log_curvature: float,
) -> float:
    """GPU energy (J) of a whole model replica per generated token of one request, on the fit's accelerator.

    The power law fitted on ML.ENERGY v3 (data/emission_factors/tools/fit_decode_energy.py): the
    replica's GPU count is inside the measurement, so nothing multiplies it by a GPU count again.
    """
    log_batch = math.log(batch_size)
    return math.exp(
        log_coef_j
        + active_exponent * math.log(active_params_b)
        + weights_exponent * math.log(weights_gb)
        + bits_exponent * math.log(bytes_ratio)
        + (batch_exponent + batch_log_curvature * log_batch) * log_batch
    )


def decode_latency_s_per_token(
    active_params_b: float,
    batch_size: float,
    alpha_s: float,
    beta_s: float,
    gamma_s: float,
    output_tps: float | None = None,
) -> float:
    """Wall time (s) per generated token: 1/observed speed when known, else the latency fit."""
    if output_tps:
        return 1.0 / output_tps
    return alpha_s * active_params_b + beta_s * batch_size + gamma_s


def server_energy_wh(duration_s: float, server_power_w: float, gpus: int, gpus_per_server: int, batch_size: float) -> float:
    """Non-GPU server energy (Wh) of a request: its share of the server's GPUs, shared over the batch."""
    return duration_s / SECONDS_PER_HOUR * server_power_w * (gpus / gpus_per_server) / batch_size


# --- prefill: reading the input tokens --------------------------------------------------
def attention_width(active_params_b: float, coef: float, exponent: float) -> float:
    """n_layer x d_model of a model, from its active parameters (power law fitted on Llama 3)."""
    return coef * active_params_b**exponent


def prefill_flops_linear_per_token(active_params_b: float, flops_per_param: float) -> float:
    """FLOP per input token for the weights: 2 x active parameters (Kaplan et al. 2020)."""
    return flops_per_param * active_params_b * 1e9


def prefill_flops_quadratic(width: float) -> float:
    """FLOP per (input token)^2 for causal attention: sum over t of 2*n_layer*d*t ~ n_layer*d*n^2."""
    return width


def accelerator_seconds(flops: float, peak_tflops: float, mfu: float) -> float:
    """Accelerator time (GPU-seconds) to run `flops` at a fraction `mfu` of peak throughput."""
    return flops / (peak_tflops * 1e12 * mfu)


def prefill_energy_wh(gpu_seconds: float, gpu_power_w: float, server_power_w: float, gpus_per_server: int) -> float:
    """IT energy (Wh) of compute-bound prefill: GPU power plus its share of server power, for its time."""
    return gpu_seconds * (gpu_power_w + server_power_w / gpus_per_server) / SECONDS_PER_HOUR


# --- facility, carbon, water -----------------------------------------------------------
def facility_energy_kwh(it_energy_kwh: float, pue: float) -> float:
    """Energy drawn by the data centre (kWh): IT energy times PUE."""
    return it_energy_kwh * pue


def usage_co2e_kg(energy_kwh: float, intensity_kg_per_kwh: float) -> float:
    """Greenhouse gases (kg CO2e) of the electricity consumed, life-cycle intensity of the zone."""
    return energy_kwh * intensity_kg_per_kwh


def water_consumption_l(it_energy_kwh: float, facility_energy_kwh: float, wue_onsite_l_per_kwh: float, offsite_l_per_kwh: float) -> float:
    """Water consumed (L): on-site WUE applies to IT energy, the electricity's off-site water to all energy."""
    return it_energy_kwh * wue_onsite_l_per_kwh + facility_energy_kwh * offsite_l_per_kwh


def embodied_co2e_kg_per_gpu_second(
    gpu_embodied_kg: float, server_embodied_kg: float, gpus_per_server: int, lifetime_years: float
) -> float:
    """Manufacturing footprint (kg CO2e) allocated to one GPU-second: a GPU and its share of server, over its life."""
    return (gpu_embodied_kg + server_embodied_kg / gpus_per_server) / (lifetime_years * SECONDS_PER_YEAR)


def decode_gpu_seconds_per_token(latency_s_per_token: float, gpus: int, batch_size: float) -> float:
    """GPU-seconds one generated token of one request occupies: the replica's GPUs, shared over the batch."""
    return latency_s_per_token * gpus / batch_size
