"""Serving set-ups: precision, accelerator generation, and local (lightly batched) serving.

Pure functions with units in their names; every coefficient is an argument read from
`data/emission_factors/` (models.csv `weight_bits` / `accelerator`, hardware.csv,
constants.toml `serving.*` and `local.*`). docs/methodology.md § 3.6 and § 3.7.

Data-centre serving keeps the decode fit measured on H100s (formulas.py): the precision
sizes the replica (fewer 80 GB GPUs at 8 bits) and scales the part of the per-GPU energy
that reads the weights (proportional to the parameters); another accelerator multiplies the
energy by its ratio to the H100 measured at the same batch (ML.ENERGY v3: B200 0.88),
whatever its memory: a bigger GPU holds the model on fewer cards but spends about the same
energy per token. Local serving (your own machines,
batch 1-8) does not use the data-centre fit: a decode step reads the active weights once
from memory for the whole batch, and the machine draws its power for that time.
"""

from __future__ import annotations

from .formulas import SECONDS_PER_HOUR


# --- data-centre serving ------------------------------------------------------------------
def weight_bytes_ratio(weight_bits: float, reference_bits: float) -> float:
    """Bytes per weight relative to the decode fit's precision (8-bit over 16-bit: 0.5)."""
    return weight_bits / reference_bits


def precision_scaled_wh(weights_part_wh: float, fixed_part_wh: float, bytes_ratio: float) -> float:
    """The fit's per-GPU decode energy (Wh per token) with its weight-reading part scaled by the bytes per weight."""
    return weights_part_wh * bytes_ratio + fixed_part_wh


def datacenter_decode_gpu_wh_per_token(fit_gpus: int, per_gpu_fit_wh: float, decode_energy_ratio: float) -> float:
    """GPU energy (Wh) per generated token of one request: the fit's per-GPU energy times the replica's size
    in fit accelerators (80 GB H100s), times the serving accelerator's measured ratio to the fit's."""
    return fit_gpus * per_gpu_fit_wh * decode_energy_ratio


def accelerator_compute_ratio(power_w: float, peak_tflops: float, reference_power_w: float, reference_peak_tflops: float) -> float:
    """Energy of compute-bound work (diffusion, encoding) on an accelerator relative to the reference: power per unit of peak throughput."""
    return (power_w / peak_tflops) / (reference_power_w / reference_peak_tflops)


# --- local serving ---------------------------------------------------------------------------
def local_decode_step_s(
    active_params_b: float, weight_bits: float, gpus: int, bandwidth_tb_s: float, bandwidth_efficiency: float, step_overhead_s: float
) -> float:
    """Wall time (s) of one decode step: the active weights read once from the GPUs' memory, plus a fixed overhead."""
    weight_bytes = active_params_b * 1e9 * weight_bits / 8.0
    return weight_bytes / (gpus * bandwidth_tb_s * 1e12 * bandwidth_efficiency) + step_overhead_s


def local_decode_energy_wh_per_token(
    step_s: float, gpus: int, gpu_power_w: float, power_utilisation: float, host_power_w: float, batch_size: float
) -> float:
    """IT energy (Wh) per generated token: the machine's draw for one step, shared by the batch's requests."""
    return step_s * (gpus * gpu_power_w * power_utilisation + host_power_w) / SECONDS_PER_HOUR / batch_size
