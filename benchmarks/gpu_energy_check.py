"""Accuracy where a meter exists: the GPU energy frugal-ai attributes to a tracked call,
against the NVML total-energy counter read around the same call.

    python benchmarks/gpu_energy_check.py            # about a minute, on a machine with an NVIDIA GPU

Needs PyTorch with CUDA (the GPU workload: bf16 matrix products) and nvidia-ml-py (pynvml,
a codecarbon dependency). Without them it says so and exits 2: there is no CUDA-free way to
load a GPU from Python here.

For each duration (0.5, 1, 2 and 5 s by default) it runs one tracked call that keeps the
GPU busy, reads `nvmlDeviceGetTotalEnergyConsumption` (mJ, summed over the GPUs codecarbon
tracks) just before entering and just after leaving `frugal_ai.track`, and prints both
energies and their difference. Target: within ±5 %.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--durations", default="0.5,1,2,5", help="seconds of GPU work per tracked call")
    parser.add_argument("--interval", default="1.0", help="frugal-ai measure_interval_s (seconds)")
    parser.add_argument("--size", type=int, default=8192, help="matrix size")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("gpu_energy_check: needs PyTorch (pip install torch) to load the GPU", file=sys.stderr)
        return 2
    try:
        import pynvml
    except ImportError:
        print("gpu_energy_check: needs nvidia-ml-py (pip install nvidia-ml-py)", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("gpu_energy_check: no CUDA GPU visible to PyTorch", file=sys.stderr)
        return 2

    os.environ["FRUGAL_AI_LEDGER"] = os.path.join(tempfile.mkdtemp(prefix="frugal-gpu-"), "ledger.sqlite")
    os.environ["FRUGAL_AI_MEASURE_INTERVAL_S"] = args.interval
    import frugal_ai
    from frugal_ai.measure import settle
    from frugal_ai.measure.meter import meter
    from frugal_ai.measure.track import _current_settings

    t0 = time.perf_counter()
    m = meter()
    m.ensure_started(_current_settings())
    if not m.wait_ready(120):
        print(f"gpu_energy_check: the tracker did not start (state {m.state})", file=sys.stderr)
        return 1
    print(f"tracker ready in {time.perf_counter() - t0:.1f} s, method {m.method}, interval {args.interval} s")
    if "nvml" not in m.method:
        print("gpu_energy_check: codecarbon does not measure the GPU with NVML here", file=sys.stderr)
        return 1

    pynvml.nvmlInit()
    handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    names = [pynvml.nvmlDeviceGetName(h) for h in handles]
    print("GPUs:", ", ".join(n.decode() if isinstance(n, bytes) else str(n) for n in names))

    def nvml_mj() -> int:
        return sum(pynvml.nvmlDeviceGetTotalEnergyConsumption(h) for h in handles)

    a = torch.randn(args.size, args.size, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(args.size, args.size, device="cuda", dtype=torch.bfloat16)
    torch.cuda.synchronize()

    def busy(seconds: float) -> int:
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            for _ in range(4):
                a @ b
            torch.cuda.synchronize()
            n += 4
        return n

    busy(1.0)  # warm-up: clocks up, kernels chosen
    time.sleep(1.5)  # back to idle, so each call starts from idle like a real one

    rows = []
    worst = 0.0
    for seconds in [float(x) for x in args.durations.split(",")]:
        e0 = nvml_mj()
        with frugal_ai.track(f"gpu-{seconds}s", capture_api=False) as frame:
            products = busy(seconds)
        e1 = nvml_mj()
        settle()
        rec = frame.span.record
        nvml_kwh = (e1 - e0) / 3.6e9  # mJ -> kWh
        diff = (rec.gpu_kwh - nvml_kwh) / nvml_kwh * 100 if nvml_kwh > 0 else float("nan")
        worst = max(worst, abs(diff))
        duration = rec.end - rec.start
        rows.append((seconds, duration, products, nvml_kwh * 3.6e6, rec.gpu_kwh * 3.6e6, diff, rec.coverage))
        time.sleep(1.5)

    print(f"{'target s':>8} {'run s':>7} {'matmuls':>8} {'NVML J':>10} {'frugal-ai J':>12} {'diff %':>8} {'coverage':>8}")
    for seconds, duration, products, nvml_j, ours_j, diff, coverage in rows:
        print(f"{seconds:8.2f} {duration:7.3f} {products:8d} {nvml_j:10.1f} {ours_j:12.1f} {diff:+8.2f} {coverage:8.2f}")
    print(f"worst |difference|: {worst:.2f} % (target <= 5 %)")
    return 0 if worst <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
