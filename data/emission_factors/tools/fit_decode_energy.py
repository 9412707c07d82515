"""Fit the decode energy of data-centre LLM serving on ML.ENERGY v3 (constants.toml `decode_fit.*`).

Input: mlenergy_v3.csv beside this script (extract_mlenergy_v3.py writes it).
Rows: LLM chat and reasoning on H100 (the fit's accelerator; other accelerators are scaled by
hardware.csv decode_energy_ratio), batches 8 to 512, and for each (model, task, batch) the
fewest GPUs measured: the replica the estimator sizes from memory.

The fitted quantity is the whole replica's GPU energy per output token of one request, so the
GPU count is inside the fit, never multiplied by a per-GPU figure afterwards:

    ln E_J = c0 + a ln(P_active) + m ln(M_weights_GB) + q ln(bits / 16) + (k + k2 ln B) ln B

with M_weights_GB = P_total x bits / 8. Ordinary least squares, pure Python.
Prints the coefficients as a constants.toml block, the fit's spread (RMS of the residuals in
ln), and how many batch-64 rows it puts within 1.5x in sample and leaving each model family out.

Run: python data/emission_factors/tools/fit_decode_energy.py
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

DATA = Path(__file__).with_name("mlenergy_v3.csv")
FIT_GPU = "H100"
BATCH_RANGE = (8, 512)
NAMES = ["log_coef_j", "active_exponent", "weights_exponent", "bits_exponent", "batch_exponent", "batch_log_curvature"]


def weight_bits(row: dict[str, str]) -> float:
    """Bits per weight of a measured configuration (MXFP4 4.25, FP8 8, else 16)."""
    precision, name = row["weight_precision"].lower(), row["model_id"].lower()
    if precision == "mxfp4":
        return 4.25
    return 8.0 if precision == "fp8" or name.endswith("-fp8") else 16.0


def features(active_b: float, total_b: float, bits: float, batch: float) -> list[float]:
    log_b = math.log(batch)
    return [1.0, math.log(active_b), math.log(total_b * bits / 8.0), math.log(bits / 16.0), log_b, log_b * log_b]


def fewest_gpus(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    best: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for r in rows:
        key = (r["model_id"], r["task"], r["gpu_model"], r["batch"])
        if key not in best or int(r["num_gpus"]) < int(best[key]["num_gpus"]):
            best[key] = r
    return list(best.values())


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the normal equations are 6 x 6)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def least_squares(x: list[list[float]], y: list[float]) -> list[float]:
    k = len(x[0])
    xtx = [[sum(row[i] * row[j] for row in x) for j in range(k)] for i in range(k)]
    xty = [sum(row[i] * t for row, t in zip(x, y)) for i in range(k)]
    return solve(xtx, xty)


def predict_j(coef: list[float], row: dict[str, str], batch: float) -> float:
    f = features(float(row["active_params_b"]), float(row["total_params_b"]), weight_bits(row), batch)
    return math.exp(sum(c * v for c, v in zip(coef, f)))


def training_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if r["gpu_model"] == FIT_GPU and BATCH_RANGE[0] <= int(r["batch"]) <= BATCH_RANGE[1]]


def fit(rows: list[dict[str, str]]) -> list[float]:
    x = [features(float(r["active_params_b"]), float(r["total_params_b"]), weight_bits(r), float(r["batch"])) for r in rows]
    y = [math.log(float(r["energy_per_token_j"])) for r in rows]
    return least_squares(x, y)


def family(model_id: str) -> str:
    """The model without its precision or variant suffix (FP8 and BF16 builds leave together)."""
    name = model_id.split("/")[-1].lower().replace("-fp8", "")
    for suffix in ("-instruct-2507", "-thinking-2507", "-instruct", "-it"):
        name = name.replace(suffix, "")
    return name


def main() -> None:
    with DATA.open(newline="", encoding="utf-8") as f:
        llm = fewest_gpus([r for r in csv.DictReader(f) if r["task"] in ("lm-arena-chat", "gpqa")])
    train = training_rows(llm)
    coef = fit(train)
    residuals = [math.log(float(r["energy_per_token_j"]) / predict_j(coef, r, float(r["batch"]))) for r in train]
    rms = math.sqrt(sum(e * e for e in residuals) / len(residuals))
    checks = [r for r in llm if r["gpu_model"] == FIT_GPU and r["batch"] == "64"]
    within = sum(1 / 1.5 <= predict_j(coef, r, 64) / float(r["energy_per_token_j"]) <= 1.5 for r in checks)
    held_out = 0
    for r in checks:
        others = fit([t for t in train if family(t["model_id"]) != family(r["model_id"])])
        held_out += 1 / 1.5 <= predict_j(others, r, 64) / float(r["energy_per_token_j"]) <= 1.5
    print(f"# {len(train)} rows ({FIT_GPU}, batch {BATCH_RANGE[0]}-{BATCH_RANGE[1]}, fewest GPUs); RMS residual {rms:.3f} in ln "
          f"(x{math.exp(rms):.2f}); {FIT_GPU} batch-64 rows within 1.5x: {within}/{len(checks)} in sample, "
          f"{held_out}/{len(checks)} leaving the model family out")
    for name, value in zip(NAMES, coef):
        print(f"[decode_fit.{name}]\nvalue = {value:.6g}\n")
    print(f"[decode_fit.spread]\nvalue = {math.exp(rms):.3f}")


if __name__ == "__main__":
    main()
