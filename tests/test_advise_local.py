"""Advice on measured local jobs (a cleaner zone) and on idle power, from a real ledger file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.advise import HOURLY_NOT_ASSESSED, advise
from frugal_ai.cli import main
from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate.measured import measured_energy_range, measured_footprint
from frugal_ai.factors import factor_set
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import RunRecord, SessionRecord

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc).timestamp()
FR = load_settings(env={}, overrides={"country": "FR"})


def jobs(zone: str, n: int = 5) -> list[RunRecord]:
    return [RunRecord(id=f"run-{zone}-{i}", name="nightly-training", start=START + i * 86400,
                      end=START + i * 86400 + 3600, zone=zone, method="rapl+nvml+ram_model",
                      cpu_kwh=0.2, gpu_kwh=0.9, ram_kwh=0.05) for i in range(n)]


def test_jobs_on_a_coal_heavy_grid_are_advised_the_cleanest_data_centre(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    write_records(path, jobs("PL"))
    inv = load_inventory(path, settings=FR)
    (a,) = [x for x in advise(inv, FR) if x.kind == "job_cleaner_zone"]
    fs = factor_set()
    # Independently: the meters' IT energy range, priced at every data centre; the lowest CO2e wins.
    it = measured_energy_range(5 * 0.2, 5 * 0.9, 5 * 0.05, "rapl+nvml+ram_model")

    def there(d):  # type: ignore[no-untyped-def]
        return it.times(d.pue) * fs.electricity(d.zone).co2e_kg_per_kwh

    best = min((d for d in fs.datacenters() if d.provider != "default"), key=lambda d: there(d).central)
    assert (a.alternative.provider, a.alternative.region, a.alternative.zone) == (best.provider, best.region, best.zone)
    current = measured_footprint(5 * 0.2, 5 * 0.9, 5 * 0.05, "rapl+nvml+ram_model", "PL", FR)
    assert a.current_co2e_kg.central == pytest.approx(current.co2e_kg.central, rel=1e-9)
    assert a.alternative_co2e_kg.central == pytest.approx(there(best).central, rel=1e-9)
    assert a.alternative_co2e_kg.low == pytest.approx(there(best).low, rel=1e-9)
    assert (a.zone, a.workload, a.model) == ("POL", "nightly-training", None)
    assert "same IT energy" in a.assumption and "hour" in a.assumption


def test_jobs_already_in_the_cleanest_place_get_no_move(tmp_path: Path) -> None:
    """Runs measured in a data centre with the factor base's best grid and its PUE pinned low: nowhere is cleaner."""
    path = tmp_path / "ledger.sqlite"
    fs = factor_set()
    cleanest = min(fs.zones(), key=lambda e: e.co2e_kg_per_kwh)
    write_records(path, jobs(cleanest.zone))
    settings = load_settings(env={}, overrides={"country": "FR", "pue": 1.0})
    inv = load_inventory(path, settings=settings)
    assert [a for a in advise(inv, settings) if a.kind == "job_cleaner_zone"] == []


def test_energy_measured_outside_every_run_is_idle_power_to_switch_off(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    session = SessionRecord(id="s1", start=START - 60, end=START + 5 * 86400, zone="DE", method="rapl+ram_model",
                            cpu_kwh=9.0, ram_kwh=1.0, unattributed_cpu_kwh=3.0, unattributed_ram_kwh=0.5)
    write_records(path, [*jobs("DE"), session])
    inv = load_inventory(path, settings=FR)
    assert inv.unattributed_kwh == pytest.approx(3.5)
    (a,) = [x for x in advise(inv, FR) if x.kind == "idle_power"]
    expected = measured_footprint(3.5, 0.0, 0.0, "unknown", "DEU", FR)
    assert a.savings_co2e_kg.central == pytest.approx(expected.co2e_kg.central, rel=1e-9)
    assert a.savings_co2e_kg.low == pytest.approx(expected.co2e_kg.low, rel=1e-9)
    assert a.alternative_co2e_kg.central == 0.0 and a.workload == "" and a.zone == "DEU"
    assert "idle" in a.assumption


def test_advise_says_a_cleaner_hour_is_not_assessed_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    write_records(path, jobs("PL"))
    env = {"FRUGAL_AI_LEDGER": str(path), "FRUGAL_AI_COUNTRY": "FR"}
    out = CliRunner().invoke(main, ["advise", "--format", "json"], env=env, catch_exceptions=False)
    data = json.loads(out.stdout)
    assert HOURLY_NOT_ASSESSED in data["notes"]
    assert any(a["kind"] == "job_cleaner_zone" for a in data["advice"])
    table = CliRunner().invoke(main, ["advise", "--lang", "fr"], env=env, catch_exceptions=False).stdout
    assert "heure" in table and "Hypothèse" in table and "traitements" in table
