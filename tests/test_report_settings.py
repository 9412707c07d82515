"""Settings that change the figures at report time (pue, wue, providers.<name>, market factor):
they must change the numbers, and the report must show them, with where each came from,
so that ledger + factor-set version + these settings reproduce every figure."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.factors import factor_set
from golden.fixed_ledger import build


def _report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, env: dict[str, str], *args: str) -> str:
    ledger = tmp_path / "ledger.sqlite"
    if not ledger.exists():
        build(ledger)
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('country = "FR"\n' + config, encoding="utf-8")
    for name in ("FRUGAL_AI_PUE", "FRUGAL_AI_PROVIDERS__OPENAI__ZONE"):
        monkeypatch.delenv(name, raising=False)
    for k, v in {"FRUGAL_AI_LEDGER": str(ledger), "FRUGAL_AI_CONFIG": str(cfg), **env}.items():
        monkeypatch.setenv(k, v)
    r = CliRunner().invoke(main, ["report", "--period", "2026-Q3", *args])
    assert r.exit_code == 0, r.stderr
    return r.stdout


OVERRIDES_FILE = "wue = 0.9\nmarket_factor_kg_per_kwh = 0.1\n[providers.anthropic]\npue = 1.5\n"
OVERRIDES_ENV = {"FRUGAL_AI_PUE": "1.3", "FRUGAL_AI_PROVIDERS__OPENAI__ZONE": "SE"}


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    plain = json.loads(_report(tmp_path, monkeypatch, "", {}, "--format", "json"))
    changed = json.loads(_report(tmp_path, monkeypatch, OVERRIDES_FILE, OVERRIDES_ENV, "--format", "json"))
    return plain, changed


def _measured(report: dict) -> dict:
    return report["by_method"]["measured"]


def _model_row(report: dict, provider: str) -> dict:
    rows = [b for b in report["by_model"] if b["provider"] == provider and b["co2e_kg"]["central"] > 0]
    assert rows, provider
    return rows[0]


def test_overrides_change_the_numbers(pair: tuple[dict, dict]) -> None:
    plain, changed = pair
    base_pue = factor_set().onprem().pue.central
    # Measured energy is IT energy × PUE: the configured 1.3 replaces the base's central PUE.
    ratio = _measured(changed)["energy_kwh"]["central"] / _measured(plain)["energy_kwh"]["central"]
    assert ratio == pytest.approx(1.3 / base_pue, rel=1e-9)
    # OpenAI's calls are now charged at Sweden's electricity, not the base's US zone.
    assert "SWE" in [z["key"] for z in changed["by_zone"]] and "SWE" not in [z["key"] for z in plain["by_zone"]]
    assert _model_row(changed, "openai")["co2e_kg"]["central"] < _model_row(plain, "openai")["co2e_kg"]["central"]
    # Anthropic's PUE override changes its energy; the contractual factor sets Scope 2 market-based.
    anthropic_base = factor_set().datacenter("anthropic").pue.central
    ratio = _model_row(changed, "anthropic")["energy_kwh"]["central"] / _model_row(plain, "anthropic")["energy_kwh"]["central"]
    assert ratio == pytest.approx(1.5 / anthropic_base, rel=1e-6)
    assert plain["ghg"]["scope2_market_basis"] == "equal_to_location"
    assert changed["ghg"]["scope2_market_basis"] == "contractual"
    assert _measured(changed)["water_l"]["central"] != _measured(plain)["water_l"]["central"]


def test_json_factors_show_the_values_used_and_their_origin(pair: tuple[dict, dict]) -> None:
    plain, changed = pair
    used = {(f["kind"], f["key"]): f for f in changed["methodology"]["factors"]}
    onprem = used[("onprem", "on-premises")]
    assert onprem["values"]["pue"] == {"low": 1.3, "central": 1.3, "high": 1.3}
    assert onprem["values"]["wue_l_per_kwh"]["central"] == 0.9
    assert onprem["configured"] == {"pue": "environment", "wue_l_per_kwh": "frugal-ai.toml"}
    assert onprem["base_values"]["pue"]["central"] == factor_set().onprem().pue.central
    openai = used[("datacenter", "openai")]
    assert openai["values"]["zone"] == "SWE" and openai["configured"] == {"zone": "environment"}
    assert openai["base_values"]["zone"] == factor_set().datacenter("openai").zone
    assert ("electricity", "SWE") in used
    anthropic = used[("datacenter", "anthropic")]
    assert anthropic["values"]["pue"]["central"] == 1.5 and anthropic["configured"] == {"pue": "frugal-ai.toml"}
    # Without overrides the factor base's values stand, marked as such.
    assert all(not f["configured"] for f in plain["methodology"]["factors"])


def test_json_methodology_lists_the_settings_in_force(pair: tuple[dict, dict]) -> None:
    plain, changed = pair
    s = changed["methodology"]["settings"]
    assert s["country"] == {"value": "FR", "origin": "frugal-ai.toml"}
    assert s["pue"] == {"value": 1.3, "origin": "environment"}
    assert s["wue"] == {"value": 0.9, "origin": "frugal-ai.toml"}
    assert s["market_factor_kg_per_kwh"] == {"value": 0.1, "origin": "frugal-ai.toml"}
    assert s["providers"]["openai"] == {"zone": "SE", "pue": None, "wue": None, "origin": "environment"}
    assert s["providers"]["anthropic"]["pue"] == 1.5 and s["providers"]["anthropic"]["origin"] == "frugal-ai.toml"
    assert plain["methodology"]["settings"]["pue"] == {"value": None, "origin": "default"}
    assert plain["methodology"]["settings"]["providers"] == {}


def test_markdown_shows_effective_values_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    md = _report(tmp_path, monkeypatch, OVERRIDES_FILE, OVERRIDES_ENV, "--format", "md")
    base_pue = factor_set().onprem().pue.central
    assert f"PUE: 1.3 (configuration: environment variable; factor base: {base_pue:g}" in md
    assert "zone: Sweden (SE) (configuration: environment variable; factor base: United States (US))" in md
    assert "### Settings in force" in md
    assert "| PUE of the local machine room | 1.3 | environment variable |" in md
    assert "| Data-centre override for openai | zone: Sweden (SE) | environment variable |" in md
    assert "| Market-based emission factor (kgCO2e/kWh) | 0.1 | file frugal-ai.toml |" in md
    assert "reproduce every figure of this report" in md
    assert str(tmp_path) not in md  # the config file by name only: the report leaves the machine
    fr = _report(tmp_path, monkeypatch, OVERRIDES_FILE, OVERRIDES_ENV, "--format", "md", "--lang", "fr")
    assert "### Paramètres en vigueur" in fr
    assert "| PUE de la salle des machines locale | 1,3 | variable d'environnement |" in fr
    assert "PUE\u00a0: 1,3 (configuration\u00a0: variable d'environnement ; base de facteurs\u00a0: " in fr
    assert "reproduisent tous les chiffres de ce rapport" in fr


def test_equivalence_label_agrees_with_the_count() -> None:
    from frugal_ai.lang import texts
    from frugal_ai.report.layout import _equivalence_label
    from frugal_ai.report.model import Equivalence
    from frugal_ai.report.model.breakdown import _EQUIVALENCE_KEYS

    fs = factor_set()
    for key in _EQUIVALENCE_KEYS:  # every comparison the summary can show has its singular
        assert texts("en").has(f"equivalence.one.{key}") and texts("fr").has(f"equivalence.one.{key}")
    car = fs.equivalence("car_km")
    eq = Equivalence(key="car_km", quantity="co2e_kg", count=1.0, amount_per_unit=car.amount_per_unit,
                     labels={"en": car.label_en, "fr": car.label_fr}, source="")
    fr = texts("fr")
    assert _equivalence_label(eq, "1", fr) == "km parcouru en voiture thermique moyenne"
    assert _equivalence_label(eq, "1,9", fr) == "km parcouru en voiture thermique moyenne"
    assert _equivalence_label(eq, "2,1", fr) == car.label_fr  # the factor base's plural
    assert _equivalence_label(eq, "1\u202f200", fr) == car.label_fr
    shower = Equivalence(key="shower", quantity="water_l", count=1.0, amount_per_unit=60,
                         labels={"en": "5-minute showers", "fr": "douches de 5 minutes"}, source="")
    en = texts("en")
    assert _equivalence_label(shower, "1", en) == "5-minute shower"
    assert _equivalence_label(shower, "1.5", en) == "5-minute showers"
    assert _equivalence_label(shower, "1,5", fr) == "douche de 5 minutes"


def test_gains_dates_in_french_prose_use_the_report_date_format() -> None:
    from frugal_ai.gains import wording

    d = dt.date
    assert wording.payback_text(d(2026, 7, 1), d(2026, 7, 1), d(2026, 7, 1), d(2030, 12, 31), "fr") == \
        "compense son empreinte le 1er juillet 2026"
    assert wording.payback_text(None, None, None, d(2030, 12, 31), "fr").endswith("(31 décembre 2030)")
    assert wording.span_text(d(2026, 3, 1), d(2026, 4, 1), prospective=True, period="month", lang="fr") == \
        "sur le premier mois à partir du 1er mars 2026 (projection)"
    # English keeps ISO dates (what `gains check` has always printed).
    assert wording.span_text(d(2026, 7, 1), d(2026, 10, 1), prospective=False, period="year") == "2026-07-01 to 2026-09-30"


def test_a_span_of_days_is_titled_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "ledger.sqlite"
    build(ledger)
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(ledger))
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(tmp_path / "frugal-ai.toml"))
    (tmp_path / "frugal-ai.toml").write_text('country = "FR"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "--since", "2026-07-01", "--until", "2026-08-15", "--format", "md", "--lang", "fr"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "# Rapport d'empreinte de l'IA — 1er juillet 2026 – 15 août 2026"
    data = json.loads(CliRunner().invoke(main, ["report", "--since", "2026-07-01", "--until", "2026-08-15", "--format", "json"]).stdout)
    assert data["period"] == "2026-07-01/2026-08-15"  # the contract label is unchanged
