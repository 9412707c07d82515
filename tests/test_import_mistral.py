"""Mistral usage reaches the ledger through the routes docs/imports.md gives (Mistral publishes
no usage export with request counts: see "Mistral" there): OpenTelemetry spans of the Mistral
instrumentations and LiteLLM spend logs of calls routed to Mistral, through `frugal-ai ledger
import` into a real ledger file. Every spelling of Mistral these tools write lands as the one
provider `mistral`, priced with Mistral's data centre (not the default one) and reported as
one model line, not one per spelling."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _providers(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [p for (p,) in conn.execute("SELECT provider FROM api_calls ORDER BY start")]
    finally:
        conn.close()


def _report() -> dict:
    result = CliRunner().invoke(main, ["report", "--period", "2026-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name, rows", [("otlp-mistral.json", 2), ("litellm-mistral.json", 3)])
def test_every_spelling_of_mistral_imports_as_the_provider_mistral(ledger_path: Path, name: str, rows: int) -> None:
    result = CliRunner().invoke(main, ["ledger", "import", str(FIXTURES / name)])
    assert result.exit_code == 0, result.output
    assert f"{rows} new, 0 already in the ledger" in result.stdout
    assert _providers(ledger_path) == ["mistral"] * rows
    report = _report()
    datacentres = [f for f in report["methodology"]["factors"] if f["kind"] == "datacenter"]
    assert [(f["key"], f["values"]["fallback"]) for f in datacentres] == [("mistral", False)]
    lines = {(m["provider"], m["model"]) for m in report["by_model"]}
    assert {p for p, _ in lines} == {"mistral"}


def test_the_two_instrumentations_spans_of_one_model_are_one_report_line(ledger_path: Path) -> None:
    assert CliRunner().invoke(main, ["ledger", "import", str(FIXTURES / "otlp-mistral.json")]).exit_code == 0
    by_model = _report()["by_model"]
    assert [(m["provider"], m["model"], m["requests"]) for m in by_model] == [("mistral", "mistral-small-2506", 2)]
