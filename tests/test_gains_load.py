"""Reading a gains file: every error names the file, the line and the key (with the real factor base)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from frugal_ai.errors import InputError
from frugal_ai.gains import GainsError, load_gains, parse_gains, template_text

GOOD = """\
period = "month"

[[use_case]]
name = "Route optimisation"
workloads = ["route-planner"]
reference = "Manual route planning as in 2025"
start = 2026-01-01

  [[use_case.gain]]
  activity = "diesel"
  quantity = 120
  unit = "L"
  low = 80
  high = 150
  rebound = 0.1
  evidence = "fuel cards"

  [use_case.expected_usage]
  model = "gpt-4o-mini"
  requests = 20000
  input_tokens = 800
  output_tokens = 300
"""


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(GainsError) as info:
        parse_gains(text, "gains.toml")
    return [(p.line, p.key, p.message) for p in info.value.problems]


def only_problem(text: str) -> tuple[int | None, str, str]:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


def test_a_good_file_loads() -> None:
    gf = parse_gains(GOOD, "gains.toml")
    uc = gf.use_case[0]
    assert (gf.period, uc.name, uc.start) == ("month", "Route optimisation", dt.date(2026, 1, 1))
    assert uc.gain[0].quantity_range().low == 80
    assert uc.expected_usage is not None and uc.expected_usage.requests == 20000
    assert gf.path == "gains.toml"


def test_the_template_is_valid_as_printed(tmp_path: Path) -> None:
    path = tmp_path / "gains.toml"
    path.write_text(template_text(), encoding="utf-8")
    gf = load_gains(path)
    assert len(gf.use_case) >= 2
    assert all(uc.gain for uc in gf.use_case)


def test_gains_error_is_an_input_error_naming_file_line_and_key() -> None:
    with pytest.raises(InputError) as info:
        parse_gains(GOOD.replace('unit = "L"', 'unit = "kWh"'), "gains.toml")
    assert str(info.value).startswith("gains.toml:12: use_case[1].gain[1].unit: unit 'kWh' does not fit activity 'diesel'")


def test_not_toml() -> None:
    line, key, msg = only_problem(GOOD.replace("quantity = 120", "quantity = = 120"))
    assert line == 11 and key == "" and "not valid TOML" in msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GainsError, match="no such gains file"):
        load_gains(tmp_path / "nope.toml")


def test_unknown_key_is_an_error() -> None:
    assert only_problem(GOOD.replace("rebound = 0.1", "rebond = 0.1")) == (15, "use_case[1].gain[1].rebond", "unknown key")


def test_missing_required_key_points_to_its_table() -> None:
    line, key, msg = only_problem(GOOD.replace('reference = "Manual route planning as in 2025"\n', ""))
    assert (line, key) == (3, "use_case[1].reference") and "missing" in msg


def test_negative_quantity() -> None:
    line, key, msg = only_problem(GOOD.replace("quantity = 120", "quantity = -120").replace("low = 80\n", "").replace("high = 150\n", ""))
    assert (line, key) == (11, "use_case[1].gain[1].quantity") and "greater than or equal to 0" in msg


def test_low_greater_than_high() -> None:
    line, key, msg = only_problem(GOOD.replace("low = 80", "low = 160").replace("quantity = 120", "quantity = 155"))
    assert (line, key) == (13, "use_case[1].gain[1].low") and "greater than high" in msg


def test_quantity_outside_its_range() -> None:
    line, key, msg = only_problem(GOOD.replace("high = 150", "high = 100"))
    assert (line, key) == (14, "use_case[1].gain[1].high") and "less than quantity" in msg


def test_rebound_above_one() -> None:
    line, key, _ = only_problem(GOOD.replace("rebound = 0.1", "rebound = 1.5"))
    assert (line, key) == (15, "use_case[1].gain[1].rebound")


def test_unknown_activity_suggests_close_keys() -> None:
    line, key, msg = only_problem(GOOD.replace('activity = "diesel"', 'activity = "diesle"'))
    assert (line, key) == (10, "use_case[1].gain[1].activity")
    assert "unknown activity 'diesle'" in msg and "'diesel'" in msg


def test_unit_that_does_not_fit_the_activity() -> None:
    line, key, msg = only_problem(GOOD.replace('unit = "L"', 'unit = "kg"'))
    assert (line, key) == (12, "use_case[1].gain[1].unit") and "accepted: L" in msg


@pytest.mark.parametrize("unit", ["m3", "l", "gal_us"])
def test_other_units_of_the_activity_are_accepted(unit: str) -> None:
    gf = parse_gains(GOOD.replace('unit = "L"', f'unit = "{unit}"'), "gains.toml")
    assert gf.use_case[0].gain[0].unit == unit  # kept as written; the balance converts (test_gains_balance)


def test_custom_activity_needs_its_factor_and_source() -> None:
    text = GOOD.replace('activity = "diesel"', 'activity = "custom"').replace('unit = "L"', 'unit = "pallet"')
    assert problems_of(text) == [
        (9, "use_case[1].gain[1].factor_kg_per_unit", "activity = 'custom' needs factor_kg_per_unit"),
        (9, "use_case[1].gain[1].source", "activity = 'custom' needs source"),
    ]
    ok = text.replace('unit = "pallet"', 'unit = "pallet"\n  factor_kg_per_unit = 12.5\n  source = "supplier LCA 2025"')
    gf = parse_gains(ok, "gains.toml")
    assert gf.use_case[0].gain[0].factor_kg_per_unit == 12.5


def test_a_factor_on_a_catalogued_activity_is_refused() -> None:
    line, key, _ = only_problem(GOOD.replace('unit = "L"', 'unit = "L"\n  factor_kg_per_unit = 2.0'))
    assert (line, key) == (13, "use_case[1].gain[1].factor_kg_per_unit")


def test_electricity_takes_a_zone_and_an_unknown_zone_is_an_error() -> None:
    elec = GOOD.replace('activity = "diesel"', 'activity = "electricity"').replace('unit = "L"', 'unit = "MWh"')
    parse_gains(elec.replace('evidence = "fuel cards"', 'zone = "FR"'), "gains.toml")
    line, key, _ = only_problem(elec.replace('evidence = "fuel cards"', 'zone = "ATLANTIS"'))
    assert (line, key) == (16, "use_case[1].gain[1].zone")


def test_a_zone_on_diesel_is_refused() -> None:
    line, key, msg = only_problem(GOOD.replace('evidence = "fuel cards"', 'zone = "FR"'))
    assert (line, key) == (16, "use_case[1].gain[1].zone") and "diesel" in msg


def test_unknown_model_in_expected_usage() -> None:
    line, key, msg = only_problem(GOOD.replace('model = "gpt-4o-mini"', 'model = "gpt-4o-mimi"'))
    assert (line, key) == (19, "use_case[1].expected_usage.model") and "gpt-4o-mimi" in msg


def test_hardware_needs_exactly_one_of_item_and_co2e_kg() -> None:
    both = GOOD + '\n  [[use_case.hardware]]\n  item = "h100_sxm_80gb"\n  co2e_kg = 100\n'
    assert only_problem(both)[:2] == (25, "use_case[1].hardware[1].item")
    unknown = GOOD + '\n  [[use_case.hardware]]\n  item = "abacus"\n'
    assert only_problem(unknown)[:2] == (25, "use_case[1].hardware[1].item")
    parse_gains(GOOD + '\n  [[use_case.hardware]]\n  item = "h100_sxm_80gb"\n  count = 2\n', "gains.toml")


def test_end_before_start() -> None:
    line, key, _ = only_problem(GOOD.replace("start = 2026-01-01", "start = 2026-01-01\nend = 2025-06-01"))
    assert (line, key) == (8, "use_case[1].end")


def test_two_use_cases_with_one_name() -> None:
    second = GOOD[GOOD.index("[[use_case]]"):]
    line, key, _ = only_problem(GOOD + "\n" + second)
    assert (line, key) == (25, "use_case[2].name")


def test_bad_period() -> None:
    line, key, msg = only_problem(GOOD.replace('period = "month"', 'period = "fortnight"'))
    assert (line, key) == (1, "period") and "'month'" in msg


def test_every_problem_is_listed() -> None:
    text = GOOD.replace('unit = "L"', 'unit = "kg"').replace('model = "gpt-4o-mini"', 'model = "nope-9000"')
    found = problems_of(text)
    assert [key for _, key, _ in found] == ["use_case[1].gain[1].unit", "use_case[1].expected_usage.model"]
    with pytest.raises(GainsError, match=r"\(and 1 more problem\)"):
        parse_gains(text, "gains.toml")


def test_the_templates_commented_options_are_valid_once_uncommented() -> None:
    import re

    text = template_text()
    uncommented = re.sub(r"(?m)^(\s*)# (?=\[\[|[a-z0-9_]+ = )", r"\1", text)
    assert uncommented.count("[[use_case.hardware]]") == 1 and "\nend = " in uncommented
    gf = parse_gains(uncommented, "template")
    assert gf.use_case[0].end is not None
    assert [g.activity for g in gf.use_case[1].gain] == ["office_paper", "custom"]
    assert gf.use_case[1].hardware[0].co2e_kg == 300


# --- every number is finite and bounded (issue 10, item 6) ---------------------------------------

PLAIN = GOOD.replace("low = 80\n", "").replace("high = 150\n", "")
CUSTOM_GAIN = PLAIN.replace('activity = "diesel"', 'activity = "custom"').replace(
    'unit = "L"', 'unit = "pallet"\n  factor_kg_per_unit = 12.5\n  source = "supplier LCA 2025"')


@pytest.mark.parametrize("text, key", [
    (PLAIN.replace("quantity = 120", "quantity = inf"), "use_case[1].gain[1].quantity"),
    (PLAIN.replace("quantity = 120", "quantity = nan"), "use_case[1].gain[1].quantity"),
    (PLAIN.replace("quantity = 120", "quantity = 1e308"), "use_case[1].gain[1].quantity"),
    (GOOD.replace("high = 150", "high = inf"), "use_case[1].gain[1].high"),
    (GOOD.replace("low = 80", "low = -inf"), "use_case[1].gain[1].low"),
    (CUSTOM_GAIN.replace("factor_kg_per_unit = 12.5", "factor_kg_per_unit = inf"), "use_case[1].gain[1].factor_kg_per_unit"),
    (CUSTOM_GAIN.replace("factor_kg_per_unit = 12.5", "factor_kg_per_unit = 1e300"), "use_case[1].gain[1].factor_kg_per_unit"),
    (GOOD.replace("requests = 20000", "requests = 100000000000000000000000"), "use_case[1].expected_usage.requests"),
    (GOOD.replace("input_tokens = 800", "input_tokens = 1000000000000"), "use_case[1].expected_usage.input_tokens"),
    (GOOD + '\n  [[use_case.hardware]]\n  co2e_kg = inf\n', "use_case[1].hardware[1].co2e_kg"),
    (GOOD + '\n  [[use_case.hardware]]\n  item = "h100_sxm_80gb"\n  count = 10000000000\n', "use_case[1].hardware[1].count"),
])
def test_a_number_that_is_not_finite_or_out_of_bounds_is_one_problem_naming_its_key(text: str, key: str) -> None:
    line, found_key, message = only_problem(text)
    assert found_key == key and line is not None
    assert "\n" not in message and ("finite" in message or "less than or equal to" in message), message


def test_the_largest_accepted_numbers_keep_every_figure_finite() -> None:
    import math

    from frugal_ai.gains.spec import MAX_FACTOR_KG_PER_UNIT, MAX_QUANTITY

    text = CUSTOM_GAIN.replace("quantity = 120", f"quantity = {MAX_QUANTITY:.0f}").replace(
        "factor_kg_per_unit = 12.5", f"factor_kg_per_unit = {MAX_FACTOR_KG_PER_UNIT:.0f}")
    gain = parse_gains(text, "gains.toml").use_case[0].gain[0]
    assert math.isfinite(gain.quantity * gain.factor_kg_per_unit * 366 * 50)  # a daily gain over the longest horizon
