"""Serving set-ups: precision, accelerator generation, and local (lightly batched) serving.

Pure functions with units in their names; every coefficient is an argument read from
`data/emission_factors/` (models.csv `weight_bits` / `accelerator`, hardware.csv,
constants.toml `serving.*` and `local.*`). docs/methodology.md § 3.6 and § 3.7.

Data-centre serving uses the decode fit on ML.ENERGY v3 H100 measurements (formulas.py):
the replica's energy per token grows with its active parameters and its weights' size
(precision included), and falls with the batch; another accelerator multiplies it by its
ratio to the H100 measured at the same batch (ML.ENERGY v3: B200 0.88), whatever its
memory: a bigger GPU holds the model on fewer cards but spends about the same
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


def weights_gb(total_params_b: float, weight_bits: float) -> float:
    """Size of the weights (GB): billions of parameters times bytes per weight."""
    return total_params_b * weight_bits / 8.0


def datacenter_decode_gpu_wh_per_token(fit_j_per_token: float, fit_spread: float, decode_energy_ratio: float) -> float:
    """GPU energy (Wh) per generated token of one request: the fit's replica energy (J, H100), times the
    scenario's share of the fit's spread, times the serving accelerator's measured ratio to the H100."""
    return fit_j_per_token * fit_spread * decode_energy_ratio / SECONDS_PER_HOUR


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
