"""Validation against published figures (reference/anchors.md; docs/methodology.md § Validation).

Where the published boundary matches ours, the estimated range must contain the figure or
sit within a factor 2 of it. Where it does not (a full life-cycle assessment), the test
pins the direction of the gap that the methodology page explains.
"""

from __future__ import annotations

import pytest

from frugal_ai.config import load_settings
from frugal_ai.estimate import coefficients, estimate_llm, formulas
from frugal_ai.factors import factor_set

WH = 1e-3  # kWh per Wh
ML = 1e-3  # L per mL


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load_settings(start=tmp_path_factory.mktemp("noconfig"), env={})


def within_2x(figure: float, low: float, high: float) -> bool:
    """The range [low, high] contains `figure`, or misses it by at most a factor 2."""
    return low / 2 <= figure <= high * 2


# (label, model, input tokens, output tokens, published Wh per request, source id)
ENERGY_ANCHORS = [
    ("Epoch AI, GPT-4o, 500 output tokens", "gpt-4o", 0, 500, 0.3, "epoch-2025"),
    ("Epoch AI, GPT-4o, 10k input + 500 output", "gpt-4o", 10_000, 500, 2.5, "epoch-2025"),
    ("Epoch AI, GPT-4o, 100k input + 500 output", "gpt-4o", 100_000, 500, 40.0, "epoch-2025"),
    ("OpenAI, average ChatGPT query (taken as GPT-4o, 500 output)", "gpt-4o", 0, 500, 0.34, "openai-altman-2025"),
    ("Google, median Gemini Apps prompt (taken as 2.5 Flash, 400 in / 300 out)", "gemini-2.5-flash", 400, 300, 0.24, "google-gemini-2025"),
    ("EcoLogits, Mistral Large 2, 400 output tokens", "mistral-large-2", 0, 400, 0.23, "ecologits-blog-2025"),
]


@pytest.mark.parametrize(("label", "model", "input_tokens", "output_tokens", "published_wh", "source"), ENERGY_ANCHORS, ids=[a[0] for a in ENERGY_ANCHORS])
def test_energy_per_request_matches_published_figures(plain, label, model, input_tokens, output_tokens, published_wh, source) -> None:
    factor_set().source(source)  # the figure is cited in the factor base
    fp = estimate_llm(model, input_tokens, output_tokens, settings=plain)
    low, high = fp.energy_kwh.low / WH, fp.energy_kwh.high / WH
    assert within_2x(published_wh, low, high), f"{label}: published {published_wh} Wh, estimated {low:.3g}-{high:.3g} Wh"


def test_onsite_water_matches_openai_and_google(plain) -> None:
    # Both companies count on-site (data-centre) water only: compare IT energy x WUE.
    for model, inp, out, published_ml in [("gpt-4o", 0, 500, 0.32), ("gemini-2.5-flash", 400, 300, 0.26)]:
        c = coefficients(model, settings=plain)
        fp = estimate_llm(model, inp, out, settings=plain)
        onsite_low = fp.energy_kwh.low / c.pue[0] * c.wue_onsite_l_per_kwh[0] / ML
        onsite_high = fp.energy_kwh.high / c.pue[2] * c.wue_onsite_l_per_kwh[2] / ML
        assert within_2x(published_ml, onsite_low, onsite_high), (model, onsite_low, onsite_high)


def test_ecologits_mistral_large_2_usage_water_and_carbon(plain) -> None:
    fp = estimate_llm("mistral-large-2", 0, 400, settings=plain)
    assert within_2x(1.63, fp.usage.water_l.low / ML, fp.usage.water_l.high / ML)
    assert within_2x(0.013, fp.usage.co2e_kg.low * 1000, fp.usage.co2e_kg.high * 1000)


def test_mlenergy_gpu_energy_per_token_of_llama_8b() -> None:
    # ML.ENERGY v3: Llama-3.1-8B, one H100, batch 64: 0.12 J per output token, GPU only.
    from frugal_ai.estimate._coefficients import decode_fit_constants

    fs = factor_set()
    active = fs.model("llama-3.1-8b").active_params_b.central
    joules = formulas.decode_energy_j_per_token(active, active * 16 / 8, 1.0, 64, *decode_fit_constants(fs))
    assert within_2x(0.12, joules, joules)


def test_full_life_cycle_figure_is_above_our_narrower_boundary(plain) -> None:
    # Mistral's LCA (1.14 gCO2e, 45 mL per 400-token response) adds training, network and
    # end-user devices, which are outside our boundary: ours must come out lower.
    fp = estimate_llm("mistral-large-2", 0, 400, settings=plain)
    assert fp.co2e_kg.high * 1000 < 1.14
    assert fp.water_l.high / ML < 45


# --- the validation table (docs/methodology.md § 7.1; tests/validation_table.py builds it) ------


@pytest.fixture(scope="module")
def table():
    from validation_table import rows

    return rows()


def test_the_table_covers_30_published_scenarios_across_kinds(table) -> None:
    assert len(table) >= 30
    kinds = {r.kind for r in table}
    assert {"text", "reasoning", "long context", "water", "local serving", "image", "GPU (ML.ENERGY)"} <= kinds
    for r in table:
        factor_set().source(r.source)  # every figure is cited in the factor base
        assert r.low <= r.central <= r.high, r.scenario


def test_every_provider_disclosure_is_inside_our_range(table) -> None:
    disclosures = [r for r in table if r.source in ("openai-altman-2025", "google-gemini-2025")]
    assert len(disclosures) == 4
    for r in disclosures:
        assert r.verdict == "contains", (r.scenario, r.published, r.low, r.high)


def test_a_wider_published_boundary_stays_above_ours(table) -> None:
    for r in (r for r in table if r.direction == "below"):
        assert r.high < r.published, r.scenario


def test_mlenergy_gpu_figures_at_the_centre(table) -> None:
    # Target of the method review: 80 % within 1.5x at the centre, GPU to GPU. The decode fit on
    # these data (tools/fit_decode_energy.py) reaches it on H100 (in sample) and on B200 (scaled
    # by the measured 0.88); every row stays within 2.5x.
    gpu = [r for r in table if r.kind == "GPU (ML.ENERGY)"]
    assert len(gpu) >= 50
    ratios = [r.central / r.published for r in gpu]
    within = sum(1 / 1.5 <= q <= 1.5 for q in ratios) / len(ratios)
    assert within >= 0.8
    assert all(1 / 2.5 <= q <= 2.5 for q in ratios)
    h100 = [r.central / r.published for r in gpu if "H100" in r.scenario]
    assert sum(1 / 1.5 <= q <= 1.5 for q in h100) / len(h100) >= 0.8


def test_images_and_local_serving_rows_contain_the_measurements(table) -> None:
    for r in table:
        if r.kind in ("image", "local serving") and r.source == "mlenergy-v3-data":
            assert r.verdict == "contains", (r.scenario, r.published, r.low, r.high)


def test_our_median_miss_is_lower_than_ecologits_on_the_same_rows(table) -> None:
    pytest.importorskip("ecologits")
    from validation_table import summary

    s = summary(table)
    assert s["rows_with_ecologits"] >= 20
    assert s["median_miss_ours"] < s["median_miss_ecologits"]
