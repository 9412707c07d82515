"""The validation table of docs/methodology.md § 7.1: published scenarios, ours, EcoLogits', verdicts.

Each row is a published figure with its boundary and whether it is itself modelled, our
estimate on the same boundary (low, central, high), EcoLogits 0.11's central where it has
the model (None where not, or where EcoLogits is not installed), and a verdict. Built by
`rows()`; `tests/test_estimate_anchors.py` checks the targets; `python tests/validation_table.py`
prints the Markdown table for the docs.
"""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from frugal_ai.config import load_settings
from frugal_ai.estimate import Workload, coefficients, estimate_llm, estimate_models, formulas, serving
from frugal_ai.estimate._coefficients import decode_fit_constants
from frugal_ai.factors import data_dir, factor_set

WH = 1e-3  # kWh per Wh
ML = 1e-3  # L per mL
MLENERGY = data_dir() / "tools" / "mlenergy_v3.csv"


@dataclass(frozen=True)
class Row:
    kind: str  # text, reasoning, long context, water, local serving, GPU (ML.ENERGY), image, time-based
    scenario: str
    source: str  # sources.csv id
    boundary: str
    unit: str
    published: float
    modelled: bool  # the published figure is itself a model, not a measurement
    low: float
    central: float
    high: float
    ecologits: float | None = None
    direction: str = ""  # "below": ours must be below (a wider published boundary)

    @property
    def verdict(self) -> str:
        if self.direction == "below":
            return "below, as it must be" if self.high < self.published else "ABOVE a wider boundary"
        if self.low <= self.published <= self.high:
            return "contains"
        factor = max(self.low / self.published, self.published / self.high)
        return f"{'within 2x' if factor <= 2 else 'outside'} ({factor:.1f}x)"

    @property
    def miss(self) -> float:
        """|ln(central / published)|: 0 when the centre hits the figure."""
        return abs(math.log(self.central / self.published))

    @property
    def ecologits_miss(self) -> float | None:
        return abs(math.log(self.ecologits / self.published)) if self.ecologits else None


def _ecologits_wh(provider: str, model: str, output_tokens: int) -> float | None:
    """EcoLogits' central energy (Wh, usage, facility) of an output-only request, where it has the model."""
    try:
        from ecologits.tracers.utils import llm_impacts
    except ImportError:
        return None
    import logging

    logging.getLogger("ecologits").setLevel(logging.ERROR)  # its per-model notes are not ours to print
    found = llm_impacts(provider=provider, model_name=model, output_token_count=output_tokens, request_latency=1e6)
    if found is None or found.energy is None:
        return None
    value = found.energy.value
    low, high = (float(value.min), float(value.max)) if hasattr(value, "min") else (float(value), float(value))
    return (low + high) / 2 / WH


def _ecologits_gpu_j_per_token(total_b: float, active_b: float, batch: int) -> float | None:
    """EcoLogits' GPU energy per output token (J): its GPU count (16-bit on 80 GB) times its per-GPU fit."""
    try:
        import ecologits.impacts.llm as eco
    except ImportError:
        return None
    gpus = eco.gpu_required_count(eco.model_required_memory(total_b, eco.MODEL_QUANTIZATION_BITS), eco.GPU_MEMORY)
    per_gpu_kwh = eco.gpu_energy(active_b, 1, batch, eco.GPU_ENERGY_ALPHA, eco.GPU_ENERGY_BETA, eco.GPU_ENERGY_GAMMA)
    return gpus * per_gpu_kwh * 3.6e6


def _text(settings, label, source, model, n_in, n_out, published_wh, *, modelled, eco=None, kind="text", reasoning=None, effort=None) -> Row:  # type: ignore[no-untyped-def]
    # reasoning None: the documented default effort for reasoning models; effort: that profile
    workload = Workload(n_in, n_out, None if effort else reasoning, reasoning_effort=effort)
    fp = estimate_models([model], workload, settings=settings)[0].footprint
    e = fp.energy_kwh
    eco_wh = _ecologits_wh(*eco, n_out) if eco else None
    return Row(kind, label, source, "GPU + server + PUE (facility energy)", "Wh", published_wh, modelled, e.low / WH, e.central / WH, e.high / WH, eco_wh)


