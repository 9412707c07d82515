"""No silent zeros: a model the catalogue does not know is priced by a fallback class read from
its name, with a wide range, flagged and listed in the report; record_llm_call warns once."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import frugal_ai
from frugal_ai import ledger
from frugal_ai.cli import main
from frugal_ai.estimate import estimate_llm
from frugal_ai.estimate.fallback import fallback_class
from frugal_ai.ledger.notice import FrugalAIWarning


@pytest.mark.parametrize(("name", "cls"), [
    ("acme-llm-7", "generic"), ("le-chat", "generic"), ("my-model-mini", "small"), ("foo:8b", "small"),
    ("qwen-72b", "medium"), ("llama3:70b", "medium"), ("bar-medium", "medium"), ("acme-large", "large"),
    ("x-405b", "large"), ("nano-thing-nano", "small"),
])
def test_the_class_comes_from_the_name(name: str, cls: str) -> None:
    assert fallback_class(name).name == cls


def test_an_unknown_model_is_priced_wide_flagged_listed_and_warned_once(ledger_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            frugal_ai.record_llm_call("le-chat", 1000, 400, provider="mistral")
        frugal_ai.record_llm_call("gpt-4o-mini", 1000, 400, provider="openai")
    mine = [w for w in caught if issubclass(w.category, FrugalAIWarning) and "le-chat" in str(w.message)]
    assert len(mine) == 1 and "not in the catalogue" in str(mine[0].message)
    ledger.flush()
    data = json.loads(CliRunner().invoke(main, ["report", "--format", "json"], catch_exceptions=False).output)
    row = next(m for m in data["by_model"] if m["model"] == "le-chat")
    assert row["priced"] and row["methods"] == ["estimated"]
    # never zero; a range at least as wide as from an 8B model's low to a 405B model's high
    small = estimate_llm("llama-3.1-8b", 1000, 400, provider="mistral", requests=3)
    large = estimate_llm("llama-3.1-405b", 1000, 400, provider="mistral", requests=3)
    assert row["energy_kwh"]["low"] == pytest.approx(small.energy_kwh.low)
    assert row["energy_kwh"]["high"] == pytest.approx(large.energy_kwh.high)
    assert 0 < row["energy_kwh"]["low"] < row["energy_kwh"]["central"] < row["energy_kwh"]["high"]
    assert data["methodology"]["fallback_models"] == [
        {"provider": "mistral", "model": "le-chat", "model_class": "generic", "requests": 3}]
    for lang, needle in (("en", "mistral/le-chat (generic (size unknown) model), requests: 3"),
                         ("fr", "mistral/le-chat (modèle générique (taille inconnue)), requêtes : 3")):
        md = CliRunner().invoke(main, ["report", "--format", "md", "--lang", lang], catch_exceptions=False).output
        assert needle in md
