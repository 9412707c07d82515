"""One provider-override rule (`providers.<name>.zone/pue/wue`): the estimator prices a call
with it, and the report shows the zone through the same rule, so the zone the report names
for a priced row is the zone its figures used."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate import coefficients, estimate_llm
from frugal_ai.estimate.overrides import provider_override
from frugal_ai.factors import factor_set
from frugal_ai.ledger.records import ApiCallRecord

CONFIG = """
[providers.openai]
zone = "FR"
[providers.azure]
zone = "DE"
pue = 1.4
"""

# (provider as the ledger stores it, model, input tokens, output tokens)
CALLS = [
    # record_llm_call without a provider stores "": the model's host (openai) serves it.
    ("", "gpt-4o-mini", 800, 200),
    ("openai", "gpt-4o-mini", 500, 100),
    # An alias of azure: the `providers.azure` setting covers it.
    ("azure-openai", "gpt-4o", 1200, 300),
    ("mistral", "mistral-large-2411", 400, 400),
    # A provider the factor base does not know: generic assumptions, world electricity.
    ("acme-cloud", "claude-sonnet-4", 300, 50),
]


def _ledger(path: Path) -> Path:
    start = datetime(2026, 5, 4, 10, tzinfo=timezone.utc).timestamp()
    records = [
        ApiCallRecord(id=f"call-{i}", provider=p, model=m, start=start + i, end=start + i + 1.0,
                      input_tokens=n_in, output_tokens=n_out, name=f"w{i}", source="manual")
        for i, (p, m, n_in, n_out) in enumerate(CALLS)
    ]
    write_records(path, records)
    return path


def test_the_zone_the_report_shows_is_the_zone_the_estimate_used(
    tmp_path: Path, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ledger(ledger_path)
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(cfg))
    r = CliRunner().invoke(main, ["report", "--period", "2026-05", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)

    settings = load_settings()
    expected: dict[str, float] = defaultdict(float)
    for provider, model, n_in, n_out in CALLS:
        zone = coefficients(model, provider or None, settings=settings).zone
        fp = estimate_llm(model, n_in, n_out, provider=provider or None, settings=settings)
        expected[zone] += fp.co2e_kg.central
    # The overrides are in force: the provider-less call and the alias are priced where configured.
    assert {"FRA", "DEU", "SWE", "WORLD"} <= set(expected)
    shown = {z["key"]: z["co2e_kg"]["central"] for z in report["by_zone"]}
    assert set(shown) == set(expected)
    for zone, co2e_kg in expected.items():
        assert shown[zone] == pytest.approx(co2e_kg, rel=1e-9), zone


def test_the_rule_looks_up_the_name_as_given_then_its_factor_base_key(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text(CONFIG + '[providers.azure-openai]\nzone = "SE"\n', encoding="utf-8")
    settings = load_settings(env={"FRUGAL_AI_CONFIG": str(cfg)})
    fs = factor_set()
    found = provider_override(settings, " Azure-OpenAI ", fs)
    assert found is not None and found[0] == "azure-openai" and found[1].zone == "SE"
    found = provider_override(settings, "microsoft", fs)  # an alias with no setting of its own
    assert found is not None and found[0] == "azure" and found[1].pue == 1.4
    assert provider_override(settings, "anthropic", fs) is None
    assert provider_override(settings, "", fs) is None
    assert provider_override(settings, None, fs) is None