# How Hungry is AI?'s snapshot of 2025-10-26 (jegham-2025-code), short prompt (300 output tokens;
# 100 input, the paper's short prompt), Azure: median seconds to the first chunk, median output
# tokens/s, and its per-query energy (mean of its min and max, over the latency and speed percentiles).
HOW_HUNGRY_TIMED = (
    ("o3", 4.35, 236, 1.177),
    ("gpt-5", 8.0, 178, 1.968),  # reasoning effort low
    ("gpt-5-mini", 14.73, 81, 2.340),  # reasoning effort medium
    ("o4-mini", 26.74, 122, 3.649),  # reasoning effort high
)


# The same snapshot's token-free per-query figures (short prompt, 100 in / 300 out) for the small
# closed models whose size, hardware and batching are all unknown (issue 13): its set-up puts
# gpt-4o-mini on DGX A100 (4 GPUs, batch 8) and Claude 3.5 Haiku on DGX H100 (8 GPUs, batch 8).
HOW_HUNGRY_SMALL_CLOSED = (
    ("gpt-4o-mini", "text", None, 0.577),
    ("claude-3-5-haiku", "text", None, 0.975),
    ("o4-mini", "reasoning", "high", 3.649),  # the snapshot's o4-mini (high)
)


def _small_closed(settings) -> list[Row]:  # type: ignore[no-untyped-def]
    """Our token-based estimate of How Hungry is AI's figures for the small closed models."""
    return [_text(settings, f"How Hungry is AI (2025-10-26): {model}{f' ({effort} effort)' if effort else ''} short (100 in / 300 out)",
                  "jegham-2025-code", model, 100, 300, published_wh, modelled=True, kind=kind, effort=effort)
            for model, kind, effort, published_wh in HOW_HUNGRY_SMALL_CLOSED]


def _time_based(settings) -> list[Row]:  # type: ignore[no-untyped-def]
    """Our time-based estimate (docs/methodology.md § 3.10) of the paper's timed queries: same
    duration (first chunk + 300 tokens at the median speed), our serving set-up."""
    from frugal_ai.estimate.cross_check import estimate_from_latency

    out = []
    for model, first_chunk_s, tps, published_wh in HOW_HUNGRY_TIMED:
        duration = first_chunk_s + 300 / tps
        e = estimate_from_latency(model, duration, input_tokens=100, provider="openai", settings=settings).energy_kwh
        out.append(Row("time-based", f"How Hungry is AI (2025-10-26): {model}, {duration:.3g} s (100 in / 300 out)", "jegham-2025-code",
                       "GPU + non-GPU + PUE (facility energy), from the duration", "Wh", published_wh, True,
                       e.low / WH, e.central / WH, e.high / WH))
    return out


def _onsite_water(settings, label, source, model, n_in, n_out, published_ml) -> Row:  # type: ignore[no-untyped-def]
    c = coefficients(model, settings=settings)
    fp = estimate_llm(model, n_in, n_out, settings=settings)
    onsite = [fp.energy_kwh.low / c.pue[0] * c.wue_onsite_l_per_kwh[0], fp.energy_kwh.central / c.pue[1] * c.wue_onsite_l_per_kwh[1],
              fp.energy_kwh.high / c.pue[2] * c.wue_onsite_l_per_kwh[2]]
    return Row("water", label, source, "on-site water only (IT energy x WUE)", "mL", published_ml, False, *(w / ML for w in onsite))


def _ours_gpu_j_per_token(total_b: float, active_b: float, bits: float, batch: int, accelerator: str) -> tuple[float, float, float]:
    """Our GPU-only decode energy per output token (J) for a model served at `bits` on `accelerator`.

    The serving set-up is known here (the measured one), so the range is the batch's (twice
    and half the measured batch) and the fit's spread.
    """
    fs = factor_set()
    c = fs.constant
    accel = fs.hardware(accelerator)
    assert accel.decode_energy_ratio is not None
    fit = decode_fit_constants(fs)
    ratio = serving.weight_bytes_ratio(bits, float(c("serving.reference_weight_bits")))
    spread = c("decode_fit.spread")
    out = []
    for b, s in ((2 * batch, spread.low), (batch, spread.central), (batch / 2, spread.high)):
        fit_j = formulas.decode_energy_j_per_token(active_b, serving.weights_gb(total_b, bits), ratio, b, *fit)
        out.append(serving.datacenter_decode_gpu_wh_per_token(fit_j, s, accel.decode_energy_ratio) * 3600)
    return (out[0], out[1], out[2])


