"""The GHG Protocol view of the report: Scope 2 is the combustion part of the measured
electricity, Scope 3 cat. 3 its upstream part, API use whole in cat. 1; failed calls counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.errors import InputError
from frugal_ai.factors import factor_set
from frugal_ai.inventory import load_inventory
from frugal_ai.footprint import Range
from frugal_ai.report import build_report, parse_period, render
from frugal_ai.report.model import split_upstream
from golden.fixed_ledger import build, settings


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("ghg") / "ledger.sqlite")


@pytest.fixture(scope="module")
def report(ledger: Path):  # type: ignore[no-untyped-def]
    return build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger))


def test_the_upstream_share_is_per_zone_with_its_source() -> None:
    fs = factor_set()
    for zone in ("FR", None):
        e = fs.electricity(zone)
        assert 0 <= e.upstream_share.low <= e.upstream_share.central <= e.upstream_share.high <= 1
        for sid in e.sources:
            assert fs.source(sid).citation
    # The single global share of factor set 2026.11.2 is gone: nothing may fall back on it.
    with pytest.raises(InputError):
        fs.constant("electricity.upstream_share")


def test_scope2_and_cat3_split_each_zone_with_its_own_share(report, ledger: Path) -> None:  # type: ignore[no-untyped-def]
    fs = factor_set()
    period = parse_period("2026-Q3")
    inventory = load_inventory(ledger, since=period.since, until=period.until, settings=settings(ledger))
    measured_rows = [r for r in inventory.rows if r.method == "measured" and r.footprint is not None]
    zones = {r.zone for r in measured_rows}
    assert "FRA" in zones and None in zones  # the fixed ledger has French runs and a run without a zone
    expected_cat3 = expected_scope2 = Range.zero()
    for r in measured_rows:
        share = fs.electricity(r.zone).upstream_share
        co2e = r.footprint.usage.co2e_kg
        expected_scope2 += Range.of(co2e.low * (1 - share.high), co2e.central * (1 - share.central), co2e.high * (1 - share.low))
        expected_cat3 += Range.of(co2e.low * share.low, co2e.central * share.central, co2e.high * share.high)

    measured = report.by_method["measured"]
    g = report.ghg
    # Measured rows have no embodied part here, so their usage CO2e is the method total.
    life_cycle = measured.co2e_kg
    assert life_cycle.central > 0
    assert g.scope2_location_kg.central + g.scope3_cat3_kg.central == pytest.approx(life_cycle.central)
    for got, want in ((g.scope2_location_kg, expected_scope2), (g.scope3_cat3_kg, expected_cat3)):
        assert (got.low, got.central, got.high) == pytest.approx((want.low, want.central, want.high))
    # The stated share is the whole's: between France's and the world's, weighted by emissions.
    assert g.upstream_share == pytest.approx(g.scope3_cat3_kg.central / life_cycle.central)
    world, france = fs.electricity(None).upstream_share.central, fs.electricity("FR").upstream_share.central
    assert min(world, france) < g.upstream_share < max(world, france)
    r = g.upstream_share_range
    assert r is not None and r.low <= g.upstream_share <= r.high
    assert "boundary.scope3_cat3_upstream" in g.boundaries
    # No contractual factor: market-based equals location-based (the combustion part).
    assert g.scope2_market_basis == "equal_to_location" and g.scope2_market_kg == g.scope2_location_kg


def test_a_french_run_puts_more_in_cat3_than_a_world_run_would(report) -> None:  # type: ignore[no-untyped-def]
    # With France's share, the upstream part of the French runs' emissions is larger than the
    # world share (a gas/coal-led mix) would make it: Scope 2 is no longer overstated there.
    fs = factor_set()
    assert fs.electricity("FR").upstream_share.central > 2 * fs.electricity(None).upstream_share.central


def test_api_use_stays_whole_in_category_1(report) -> None:  # type: ignore[no-untyped-def]
    estimated = report.by_method["estimated"]
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
    # The fixed ledger's French runs and its run without a zone (world share), weighted.
    ("en", "reported under Scope 3 category 3: 39% of the measured electricity's emissions, range 31% to 41%."),
    ("fr", "déclarée en scope 3 catégorie 3\u00a0: 39\u00a0% des émissions de l'électricité mesurée, entre 31\u00a0% et 41\u00a0%."),
])
def test_the_boundary_sentence_states_the_share_and_its_range(report, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert expected in render(report, "md", lang)
