"""The fixed ledger of the golden-file tests: a small company's quarter, every kind of row.

Changing these records changes every golden file: regenerate them with
`FRUGAL_AI_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py` and review the diff.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from frugal_ai.config import Settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.records import ApiCallRecord, RunRecord

GAINS = Path(__file__).with_name("gains.toml")


def ts(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> float:
    return datetime(y, m, d, h, minute, tzinfo=timezone.utc).timestamp()


def settings(ledger: Path) -> Settings:
    """Fixed settings: no config file, no environment."""
    return Settings(country="FR", ledger=ledger, project="golden")


def records() -> list[RunRecord | ApiCallRecord]:
    recs: list[RunRecord | ApiCallRecord] = [
        # Local fine-tuning measured with RAPL, with a nested evaluation step.
        RunRecord(id="run-01", name="ticket-classifier", start=ts(2026, 7, 6), end=ts(2026, 7, 6, 11), zone="FR",
                  method="rapl+ram_model", cpu_kwh=0.42, gpu_kwh=0.0, ram_kwh=0.05, tags={"team": "data"}),
        RunRecord(id="run-01a", parent_id="run-01", name="evaluate", start=ts(2026, 7, 6, 10, 50),
                  end=ts(2026, 7, 6, 11), zone="FR", method="rapl+ram_model", cpu_kwh=0.04, ram_kwh=0.005),
        RunRecord(id="run-02", name="ticket-classifier", start=ts(2026, 8, 3), end=ts(2026, 8, 3, 12), zone="FR",
                  method="rapl+nvml+ram_model", cpu_kwh=0.30, gpu_kwh=1.10, ram_kwh=0.08, tags={"team": "data"}),
        # A laptop without RAPL and without a configured zone: TDP fallback.
        RunRecord(id="run-03", name="ocr-local", start=ts(2026, 9, 14), end=ts(2026, 9, 14, 10, 30), zone=None,
                  method="tdp_fallback+ram_model", cpu_kwh=0.03, ram_kwh=0.004),
        # A local inference server called from the OCR run: counted, no estimate.
        ApiCallRecord(id="call-local-1", provider="ollama", model="llama3.1:8b", start=ts(2026, 9, 14, 10, 5),
                      end=ts(2026, 9, 14, 10, 6), input_tokens=900, output_tokens=200, name="ocr-local",
                      run_id="run-03", local=True, source="capture"),
        # Outside the quarter: must not count.
        RunRecord(id="run-99", name="ticket-classifier", start=ts(2026, 10, 1, 0, 30), end=ts(2026, 10, 1, 1),
                  zone="FR", method="rapl+ram_model", cpu_kwh=9.0),
    ]
    # A support chatbot on gpt-4o-mini, and contract summaries on claude, over three months.
    n = 0
    for month in (7, 8, 9):
        for day in range(1, 29, 3):
            for k in range(4):
                n += 1
                recs.append(ApiCallRecord(
                    id=f"call-{n:04d}", provider="openai", model="gpt-4o-mini", start=ts(2026, month, day, 9 + k),
                    end=ts(2026, month, day, 9 + k) + 2.5, input_tokens=600 + 150 * k, output_tokens=180 + 20 * k,
                    latency_s=2.5, name="support-chatbot", tags={"team": "support"}, source="manual"))
            n += 1
            recs.append(ApiCallRecord(
                id=f"call-{n:04d}", provider="anthropic", model="claude-sonnet-4", start=ts(2026, month, day, 15),
                end=ts(2026, month, day, 15) + 9.0, input_tokens=12000, output_tokens=700, reasoning_tokens=300,
                latency_s=9.0, name="contract-summary", tags={"team": "legal"}, source="capture"))
    # A call outside any run, to a model that is not in the catalogue.
    recs.append(ApiCallRecord(id="call-x", provider="acme", model="acme-llm-7", start=ts(2026, 8, 20),
                              end=ts(2026, 8, 20) + 1, input_tokens=100, output_tokens=50, name=None))
    # Rate-limited calls of the chatbot (HTTP 429, no tokens): counted as requests, zero energy.
    for k in range(2):
        recs.append(ApiCallRecord(id=f"call-429-{k}", provider="openai", model="gpt-4o-mini",
                                  start=ts(2026, 9, 2, 9, k), end=ts(2026, 9, 2, 9, k) + 0.2, status="failed",
                                  http_status=429, name="support-chatbot", tags={"team": "support"}, source="capture"))
    # A short script that ended before the tracker was ready: its energy is extrapolated.
    recs.append(RunRecord(id="run-04", name="ocr-local", start=ts(2026, 9, 21), end=ts(2026, 9, 21) + 3, zone="FR",
                          method="rapl+ram_model", cpu_kwh=0.002, ram_kwh=0.0002, coverage=0.0))
    return recs


def build(path: Path) -> Path:
    write_records(path, records())
    return path
