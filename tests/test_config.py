from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.config import load_settings
from frugal_ai.errors import ConfigError


def test_defaults_when_nothing_is_configured() -> None:
    s = load_settings(env={})
    assert s.country is None
    assert s.project == "default"
    assert s.ledger.name == "ledger.sqlite"
    assert s.origins["country"] == "default"


def test_pyproject_table_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.frugal-ai]\ncountry = "fr"\nproject = "acme"\n')
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    s = load_settings(start=sub, env={})
    assert (s.country, s.project) == ("FR", "acme")
    assert s.origins["country"] == str(tmp_path / "pyproject.toml")


def test_frugal_ai_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.frugal-ai]\ncountry = "DE"\n')
    (tmp_path / "frugal-ai.toml").write_text('country = "SE"\n')
    assert load_settings(start=tmp_path, env={}).country == "SE"


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "pyproject.toml").write_text('[tool.black]\nline-length = 80\n')
    assert load_settings(start=tmp_path / "inner", env={}).origins["country"] == "default"


def test_precedence_file_then_environment_then_argument(tmp_path: Path) -> None:
    (tmp_path / "frugal-ai.toml").write_text('country = "DE"\npue = 1.4\nproject = "file"\n')
    env = {"FRUGAL_AI_COUNTRY": "FR", "FRUGAL_AI_PUE": "1.2"}
    s = load_settings(start=tmp_path, env=env, overrides={"pue": 1.1})
    assert (s.country, s.pue, s.project) == ("FR", 1.1, "file")
    assert s.origins == {**s.origins, "country": "environment", "pue": "argument", "project": str(tmp_path / "frugal-ai.toml")}


def test_provider_overrides_from_file_and_environment_merge(tmp_path: Path) -> None:
    (tmp_path / "frugal-ai.toml").write_text('[providers.OpenAI]\nzone = "se"\npue = 1.2\n')
    s = load_settings(start=tmp_path, env={"FRUGAL_AI_PROVIDERS__OPENAI__WUE": "0.3"})
    assert s.providers["openai"].zone == "SE"
    assert s.providers["openai"].pue == 1.2
    assert s.providers["openai"].wue == 0.3


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('contry = "FR"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(start=tmp_path, env={})
    assert str(cfg) in str(e.value) and "contry" in str(e.value) and "unknown key" in str(e.value)


def test_bad_value_names_the_key_and_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.frugal-ai]\npue = 0.7\n')
    with pytest.raises(ConfigError) as e:
        load_settings(start=tmp_path, env={})
    assert str(cfg) in str(e.value) and "pue" in str(e.value)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="FRUGAL_AI_MEASURE_INTERVAL_S"):
        load_settings(env={"FRUGAL_AI_MEASURE_INTERVAL_S": "soon"})


def test_unknown_environment_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="FRUGAL_AI_COUNTY: unknown key"):
        load_settings(env={"FRUGAL_AI_COUNTY": "FR"})


