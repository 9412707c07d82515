"""The second estimator: a request's energy from how long it took (docs/methodology.md § 3.10).

The method of "How Hungry is AI?" (Jegham et al. 2025): while a request is served it holds
its share of the serving node, so its energy is its duration times the power the model's
replica draws, shared by the requests served at once:

    E_request = duration_s × (G × P_gpu × D_gpu + G / N × P_non_gpu × D_non_gpu) / B

with G the replica's accelerators, N the accelerators per node, D the fraction of rated
power drawn, B the batch. PUE, carbon and water then apply as for the token method. Pure
functions with units in their names; every coefficient is an argument read from
`data/emission_factors/` (constants.toml `time.*`, hardware.csv, the serving set-up).

It needs no token count, so it sees what tokens miss (hidden reasoning a provider did not
report; slow, lightly batched serving) and is blind to what they see (a call that waited
in a queue or on the network looks long). The two are compared per group of calls by
`disagreement_ratio`; `estimate.cross_check` joins them.
"""

from __future__ import annotations

import math

SECONDS_PER_HOUR = 3600.0
WH_PER_KWH = 1000.0
J_PER_KWH = 3.6e6


def replica_power_w(
    gpus: int,
    gpu_power_w: float,
    gpu_power_utilisation: float,
    gpus_per_node: int,
    node_non_gpu_power_w: float,
    non_gpu_power_utilisation: float,
) -> float:
    """Power (W) a model replica draws while serving: its accelerators at a fraction of their
    rated power, plus its share (G / N nodes) of the node's non-GPU peak at a fraction of it."""
    return gpus * gpu_power_w * gpu_power_utilisation + gpus / gpus_per_node * node_non_gpu_power_w * non_gpu_power_utilisation


def local_machine_power_w(gpus: int, gpu_power_w: float, power_utilisation: float, host_power_w: float) -> float:
    """Power (W) your own machine draws while serving: its accelerators at a fraction of their
    rated power, plus the rest of the machine (local serving, docs/methodology.md § 3.7)."""
    return gpus * gpu_power_w * power_utilisation + host_power_w


def request_it_energy_kwh(duration_s: float, replica_power_w: float, batch_size: float) -> float:
    """IT energy (kWh) of a request: its duration at the replica's power, shared by the batch."""
    return duration_s * replica_power_w / batch_size / J_PER_KWH


def request_gpu_seconds(duration_s: float, gpus: int, batch_size: float) -> float:
    """Accelerator time (GPU-seconds) a request occupies: the replica's GPUs for its duration, shared by the batch."""
    return duration_s * gpus / batch_size


def disagreement_ratio(time_based: float, token_based: float) -> float:
    """How far the time-based central is from the token-based one: time / token (>1: the calls
    took longer than their tokens explain). inf when only time counts, 1.0 when neither does."""
    if token_based > 0:
        return time_based / token_based
    return math.inf if time_based > 0 else 1.0


def disagrees(ratio: float, factor: float) -> bool:
    """Whether two estimates differ by more than `factor` either way (ratio from `disagreement_ratio`)."""
    return ratio > factor or ratio * factor < 1.0
