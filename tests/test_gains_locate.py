"""Finding a key's line in a TOML text (for error messages)."""

from __future__ import annotations

from frugal_ai.gains.locate import line_of

TEXT = '''period = "month"  # a comment
horizon_years = 3

[[use_case]]
name = "A"
workloads = [
  "x",
  ["not", "a header"],
]
start = 2026-01-01
  [[use_case.gain]]
  activity = "diesel"
  [[use_case.gain]]
  "unit" = "L"
  [use_case.expected_usage]
  model = "m"
[[use_case]]
name = "B"
notes = """
[[use_case]]
quantity = 1
"""
  [[use_case.gain]]
  quantity = -1
  [[use_case.hardware]]
  item = { nested = 1 }
'''


def test_top_level_keys() -> None:
    assert line_of(TEXT, ("period",)) == 1
    assert line_of(TEXT, ("horizon_years",)) == 2


def test_keys_in_arrays_of_tables_are_counted_per_use_case() -> None:
    assert line_of(TEXT, ("use_case", 0, "start")) == 10
    assert line_of(TEXT, ("use_case", 0, "gain", 0, "activity")) == 12
    assert line_of(TEXT, ("use_case", 0, "gain", 1, "unit")) == 14  # quoted key
    assert line_of(TEXT, ("use_case", 0, "expected_usage", "model")) == 16
    assert line_of(TEXT, ("use_case", 1, "name")) == 18
    assert line_of(TEXT, ("use_case", 1, "gain", 0, "quantity")) == 24  # not the one in the string
    assert line_of(TEXT, ("use_case", 1, "hardware", 0, "item")) == 26


def test_multi_line_values_do_not_open_tables() -> None:
    # The array on lines 6-9 holds a "[...]" line and the string on lines 19-22 a "[[use_case]]"
    # line: neither starts a table, so B stays the second use case.
    assert line_of(TEXT, ("use_case", 1, "notes")) == 19
    assert line_of(TEXT, ("use_case", 2, "name")) is None


def test_a_missing_key_points_to_its_table() -> None:
    assert line_of(TEXT, ("use_case", 0, "gain", 1, "quantity")) == 13
    assert line_of(TEXT, ("use_case", 1, "reference")) == 17
    assert line_of(TEXT, ("use_case", 0, "workloads", 1)) == 6


def test_a_key_nowhere_gives_none() -> None:
    assert line_of('a = 1\n', ("b",)) is None
