"""Advice on measured local jobs (a cleaner zone) and on idle power, from a real ledger file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.advise import HOURLY_NOT_ASSESSED, Advice, advise
from frugal_ai.advise.local import IDLE_MIXED, IDLE_ONLY, IDLE_UNSPLIT
from frugal_ai.cli import main
from frugal_ai.config import load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.estimate.measured import measured_energy_range, measured_footprint
from frugal_ai.factors import factor_set
from frugal_ai.inventory import load_inventory
from frugal_ai.lang import Texts
from frugal_ai.ledger.records import RunRecord, SessionRecord
from frugal_ai.report.layout import assumption_text

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


def split_session(sid: str, **kwh: float) -> SessionRecord:
    """A session from schema 5 on: its time outside runs told apart (others, idle, the process's own)."""
    return SessionRecord(id=sid, start=START - 60, end=START + 5 * 86400, zone="DE", method="rapl+ram_model",
                         share_method="proc", **kwh)


def idle_advice_priced_as(tmp_path: Path, sessions: list[SessionRecord], kwh: float) -> Advice:
    """The idle-power advice of a ledger of German jobs and these sessions, checked to be `kwh` priced."""
    path = tmp_path / "ledger.sqlite"
    write_records(path, [*jobs("DE"), *sessions])
    (a,) = [x for x in advise(load_inventory(path, settings=FR), FR) if x.kind == "idle_power"]
    expected = measured_footprint(kwh, 0.0, 0.0, "unknown", "DEU", FR)
    assert a.savings_co2e_kg.central == pytest.approx(expected.co2e_kg.central, rel=1e-9)
    assert a.savings_energy_kwh.high == pytest.approx(expected.energy_kwh.high, rel=1e-9)
    return a


def test_idle_power_is_only_the_idle_part_where_sessions_recorded_the_split(tmp_path: Path) -> None:
    """3.5 kWh outside runs, of which 2 kWh other programs' work and 0.3 kWh the process's own: 1.2 kWh idle."""
    session = split_session("s1", cpu_kwh=9.0, ram_kwh=1.0, unattributed_cpu_kwh=3.0, unattributed_ram_kwh=0.5,
                            others_cpu_kwh=2.0, idle_cpu_kwh=0.9, idle_ram_kwh=0.3)
    a = idle_advice_priced_as(tmp_path, [session], 1.2)
    assert "1.2 kWh of idle draw" in a.action and "other programs" not in a.action
    assert a.assumption == IDLE_ONLY


def test_idle_power_adds_older_sessions_outside_runs_labelled_as_possibly_other_work(tmp_path: Path) -> None:
    """One session with the split (0.4 kWh idle of 1.5 kWh outside runs), one from before it (2 kWh outside runs)."""
    new = split_session("s-new", cpu_kwh=4.0, unattributed_cpu_kwh=1.5, others_cpu_kwh=1.1, idle_cpu_kwh=0.4)
    old = SessionRecord(id="s-old", start=START - 120, end=START + 86400, zone="DE", method="rapl+ram_model",
                        cpu_kwh=5.0, unattributed_cpu_kwh=2.0)
    a = idle_advice_priced_as(tmp_path, [new, old], 0.4 + 2.0)
    assert "0.4 kWh of idle draw, plus 2 kWh" in a.action and a.assumption == IDLE_MIXED
    fr = Texts("fr")
    assert assumption_text(a, fr) == fr("rec.assumption.idle_power.mixed") != fr("rec.assumption.idle_power")


def test_idle_power_of_sessions_without_the_split_keeps_all_outside_runs_and_says_so(tmp_path: Path) -> None:
    session = SessionRecord(id="s1", start=START - 60, end=START + 5 * 86400, zone="DE", method="rapl+ram_model",
                            cpu_kwh=9.0, ram_kwh=1.0, unattributed_cpu_kwh=3.0, unattributed_ram_kwh=0.5)
    a = idle_advice_priced_as(tmp_path, [session], 3.5)
    assert a.assumption == IDLE_UNSPLIT and "no idle/other-programs split" in a.assumption
    assert assumption_text(a, Texts("fr")) == Texts("fr")("rec.assumption.idle_power")
