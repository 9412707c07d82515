"""The report's recommendations section: what `advise` finds, carried into every format."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from frugal_ai import ledger
from frugal_ai.cli import main
from frugal_ai.ledger.records import ApiCallRecord


def _o3_month(path: Path) -> None:
    """A month of reasoning-model calls: the case where a smaller model of the family saves most."""
    writer = ledger.writer_for(path)
    start = time.time() - 20 * 86400
    for i in range(300):
        t = start + i * 3600
        writer.submit(ApiCallRecord(id=f"c{i}", provider="openai", model="o3", start=t, end=t + 8,
                                    input_tokens=1200, output_tokens=400, reasoning_tokens=2000,
                                    name="customer-notices"))
    ledger.flush()


def test_the_largest_saving_reaches_the_report_in_json_md_and_french(ledger_path: Path) -> None:
    _o3_month(ledger_path)
    runner = CliRunner()
    report = json.loads(runner.invoke(main, ["report", "--format", "json"]).stdout)
    recs = report["recommendations"]
    assert recs, "a month of o3 calls must yield at least one recommendation"
    top = recs[0]
    assert (top["kind"], top["model"], top["alternative_model"]) == ("smaller_model", "o3", "o3-mini")
    saved = top["savings_co2e_kg"]
    assert 0 < saved["low"] <= saved["central"] <= saved["high"]
    # Never more than the footprint it would cut.
    assert saved["high"] <= report["totals"]["co2e_kg"]["high"]

    md = runner.invoke(main, ["report", "--format", "md"]).stdout
    section = md[md.index("## 6."):md.index("## 7.")]
    assert "o3-mini" in section and "A/B" in section

    fr = runner.invoke(main, ["report", "--format", "md", "--lang", "fr"]).stdout
    section_fr = fr[fr.index("## 6."):fr.index("## 7.")]
    assert "o3-mini" in section_fr and "A/B" in section_fr