def _mlenergy_rows() -> list[Row]:
    """ML.ENERGY v3, GPU to GPU: energy per output token at batch 64 on H100 and B200, fewest GPUs measured."""
    best: dict[tuple[str, str, str], dict[str, str]] = {}
    with MLENERGY.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["task"] not in ("lm-arena-chat", "gpqa") or r["batch"] != "64":
                continue
            key = (r["model_id"], r["task"], r["gpu_model"])
            if key not in best or int(r["num_gpus"]) < int(best[key]["num_gpus"]):
                best[key] = r
    rows = []
    for (model_id, task, gpu), r in sorted(best.items()):
        fp8 = "fp8" in r["weight_precision"].lower() or model_id.lower().endswith("-fp8")
        bits = 4.25 if "gpt-oss" in model_id else (8.0 if fp8 else 16.0)
        total, active = float(r["total_params_b"]), float(r["active_params_b"])
        low, central, high = _ours_gpu_j_per_token(total, active, bits, 64, {"H100": "h100_sxm_80gb", "B200": "b200_180gb"}[gpu])
        eco = _ecologits_gpu_j_per_token(total, active, 64) if gpu == "H100" else None
        label = f"{model_id.split('/')[-1]}, {'chat' if task == 'lm-arena-chat' else 'reasoning (GPQA)'}, {gpu}, batch 64"
        rows.append(Row("GPU (ML.ENERGY)", label, "mlenergy-v3-data", "GPU only, per output token", "J", float(r["energy_per_token_j"]),
                        False, low, central, high, eco))
    return rows


def _mlenergy_images_b200(settings) -> list[Row]:  # type: ignore[no-untyped-def]
    """Diffusion models measured on H100 (our data) checked on B200 (not our data): the accelerator scaling."""
    names = {"black-forest-labs/FLUX.1-dev": "flux.1-dev", "stabilityai/stable-diffusion-3.5-large": "stable-diffusion-3.5-large",
             "stabilityai/stable-diffusion-3.5-medium": "stable-diffusion-3.5-medium", "Efficient-Large-Model/SANA1.5_4.8B_1024px_diffusers": "sana-1.5-4.8b",
             "PixArt-alpha/PixArt-Sigma-XL-2-1024-MS": "pixart-sigma", "Tencent-Hunyuan/HunyuanDiT-v1.2-Diffusers": "hunyuan-dit"}
    fs = factor_set()
    rows = []
    with MLENERGY.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["task"] != "text-to-image" or r["gpu_model"] != "B200" or r["num_gpus"] != "1" or r["model_id"] not in names:
                continue
            m = fs.modality(names[r["model_id"]])
            assert m.gpu_wh_per_unit is not None and m.reference_steps is not None
            b200, h100 = fs.hardware("b200_180gb"), fs.hardware("h100_sxm_80gb")
            assert b200.power_w and b200.peak_tflops_bf16 and h100.power_w and h100.peak_tflops_bf16
            ratio = serving.accelerator_compute_ratio(b200.power_w, b200.peak_tflops_bf16, h100.power_w, h100.peak_tflops_bf16)
            steps = float(r["inference_steps"]) / m.reference_steps
            g = m.gpu_wh_per_unit
            rows.append(Row("image", f"{m.id}, B200, {r['inference_steps']} steps, 1024x1024", "mlenergy-v3-data", "GPU only, per image", "Wh",
                            float(r["energy_per_image_j"]) / 3600, False, g.low * ratio * steps, g.central * ratio * steps, g.high * ratio * steps))
    return rows


