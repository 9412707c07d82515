"""The factor base: complete, sourced, validated at load, and indexed."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from frugal_ai.errors import InputError, UnknownModelError, UnknownZoneError
from frugal_ai.factors import data_dir, factor_set


@pytest.fixture(scope="module")
def fs():
    return factor_set()


def test_version_is_a_non_empty_string(fs) -> None:
    assert isinstance(fs.version, str) and fs.version


def test_factor_set_is_cached(fs) -> None:
    assert factor_set() is fs


def test_every_country_codecarbon_knows_has_a_factor_under_both_iso_codes(fs) -> None:
    import codecarbon

    mix = json.loads((Path(codecarbon.__file__).parent / "data" / "private_infra" / "global_energy_mix.json").read_text())
    assert len(mix) >= 200
    for alpha3 in mix:
        factor = fs.electricity(alpha3)
        assert factor.zone == alpha3
        assert fs.electricity(factor.alpha2) is factor


def test_values_follow_their_sources(fs) -> None:
    # France from ADEME Base Empreinte 2025 (anchors.md), not the generic table.
    assert fs.electricity("FR").co2e_kg_per_kwh == pytest.approx(0.0461)
    assert "ademe-base-empreinte-2025" in fs.electricity("FR").sources
    # Off-site water (WRI guidance) where known.
    assert fs.electricity("US").water_l_per_kwh == pytest.approx(3.13, abs=0.01)
    assert fs.electricity("SE").water_l_per_kwh == pytest.approx(6.03, abs=0.01)
    world = fs.electricity(None)
    assert world.zone == "WORLD"
    assert world.water_l_per_kwh == pytest.approx(3.91, abs=0.01)
    assert 0.40 < world.co2e_kg_per_kwh < 0.55


def test_each_zone_is_at_the_latest_year_its_newest_source_publishes(fs) -> None:
    # Read the two extracts in tools/ directly (not through the regeneration script): OWID's
    # newer release wins over Ember's extract, France stays ADEME's; a stale electricity.csv fails.
    tools = data_dir() / "tools"
    latest: dict[str, tuple[float, int, str]] = {}
    for row in csv.DictReader((tools / "ember_latest_intensity.csv").open(encoding="utf-8")):
        if float(row["emissions_intensity_gco2_per_kwh"] or 0) > 0:
            latest[row["country_code"]] = (float(row["emissions_intensity_gco2_per_kwh"]), int(row["year"]), "ember-yearly-2025")
    owid: dict[str, tuple[float, int, str]] = {}
    for row in csv.DictReader((tools / "owid_energy_subset.csv").open(encoding="utf-8")):
        zone = row["iso_code"] or "WORLD"
        if int(row["year"]) > owid.get(zone, (0.0, 0, ""))[1]:
            owid[zone] = (float(row["carbon_intensity_elec"]), int(row["year"]), "owid-energy-2025")
    latest |= owid
    checked = 0
    for e in fs.zones():
        if e.zone not in latest or e.zone == "FRA":
            continue
        value, year, source = latest[e.zone]
        assert e.co2e_kg_per_kwh * 1000 == pytest.approx(value, abs=0.051), e.zone
        assert e.data_year == year and source in e.sources, e.zone
        checked += 1
    assert checked >= 200
    assert fs.electricity(None).data_year == 2025 and fs.electricity("DE").data_year == 2025


def test_every_zone_names_its_data_year_and_a_source_with_an_address(fs) -> None:
    not_refreshed = {"BMU", "ESH", "GIB", "SHN", "TLS"}  # in neither newer source (sources.csv owid-ember)
    for e in fs.zones():
        if e.co2e_fallback:
            continue
        co2e_source = next(s for s in e.sources if s in {"owid-energy-2025", "ember-yearly-2025", "ademe-base-empreinte-2025", "owid-ember"})
        assert fs.source(co2e_source).url.startswith("https://"), e.zone
        assert e.data_year is not None and (e.data_year >= 2022 or e.zone in not_refreshed), (e.zone, e.data_year)
        assert (co2e_source == "owid-ember") == (e.zone in not_refreshed), e.zone


def test_provider_data_centres_follow_their_latest_reports(fs) -> None:
    # AWS 2024 report (1.15) and 2025 page (1.14); Microsoft FY24 WUE 0.30; Google 2024 PUE 1.09.
    aws, azure, google = fs.datacenter("aws"), fs.datacenter("azure"), fs.datacenter("google")
    assert (aws.pue.low, aws.pue.central) == (1.14, 1.15) and "aws-sustainability-2025" in aws.sources
    assert azure.wue_l_per_kwh.central == 0.30 and "microsoft-sust-2025" in azure.sources
    assert google.pue.central == 1.09 and "google-env-2025" in google.sources
    assert fs.source("microsoft-sust-2025").year == fs.source("google-env-2025").year == 2025


def test_zone_codes_are_case_insensitive_and_world_has_aliases(fs) -> None:
    assert fs.resolve_zone("fr") == "FRA"
    assert fs.resolve_zone("deu") == "DEU"
    assert fs.resolve_zone("WORLD") == fs.resolve_zone("wor") == "WORLD"


def test_unknown_zone_is_an_input_error(fs) -> None:
    with pytest.raises(UnknownZoneError, match="unknown zone 'XX'"):
        fs.electricity("XX")


def test_rows_without_water_factor_fall_back_to_world_and_say_so(fs) -> None:
    gabon = fs.electricity("GA")
    assert gabon.water_fallback and not gabon.co2e_fallback
    assert gabon.water_l_per_kwh == fs.electricity(None).water_l_per_kwh
    assert not fs.electricity("FR").water_fallback


def test_a_missing_intensity_falls_back_to_world_flagged(fs) -> None:
    # OWID gives 0 g/kWh for the Central African Republic, which no life-cycle value can be.
    caf = fs.electricity("CF")
    assert caf.co2e_fallback
    assert caf.co2e_kg_per_kwh == fs.electricity(None).co2e_kg_per_kwh


@pytest.mark.parametrize("provider", ["openai", "anthropic", "mistral", "google", "cohere", "azure", "aws", "scaleway", "ovhcloud"])
def test_every_required_provider_has_a_data_centre(fs, provider: str) -> None:
    dc = fs.datacenter(provider)
    assert dc.provider == provider and not dc.fallback
    assert dc.pue.low >= 1.0 and dc.pue.low <= dc.pue.central <= dc.pue.high
    assert dc.sources


def test_provider_aliases_and_regions(fs) -> None:
    assert fs.datacenter("mistralai").provider == "mistral"
    assert fs.datacenter("google_genai").provider == "google"
    assert fs.datacenter("scaleway", "fr-par").zone == "FRA"
    assert fs.datacenter("aws", "eu-west-3").zone == "FRA"


def test_unknown_provider_and_region_fall_back_flagged(fs) -> None:
    unknown = fs.datacenter("acme-cloud")
    assert unknown.provider == "default" and unknown.fallback
    region = fs.datacenter("aws", "mars-north-1")
    assert region.provider == "aws" and region.region_fallback and not region.fallback


def test_onprem_defaults(fs) -> None:
    assert fs.onprem().pue.central == pytest.approx(1.63)


def test_catalogue_size_and_coverage(fs) -> None:
    models = fs.models()
    assert len(models) >= 60
    providers = {m.provider for m in models}
    assert {"openai", "anthropic", "mistral", "google", "meta", "qwen", "deepseek", "cohere"} <= providers
    for name in ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "gpt-5", "claude-3-5-sonnet", "claude-sonnet-4-5",
                 "mistral-large-2411", "gemini-2.5-flash", "llama-3.1-405b", "qwen3-8b", "deepseek-r1", "command-r-plus", "phi-4"]:
        fs.model(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        ("openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
        ("command-r-plus-08-2024", "command-r-plus"),
        ("models/gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("llama3.1:8b-instruct-q4_K_M", "llama-3.1-8b"),
        ("Qwen/Qwen3-235B-A22B-Instruct-2507", "qwen3-235b-a22b"),
        ("deepseek-chat", "deepseek-v3"),
        ("mistral-large-latest", "mistral-large-3"),
        ("o3-mini-2025-01-31", "o3-mini"),
        # a snapshot the catalogue has never listed still resolves to its base model
        ("gpt-4.1-mini-2031-01-01", "gpt-4.1-mini"),
    ],
)
def test_names_aliases_and_snapshots_resolve(fs, name: str, expected: str) -> None:
    assert fs.model(name).id == expected


def test_unknown_model_suggests_close_matches(fs) -> None:
    with pytest.raises(UnknownModelError) as err:
        fs.model("gpt-4-o")
    assert "gpt-4o" in err.value.suggestions
    assert "did you mean" in str(err.value)


def test_every_model_is_consistent(fs) -> None:
    for m in fs.models():
        assert 0 < m.active_params_b.low <= m.active_params_b.central <= m.active_params_b.high
        assert m.active_params_b.high <= m.total_params_b.high
        assert m.sources
        if m.params_estimated:
            assert m.active_params_b.low < m.active_params_b.high or m.note


def test_families_rank_models_so_a_smaller_one_can_be_found(fs) -> None:
    family = fs.family(fs.model("gpt-4o").family)
    assert [m.id for m in family] == ["gpt-4o-mini", "gpt-4o"]
    llama = fs.family("llama-3.1")
    assert [m.tier for m in llama] == sorted(m.tier for m in llama)
    assert llama[0].active_params_b.central < llama[-1].active_params_b.central


def test_models_filter_by_provider(fs) -> None:
    mistral = fs.models("mistralai")
    assert mistral and all(m.provider == "mistral" or m.host == "mistral" for m in mistral)


def test_hardware_embodied_and_lifetime(fs) -> None:
    h100 = fs.hardware("h100_sxm_80gb")
    assert h100.embodied_co2e_kg.central == 164
    assert h100.memory_gb == 80
    assert fs.hardware("server_8gpu").embodied_co2e_kg.central == 5700


def test_avoided_factors_with_units(fs) -> None:
    diesel = fs.avoided("diesel")
    assert diesel.co2e_kg_per_unit == pytest.approx(3.17) and diesel.unit == "L"
    assert diesel.to_base_unit(2, "m3") == 2000
    assert fs.avoided("petrol").co2e_kg_per_unit == pytest.approx(2.79)
    assert fs.avoided("natural_gas").co2e_kg_per_unit == pytest.approx(0.215)
    assert fs.avoided("electricity").zone_dependent
    with pytest.raises(InputError, match="unknown avoided activity"):
        fs.avoided("unobtainium")


def test_equivalences(fs) -> None:
    car = fs.equivalence("car_km")
    assert car.quantity == "co2e_kg"
    assert car.units_for(car.amount_per_unit * 10) == pytest.approx(10)


def test_constants_carry_units_and_sources(fs) -> None:
    alpha = fs.constant("llm.gpu_energy_alpha")
    assert float(alpha) == pytest.approx(1.1665e-6, rel=1e-3)
    assert alpha.unit and alpha.sources
    batch = fs.constant("llm.batch_size")
    assert batch.low <= batch.central <= batch.high


def test_every_referenced_source_exists_and_is_complete(fs) -> None:
    for source in fs.sources():
        assert source.citation and source.year
    ids = {s.id for s in fs.sources()}
    for row in [*fs.models(), *fs.datacenters(), *fs.zones(), *fs.hardware_items(), *fs.avoided_activities(), *fs.constants()]:
        assert set(row.sources) <= ids


def _copy_factors(tmp_path: Path) -> Path:
    target = tmp_path / "factors"
    shutil.copytree(data_dir(), target)
    return target


def test_a_bad_value_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    path = target / "datacenters.csv"
    rows = list(csv.reader(path.open()))
    rows[2][3] = "1.5"  # pue_low above pue_central
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(InputError, match=r"datacenters\.csv:3"):
        factor_set(target)


def test_an_unknown_source_id_is_an_error(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    path = target / "models.csv"
    path.write_text(path.read_text().replace("ecologits-models", "nobody-said-so", 1))
    with pytest.raises(InputError, match="unknown source id 'nobody-said-so'"):
        factor_set(target)


def test_lookups_are_indexed_not_scanned(fs) -> None:
    # Resolution of a known name is a dict hit after the first time; the index holds every alias.
    assert fs.model("gpt-4o-2024-08-06") is fs.model("gpt-4o-2024-08-06")
    assert len(fs._model_names) > len(fs.models())


# --- upstream share of electricity (Scope 3 cat. 3 vs Scope 2) ---------------------------------


def test_every_zone_has_an_ordered_upstream_share_within_0_and_1(fs) -> None:
    for e in fs.zones():
        s = e.upstream_share
        assert 0.0 <= s.low <= s.central <= s.high <= 1.0, e.zone


def test_a_low_carbon_grid_has_a_high_upstream_share_and_a_coal_grid_a_low_one(fs) -> None:
    france, poland = fs.electricity("FR").upstream_share, fs.electricity("PL").upstream_share
    assert poland.high < 0.3
    # France's 2023 mix is about 8 % fossil by generation but about 70 % of its life-cycle
    # emissions (gas and oil weigh 40-70 times nuclear per kWh): its share is near 0.43, not near 1.
    assert 0.35 < france.low and france.central > 3 * poland.central
    # Grids with hardly any combustion: Sweden and Norway high, Iceland (hydro + geothermal) all upstream.
    assert fs.electricity("SE").upstream_share.central > 0.7
    assert fs.electricity("NO").upstream_share.central > 0.7
    assert fs.electricity("IS").upstream_share.low == pytest.approx(1.0)
    world = fs.electricity(None).upstream_share
    assert poland.central < world.central < fs.electricity("DE").upstream_share.central < france.central


def test_the_upstream_share_names_its_source(fs) -> None:
    for z in ("FR", "PL", "WORLD"):
        e = fs.electricity(z)
        assert "owid-ember-upstream" in e.sources and not e.upstream_fallback
    assert fs.source("owid-ember-upstream").verification == "derived"


def test_the_shipped_shares_are_what_the_regeneration_formula_gives(fs) -> None:
    # Recompute Poland's share from codecarbon's mix and the per-source constants, independently
    # of the regeneration script, so that a stale electricity.csv fails here.
    import codecarbon

    mix = json.loads((Path(codecarbon.__file__).parent / "data" / "private_infra" / "global_energy_mix.json").read_text())
    sources = [c.key.split(".", 1)[1] for c in fs.constants() if c.key.startswith("electricity_life_cycle.")]
    assert {"coal", "gas", "oil", "nuclear", "hydroelectricity", "wind", "solar", "biofuel"} <= set(sources)
    for alpha3, alpha2 in (("POL", "PL"), ("FRA", "FR"), ("SWE", "SE")):
        row = mix[alpha3]
        weights = {s: (row.get(f"{s}_TWh") or 0.0) * fs.constant(f"electricity_life_cycle.{s}").central for s in sources}
        for bound in ("low", "central", "high"):
            expected = sum(w * getattr(fs.constant(f"electricity_upstream_fraction.{s}"), bound) for s, w in weights.items())
            got = getattr(fs.electricity(alpha2).upstream_share, bound)
            assert got == pytest.approx(expected / sum(weights.values()), abs=0.0006), (alpha3, bound)


def test_a_zone_without_a_generation_mix_takes_the_world_share_flagged(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    path = target / "electricity.csv"
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    for row in rows:
        if row["zone"] == "POL":
            for col in ("upstream_share_low", "upstream_share_central", "upstream_share_high", "upstream_source"):
                row[col] = ""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    fs = factor_set(target)
    poland = fs.electricity("PL")
    assert poland.upstream_fallback and not poland.co2e_fallback
    assert poland.upstream_share == fs.electricity(None).upstream_share
    assert "owid-ember-upstream" in poland.sources


def test_an_upstream_share_above_1_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    path = target / "electricity.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")  # the WORLD row
    cells[header.index("upstream_share_high")] = "1.2"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"electricity\.csv:2"):
        factor_set(target)


# --- catalogue v2: distilled models, sizes stated in names, current API names, changelog -------


@pytest.mark.parametrize(
    ("name", "expected", "size_b"),
    [
        ("deepseek-r1:1.5b", "deepseek-r1-distill-qwen-1.5b", 1.78),
        ("deepseek-r1:7b", "deepseek-r1-distill-qwen-7b", 7.62),
        ("deepseek-r1:8b", "deepseek-r1-0528-qwen3-8b", 8.19),
        ("deepseek-r1:8b-llama-distill-q4_K_M", "deepseek-r1-distill-llama-8b", 8.03),
        ("deepseek-r1:14b", "deepseek-r1-distill-qwen-14b", 14.8),
        ("deepseek-r1:32b", "deepseek-r1-distill-qwen-32b", 32.8),
        ("deepseek-r1:70b", "deepseek-r1-distill-llama-70b", 70.6),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek-r1-distill-llama-70b", 70.6),
        ("deepseek-r1:671b", "deepseek-r1", 671),
    ],
)
def test_distilled_models_resolve_to_their_own_size_not_the_parent(fs, name: str, expected: str, size_b: float) -> None:
    model = fs.model(name)
    assert model.id == expected
    assert model.total_params_b.central == pytest.approx(size_b)


def test_every_distilled_model_is_smaller_than_its_teacher_and_the_size_of_its_base(fs) -> None:
    distilled = [m for m in fs.models() if m.distilled_from]
    assert len(distilled) >= 7
    for m in distilled:
        teacher = fs.model(m.distilled_from)
        assert m.total_params_b.high < teacher.total_params_b.low / 5, m.id
        if m.base:
            assert m.total_params_b.central == pytest.approx(fs.model(m.base).total_params_b.central, rel=0.15), m.id


def test_a_name_that_states_a_size_never_takes_another_size(fs) -> None:
    # Before, any unknown tag fell back to the bare name: deepseek-r1:3b was the 671B model.
    with pytest.raises(UnknownModelError):
        fs.model("deepseek-r1:3b")
    with pytest.raises(UnknownModelError):
        fs.model("qwen3:72b")
    assert fs.model("qwen3:4b").id == "qwen3-4b"
    assert fs.model("mixtral:8x7b").id == "mixtral-8x7b"  # 8 x 7 = 56, about the 46.7B total


def test_a_distilled_row_with_the_parents_parameters_is_refused_at_load(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    path = target / "models.csv"
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    for row in rows:
        if row["id"] == "deepseek-r1-distill-llama-70b":
            for bound in ("low", "central", "high"):
                row[f"total_b_{bound}"] = row[f"active_b_{bound}"] = "671"
            row["base"] = ""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(InputError, match="distilled model is smaller than 'deepseek-r1'"):
        factor_set(target)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-5.3-codex", "gpt-5.3"),
        ("gpt-5.4-pro-2026-03-05", "gpt-5.4-pro"),
        ("gpt-4o-mini-search-preview-2025-03-11", "gpt-4o-mini"),
        ("o4-mini-deep-research-2025-06-26", "o4-mini"),
        ("claude-opus-4-8", "claude-opus-4-8"),
        ("claude-sonnet-5-5", "claude-sonnet-5-5"),
        ("gemini-3.5-flash-lite", "gemini-3.5-flash-lite"),
        ("gemini-3.1-pro-preview-customtools", "gemini-3.1-pro"),
        ("mistral-large-4-0", "mistral-large-4"),
        ("mistral-medium-3-5", "mistral-medium-3"),
        ("voxtral-small-2507", "voxtral-small"),
        ("zai-glm-5-2", "glm-5"),
        ("command-a-reasoning-08-2025", "command-a-reasoning"),
        ("c4ai-aya-vision-32b", "aya-vision-32b"),
        ("glm-4.6", "glm-4.5"),
        ("kimi-k2-0905-preview", "kimi-k2"),
        ("qwen3-coder-plus", "qwen3-coder-480b-a35b"),
        ("qwen-max-latest", "qwen3-max"),
        ("meta-llama/Llama-3.2-90B-Vision-Instruct", "llama-3.2-90b-vision"),
        ("llama3.2-vision:11b-instruct-q4_K_M", "llama-3.2-11b-vision"),
        ("grok-4-0709", "grok-4"),
        ("us.amazon.nova-pro-v1:0", "nova-pro"),
        ("CohereForAI/c4ai-command-r-plus-4bit", "command-r-plus"),
    ],
)
def test_current_api_model_names_resolve(fs, name: str, expected: str) -> None:
    assert fs.model(name).id == expected


def test_guessed_sizes_are_flagged_and_say_so(fs) -> None:
    for name in ("grok-4", "nova-pro", "qwen3-max", "qwen-plus"):
        m = fs.model(name)
        assert m.params_estimated and "frugal-ai-assumption" in m.sources and m.note, name


def test_new_hosts_have_a_data_centre_and_their_usual_names(fs) -> None:
    assert fs.datacenter("x-ai").zone == "USA"
    assert fs.datacenter("moonshotai").zone == fs.datacenter("zhipuai").zone == fs.datacenter("dashscope").zone == "CHN"


def test_the_current_version_heads_the_changelog(fs) -> None:
    log = fs.changelog()
    assert log[0].version == fs.version and log[0].changes
    assert len({e.version for e in log}) == len(log)


def test_a_version_without_a_changelog_entry_is_refused(tmp_path: Path) -> None:
    target = _copy_factors(tmp_path)
    meta = target / "meta.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace(f'version = "{factor_set().version}"', 'version = "2099.1.1"', 1), encoding="utf-8")
    with pytest.raises(InputError, match="changelog's first entry must be version 2099.1.1"):
        factor_set(target)
