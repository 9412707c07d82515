"""`frugal-ai doctor` lists the HTTP clients installed here and whether their calls are captured."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.capture import coverage
from frugal_ai.cli import main


def test_doctor_lists_the_covered_clients(ledger_path: Path) -> None:
    result = CliRunner().invoke(main, ["doctor", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = {c["client"]: c for c in json.loads(result.output)["capture"]}
    for client in ("httpx", "httpx2", "urllib3", "botocore"):  # all installed by the test extra
        assert listed[client]["covered"] is True
        assert listed[client]["version"] == metadata.version(client)
    table = CliRunner().invoke(main, ["doctor"]).output
    assert "API call capture" in table and f"urllib3 {metadata.version('urllib3')}" in table


def test_urllib3_1_is_listed_as_not_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.version
    monkeypatch.setattr(coverage.metadata, "version", lambda name: "1.26.20" if name == "urllib3" else real(name))
    (found,) = [c for c in coverage.clients_covered() if c.client == "urllib3"]
    assert (found.covered, found.version) == (False, "1.26.20")


def test_an_installed_client_that_is_not_captured_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.version
    monkeypatch.setattr(coverage.metadata, "version", lambda name: "3.9.0" if name == "grpcio" else real(name))
    (found,) = [c for c in coverage.clients_covered() if c.client == "grpcio"]
    assert not found.covered and "record_llm_call" in found.how
