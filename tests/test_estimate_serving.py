"""Serving set-ups: precision and accelerator per model, and local (lightly batched) serving.

docs/methodology.md § 3.6-3.7. Published FP8 serving halves the GPUs and the weight-reading
energy; an accelerator with more memory bandwidth per watt costs less per token; local
serving at batch 1-8 costs several times a data centre's batch 32-128 per token, on the
accelerator the configuration names, and says that measuring beats estimating.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.errors import InputError
from frugal_ai.estimate import clear_caches, coefficients, estimate_llm, serving
from frugal_ai.estimate._coefficients import build_coefficients
from frugal_ai.factors import data_dir, factor_set, weight_bits_of


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load_settings(start=tmp_path_factory.mktemp("noconfig"), env={})


def _settings(tmp_path: Path, **overrides):
    return load_settings(start=tmp_path, env={}, overrides=overrides)


# --- pure functions ---------------------------------------------------------------------------


def test_a_local_decode_step_reads_the_active_weights_once() -> None:
    # 8B at 4 bits = 4 GB read at 1 TB/s, all of it usable, no overhead: 4 ms.
    assert serving.local_decode_step_s(8, 4, 1, 1.0, 1.0, 0.0) == pytest.approx(0.004)
    # Two GPUs share the reading; the overhead adds.
    assert serving.local_decode_step_s(8, 4, 2, 1.0, 1.0, 0.001) == pytest.approx(0.003)


def test_local_energy_per_token_is_the_machines_draw_shared_by_the_batch() -> None:
    # 10 ms at (1 x 300 W x 1.0 + 100 W) = 4 J per step; batch 4 -> 1 J per token.
    assert serving.local_decode_energy_wh_per_token(0.01, 1, 300, 1.0, 100, 4) * 3600 == pytest.approx(1.0)


def test_data_centre_decode_is_the_fitted_replica_energy_times_the_accelerator_ratio() -> None:
    # 3.6 J per token on H100s = 1 mWh; the B200 spends 0.88 of it; the high scenario 1.3x.
    assert serving.datacenter_decode_gpu_wh_per_token(3.6, 1.0, 1.0) == pytest.approx(0.001)
    assert serving.datacenter_decode_gpu_wh_per_token(3.6, 1.0, 0.88) == pytest.approx(0.00088)
    assert serving.datacenter_decode_gpu_wh_per_token(3.6, 1.3, 1.0) == pytest.approx(0.0013)


def test_the_decode_fit_counts_the_replica_once() -> None:
    # The refit (tools/fit_decode_energy.py): energy grows sub-linearly with the model, never as
    # GPU count x a per-GPU energy that itself grows with the model (the old fit's 405B: 13.7 J).
    from frugal_ai.estimate import formulas
    from frugal_ai.estimate._coefficients import decode_fit_constants

    fit = decode_fit_constants(factor_set())
    small = formulas.decode_energy_j_per_token(8, 16, 1.0, 64, *fit)
    large = formulas.decode_energy_j_per_token(405, 810, 1.0, 64, *fit)
    assert 0.08 < small < 0.18  # ML.ENERGY v3 Llama-3.1-8B, H100, batch 64: 0.119 J
    assert 2.5 < large < 6.5  # ML.ENERGY v3 Llama-3.1-405B BF16, B200 4.08 J / 0.88
    # Batch 8 costs several times batch 64 (ML.ENERGY: 3.8x to 4.7x).
    assert 3 < formulas.decode_energy_j_per_token(8, 16, 1.0, 8, *fit) / small < 6


@pytest.mark.parametrize(
    ("name", "bits"),
    [("llama3.1:8b-instruct-q4_K_M", 4.85), ("qwen3:8b-q8_0", 8.5), ("llama3.1:8b-instruct-fp16", 16.0),
     ("meta-llama/Llama-3.1-405B-Instruct-FP8", 8.0), ("gpt-4o", None), ("llama3.1:8b", None)],
)
def test_the_precision_a_name_states(name: str, bits: float | None) -> None:
    assert weight_bits_of(name) == bits


# --- data-centre serving --------------------------------------------------------------------


def test_published_fp8_serving_halves_the_gpus_and_lowers_the_energy(plain) -> None:
    fp8 = coefficients("llama-3.1-405b", settings=plain)
    bf16 = coefficients("meta-llama/Llama-3.1-405B-Instruct-FP16", settings=plain)
    assert factor_set().model("llama-3.1-405b").weight_bits == 8
    assert (fp8.gpus[1], bf16.gpus[1]) == (8, 16)
    # Half the GPUs and half the bytes: ML.ENERGY v3 measured BF16 at 1.4-1.6x FP8 (405B, 235B).
    assert 1.3 * fp8.it_kwh_per_generated_token[1] < bf16.it_kwh_per_generated_token[1] < 2.5 * fp8.it_kwh_per_generated_token[1]
    # Some hosts serve it in BF16: the high bound keeps that case.
    assert fp8.it_kwh_per_generated_token[2] == pytest.approx(bf16.it_kwh_per_generated_token[2])


def test_deepseek_is_served_in_fp8_on_h800(plain) -> None:
    r1 = factor_set().model("deepseek-r1")
    assert (r1.weight_bits, r1.accelerator) == (8, "h800_sxm_80gb")
    assert coefficients("deepseek-r1", settings=plain).gpus == (16, 16, 16)


def _copy_with(tmp_path: Path, model_id: str, **cells: str) -> Path:
    target = tmp_path / "factors"
    shutil.copytree(data_dir(), target)
    path = target / "models.csv"
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    for row in rows:
        if row["id"] == model_id:
            row.update(cells)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_a_newer_accelerator_needs_fewer_gpus_and_less_energy_per_token(tmp_path: Path) -> None:
    fs = factor_set(_copy_with(tmp_path, "llama-3.1-70b", accelerator="b200_180gb"))
    on_b200 = build_coefficients(fs, fs.model("llama-3.1-70b"), None, None)
    on_h100 = build_coefficients(factor_set(), factor_set().model("llama-3.1-70b"), None, None)
    assert on_b200.gpus[1] < on_h100.gpus[1]
    # GPU energy per token follows the measured B200/H100 ratio (0.88), not the GPU count: one B200
    # holding the model spends about what four H100s do (ML.ENERGY v3); the rest of the server is
    # shared by one card instead of four, so the IT energy falls further, but not to a quarter.
    ratio = on_b200.it_kwh_per_generated_token[1] / on_h100.it_kwh_per_generated_token[1]
    assert 0.5 < ratio < 0.88


def test_an_unknown_accelerator_in_the_catalogue_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="accelerator 'tpu_v9' is not a hardware.csv key"):
        factor_set(_copy_with(tmp_path, "gpt-4o", accelerator="tpu_v9"))


def test_unknown_serving_keeps_the_default_central_and_a_lower_low(plain) -> None:
    # gpt-4o's precision and hardware are not published: central as before (16 bits on H100);
    # the low scenario's FP8 weights now also read fewer bytes per token.
    c = coefficients("gpt-4o", settings=plain)
    assert c.gpus == (8, 16, 16)
    assert c.it_kwh_per_generated_token[0] < c.it_kwh_per_generated_token[1] < c.it_kwh_per_generated_token[2]


# --- local serving --------------------------------------------------------------------------


def test_local_serving_at_batch_1_to_8_costs_several_times_a_data_centre_per_token(plain) -> None:
    local = coefficients("llama-3.1-8b", "local", settings=plain)
    hosted = coefficients("llama-3.1-8b", settings=plain)
    # ML.ENERGY v3 measured 3.8x (8B) more energy per token at batch 8 than at 64.
    assert local.it_kwh_per_generated_token[1] > 3 * hosted.it_kwh_per_generated_token[1]
    # The batch alone spans 1 to 8; the range must say so.
    assert local.it_kwh_per_generated_token[2] > 8 * local.it_kwh_per_generated_token[0]


def test_local_serving_says_measurement_is_the_better_number(plain) -> None:
    fp = estimate_llm("llama3.1:8b", 200, 300, provider="ollama", settings=plain)
    assert any("frugal-ai run" in w and "track" in w for w in fp.warnings)
    hosted = estimate_llm("llama-3.1-8b", 200, 300, settings=plain)
    assert not any("frugal-ai run" in w for w in hosted.warnings)


def test_the_local_accelerator_comes_from_the_configuration(tmp_path: Path) -> None:
    clear_caches()
    default = coefficients("llama-3.1-8b", "local", settings=_settings(tmp_path))
    workstation = coefficients("llama-3.1-8b", "local", settings=_settings(tmp_path, accelerator="rtx_4090_24gb"))
    assert factor_set().choice("local_accelerator") == "l40s_48gb"
    assert workstation.it_kwh_per_generated_token[1] != default.it_kwh_per_generated_token[1]
    # The accelerator's memory sizes the machine: a 70B model in BF16 takes four 48 GB L40S, one B200.
    big_default = coefficients("llama3.1:70b-instruct-fp16", "local", settings=_settings(tmp_path))
    big_b200 = coefficients("llama3.1:70b-instruct-fp16", "local", settings=_settings(tmp_path, accelerator="b200_180gb"))
    assert (big_default.gpus[1], big_b200.gpus[1]) == (4, 1)
    with pytest.raises(InputError, match="unknown accelerator 'tpu_v9'"):
        coefficients("llama-3.1-8b", "local", settings=_settings(tmp_path, accelerator="tpu_v9"))
    clear_caches()


def test_a_quantised_local_tag_costs_less_than_its_16_bit_tag(plain) -> None:
    q4 = coefficients("llama3.1:8b-instruct-q4_K_M", "local", settings=plain)
    fp16 = coefficients("llama3.1:8b-instruct-fp16", "local", settings=plain)
    assert q4.it_kwh_per_generated_token[1] < fp16.it_kwh_per_generated_token[1]
    # The name states the precision: the range no longer spans 4.85 to 16 bits.
    untagged = coefficients("llama3.1:8b", "local", settings=plain)
    assert q4.it_kwh_per_generated_token[2] < untagged.it_kwh_per_generated_token[2]


def test_local_ranges_are_ordered_for_every_open_model(plain) -> None:
    for m in factor_set().models():
        if m.host != "default":
            continue
        fp = estimate_llm(m.id, 1000, 300, provider="local", settings=plain)
        for r in (fp.energy_kwh, fp.co2e_kg, fp.water_l, fp.embodied.co2e_kg):
            assert 0 < r.low <= r.central <= r.high, m.id
