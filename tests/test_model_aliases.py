"""`[tool.frugal-ai.model_aliases]`: names a provider or gateway uses -> catalogue models, applied
where the estimator resolves a name (so captured, recorded and imported calls are priced alike)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.errors import ConfigError, UnknownModelError
from frugal_ai.estimate import estimate_llm
from frugal_ai.estimate.names import catalogue_name


def test_an_alias_is_priced_as_the_model_it_names() -> None:
    s = load_settings(overrides={"model_aliases": {"Prod-GPT4o": "gpt-4o"}})
    aliased = estimate_llm("prod-gpt4o", 1200, 300, provider="azure", settings=s)
    direct = estimate_llm("gpt-4o", 1200, 300, provider="azure", settings=s)
    assert aliased.co2e_kg == direct.co2e_kg and aliased.energy_kwh.central > 0


def test_without_the_alias_the_name_is_unknown() -> None:
    with pytest.raises(UnknownModelError):
        estimate_llm("prod-gpt4o", 1200, 300, settings=load_settings())


def test_names_are_matched_without_regard_to_case_and_others_pass_through() -> None:
    s = load_settings(overrides={"model_aliases": {"FAST": "gpt-4o-mini"}})
    assert s.model_aliases == {"fast": "gpt-4o-mini"}
    assert catalogue_name("Fast", s) == "gpt-4o-mini"
    assert catalogue_name("gpt-4o", s) == "gpt-4o"


def test_an_alias_naming_an_unknown_model_is_an_error_naming_the_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "frugal-ai.toml"
    config.write_text('[model_aliases]\n"prod" = "gpt-9-turbo-max"\n')
    with pytest.raises(ConfigError, match=r"frugal-ai.toml: model_aliases.prod: unknown model 'gpt-9-turbo-max'"):
        load_settings(env={"FRUGAL_AI_CONFIG": str(config)})


def test_an_empty_alias_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "frugal-ai.toml"
    config.write_text('[model_aliases]\n"" = "gpt-4o"\n')
    with pytest.raises(ConfigError, match="model_aliases"):
        load_settings(env={"FRUGAL_AI_CONFIG": str(config)})


def test_a_recorded_call_under_an_alias_is_priced_in_the_report_with_its_factor(ledger_path: Path) -> None:
    import json
    from datetime import datetime, timezone

    from click.testing import CliRunner

    import frugal_ai
    from frugal_ai import ledger
    from frugal_ai.cli import main

    Path("pyproject.toml").write_text('[tool.frugal-ai.model_aliases]\n"prod-gpt4o" = "gpt-4o"\n')
    frugal_ai.record_llm_call("prod-gpt4o", 1200, 300, provider="azure",
                              at=datetime(2026, 1, 15, tzinfo=timezone.utc), requests=10)
    ledger.flush()
    report = CliRunner().invoke(main, ["report", "--period", "2026-01", "--format", "json"])
    assert report.exit_code == 0, report.output
    doc = json.loads(report.stdout)
    (row,) = doc["by_model"]
    assert row["model"] == "prod-gpt4o" and row["co2e_kg"]["central"] > 0
    keys = {f["key"] for f in doc["methodology"]["factors"] if f["kind"] == "model"}
    assert keys == {"azure/prod-gpt4o"}  # the catalogue entry the estimate used (gpt-4o's), listed
