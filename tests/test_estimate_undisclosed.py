"""Models whose size and serving set-up are not published: their range spans light batching.

docs/methodology.md § 4.1. A closed model (models.csv `params_estimated` = true) is served in a
set-up nobody discloses: its high scenario takes `undisclosed.batch_size`'s low (batch 8, How
Hungry is AI's assumption); a model whose parameters are published keeps `llm.batch_size`.
The central scenario is the same for both. Each test compares the real factor base with a copy
that differs in one cell, so that only the rule under test can explain the difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.estimate import estimate_llm
from frugal_ai.estimate._coefficients import Coefficients, build_coefficients
from frugal_ai.factors import FactorSet, factor_set
from test_estimate_serving import _copy_with

# Per-token and per-second coefficients that the batch enters.
BATCHED = ("it_kwh_per_generated_token", "embodied_kg_per_generated_token", "it_kwh_per_request_second", "embodied_kg_per_request_second")


def _copy(tmp_path: Path, *, undisclosed_low: float | None = None, model: str = "", **cells: str) -> FactorSet:
    """The factor base with `undisclosed.batch_size`'s low and/or one models.csv row changed."""
    target = _copy_with(tmp_path, model, **cells)
    if undisclosed_low is not None:
        path = target / "constants.toml"
        text, n = re.subn(r"(\[undisclosed\.batch_size\]\nlow = )\d+", rf"\g<1>{undisclosed_low:g}", path.read_text(encoding="utf-8"))
        assert n == 1
        path.write_text(text, encoding="utf-8")
    return factor_set(target)


def _coefficients(fs: FactorSet, model: str, provider: str | None = None) -> Coefficients:
    return build_coefficients(fs, fs.model(model), provider, None)


def test_the_catalogue_says_which_sizes_are_estimated_and_why() -> None:
    # The disclosure flag is models.csv params_estimated; each estimated row says where its range
    # comes from (EcoLogits' estimate or our stated assumption) in its sources and note.
    fs = factor_set()
    closed = [m for m in fs.models() if m.params_estimated]
    assert {"gpt-4o-mini", "o4-mini", "claude-3-5-haiku", "gpt-4o"} <= {m.id for m in closed}
    assert not fs.model("llama-3.1-8b").params_estimated and not fs.model("mistral-large-2").params_estimated
    for m in closed:
        assert m.note and ({"ecologits-models", "frugal-ai-assumption"} & set(m.sources)), m.id
        assert m.weight_bits is None, f"{m.id}: a published serving precision would need its size published too"
    c = fs.constant("undisclosed.batch_size")
    assert c.sources and c.central == fs.constant("llm.batch_size").central


def test_a_closed_small_model_spans_light_batching_at_the_high_end_only(tmp_path: Path) -> None:
    # Batch 32 (llm.batch_size's low) instead of 8 at the high end: what the range was before.
    before = _coefficients(_copy(tmp_path, undisclosed_low=32), "gpt-4o-mini")
    now = _coefficients(factor_set(), "gpt-4o-mini")
    for name in BATCHED:
        b, n = getattr(before, name), getattr(now, name)
        assert n[0] == b[0] and n[1] == b[1], name  # low and centre unchanged
        assert n[2] > 2 * b[2], name  # batch 8 instead of 32: the decode fit gives about 2.5x
    assert now.gpus == before.gpus
    assert any("serving set-up of gpt-4o-mini" in w and "8" in w for w in now.warnings)


def test_a_disclosed_open_model_does_not_widen(tmp_path: Path) -> None:
    # However small the undisclosed batch, a model whose parameters are published keeps its range.
    for model in ("llama-3.1-8b", "mistral-large-2"):
        moved = _coefficients(_copy(tmp_path / model, undisclosed_low=1), model)
        now = _coefficients(factor_set(), model)
        for name in BATCHED:
            assert getattr(moved, name) == getattr(now, name), (model, name)
        assert not any("serving set-up" in w for w in now.warnings)


def test_the_rule_follows_the_catalogue_flag_not_the_name(tmp_path: Path) -> None:
    disclosed = _coefficients(_copy(tmp_path / "a", model="gpt-4o-mini", params_estimated="false"), "gpt-4o-mini")
    flagged = _coefficients(_copy(tmp_path / "b", model="llama-3.1-8b", params_estimated="true"), "llama-3.1-8b")
    closed, open_ = _coefficients(factor_set(), "gpt-4o-mini"), _coefficients(factor_set(), "llama-3.1-8b")
    g = "it_kwh_per_generated_token"
    assert getattr(disclosed, g)[1] == getattr(closed, g)[1] and getattr(disclosed, g)[2] < getattr(closed, g)[2] / 2
    assert getattr(flagged, g)[1] == getattr(open_, g)[1] and getattr(flagged, g)[2] > 2 * getattr(open_, g)[2]


def test_serving_a_closed_model_locally_keeps_the_local_batch(tmp_path: Path) -> None:
    # `--provider local` prices your own machine's batch 1-8 (local.batch_size), whatever the model.
    moved = _coefficients(_copy(tmp_path, undisclosed_low=1), "gpt-4o-mini", "local")
    now = _coefficients(factor_set(), "gpt-4o-mini", "local")
    assert moved.it_kwh_per_generated_token == now.it_kwh_per_generated_token


def test_estimates_keep_their_centre_and_widen_their_high(tmp_path: Path) -> None:
    settings = load_settings(start=tmp_path, env={})
    fp = estimate_llm("claude-3-5-haiku", 100, 300, settings=settings)
    open_ = estimate_llm("llama-3.1-8b", 100, 300, settings=settings)
    e, o = fp.energy_kwh, open_.energy_kwh
    assert e.low <= e.central <= e.high and o.low <= o.central <= o.high
    # Unknown size, precision and batch: wider than a published model's range, in proportion.
    assert e.high / e.central > 2 * (o.high / o.central)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o4-mini", "claude-3-5-haiku"])
def test_the_three_small_closed_models_of_the_issue_widen(model: str, tmp_path: Path) -> None:
    before = _coefficients(_copy(tmp_path, undisclosed_low=32), model)
    now = _coefficients(factor_set(), model)
    assert now.it_kwh_per_generated_token[1] == before.it_kwh_per_generated_token[1]
    assert now.it_kwh_per_generated_token[2] > 2 * before.it_kwh_per_generated_token[2]
