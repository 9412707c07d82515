"""The region a call went to gives the zone it is priced in: a Bedrock call recorded through
boto3 in eu-west-3 is priced with AWS's Paris data centre (grid FRA), one in eu-central-1 with
Frankfurt's (DEU); a region the factor base lacks keeps the provider's default; a configured
`providers.aws.zone` still wins. Vertex AI's regional hosts likewise; Azure hosts name no region."""

from __future__ import annotations

import gc
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import frugal_ai
from frugal_ai.cli import main
from frugal_ai.config import settings_in_force
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate.group import group_estimate
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord

from fakeservers.fixtures import ledger_rows
from fakeservers.server import FakeAPIServer
# The Bedrock endpoint and a clean AWS environment (autouse), as the capture tests have them.
from test_capture_bedrock import MESSAGES, _aws_env, bedrock_server, client  # noqa: F401

MODEL_ID = "eu.amazon.nova-lite-v1:0"


def _converse_in(server: FakeAPIServer, ledger_path: Path, *regions: str) -> list[dict[str, Any]]:
    frugal_ai.instrument()
    for region in regions:
        client(server, region=region).converse(modelId=MODEL_ID, messages=MESSAGES)
    gc.collect()
    rows = ledger_rows(ledger_path)
    assert sorted(r["host"] for r in rows) == sorted(f"bedrock-runtime.{r}.amazonaws.com" for r in regions)
    assert all(r["provider"] == "aws" and r["input_tokens"] > 0 for r in rows)
    return rows


def _report(ledger_path: Path) -> dict[str, Any]:
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    r = CliRunner().invoke(main, ["report", "--period", month, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def _estimated(ledger_path: Path) -> list[Any]:
    return [row for row in load_inventory(ledger_path).rows if row.method == "estimated"]


def test_bedrock_calls_are_priced_in_their_region(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    calls = _converse_in(bedrock_server, ledger_path, "eu-west-3", "eu-central-1")

    rows = {row.region: row for row in _estimated(ledger_path)}
    assert {r: row.zone for r, row in rows.items()} == {"eu-west-3": "FRA", "eu-central-1": "DEU"}
    # Each row's figures are the estimate in that region's data centre, nothing else.
    settings = settings_in_force()
    for call in calls:
        region = call["host"].split(".")[1]
        expected = group_estimate(MODEL_ID, "aws", requests=1, input_tokens=call["input_tokens"],
                                  input_tokens_sq=call["input_tokens"] ** 2, output_tokens=call["output_tokens"],
                                  reasoning_tokens=0, settings=settings, region=region)
        assert rows[region].footprint is not None
        assert rows[region].footprint.co2e_kg.central == pytest.approx(expected.co2e_kg.central, rel=1e-12)
    assert rows["eu-west-3"].footprint.co2e_kg.central < rows["eu-central-1"].footprint.co2e_kg.central  # type: ignore[union-attr]

    report = _report(ledger_path)
    assert {z["key"] for z in report["by_zone"]} == {"FRA", "DEU"}
    centres = {f["key"]: f["values"]["zone"] for f in report["methodology"]["factors"] if f["kind"] == "datacenter"}
    assert centres == {"aws/eu-west-3": "FRA", "aws/eu-central-1": "DEU"}


def test_a_region_the_factor_base_lacks_keeps_the_provider_default(
    bedrock_server: FakeAPIServer, ledger_path: Path
) -> None:
    _converse_in(bedrock_server, ledger_path, "ap-southeast-2")
    (row,) = _estimated(ledger_path)
    assert (row.zone, row.region) == ("USA", None)
    centres = {f["key"] for f in _report(ledger_path)["methodology"]["factors"] if f["kind"] == "datacenter"}
    assert centres == {"aws"}


def test_a_configured_zone_still_wins_over_the_region(
    bedrock_server: FakeAPIServer, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRUGAL_AI_PROVIDERS__AWS__ZONE", "SE")
    _converse_in(bedrock_server, ledger_path, "eu-west-3")
    (row,) = _estimated(ledger_path)
    assert row.zone == "SWE"
    report = _report(ledger_path)
    assert [z["key"] for z in report["by_zone"]] == ["SWE"]
    (centre,) = [f for f in report["methodology"]["factors"] if f["kind"] == "datacenter"]
    assert (centre["key"], centre["values"]["zone"]) == ("aws/eu-west-3", "SWE")


def test_vertex_hosts_name_their_region_and_azure_hosts_do_not(ledger_path: Path) -> None:
    start = datetime.now(timezone.utc).timestamp() - 60
    calls = [("google", "europe-west9-aiplatform.googleapis.com", "gemini-2.0-flash"),
             ("google", "generativelanguage.googleapis.com", "gemini-2.0-flash"),
             ("azure", "francecentral-res.openai.azure.com", "gpt-4o")]
    write_records(ledger_path, [
        ApiCallRecord(id=f"c{i}", provider=p, model=m, host=h, start=start + i, end=start + i + 1,
                      input_tokens=300, output_tokens=100, source="capture")
        for i, (p, h, m) in enumerate(calls)
    ])
    zones = {(row.provider, row.region): row.zone for row in _estimated(ledger_path)}
    assert zones == {("google", "europe-west9"): "FRA", ("google", None): "USA", ("azure", None): "USA"}
