"""Cross-check against EcoLogits itself, for output-token-only requests.

EcoLogits is a test-only extra: this module is skipped where it is not installed. Since factor
set 2026.12.6 our decode energy is our own fit on ML.ENERGY v3 (docs/methodology.md § 3.2), no
longer EcoLogits' per-GPU fit times the GPU count, so the centres differ: for models up to a few
hundred billion parameters ours must stay within 1.6x of EcoLogits' midpoint and our range must
contain EcoLogits' range; for the largest (gemini-2.5-pro, which EcoLogits sizes on many GPUs) the
GPU count over-count the refit removes puts ours below EcoLogits' low bound.
"""

from __future__ import annotations

import pytest

ecologits_utils = pytest.importorskip("ecologits.tracers.utils")

from frugal_ai.config import load_settings  # noqa: E402
from frugal_ai.estimate import estimate_llm  # noqa: E402

# (EcoLogits provider, EcoLogits model name, our catalogue name)
PAIRS = [
    ("openai", "gpt-4o", "gpt-4o"),
    ("openai", "gpt-4o-mini", "gpt-4o-mini"),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("mistralai", "mistral-large-2512", "mistral-large-3"),
    ("cohere", "command-r-plus-08-2024", "command-r-plus"),
]
LARGEST = [("google_genai", "gemini-2.5-pro", "gemini-2.5-pro")]


def _bounds(value) -> tuple[float, float]:
    if hasattr(value, "min"):
        return float(value.min), float(value.max)
    return float(value), float(value)


def _both(tmp_path, eco_provider: str, eco_model: str, ours: str):  # type: ignore[no-untyped-def]
    """EcoLogits' energy range (kWh) and our footprint for 400 output tokens."""
    settings = load_settings(start=tmp_path, env={})
    theirs = ecologits_utils.llm_impacts(
        provider=eco_provider, model_name=eco_model, output_token_count=400, request_latency=1e6
    )
    low, high = _bounds(theirs.energy.value)
    return low, high, estimate_llm(ours, output_tokens=400, settings=settings)


@pytest.mark.parametrize(("eco_provider", "eco_model", "ours"), PAIRS)
def test_energy_agrees_with_ecologits(tmp_path, eco_provider: str, eco_model: str, ours: str) -> None:
    low, high, fp = _both(tmp_path, eco_provider, eco_model, ours)
    assert 1 / 1.6 <= fp.energy_kwh.central / ((low + high) / 2) <= 1.6
    assert fp.energy_kwh.low <= low and high <= fp.energy_kwh.high


@pytest.mark.parametrize(("eco_provider", "eco_model", "ours"), LARGEST)
def test_the_largest_models_sit_below_ecologits_gpu_count_over_count(tmp_path, eco_provider: str, eco_model: str, ours: str) -> None:
    low, _, fp = _both(tmp_path, eco_provider, eco_model, ours)
    assert fp.energy_kwh.central < low


def test_every_api_model_of_ecologits_resolves_in_our_catalogue() -> None:
    # The catalogue follows EcoLogits' API names (its Hugging Face Hub entries are not API models).
    import json
    from pathlib import Path

    import ecologits

    from frugal_ai.factors import factor_set

    data = json.loads((Path(ecologits.__file__).parent / "data" / "models.json").read_text(encoding="utf-8"))
    names = [m["name"] for m in data["models"] if m["provider"] != "huggingface_hub"]
    assert len(names) > 100
    fs = factor_set()
    unresolved = []
    for name in names:
        try:
            fs.model(name)
        except Exception:
            unresolved.append(name)
    assert unresolved == []
