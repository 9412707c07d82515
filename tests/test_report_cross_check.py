"""The time-based cross-check in the inventory and the report (docs/methodology.md § 3.10).

A real captured call to the fake OpenAI server that answers slowly gets a time-based
range; a reasoning model recorded with no reasoning tokens and long calls is flagged in the
report's data-quality section (JSON, Markdown, HTML, in English and French); a failed call's
wait is not serving time; groups are checked from their sums.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.server import FakeAPIServer
from frugal_ai.config import Settings, load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate import estimate_llm
from frugal_ai.estimate.cross_check import estimate_from_latency
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.report import build_report, parse_period, render

T0 = 1_780_000_000.0  # 2026-05-28


def _call(i: int, model: str, n_in: int, n_out: int, latency: float | None, *, reasoning: int = 0, status: str = "ok",
          workload: str = "agent", requests: int = 1) -> ApiCallRecord:
    return ApiCallRecord(id=f"c{i}", provider="openai", model=model, start=T0 + i, end=T0 + i + (latency or 0.0),
                         input_tokens=n_in, output_tokens=n_out, reasoning_tokens=reasoning, latency_s=latency,
                         status=status, name=workload, requests=requests, source="manual")  # type: ignore[arg-type]


def test_a_slow_captured_call_gets_a_time_based_range(capture: None, fake_server: FakeAPIServer, ledger_path: Path,
                                                      tmp_path: Path) -> None:
    """The fake server waits 2 s before answering a model named '...slow...': the captured call's
    duration (request sent to last byte) prices it from time too, and its range spans both."""
    import openai

    Path("frugal-ai.toml").write_text('[model_aliases]\n"gpt-4o-mini-slow" = "gpt-4o-mini"\n')
    client = openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="k", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini-slow", messages=[{"role": "user", "content": "hi"}])
    import frugal_ai.ledger as ledger

    ledger.flush()
    (row,) = ledger_rows(ledger_path)
    assert row["status"] == "ok" and row["latency_s"] >= 2.0
    settings = load_settings()
    (priced,) = [r for r in load_inventory(ledger_path, settings=settings).rows if r.model == "gpt-4o-mini-slow"]
    assert priced.timed_requests == 1 and priced.latency_s == pytest.approx(row["latency_s"])
    assert priced.time_based is not None and priced.token_based_timed is not None and priced.footprint is not None
    time_alone = estimate_from_latency("gpt-4o-mini", row["latency_s"], input_tokens=row["input_tokens"], provider="openai",
                                       settings=settings)
    assert priced.time_based.energy_kwh.central == pytest.approx(time_alone.energy_kwh.central)
    token = estimate_llm("gpt-4o-mini", row["input_tokens"], row["output_tokens"], provider="openai", settings=settings)
    e = priced.footprint.energy_kwh
    assert e.central == pytest.approx(token.energy_kwh.central)
    assert e.high == pytest.approx(max(token.energy_kwh.high, time_alone.energy_kwh.high))
    assert e.low == pytest.approx(min(token.energy_kwh.low, time_alone.energy_kwh.low))
    # Ten output tokens in two seconds: far longer than the tokens explain, and the range reaches up to it.
    assert e.high > token.energy_kwh.high


@pytest.fixture
def reasoning_ledger(ledger_path: Path) -> Path:
    """o3 recorded with no reasoning tokens and calls of 90 s (a provider that does not report
    them), beside gpt-4o-mini calls of a plausible duration, and untimed calls."""
    records = [_call(i, "o3", 400, 300, 90.0, requests=5) for i in range(4)]
    records += [_call(10 + i, "gpt-4o-mini", 800, 200, 2.5, workload="chat", requests=10) for i in range(3)]
    records += [_call(20 + i, "gpt-4o-mini", 800, 200, None, workload="chat", requests=10) for i in range(2)]
    write_records(ledger_path, records)
    return ledger_path


def test_a_reasoning_model_without_reasoning_tokens_and_long_calls_is_flagged(reasoning_ledger: Path) -> None:
    settings = Settings(country="FR", ledger=reasoning_ledger)
    report = build_report(reasoning_ledger, parse_period("2026"), settings=settings)
    m = report.methodology
    assert m.cross_checked_requests == 20 + 30 and m.disagreement_factor == 3.0
    (flag,) = m.estimator_disagreements
    assert (flag.workload, flag.provider, flag.model, flag.requests, flag.direction) == ("agent", "openai", "o3", 20, "time_above")
    assert flag.latency_s == pytest.approx(90.0)
    assert flag.ratio is not None and flag.ratio > 3
    assert flag.ratio == pytest.approx(flag.time_based_energy_kwh.central / flag.token_based_energy_kwh.central)

    data = json.loads(render(report, "json", "en"))
    assert data["methodology"]["estimator_disagreements"][0]["model"] == "o3"
    assert data["methodology"]["cross_checked_requests"] == 50
    md_en, html_en = render(report, "md", "en"), render(report, "html", "en")
    md_fr, html_fr = render(report, "md", "fr"), render(report, "html", "fr")
    for text in (md_en, html_en):
        assert "differ by more than 3x" in text and "unreported reasoning tokens" in text and "openai/o3" in text
    for text in (md_fr, html_fr):
        assert "facteur supérieur à 3" in text and "jetons de raisonnement non déclarés" in text
    # The chatbot's calls agree: not listed.
    assert "gpt-4o-mini in" not in md_en


def test_the_range_of_a_flagged_group_spans_the_time_based_estimate(reasoning_ledger: Path) -> None:
    settings = Settings(country="FR", ledger=reasoning_ledger)
    rows = {r.model: r for r in load_inventory(reasoning_ledger, settings=settings).rows}
    o3 = rows["o3"]
    assert o3.footprint is not None and o3.time_based is not None and o3.token_based_timed is not None
    assert o3.footprint.energy_kwh.high == pytest.approx(o3.time_based.energy_kwh.high)
    assert o3.footprint.energy_kwh.central == pytest.approx(o3.token_based_timed.energy_kwh.central)
    # The chatbot: 30 timed requests, 20 without a duration keep their token-based range.
    chat = rows["gpt-4o-mini"]
    assert (chat.requests, chat.timed_requests) == (50, 30)
    untimed = estimate_llm("gpt-4o-mini", 800, 200, provider="openai", requests=20, settings=settings)
    assert chat.footprint is not None and chat.token_based_timed is not None and chat.time_based is not None
    low_timed = min(chat.token_based_timed.energy_kwh.low, chat.time_based.energy_kwh.low)
    assert chat.footprint.energy_kwh.low == pytest.approx(untimed.energy_kwh.low + low_timed)


def test_a_failed_calls_wait_is_not_serving_time(ledger_path: Path) -> None:
    """A timed-out call (30 s, no tokens) is counted, never priced from its wait."""
    write_records(ledger_path, [_call(1, "gpt-4o-mini", 0, 0, 30.0, status="failed"),
                                _call(2, "gpt-4o-mini", 500, 100, 1.5)])
    (row,) = load_inventory(ledger_path, settings=Settings(country="FR", ledger=ledger_path)).rows
    assert (row.requests, row.failed_requests, row.timed_requests) == (2, 1, 1)
    assert row.latency_s == pytest.approx(1.5)


def test_calls_without_a_duration_are_not_cross_checked(ledger_path: Path) -> None:
    write_records(ledger_path, [_call(1, "gpt-4o-mini", 500, 100, None)])
    settings = Settings(country="FR", ledger=ledger_path)
    (row,) = load_inventory(ledger_path, settings=settings).rows
    assert row.timed_requests == 0 and row.time_based is None
    assert row.footprint == estimate_llm("gpt-4o-mini", 500, 100, provider="openai", settings=settings)
    report = build_report(ledger_path, parse_period("2026"), settings=settings)
    assert report.methodology.cross_checked_requests == 0 and report.methodology.estimator_disagreements == []
    assert "estimated from it" not in render(report, "md", "en")
