"""`frugal-ai estimate`: human table, the JSON contract, ranking, errors, and a light import path."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from fresh_cli import run_cli_fresh

from frugal_ai.cli import main

CONTRACT_KEYS = {"model", "provider", "zone", "input_tokens", "output_tokens", "requests", "energy_kwh", "co2e_kg", "water_l"}


@pytest.fixture()
def run(tmp_path, monkeypatch):
    # No config file or FRUGAL_AI_* variable of the developer's may leak into the results.
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("FRUGAL_AI_"):
            monkeypatch.delenv(name)
    from frugal_ai.estimate import clear_caches

    clear_caches()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield invoke
    clear_caches()


def test_the_done_when_command_prints_a_table_with_human_units(run) -> None:
    result = run("estimate", "--model", "gpt-4o-mini", "--input-tokens", "500", "--output-tokens", "300",
                 "--requests", "10000", "--zone", "FR")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "gpt-4o-mini" in out and "zone FR" in out and "10,000 requests" in out
    assert "Wh" in out and " g " in out and " L " in out
    assert "factor set" in out and "not published" in out


def test_json_has_the_contract_keys_and_totals(run) -> None:
    one = json.loads(run("estimate", "-m", "gpt-4o-mini", "--input-tokens", "500", "--output-tokens", "300", "--format", "json").output)
    many = json.loads(run("estimate", "-m", "gpt-4o-mini", "--input-tokens", "500", "--output-tokens", "300", "--requests", "10000",
                          "--format", "json").output)
    assert CONTRACT_KEYS <= set(many)
    assert many["requests"] == 10000 and many["input_tokens"] == 500 and many["output_tokens"] == 300
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        assert set(many[q]) == {"low", "central", "high"}
        assert many[q]["low"] <= many[q]["central"] <= many[q]["high"]
        assert many[q]["central"] == pytest.approx(one[q]["central"] * 10000)


def test_json_resolves_snapshots_and_zone(run) -> None:
    data = json.loads(run("estimate", "-m", "gpt-4o-2024-08-06", "--output-tokens", "10", "--zone", "fra", "--format", "json").output)
    assert data["model"] == "gpt-4o" and data["model_requested"] == "gpt-4o-2024-08-06"
    assert data["zone"] == "FR" and data["provider"] == "openai"


def test_compare_ranks_models_and_gives_ratio_to_cheapest(run) -> None:
    result = run("estimate", "-m", "gpt-4o", "--output-tokens", "300", "--compare", "gpt-4o-mini,llama-3.1-8b", "--format", "json")
    rows = json.loads(result.output)
    assert isinstance(rows, list) and len(rows) == 3
    assert all(CONTRACT_KEYS <= set(r) for r in rows)
    centrals = [r["co2e_kg"]["central"] for r in rows]
    assert centrals == sorted(centrals)
    assert rows[0]["ratio_to_cheapest"] == 1.0 and rows[-1]["model"] == "gpt-4o"
    assert rows[-1]["ratio_to_cheapest"] == pytest.approx(centrals[-1] / centrals[0])
    table = run("estimate", "-m", "gpt-4o", "--output-tokens", "300", "--compare", "gpt-4o-mini").output
    assert "vs cheapest" in table and "×1.0" in table


def test_provider_option_moves_the_data_centre(run) -> None:
    data = json.loads(run("estimate", "-m", "mistral-large-3", "--output-tokens", "100", "--provider", "scaleway", "--format", "json").output)
    assert data["provider"] == "scaleway" and data["zone"] == "FR"


def test_unknown_model_exits_2_with_a_suggestion(run) -> None:
    result = CliRunner().invoke(main, ["estimate", "--model", "gpt-4o-mnii"])
    assert result.exit_code == 2
    assert "unknown model 'gpt-4o-mnii'; did you mean 'gpt-4o-mini'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "named"), [
    (["--input-tokens", "-1"], "--input-tokens cannot be negative"),
    (["--zone", "Narnia"], "unknown zone 'Narnia'"),
    (["--requests", "-3"], "--requests cannot be negative"),
    (["--output-tokens", "many"], "--output-tokens"),
])
def test_bad_input_exits_2_without_traceback(run, args, named) -> None:
    result = CliRunner().invoke(main, ["estimate", "--model", "gpt-4o", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    # one line that names the bad option or value (exit 2 alone could come from any usage error)
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert named in line and result.stdout == "", result.output


def test_estimate_path_imports_neither_codecarbon_nor_pandas_nor_sdks(tmp_path) -> None:
    command = ["estimate", "--model", "gpt-4o-mini", "--output-tokens", "300", "--compare", "llama-3.1-8b"]
    heavy = {"codecarbon", "pandas", "numpy", "openai", "anthropic", "mistralai", "google", "cohere", "ollama", "httpx", "httpx2"}
    out = run_cli_fresh(tmp_path, [command], heavy)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout, out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "nosuch"], "unknown provider 'nosuch'"),
        (["--provider", "opneai"], "did you mean 'openai'"),
        (["--provider", ""], "--provider is empty"),
        (["--zone", ""], "--zone is empty"),
        (["--compare", ""], "--compare names no model"),
        (["--compare", " , "], "--compare names no model"),
    ],
)
def test_empty_or_unknown_options_exit_2_naming_the_option(run, args, message) -> None:
    result = CliRunner().invoke(main, ["estimate", "--model", "gpt-4o", "--output-tokens", "10", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    if args[0] == "--provider" and args[1]:
        assert "known: " in result.stderr and "openai" in result.stderr and "scaleway" in result.stderr


@pytest.mark.parametrize("provider", ["Bedrock", "azure", "local", "ollama"])
def test_provider_aliases_and_local_are_accepted(run, provider) -> None:
    assert run("estimate", "-m", "llama-3.1-8b", "--output-tokens", "10", "--provider", provider).exit_code == 0


def test_compare_says_what_it_ranks_by(run) -> None:
    table = run("estimate", "-m", "gpt-4o", "--output-tokens", "300", "--compare", "gpt-4o-mini").output
    assert "Ranked by CO2e (central)" in table


def test_no_tokens_gives_a_note_not_an_error(run) -> None:
    result = run("estimate", "-m", "gpt-4o-mini", "--requests", "10000", "--zone", "FR")
    assert result.exit_code == 0 and "note: no tokens given" in result.output
    assert "no tokens given" not in run("estimate", "-m", "gpt-4o-mini", "--output-tokens", "1").output


def test_the_help_example_gives_a_non_zero_estimate(run) -> None:
    # The example of `frugal-ai --help`, run as printed: it must not be an all-zeros estimate.
    line = next(l for l in run("--help").output.splitlines() if "frugal-ai estimate" in l)
    args = line.split("frugal-ai ", 1)[1].split()
    result = run(*args, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["co2e_kg"]["central"] > 0


def test_a_bad_config_file_is_exit_2_naming_the_file_and_the_key(run, tmp_path) -> None:
    # The `run` fixture has chdir'ed to tmp_path: the config is found there, as a user's would be.
    (tmp_path / "frugal-ai.toml").write_text("pue = 0.5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["estimate", "--model", "gpt-4o", "--output-tokens", "10"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {tmp_path / 'frugal-ai.toml'}: pue:"), line
    assert result.stdout == ""