def _local_batch8(settings) -> list[Row]:  # type: ignore[no-untyped-def]
    """ML.ENERGY at batch 8 on H100 against our local-serving model on an H100 at batch 8 (GPU only)."""
    fs = factor_set()
    c = fs.constant
    h100 = fs.hardware("h100_sxm_80gb")
    assert h100.memory_gb and h100.memory_bandwidth_tb_s and h100.power_w
    eff, over, util = c("local.bandwidth_efficiency"), c("local.step_overhead_s"), c("local.power_utilisation")
    rows = []
    with MLENERGY.open(newline="", encoding="utf-8") as f:
        found = {r["model_id"]: r for r in csv.DictReader(f)
                 if r["task"] == "lm-arena-chat" and r["gpu_model"] == "H100" and r["batch"] == "8" and r["weight_precision"] == "bfloat16"
                 and r["model_id"] in ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct") and r["num_gpus"] in ("1", "4")}
    for model_id, r in sorted(found.items()):
        total, active = float(r["total_params_b"]), float(r["active_params_b"])
        gpus = formulas.gpus_required(formulas.model_memory_gb(total, 16, float(c("llm.memory_overhead"))), h100.memory_gb)
        values = []
        for e, o, u in ((eff.high, over.low, util.low), (eff.central, over.central, util.central), (eff.low, over.high, util.high)):
            step = serving.local_decode_step_s(active, 16, gpus, h100.memory_bandwidth_tb_s, e, o)
            values.append(serving.local_decode_energy_wh_per_token(step, gpus, h100.power_w, u, 0.0, 8) * 3600)
        rows.append(Row("local serving", f"{model_id.split('/')[-1]}, H100, batch 8 (local model)", "mlenergy-v3-data", "GPU only, per output token",
                        "J", float(r["energy_per_token_j"]), False, *values))
    return rows


def rows() -> list[Row]:
    """Every row of the validation table (built offline from the factor base and tools/mlenergy_v3.csv)."""
    import tempfile

    settings = load_settings(start=Path(tempfile.mkdtemp()), env={})
    out = [
        _text(settings, "Epoch AI: GPT-4o, 500 output tokens", "epoch-2025", "gpt-4o", 0, 500, 0.3, modelled=True, eco=("openai", "gpt-4o")),
        _text(settings, "Epoch AI: GPT-4o, 10k input + 500 output", "epoch-2025", "gpt-4o", 10_000, 500, 2.5, modelled=True,
              eco=("openai", "gpt-4o"), kind="long context"),
        _text(settings, "Epoch AI: GPT-4o, 100k input + 500 output", "epoch-2025", "gpt-4o", 100_000, 500, 40.0, modelled=True,
              eco=("openai", "gpt-4o"), kind="long context"),
        _text(settings, "OpenAI: average ChatGPT query (as GPT-4o, 500 out)", "openai-altman-2025", "gpt-4o", 0, 500, 0.34, modelled=False,
              eco=("openai", "gpt-4o")),
        _text(settings, "Google: median Gemini Apps prompt (as 2.5 Flash, 400 in / 300 out)", "google-gemini-2025", "gemini-2.5-flash", 400, 300,
              0.24, modelled=False, eco=("google_genai", "gemini-2.5-flash"), reasoning=0),
        _text(settings, "EcoLogits blog: Mistral Large 2, 400 output", "ecologits-blog-2025", "mistral-large-2", 0, 400, 0.23, modelled=True),
        _text(settings, "How Hungry is AI: GPT-4o short (100 in / 300 out)", "jegham-2025", "gpt-4o", 100, 300, 0.42, modelled=True,
              eco=("openai", "gpt-4o")),
        _text(settings, "How Hungry is AI: Claude 3.7 Sonnet medium (1k / 1k)", "jegham-2025", "claude-3-7-sonnet", 1000, 1000, 2.8, modelled=True),
        _text(settings, "How Hungry is AI: DeepSeek-V3 medium (1k / 1k)", "jegham-2025", "deepseek-v3", 1000, 1000, 2.0, modelled=True),
        _text(settings, "How Hungry is AI: DeepSeek-R1 long (10k / 1.5k, default effort)", "jegham-2025", "deepseek-r1", 10_000, 1500, 33.0,
              modelled=True, kind="reasoning"),
        _text(settings, "How Hungry is AI: o3 long (10k / 1.5k, default effort)", "jegham-2025", "o3", 10_000, 1500, 33.0, modelled=True,
              kind="reasoning"),
        *_small_closed(settings),
        _onsite_water(settings, "OpenAI: water per average query", "openai-altman-2025", "gpt-4o", 0, 500, 0.32),
        _onsite_water(settings, "Google: on-site water per median prompt", "google-gemini-2025", "gemini-2.5-flash", 400, 300, 0.26),
    ]
    ml = estimate_llm("mistral-large-2", 0, 400, settings=settings)
    out += [
        Row("water", "EcoLogits blog: Mistral Large 2 water, usage", "ecologits-blog-2025", "usage, on- and off-site", "mL", 1.63, True,
            ml.usage.water_l.low / ML, ml.usage.water_l.central / ML, ml.usage.water_l.high / ML),
        Row("text", "EcoLogits blog: Mistral Large 2 CO2e, usage", "ecologits-blog-2025", "usage", "g", 0.013, True,
            ml.usage.co2e_kg.low * 1e3, ml.usage.co2e_kg.central * 1e3, ml.usage.co2e_kg.high * 1e3),
        Row("text", "Mistral LCA: Large 2, 400 tokens, CO2e", "mistral-lca-2025", "full life cycle (wider)", "g", 1.14, False,
            ml.co2e_kg.low * 1e3, ml.co2e_kg.central * 1e3, ml.co2e_kg.high * 1e3, direction="below"),
        Row("water", "Mistral LCA: Large 2, 400 tokens, water", "mistral-lca-2025", "full life cycle (wider)", "mL", 45.0, False,
            ml.water_l.low / ML, ml.water_l.central / ML, ml.water_l.high / ML, direction="below"),
    ]
    from frugal_ai.estimate.reasoning import reasoning_tokens_per_request

    high = reasoning_tokens_per_request("high")
    out += [
        Row("reasoning", "ML.ENERGY v3: reasoning responses, mean output tokens", "mlenergy-v3-blog", "tokens per response (high profile)",
            "tokens", 6988.0, False, *map(float, high)),
        Row("reasoning", "DeepSeek-R1-0528: tokens per AIME question", "deepseek-r1-card", "tokens per response (high profile)", "tokens",
            23000.0, False, *map(float, high)),
    ]
    c_img = factor_set().modality("stable-diffusion-xl").gpu_wh_per_unit
    assert c_img is not None
    out.append(Row("image", "Luccioni et al.: image generation, mean of models", "luccioni-2024-images", "GPU + CPU + RAM (CodeCarbon), A100",
                   "Wh", 2.907, False, c_img.low, c_img.central, c_img.high))
    out += _mlenergy_rows() + _mlenergy_images_b200(settings) + _local_batch8(settings) + _time_based(settings)
    return out


def summary(table: list[Row]) -> dict[str, float]:
    gpu = [r for r in table if r.kind == "GPU (ML.ENERGY)"]
    within = [r for r in gpu if 1 / 1.5 <= r.central / r.published <= 1.5]
    both = [r for r in table if r.ecologits is not None]
    return {
        "rows": len(table),
        "mlenergy_rows": len(gpu),
        "mlenergy_within_1_5x": len(within) / len(gpu) if gpu else 0.0,
        "median_miss_ours": statistics.median(r.miss for r in both) if both else float("nan"),
        "median_miss_ecologits": statistics.median(r.ecologits_miss for r in both if r.ecologits_miss is not None) if both else float("nan"),
        "rows_with_ecologits": len(both),
    }


def markdown(table: list[Row]) -> str:
    def n(x: float) -> str:
        return f"{x:.3g}"

    lines = ["| kind | published figure | source | boundary | modelled? | ours: central (low–high) | EcoLogits | verdict |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in table:
        eco = f"{n(r.ecologits)}" if r.ecologits is not None else "—"
        lines.append(f"| {r.kind} | {r.scenario}: {n(r.published)} {r.unit} | [{r.source}] | {r.boundary} | {'modelled' if r.modelled else 'measured / disclosed'} "
                     f"| {n(r.central)} ({n(r.low)}–{n(r.high)}) | {eco} | {r.verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    table = rows()
    print(markdown(table))
    print()
    print(summary(table))
