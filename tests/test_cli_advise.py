"""`frugal-ai advise`: ranked savings as a table or JSON, with the quality caveat."""

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


def write(ledger: Path, when: dt.datetime, model: str, n: int) -> None:
    start = when.replace(tzinfo=dt.timezone.utc).timestamp()
    write_records(ledger, [
        ApiCallRecord(id=uuid.uuid4().hex, provider="openai", model=model, start=start + i, end=start + i + 1,
                      input_tokens=1500, output_tokens=400, name="drafts", source="manual")
        for i in range(n)
    ])


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    write(ledger, dt.datetime(2026, 2, 10), "gpt-4.1", 30)
    write(ledger, dt.datetime(2026, 4, 10), "gpt-4o", 30)
    return {"FRUGAL_AI_LEDGER": str(ledger), "FRUGAL_AI_COUNTRY": "FR"}


def test_table_ranks_savings_and_says_to_ab_test(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["advise"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    assert "gpt-4.1-mini" in out and "gpt-4o-mini" in out
    assert "does not judge answer quality" in out and "A/B-test" in out
    assert "Batching is not advised" in out


def test_json_and_period(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["advise", "--since", "2026-04-01", "--format", "json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["advice_schema_version"] == "1"
    assert data["period"] == {"since": "2026-04-01", "until": None}
    assert any("Batching is not advised" in n for n in data["notes"])
    assert any("does not judge answer quality" in n for n in data["notes"])
    items = data["advice"]
    assert [(a["kind"], a["model"], a["alternative"]["model"]) for a in items if a["kind"] == "smaller_model"] == [
        ("smaller_model", "gpt-4o", "gpt-4o-mini")]
    # The same model from Azure, whose regional deployments serve it (model_offers.csv), is the other action.
    assert {(a["kind"], a["alternative"]["provider"]) for a in items} == {("smaller_model", "openai"), ("cleaner_region", "azure")}
    a = items[0]
    assert a["caveat"].startswith("frugal-ai does not judge answer quality")
    assert a["savings_co2e_kg"]["low"] <= a["savings_co2e_kg"]["central"] <= a["savings_co2e_kg"]["high"]


def test_until_is_the_last_day_included(env: dict[str, str]) -> None:
    # The April calls start on 2026-04-10 at midnight and run for 30 s: --until 2026-04-10 keeps them.
    got = CliRunner().invoke(main, ["advise", "--since", "2026-04-10", "--until", "2026-04-10", "--format", "json"],
                             env=env, catch_exceptions=False)
    assert got.exit_code == 0
    assert {a["model"] for a in json.loads(got.stdout)["advice"]} == {"gpt-4o"}
    assert json.loads(got.stdout)["advice"][0]["requests"] == 30
    before = CliRunner().invoke(main, ["advise", "--until", "2026-04-09", "--format", "json"], env=env,
                                catch_exceptions=False)
    assert {a["model"] for a in json.loads(before.stdout)["advice"]} == {"gpt-4.1"}


def test_batching_is_declined_with_its_reason(env: dict[str, str]) -> None:
    out = CliRunner().invoke(main, ["advise"], env=env, catch_exceptions=False).stdout
    assert "no fixed cost per request" in out and "never prompt text" in out


def test_nothing_to_advise(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["advise", "--since", "2027-01-01"], env=env, catch_exceptions=False)
    assert result.exit_code == 0 and "No saving found" in result.stdout


def test_bad_date_exits_2(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["advise", "--since", "yesterday"], env=env)
    assert result.exit_code == 2
    # The same wording as `report --since yesterday`, not click's strptime pattern.
    report = CliRunner().invoke(main, ["report", "--since", "yesterday"], env=env)
    assert result.stderr.strip() == report.stderr.strip()
    assert "--since 'yesterday': expected a date as YYYY-MM-DD" in result.stderr and "%Y" not in result.stderr


def test_ledger_option_reads_that_ledger(env: dict[str, str], tmp_path) -> None:
    env_elsewhere = {**env, "FRUGAL_AI_LEDGER": str(tmp_path / "empty.sqlite")}
    empty = CliRunner().invoke(main, ["advise", "--format", "json"], env=env_elsewhere, catch_exceptions=False)
    assert json.loads(empty.stdout)["advice"] == []
    got = CliRunner().invoke(main, ["advise", "--format", "json", "--ledger", env["FRUGAL_AI_LEDGER"]],
                             env=env_elsewhere, catch_exceptions=False)
    assert got.exit_code == 0 and json.loads(got.stdout)["advice"]
