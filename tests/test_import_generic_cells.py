"""The generic csv reader's fast path (plain integers) and its careful path (count()) read the
same cells the same way: what a cell means never depends on which path read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.imports import csv_generic
from frugal_ai.imports.rows import MalformedFile, UsageRow, count

HEADER = "date,provider,model,requests,input_tokens,output_tokens,reasoning_tokens,workload\n"


@pytest.mark.parametrize("cell", ["7", " 7 ", "1_000", "2.0", "0", "12e2"])
def test_a_count_cell_reads_as_count_reads_it(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "u.csv"
    path.write_text(HEADER + f"2026-01-01T00:00:00Z,openai,gpt-4o,3,{cell},{cell},,w\n", encoding="utf-8")
    (row,) = [r for r in csv_generic.read(path) if isinstance(r, UsageRow)]
    expected = count(cell, path, "line 2", "input_tokens")
    assert (row.input_tokens, row.output_tokens, row.reasoning_tokens) == (expected, expected, 0)


@pytest.mark.parametrize("cell, message", [("-5", "input_tokens is negative"), ("abc", "input_tokens is not a number"),
                                           ("", "input_tokens is missing"), ("1.5", "input_tokens is not a whole number")])
def test_a_bad_count_cell_names_its_line_and_field(tmp_path: Path, cell: str, message: str) -> None:
    path = tmp_path / "u.csv"
    path.write_text(HEADER + "2026-01-01T00:00:00Z,openai,gpt-4o,3,5,5,0,w\n"
                    + f"2026-01-02T00:00:00Z,openai,gpt-4o,3,{cell},5,0,w\n", encoding="utf-8")
    with pytest.raises(MalformedFile, match=f"line 3: {message}"):
        list(csv_generic.read(path))
