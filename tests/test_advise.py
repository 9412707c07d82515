"""Ranked savings from a real ledger, the real catalogue and the real estimator."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frugal_ai.advise import QUALITY_CAVEAT, advise, savings, smaller_models_of
from frugal_ai.config import Settings, load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate import estimate_llm
from frugal_ai.factors import factor_set
from frugal_ai.footprint import Range
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord

START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc).timestamp()


def calls(n: int, model: str, provider: str, name: str = "w", local: bool = False) -> list[ApiCallRecord]:
    return [
        ApiCallRecord(id=uuid.uuid4().hex, provider=provider, model=model, start=START + i, end=START + i + 1,
                      input_tokens=1000, output_tokens=300, name=name, local=local, source="manual")
        for i in range(n)
    ]


def advice_for(tmp_path: Path, records: list[ApiCallRecord], settings: Settings):  # type: ignore[no-untyped-def]
    path = tmp_path / "ledger.sqlite"
    write_records(path, records)
    return advise(load_inventory(path, settings=settings), settings)


FR = load_settings(env={}, overrides={"country": "FR"})


def test_a_smaller_model_of_the_same_family(tmp_path: Path) -> None:
    items = advice_for(tmp_path, calls(40, "gpt-4o", "openai"), FR)
    smaller = [a for a in items if a.kind == "smaller_model"]
    assert len(smaller) == 1
    a = smaller[0]
    assert a.alternative.model == "gpt-4o-mini" and a.requests == 40
    big = estimate_llm("gpt-4o", 1000, 300, provider="openai", requests=40, settings=FR)
    mini = estimate_llm("gpt-4o-mini", 1000, 300, provider="openai", requests=40, settings=FR)
    assert a.savings_co2e_kg.central == pytest.approx(big.co2e_kg.central - mini.co2e_kg.central)
    assert a.savings_co2e_kg.low == pytest.approx(min(big.co2e_kg.low - mini.co2e_kg.low, big.co2e_kg.high - mini.co2e_kg.high))
    assert a.share_of_total == pytest.approx(a.savings_co2e_kg.central / big.co2e_kg.central, rel=1e-6)
    assert a.caveat == QUALITY_CAVEAT and "A/B-test" in a.caveat and "does not judge answer quality" in a.caveat


def test_savings_are_exact_sums_over_requests_of_uneven_length(tmp_path: Path) -> None:
    """Prefill grows with input_tokens²: the advice re-estimates request by request (exactly,
    from the ledger's sums), not an average request, which would miss N·Var(n) on both sides."""
    lengths = [200, 300, 60_000, 120_000]
    records = [
        ApiCallRecord(id=uuid.uuid4().hex, provider="openai", model="gpt-4o", start=START + i, end=START + i + 1,
                      input_tokens=n, output_tokens=300, name="w", source="manual")
        for i, n in enumerate(lengths)
    ]
    (a,) = [x for x in advice_for(tmp_path, records, FR) if x.kind == "smaller_model"]

    def per_request(model: str) -> Range:
        fps = [estimate_llm(model, n, 300, provider="openai", settings=FR) for n in lengths]
        return Range.of(*(sum(getattr(f.co2e_kg, b) for f in fps) for b in ("low", "central", "high")))

    big, mini = per_request("gpt-4o"), per_request("gpt-4o-mini")
    assert a.current_co2e_kg.central == pytest.approx(big.central, rel=1e-9)
    assert a.alternative_co2e_kg.central == pytest.approx(mini.central, rel=1e-9)
    assert a.savings_co2e_kg.central == pytest.approx(big.central - mini.central, rel=1e-9)
    # The average request gives another figure: this test tells the two methods apart.
    mean = sum(lengths) / len(lengths)
    avg = (estimate_llm("gpt-4o", mean, 300, provider="openai", requests=4, settings=FR).co2e_kg.central
           - estimate_llm("gpt-4o-mini", mean, 300, provider="openai", requests=4, settings=FR).co2e_kg.central)
    assert avg != pytest.approx(a.savings_co2e_kg.central, rel=1e-3)


def test_smaller_models_come_from_the_catalogues_family_and_tier() -> None:
    fs = factor_set()
    for model in ("gpt-4.1", "mistral-large-2", "gemini-2.5-pro", "claude-opus-4-5"):
        entry = fs.model(model)
        found = smaller_models_of(fs, model)
        assert found, model
        for other in found:
            e = fs.model(other)
            assert e.family == entry.family and e.tier < entry.tier
    assert smaller_models_of(fs, "gpt-4o-mini") == []  # tier 1: nothing smaller


def test_no_smaller_model_below_the_lowest_tier(tmp_path: Path) -> None:
    assert [a for a in advice_for(tmp_path, calls(40, "gpt-4o-mini", "openai"), FR) if a.kind == "smaller_model"] == []


def test_a_cleaner_region_of_the_same_provider(tmp_path: Path) -> None:
    items = advice_for(tmp_path, calls(40, "gpt-4o", "azure"), FR)
    region = [a for a in items if a.kind == "cleaner_region"]
    assert len(region) == 1
    fs = factor_set()
    cleanest = min((d for d in fs.datacenters("azure")), key=lambda d: fs.electricity(d.zone).co2e_kg_per_kwh)
    assert region[0].alternative.zone == cleanest.zone and region[0].alternative.provider == "azure"
    assert region[0].savings_co2e_kg.central > 0


def test_a_pinned_provider_zone_is_respected(tmp_path: Path) -> None:
    pinned = load_settings(env={}, overrides={"country": "FR", "providers": {"azure": {"zone": "DE"}}})
    assert [a for a in advice_for(tmp_path, calls(40, "gpt-4o", "azure"), pinned) if a.kind == "cleaner_region"] == []


def test_open_weights_locally_only_where_cleaner(tmp_path: Path) -> None:
    fr_items = advice_for(tmp_path, calls(40, "llama-3.1-70b", "together"), FR)
    local = [a for a in fr_items if a.kind == "local_model"]
    assert len(local) == 1 and local[0].alternative.provider == "local" and local[0].alternative.zone == "FR"
    assert "on-premises PUE" in local[0].basis
    # an open-weight model can also be served elsewhere: a cleaner provider's region is offered
    assert any(a.kind == "cleaner_region" for a in fr_items)
    pl = load_settings(env={}, overrides={"country": "PL"})
    pl_items = advice_for(tmp_path / "pl", calls(40, "llama-3.1-70b", "together"), pl)
    assert [a for a in pl_items if a.kind == "local_model"] == []  # Poland's grid is dirtier than the world's


def test_proprietary_models_are_not_advised_to_run_locally(tmp_path: Path) -> None:
    assert [a for a in advice_for(tmp_path, calls(40, "gpt-4o", "openai"), FR) if a.kind == "local_model"] == []


def test_ranked_by_savings_and_local_or_unknown_calls_ignored(tmp_path: Path) -> None:
    records = calls(40, "gpt-4o", "openai", "a") + calls(400, "gpt-4.1", "azure", "b")
    records += calls(40, "llama-3.1-70b", "ollama", "c", local=True) + calls(40, "no-such-model", "openai", "d")
    items = advice_for(tmp_path, records, FR)
    assert [a.savings_co2e_kg.central for a in items] == sorted((a.savings_co2e_kg.central for a in items), reverse=True)
    assert {a.workload for a in items} == {"a", "b"}
    assert items[0].workload == "b"


def test_no_api_use_no_advice(tmp_path: Path) -> None:
    assert advice_for(tmp_path, [], FR) == []


finite = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=3, max_size=3), st.lists(finite, min_size=3, max_size=3))
def test_savings_is_an_ordered_range(a: list[float], b: list[float]) -> None:
    cur, alt = Range.of(*sorted(a)), Range.of(*sorted(b))
    s = savings(cur, alt)
    assert s.low <= s.central <= s.high
    assert s.central == cur.central - alt.central
