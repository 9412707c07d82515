"""The same model from another provider or region: data-driven places, starting from where the calls went.

Real ledger files, the real factor base (model_offers.csv, datacenters.csv) and the real estimator;
the expected figures are computed here from the same data, never typed in.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import pytest

from frugal_ai.advise import advise, cleaner_places
from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.errors import InputError
from frugal_ai.estimate.group import group_estimate
from frugal_ai.factors import data_dir, factor_set
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord

START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc).timestamp()
FR = load_settings(env={}, overrides={"country": "FR"})


def calls(n: int, model: str, provider: str, host: str = "", name: str = "w") -> list[ApiCallRecord]:
    return [
        ApiCallRecord(id=uuid.uuid4().hex, provider=provider, model=model, start=START + i, end=START + i + 1,
                      input_tokens=800 + 40 * (i % 7), output_tokens=250, name=name, host=host, source="manual")
        for i in range(n)
    ]


def inventory_of(tmp_path: Path, records: list[ApiCallRecord]):  # type: ignore[no-untyped-def]
    path = tmp_path / "ledger.sqlite"
    write_records(path, records)
    return load_inventory(path, settings=FR)


def test_gpt_4o_mini_from_openai_is_cleaner_from_azure_sweden_central(tmp_path: Path) -> None:
    """The issue's scenario: a gpt-4o-mini workload called from OpenAI (United States); Azure serves
    the same model in Sweden Central (a Standard deployment). The saving is the difference of the two
    exact group estimates, from the data."""
    inv = inventory_of(tmp_path, calls(200, "gpt-4o-mini", "openai", host="api.openai.com"))
    (a,) = [x for x in advise(inv, FR) if x.kind == "cleaner_region"]
    assert (a.alternative.provider, a.alternative.region, a.alternative.zone) == ("azure", "swedencentral", "SWE")
    (row,) = [r for r in inv.rows if r.model == "gpt-4o-mini"]
    sums = dict(requests=row.requests, input_tokens=row.input_tokens, input_tokens_sq=row.input_tokens_sq,
                output_tokens=row.output_tokens, reasoning_tokens=row.reasoning_tokens, settings=FR)
    openai_us = group_estimate("gpt-4o-mini", "openai", **sums)
    azure_se = group_estimate("gpt-4o-mini", "azure", region="swedencentral", **sums)
    assert a.current_co2e_kg.central == pytest.approx(row.footprint.co2e_kg.central, rel=1e-12)
    assert a.current_co2e_kg.central == pytest.approx(openai_us.co2e_kg.central, rel=1e-12)
    assert a.alternative_co2e_kg.central == pytest.approx(azure_se.co2e_kg.central, rel=1e-12)
    cut = a.savings_co2e_kg.central / a.current_co2e_kg.central
    fs = factor_set()
    # The cut is what the grids and data centres say: the United States' and Sweden's intensities times PUE.
    us, se = fs.datacenter("openai"), fs.datacenter("azure", "swedencentral")
    grid_ratio = (fs.electricity(se.zone).co2e_kg_per_kwh * se.pue.central) / (
        fs.electricity(us.zone).co2e_kg_per_kwh * us.pue.central)
    # Embodied emissions (hardware) do not move with the grid: what is left is at least the grids' ratio.
    assert grid_ratio <= 1 - cut < 0.5
    assert "Standard" in a.assumption and "Global" in a.assumption
    assert "A/B-test" in a.caveat


def test_the_comparison_starts_from_the_region_the_calls_went_to(tmp_path: Path) -> None:
    """Bedrock calls in Frankfurt are priced in Frankfurt (DEU): the advice's current footprint is the
    inventory's, and the cleaner place is compared with Frankfurt, not with AWS's default region."""
    host = "bedrock-runtime.eu-central-1.amazonaws.com"
    inv = inventory_of(tmp_path, calls(120, "claude-3-haiku", "aws", host=host))
    (row,) = [r for r in inv.rows if r.model == "claude-3-haiku"]
    assert (row.region, row.zone) == ("eu-central-1", "DEU")
    items = advise(inv, FR)
    assert items
    for a in items:
        assert a.current_co2e_kg.central == pytest.approx(row.footprint.co2e_kg.central, rel=1e-12), a.kind
        assert (a.region, a.zone) == ("eu-central-1", "DEU")
    (a,) = [x for x in items if x.kind == "cleaner_region"]
    assert (a.alternative.provider, a.alternative.region) == ("aws", "eu-west-3")


def test_calls_already_in_the_cleanest_region_get_no_move(tmp_path: Path) -> None:
    """Bedrock calls in Paris (FRA): no region that serves the model is cleaner, so no move is advised
    (compared with AWS's default region, the United States, Paris and Stockholm would have looked better)."""
    inv = inventory_of(tmp_path, calls(120, "claude-3-haiku", "aws", host="bedrock-runtime.eu-west-3.amazonaws.com"))
    assert [a for a in advise(inv, FR) if a.kind == "cleaner_region"] == []


def test_places_come_from_the_offers_and_the_models_host() -> None:
    fs = factor_set()
    places = cleaner_places(fs, "gpt-4o-mini", "openai", None, FR)
    assert {(p.provider, p.region) for p in places} == {
        (o.provider, r) for o in fs.offers("gpt-4o-mini") for r in o.regions}
    # From Azure's default row, OpenAI's own API is one place, and the current place is not offered.
    from_azure = {(p.provider, p.region) for p in cleaner_places(fs, "gpt-4o-mini", "azure", "swedencentral", FR)}
    assert ("openai", None) in from_azure and ("azure", "swedencentral") not in from_azure
    # A model nobody else serves (per the data) has only its host.
    assert {(p.provider, p.region) for p in cleaner_places(fs, "claude-sonnet-4", "aws", None, FR)} == {("anthropic", None)}
    # Open weights: the offers naming the model and the dedicated deployments.
    assert ("scaleway", "fr-par") in {(p.provider, p.region) for p in cleaner_places(fs, "llama-3.1-70b", "together", None, FR)}


def test_every_offer_names_catalogue_models_known_regions_and_sources() -> None:
    fs = factor_set()
    known = {(d.provider, d.region) for d in fs.datacenters()}
    ids = {s.id for s in fs.sources()}
    offers = [o for m in fs.models() for o in fs.offers(m.id)]
    assert {o.provider for o in offers} >= {"azure", "aws", "google", "scaleway", "ovhcloud"}
    for o in offers:
        assert o.sources and set(o.sources) <= ids
        assert all((o.provider, r) in known for r in o.regions)


def test_an_offer_in_a_region_without_a_data_centre_row_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "factors"
    shutil.copytree(data_dir(), target)
    path = target / "model_offers.csv"
    path.write_text(path.read_text().replace("swedencentral;eastus", "swedencentral;atlantis", 1))
    with pytest.raises(InputError, match=r"model_offers\.csv azure gpt-4o-mini.*'atlantis'"):
        factor_set(target)
