"""`frugal-ai models list|show` and `frugal-ai factors list|show`: the factor base with its sources."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fresh_cli import run_cli_fresh

from frugal_ai.cli import main
from frugal_ai.factors import factor_set


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_models_list_shows_the_catalogue() -> None:
    result = invoke("models", "list")
    assert result.exit_code == 0
    assert f"{len(factor_set().models())} models" in result.output
    for name in ("gpt-4o-mini", "claude-sonnet-4-5", "mistral-large-3", "llama-3.1-70b", "deepseek-r1", "command-a"):
        assert name in result.output


def test_models_without_subcommand_lists() -> None:
    assert invoke("models").output == invoke("models", "list").output


def test_models_list_filters_by_provider() -> None:
    rows = json.loads(invoke("models", "list", "--provider", "anthropic", "--format", "json").output)
    assert rows and {r["provider"] for r in rows} == {"anthropic"}


def test_models_show_resolves_snapshots_and_prints_sources() -> None:
    result = invoke("models", "show", "claude-sonnet-4-5-20250929")
    assert result.exit_code == 0
    out = result.output
    assert "claude-sonnet-4-5" in out and "ESTIMATED" in out
    assert "smaller: claude-haiku-4-5" in out
    assert "[ecologits-models]" in out and "https://" in out


def test_models_show_json() -> None:
    data = json.loads(invoke("models", "show", "llama-3.1-8b", "--format", "json").output)
    assert data["id"] == "llama-3.1-8b" and data["params_estimated"] is False
    assert data["active_params_b"]["central"] == 8.03


def test_models_show_unknown_exits_2() -> None:
    result = invoke("models", "show", "gpt-4o-mni")
    assert result.exit_code == 2 and "did you mean 'gpt-4o-mini'" in result.output


def test_factors_list_prints_version_and_sources() -> None:
    result = invoke("factors")
    assert result.exit_code == 0
    assert f"factor set {factor_set().version}" in result.output
    for key in ("electricity.FR", "datacenter.scaleway", "hardware.h100_sxm_80gb", "avoided.diesel", "constant.llm.gpu_energy_alpha"):
        assert key in result.output


def test_factors_list_by_kind_json() -> None:
    data = json.loads(invoke("factors", "list", "--kind", "avoided", "--format", "json").output)
    assert data["factor_set_version"] == factor_set().version
    keys = {f["key"] for f in data["factors"]}
    assert {"avoided.diesel", "avoided.petrol", "avoided.natural_gas", "avoided.electricity"} <= keys
    assert all(f["sources"] for f in data["factors"])


def test_factors_show_gives_full_citations() -> None:
    result = invoke("factors", "show", "electricity.FR")
    assert result.exit_code == 0
    assert "46.1 gCO2e/kWh" in result.output and "ADEME Base Empreinte" in result.output
    # bare names and other zone spellings work too
    assert "46.1 gCO2e/kWh" in invoke("factors", "show", "FRA").output
    assert "3.17" in invoke("factors", "show", "diesel").output


def test_factors_show_fallback_zone_says_so() -> None:
    assert "water: world fallback" in invoke("factors", "show", "electricity.GA").output


def test_factors_show_unknown_exits_2() -> None:
    result = invoke("factors", "show", "avoided.unobtainium")
    assert result.exit_code == 2 and "unknown factor" in result.output


def test_help_and_catalogue_paths_stay_light(tmp_path) -> None:
    commands = [["--help"], ["models", "list"], ["factors", "show", "FR"]]
    out = run_cli_fresh(tmp_path, commands, {"codecarbon", "pandas", "numpy", "httpx", "openai"})
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


def test_models_list_with_an_unknown_provider_exits_2_listing_the_known() -> None:
    result = CliRunner().invoke(main, ["models", "list", "--provider", "nosuch"])
    assert result.exit_code == 2
    assert "unknown provider 'nosuch'" in result.stderr and "known: " in result.stderr
    for name in ("anthropic", "meta", "mistral", "openai"):  # hosts and publishers both
        assert name in result.stderr


def test_models_list_by_publisher_or_alias() -> None:
    phi = json.loads(invoke("models", "list", "--provider", "microsoft", "--format", "json").output)
    assert phi and {r["provider"] for r in phi} == {"microsoft"}
    assert invoke("models", "list", "--provider", "Claude").exit_code == 0