def test_invalid_toml_is_reported_with_its_file(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text("country = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(start=tmp_path, env={})


def test_explicit_config_file_from_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[tool.frugal-ai]\ncountry = "NO"\n')
    assert load_settings(env={"FRUGAL_AI_CONFIG": str(cfg)}).country == "NO"


def test_ledger_path_from_environment(tmp_path: Path) -> None:
    s = load_settings(env={"FRUGAL_AI_LEDGER": str(tmp_path / "l.sqlite")})
    assert s.ledger == tmp_path / "l.sqlite"


def test_country_must_look_like_a_code() -> None:
    with pytest.raises(ConfigError, match="country"):
        load_settings(overrides={"country": "France!"})


def test_unknown_country_is_refused_naming_the_key_and_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('country = "ZZ"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(start=tmp_path, env={})
    assert str(cfg) in str(e.value) and "country" in str(e.value) and "'ZZ'" in str(e.value)


def test_unknown_country_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="environment: FRUGAL_AI_COUNTRY: unknown zone 'XX'"):
        load_settings(env={"FRUGAL_AI_COUNTRY": "XX"})


def test_unknown_provider_zone_is_refused(tmp_path: Path) -> None:
    (tmp_path / "frugal-ai.toml").write_text('[providers.openai]\nzone = "QQ"\n')
    with pytest.raises(ConfigError, match=r"providers\.openai\.zone: unknown zone 'QQ'"):
        load_settings(start=tmp_path, env={})


def test_alpha3_and_world_are_accepted_and_codes_normalised() -> None:
    assert load_settings(env={"FRUGAL_AI_COUNTRY": "fra"}).country == "FR"
    assert load_settings(env={"FRUGAL_AI_COUNTRY": "WORLD"}).country == "WORLD"


def test_an_empty_environment_variable_counts_as_unset() -> None:
    assert load_settings(env={"FRUGAL_AI_COUNTRY": ""}).country is None


def test_settings_both_at_top_level_and_under_tool_table_are_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('country = "DE"\n[tool.frugal-ai]\ncountry = "FR"\n')
    with pytest.raises(ConfigError, match="not both") as e:
        load_settings(start=tmp_path, env={})
    assert str(cfg) in str(e.value)


def test_frugal_ai_toml_may_use_the_tool_table(tmp_path: Path) -> None:
    (tmp_path / "frugal-ai.toml").write_text('[tool.frugal-ai]\ncountry = "SE"\n')
    assert load_settings(start=tmp_path, env={}).country == "SE"


def test_provider_table_origin_names_every_layer_that_set_it(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('[providers.openai]\npue = 1.2\n')
    s = load_settings(start=tmp_path, env={"FRUGAL_AI_PROVIDERS__MISTRAL__ZONE": "FR"})
    assert s.origins["providers"] == f"{cfg}, environment"
    assert s.origins["providers.mistral"] == "environment"


def test_each_provider_field_remembers_its_own_layer(tmp_path: Path) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('[providers.openai]\npue = 1.2\n')
    s = load_settings(start=tmp_path, env={"FRUGAL_AI_PROVIDERS__OPENAI__ZONE": "SE"})
    assert s.origins["providers.openai.pue"] == str(cfg)
    assert s.origins["providers.openai.zone"] == "environment"
    assert s.origins["providers.openai"] == f"{cfg}, environment"


# --- the settings in force: one cached accessor, one reset ----------------------------------------


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from frugal_ai import config

    calls: list[int] = []
    real = config.load_settings
    monkeypatch.setattr(config, "load_settings", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_settings_in_force_are_loaded_once_while_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai import config

    loads = _count_loads(monkeypatch)
    first = config.settings_in_force()
    monkeypatch.setattr(config, "RECHECK_S", 0.0)  # every call looks at the files too
    assert all(config.settings_in_force() is first for _ in range(20))
    assert config.settings_in_force(recheck=True) is first
    assert len(loads) == 1


def test_a_changed_variable_counts_from_the_next_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai.config import settings_in_force

    assert settings_in_force().project == "default"
    monkeypatch.setenv("FRUGAL_AI_PROJECT", "invoices")  # a variable that was not set
    assert settings_in_force().project == "invoices"
    monkeypatch.setenv("FRUGAL_AI_PROJECT", "payroll")  # one that was
    assert settings_in_force().project == "payroll"
    monkeypatch.setenv("FRUGAL_AI_PROVIDERS__OPENAI__ZONE", "SE")
    assert settings_in_force().providers["openai"].zone == "SE"
    monkeypatch.delenv("FRUGAL_AI_PROJECT")
    assert settings_in_force().project == "default"


def test_an_edited_config_file_counts_from_the_next_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from frugal_ai import config

    cfg = Path.cwd() / "frugal-ai.toml"
    cfg.write_text('project = "alpha"\n', encoding="utf-8")
    assert config.settings_in_force().project == "alpha"
    # Same size, same mtime (a rewrite within one tick of a coarse clock): read again all the same.
    stat = cfg.stat()
    cfg.write_text('project = "bravo"\n', encoding="utf-8")
    os.utime(cfg, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert config.settings_in_force(recheck=True).project == "bravo"
    # The hot paths look at the files every RECHECK_S.
    cfg.write_text('project = "charlie-longer"\n', encoding="utf-8")
    monkeypatch.setattr(config, "RECHECK_S", 0.0)
    assert config.settings_in_force().project == "charlie-longer"
    # A file that appears in a parent folder, or goes away, counts as well.
    cfg.unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.frugal-ai]\nproject = "parent"\n', encoding="utf-8")
    assert config.settings_in_force().project == "parent"


def test_a_bad_configuration_is_loaded_once_and_raised_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai import config

    monkeypatch.setenv("FRUGAL_AI_PUE", "9")
    loads = _count_loads(monkeypatch)
    for _ in range(5):
        with pytest.raises(ConfigError, match="FRUGAL_AI_PUE"):
            config.settings_in_force()
    assert len(loads) == 1
    monkeypatch.delenv("FRUGAL_AI_PUE")
    assert config.settings_in_force().pue is None


def test_command_arguments_win_and_are_part_of_the_key(tmp_path: Path) -> None:
    from frugal_ai.config import settings_in_force

    other = tmp_path / "other.sqlite"
    s = settings_in_force({"ledger": str(other)}, recheck=True)
    assert (s.ledger, s.origins["ledger"]) == (other, "argument")
    assert settings_in_force().ledger != other  # without the argument, the ledger in force again
    assert settings_in_force({"ledger": None}).origins["ledger"] == "environment"


def test_estimate_track_capture_and_ledger_read_the_same_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import frugal_ai.ledger as ledger
    from frugal_ai.capture import emit
    from frugal_ai.config import settings_in_force
    from frugal_ai.estimate import estimate_llm
    from frugal_ai.measure import track

    monkeypatch.setenv("FRUGAL_AI_PROJECT", "one-rule")
    other = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(other))
    assert track._current_settings() is settings_in_force()
    assert emit.default_project() == "one-rule"
    assert ledger.writer_in_force().path == other.absolute()
    us = estimate_llm("gpt-4o-mini", 1000, 500, provider="openai")
    monkeypatch.setenv("FRUGAL_AI_PROVIDERS__OPENAI__ZONE", "FR")
    fr = estimate_llm("gpt-4o-mini", 1000, 500, provider="openai")
    assert fr.co2e_kg.central < us.co2e_kg.central  # France's grid, set while the process runs


def test_reset_forgets_every_module_state_upper_layers_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai import config

    first = config.settings_in_force()
    order: list[str] = []
    monkeypatch.setattr(config, "_forgetters", [lambda: order.append("ledger"), lambda: order.append("meter")])
    config.reset()
    assert order == ["meter", "ledger"]
    assert config.settings_in_force() is not first


def test_the_meter_is_forgotten_before_the_ledger_it_writes_to() -> None:
    from frugal_ai import config, ledger
    from frugal_ai.measure.meter import reset_meter

    # reset() calls them last-registered first: the meter imports the ledger, so it comes later.
    assert config._forgetters.index(ledger.reset) < config._forgetters.index(reset_meter)


@pytest.mark.parametrize("text, key", [("pue = nan\n", "pue"), ("measure_interval_s = inf\n", "measure_interval_s"),
                                       ('[providers.openai]\nwue = nan\n', "providers.openai.wue")])
def test_a_number_that_is_not_finite_names_the_key_and_the_file(tmp_path: Path, text: str, key: str) -> None:
    (tmp_path / "frugal-ai.toml").write_text(text)
    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'frugal-ai.toml'}: {key}: ") as info:
        load_settings(start=tmp_path, env={})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["FRUGAL_AI_PUE", "FRUGAL_AI_MARKET_FACTOR_KG_PER_KWH", "FRUGAL_AI_PROVIDERS__OPENAI__PUE"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308"])
def test_an_environment_number_that_is_not_finite_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^environment: {name}: "):
        load_settings(env={name: value})


def test_a_config_file_that_is_not_text_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "frugal-ai.toml").write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(ConfigError, match=f"^{tmp_path / 'frugal-ai.toml'}: not valid TOML: not UTF-8"):
        load_settings(start=tmp_path, env={})
