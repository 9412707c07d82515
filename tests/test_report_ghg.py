"""The GHG Protocol view of the report: Scope 2 is the combustion part of the measured
electricity, Scope 3 cat. 3 its upstream part, API use whole in cat. 1; failed calls counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.factors import factor_set
from frugal_ai.footprint import Range
from frugal_ai.report import build_report, parse_period, render
from frugal_ai.report.model import split_upstream
from golden.fixed_ledger import build, settings


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    ledger = build(tmp_path_factory.mktemp("ghg") / "ledger.sqlite")
    return build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger))


def test_the_upstream_share_comes_from_the_factor_base_with_its_source() -> None:
    c = factor_set().constant("electricity.upstream_share")
    assert 0 < c.low <= c.central <= c.high <= 1
    for sid in c.sources:
        assert factor_set().source(sid).citation


def test_scope2_and_cat3_split_the_measured_life_cycle_emissions(report) -> None:  # type: ignore[no-untyped-def]
    share = factor_set().constant("electricity.upstream_share").range
    measured = next(m for m in report.by_method if m.method == "measured")
    g = report.ghg
    # Measured rows have no embodied part here, so their usage CO2e is the method total.
    life_cycle = measured.co2e_kg
    assert life_cycle.central > 0
    assert g.scope2_location_kg.central + g.scope3_cat3_kg.central == pytest.approx(life_cycle.central)
    assert g.scope2_location_kg.central == pytest.approx(life_cycle.central * (1 - share.central))
    assert g.scope3_cat3_kg.central == pytest.approx(life_cycle.central * share.central)
    # Each part's range covers every share in the factor base's range.
    assert g.scope2_location_kg.low == pytest.approx(life_cycle.low * (1 - share.high))
    assert g.scope2_location_kg.high == pytest.approx(life_cycle.high * (1 - share.low))
    assert g.scope3_cat3_kg.low == pytest.approx(life_cycle.low * share.low)
    assert g.scope3_cat3_kg.high == pytest.approx(life_cycle.high * share.high)
    assert g.upstream_share == share.central and g.upstream_share_range == share
    assert "boundary.scope3_cat3_upstream" in g.boundaries
    # No contractual factor: market-based equals location-based (the combustion part).
    assert g.scope2_market_basis == "equal_to_location" and g.scope2_market_kg == g.scope2_location_kg


def test_api_use_stays_whole_in_category_1(report) -> None:  # type: ignore[no-untyped-def]
    estimated = next(m for m in report.by_method if m.method == "estimated")
    assert report.ghg.scope3_cat1_kg.central == pytest.approx(estimated.co2e_kg.central)
    scope3 = next(d for d in report.datapoints if d.key == "dp.e1_6_scope3")
    assert scope3.base.central == pytest.approx(report.ghg.scope3_cat1_kg.central + report.ghg.scope3_cat3_kg.central)


def test_split_upstream_keeps_order_and_the_central_sum() -> None:
    combustion, upstream = split_upstream(Range.of(8.0, 10.0, 13.0), Range.of(0.07, 0.18, 1.0))
    assert combustion.low <= combustion.central <= combustion.high
    assert upstream.low <= upstream.central <= upstream.high
    assert combustion.central + upstream.central == pytest.approx(10.0)
    assert combustion.low == 0.0 and upstream.high == pytest.approx(13.0)


def test_failed_calls_are_counted_in_data_quality(report) -> None:  # type: ignore[no-untyped-def]
    m = report.methodology
    assert (m.failed_requests, m.failed_tokenless) == (2, 2)
    assert "note.failed_calls" in m.notes
    text = render(report, "md", "en")
    assert "Failed API calls" in text and "counted as requests" in text
    assert "Appels d'API en échec" in render(report, "md", "fr")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "18%, range 7% to 100%) is reported under Scope 3 category 3"),
    ("fr", "18\u00a0%, entre 7\u00a0% et 100\u00a0%) est déclarée en Scope 3 catégorie 3"),
])
def test_the_boundary_sentence_states_the_share_and_its_range(report, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert expected in render(report, "md", lang)
