"""`frugal-ai gains template` and `frugal-ai gains check`: output, exit status, messages."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.records import ApiCallRecord


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no config file of the repository's is read
    ledger = tmp_path / "ledger.sqlite"
    start = dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc).timestamp()
    write_records(ledger, [
        ApiCallRecord(id=uuid.uuid4().hex, provider="openai", model="gpt-4o-mini", start=start + i, end=start + i + 1,
                      input_tokens=800, output_tokens=300, name="route-planner", source="manual")
        for i in range(50)
    ])
    return {"FRUGAL_AI_LEDGER": str(ledger), "FRUGAL_AI_COUNTRY": "FR"}


def invoke(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_template_is_valid_as_printed(tmp_path: Path, env: dict[str, str]) -> None:
    printed = invoke(["gains", "template"], env)
    assert printed.exit_code == 0 and "[[use_case]]" in printed.stdout and "never subtracted" in printed.stdout
    (tmp_path / "gains.toml").write_text(printed.stdout, encoding="utf-8")
    checked = invoke(["gains", "check", "gains.toml", "--since", "2026-01-01", "--until", "2026-01-31"], env)
    assert checked.exit_code == 0, checked.stderr
    assert "Route optimisation" in checked.stdout and "pays_back" in checked.stdout
    assert "never subtracted" in checked.stdout


def test_the_template_counts_nothing_twice(tmp_path: Path, env: dict[str, str]) -> None:
    # The ledger holds route-planner calls: the template's tracked use case must not add an expected use to them.
    (tmp_path / "gains.toml").write_text(invoke(["gains", "template"], env).stdout, encoding="utf-8")
    result = invoke(["gains", "check", "gains.toml", "--since", "2026-01-01"], env)
    assert result.exit_code == 0, result.stderr
    assert "counted twice" not in result.stderr and "expected_usage is added" not in result.stderr
    assert "Remote diagnosis" in result.stdout


def test_every_template_key_is_commented() -> None:
    import re

    from frugal_ai.gains import template_text

    for lang in ("en", "fr"):
        text = template_text(lang)
        keys = {m[1] for m in re.finditer(r"(?m)^\s*(?:# )?([a-z0-9_]+) = ", text)}
        assert {"period", "horizon_years", "name", "workloads", "reference", "start", "end", "activity", "quantity",
                "unit", "low", "high", "rebound", "evidence", "model", "requests", "input_tokens", "output_tokens",
                "factor_kg_per_unit", "source", "co2e_kg", "date"} <= keys
        for key in keys:  # each key is explained on its first line, in the template's language
            first = next(line for line in text.splitlines() if re.match(rf"\s*(?:# )?{key} = ", line))
            assert " # " in first.split(" = ", 1)[1] or key in ("high",), (lang, first)


def test_check_json(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "gains.toml").write_text(invoke(["gains", "template"], env).stdout, encoding="utf-8")
    result = invoke(["gains", "check", "gains.toml", "--since", "2026-01-01", "--until", "2026-01-31", "--format", "json"], env)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [uc["name"] for uc in data["use_cases"]] == ["Route optimisation", "Customer e-mail drafting", "Remote diagnosis"]
    assert [(uc["since"], uc["until"]) for uc in data["use_cases"]] == [("2026-01-01", "2026-02-01")] * 3  # until: exclusive
    route = data["use_cases"][0]
    assert route["verdict"] == "pays_back" and route["reason"]
    # tracked use from the ledger only; the use case not tracked yet from its expected_usage only
    assert route["footprint_co2e_kg_by_source"].keys() == {"estimated"}
    assert data["use_cases"][2]["footprint_co2e_kg_by_source"].keys() == {"expected"}
    assert set(route["avoided_co2e_kg"]) == {"low", "central", "high"}
    # the second use case's tag matches nothing in this ledger: a warning, not an error
    assert "warning: use case 'Customer e-mail drafting': workload 'team=support' matches nothing in the ledger" in result.stderr


def test_every_problem_is_printed_with_file_line_and_key_and_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    text = invoke(["gains", "template"], env).stdout
    bad = text.replace('unit = "L"', 'unit = "kWh"').replace("rebound = 0.1", "rebound = 2")
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    result = invoke(["gains", "check", "bad.toml"], env)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    unit_line = 1 + bad.splitlines().index(next(l for l in bad.splitlines() if 'unit = "kWh"' in l))
    rebound_line = 1 + bad.splitlines().index(next(l for l in bad.splitlines() if "rebound = 2" in l))
    assert lines == [f"error: bad.toml:{rebound_line}: use_case[1].gain[1].rebound: Input should be less than or equal to 1"], lines
    # once the types are right, the factor checks report the unit
    (tmp_path / "bad.toml").write_text(text.replace('unit = "L"', 'unit = "kWh"'), encoding="utf-8")
    result = invoke(["gains", "check", "bad.toml"], env)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: bad.toml:{unit_line}: use_case[1].gain[1].unit: unit 'kWh' does not fit activity 'diesel'")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_file_exits_2(env: dict[str, str]) -> None:
    result = invoke(["gains", "check", "nope.toml"], env)
    assert result.exit_code == 2 and "nope.toml: no such gains file" in result.stderr


def test_not_toml_exits_2(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "x.toml").write_text("period = \n", encoding="utf-8")
    result = invoke(["gains", "check", "x.toml"], env)
    assert result.exit_code == 2 and result.stderr.startswith("error: x.toml:1: not valid TOML")


def test_bad_dates_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "gains.toml").write_text(invoke(["gains", "template"], env).stdout, encoding="utf-8")
    assert invoke(["gains", "check", "gains.toml", "--since", "2026-13-01"], env).exit_code == 2
    empty = invoke(["gains", "check", "gains.toml", "--since", "2026-02-01", "--until", "2026-01-01"], env)
    assert empty.exit_code == 2 and "--until 2026-01-01 is before --since 2026-02-01" in empty.stderr


def test_the_window_starts_at_the_first_ledger_record_and_says_so(tmp_path: Path, env: dict[str, str]) -> None:
    # The ledger's calls are on 15 January; the use case starts on 1 January.
    (tmp_path / "g.toml").write_text(
        '[[use_case]]\nname = "Routes"\nworkloads = ["route-planner"]\nreference = "by hand"\nstart = 2026-01-01\n'
        '  [[use_case.gain]]\n  activity = "diesel"\n  quantity = 10\n  unit = "L"\n', encoding="utf-8")
    out = invoke(["gains", "check", "g.toml", "--until", "2026-01-31", "--format", "json"], env)
    assert out.exit_code == 0, out.stderr
    uc = json.loads(out.stdout)["use_cases"][0]
    assert (uc["since"], uc["active_from"], uc["start"]) == ("2026-01-15", "2026-01-15", "2026-01-01")
    assert uc["payback"]["date"] == "2026-01-15"
    text = invoke(["gains", "check", "g.toml", "--until", "2026-01-31"], env).stdout
    assert "over 2026-01-15 to 2026-01-31" in text and "counted from 2026-01-15, the first ledger record" in text


def test_check_reads_the_ledger_named_by_the_option(tmp_path: Path) -> None:
    import time

    from click.testing import CliRunner

    from frugal_ai import ledger
    from frugal_ai.cli import main
    from frugal_ai.ledger.records import ApiCallRecord

    gains = tmp_path / "g.toml"
    gains.write_text(CliRunner().invoke(main, ["gains", "template"]).output)
    other = tmp_path / "elsewhere" / "ledger.sqlite"
    now = time.time()
    call = ApiCallRecord(id="c1", provider="openai", model="gpt-4o-mini", start=now - 5, end=now - 4,
                         input_tokens=800, output_tokens=300, name="route-planner")
    ledger.writer_for(other).submit(call)
    ledger.flush()

    def footprint_g(*extra: str) -> float:
        result = CliRunner().invoke(main, ["gains", "check", str(gains), "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        case = json.loads(result.stdout)["use_cases"][0]
        return case["footprint_co2e_kg"]["central"]

    assert footprint_g("--ledger", str(other)) > footprint_g()
