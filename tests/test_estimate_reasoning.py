"""Reasoning models: the warning when no reasoning tokens are given, effort profiles, and the CLI's default.

docs/methodology.md § 2: a model that reasons by default (models.csv `reasoning = yes`)
estimated with zero reasoning tokens is warned about; `reasoning_effort` takes the reasoning
tokens per request from a profile (a range); `frugal-ai estimate` assumes the documented
default effort when the user gives neither.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_cli_estimate import run  # noqa: F401  (the CLI fixture: no config or FRUGAL_AI_* leaks in)

from frugal_ai.cli import main
from frugal_ai.config import load_settings
from frugal_ai.errors import InputError
from frugal_ai.estimate import Workload, estimate_llm, estimate_models
from frugal_ai.estimate.reasoning import reasoning_tokens_per_request
from frugal_ai.factors import factor_set


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load_settings(start=tmp_path_factory.mktemp("noconfig"), env={})


def _reasoning_warnings(fp) -> list[str]:
    return [w for w in fp.warnings if "no reasoning tokens were given" in w]


def test_a_model_that_reasons_by_default_warns_when_given_no_reasoning_tokens(plain) -> None:
    assert factor_set().model("o4-mini").reasoning == "yes"
    assert _reasoning_warnings(estimate_llm("o4-mini", 200, 300, settings=plain))
    assert not _reasoning_warnings(estimate_llm("o4-mini", 200, 300, reasoning_tokens=1500, settings=plain))


@pytest.mark.parametrize("model", ["gpt-4o", "claude-sonnet-4-5", "llama-3.1-8b"])
def test_models_that_do_not_reason_by_default_do_not_warn(plain, model: str) -> None:
    assert factor_set().model(model).reasoning in ("no", "optional")
    assert not _reasoning_warnings(estimate_llm(model, 200, 300, settings=plain))


def test_every_effort_profile_is_ordered_and_grows_with_the_effort() -> None:
    profiles = [reasoning_tokens_per_request(e) for e in ("none", "low", "medium", "high")]
    assert profiles[0] == (0, 0, 0)
    for low, central, high in profiles[1:]:
        assert 0 < low <= central <= high
    centrals = [p[1] for p in profiles]
    assert centrals == sorted(centrals) and len(set(centrals)) == 4


def test_an_effort_profile_spreads_the_reasoning_tokens_over_the_range(plain) -> None:
    low, central, high = reasoning_tokens_per_request("high")
    by_effort = estimate_llm("o4-mini", 200, 300, reasoning_effort="high", settings=plain)
    # The central value is the central profile's count, exactly.
    by_count = estimate_llm("o4-mini", 200, 300, reasoning_tokens=central, settings=plain)
    assert by_effort.energy_kwh.central == pytest.approx(by_count.energy_kwh.central)
    # The bounds reach further than with a fixed count: the profile's own range widens them.
    assert by_effort.energy_kwh.low < by_count.energy_kwh.low
    assert by_effort.energy_kwh.high > by_count.energy_kwh.high
    fixed_high = estimate_llm("o4-mini", 200, 300, reasoning_tokens=high, settings=plain)
    assert by_effort.energy_kwh.high == pytest.approx(fixed_high.energy_kwh.high)
    assert any("high effort profile" in w for w in by_effort.warnings)
    assert not _reasoning_warnings(by_effort)


def test_high_effort_is_far_above_no_reasoning_for_a_short_answer(plain) -> None:
    # What the review found: o4-mini at 0 reasoning tokens sits two orders of magnitude
    # under a high-effort call of the same visible size.
    none = estimate_llm("o4-mini", 0, 50, settings=plain).energy_kwh.central
    high = estimate_llm("o4-mini", 0, 50, reasoning_effort="high", settings=plain).energy_kwh.central
    assert high > 100 * none


def test_effort_and_count_together_or_an_unknown_effort_are_input_errors(plain) -> None:
    with pytest.raises(InputError, match="not both"):
        estimate_llm("o4-mini", 0, 300, reasoning_tokens=10, reasoning_effort="low", settings=plain)
    with pytest.raises(InputError, match="unknown reasoning effort 'extreme'"):
        estimate_llm("o4-mini", 0, 300, reasoning_effort="extreme", settings=plain)


def test_an_effort_on_a_model_that_does_not_reason_is_ignored_with_a_note(plain) -> None:
    with_effort = estimate_llm("gpt-4o", 0, 300, reasoning_effort="high", settings=plain)
    without = estimate_llm("gpt-4o", 0, 300, settings=plain)
    assert with_effort.energy_kwh == without.energy_kwh
    assert any("does not reason" in w for w in with_effort.warnings)


def test_a_workload_without_reasoning_tokens_takes_the_default_profile_for_reasoning_models_only(plain) -> None:
    rows = {r.model: r for r in estimate_models(["o4-mini", "gpt-4o"], Workload(0, 300, None), settings=plain)}
    default = factor_set().default("reasoning_effort")
    assert rows["o4-mini"].reasoning_effort == default
    assert rows["o4-mini"].reasoning_tokens() == reasoning_tokens_per_request(default)[1]
    assert rows["gpt-4o"].reasoning_effort is None and rows["gpt-4o"].reasoning_tokens() == 0
    explicit = estimate_llm("o4-mini", 0, 300, reasoning_effort=default, settings=plain)
    assert rows["o4-mini"].footprint.energy_kwh == explicit.energy_kwh
    assert any("default" in w and "assumed" in w for w in rows["o4-mini"].footprint.warnings)
    # A workload that says 0 keeps 0 (with the warning).
    zero = estimate_models(["o4-mini"], Workload(0, 300, 0), settings=plain)[0]
    assert zero.reasoning_effort is None and _reasoning_warnings(zero.footprint)


def test_cli_assumes_the_default_effort_for_a_reasoning_model_and_says_so(run) -> None:
    result = run("estimate", "--model", "o4-mini", "--output-tokens", "300", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    default = factor_set().default("reasoning_effort")
    assert {"model", "provider", "zone", "input_tokens", "output_tokens", "requests", "energy_kwh", "co2e_kg", "water_l"} <= set(data)
    assert data["reasoning_effort"] == default
    assert data["reasoning_tokens"] == reasoning_tokens_per_request(default)[1]
    assert any("assumed" in w for w in data["warnings"])


def test_cli_explicit_zero_reasoning_tokens_warns_instead(run) -> None:
    data = json.loads(run("estimate", "--model", "o4-mini", "--output-tokens", "300", "--reasoning-tokens", "0", "--format", "json").output)
    assert data["reasoning_tokens"] == 0 and data["reasoning_effort"] is None
    assert any("no reasoning tokens were given" in w for w in data["warnings"])


def test_cli_effort_option_and_its_conflict_with_a_count(run) -> None:
    table = run("estimate", "--model", "o3", "--output-tokens", "300", "--reasoning-effort", "high")
    assert table.exit_code == 0 and "high effort profile" in table.output
    both = CliRunner().invoke(main, ["estimate", "--model", "o3", "--reasoning-tokens", "5", "--reasoning-effort", "low"])
    assert both.exit_code == 2 and "not both" in both.output
