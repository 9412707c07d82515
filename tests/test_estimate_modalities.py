"""Images, transcription, speech and embeddings (docs/methodology.md § 3.8).

Each kind is a few named pure functions over modalities.csv; the estimates carry the same
ranges, places and boundary as text, and `frugal-ai estimate` reports them with `kind`.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_cli_estimate import run  # noqa: F401  (the CLI fixture: no config or FRUGAL_AI_* leaks in)

from frugal_ai.cli import main
from frugal_ai.config import load_settings
from frugal_ai.errors import InputError, UnknownModelError
from frugal_ai.estimate import coefficients, estimate_audio, estimate_embedding, estimate_image, estimate_llm, unit_coefficients
from frugal_ai.estimate.modalities import encoder_gpu_seconds_per_token, image_pixels, image_units
from frugal_ai.factors import factor_set

WH = 1e-3


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load_settings(start=tmp_path_factory.mktemp("noconfig"), env={})


def _ordered(fp) -> bool:
    return all(r.low <= r.central <= r.high for r in (fp.energy_kwh, fp.co2e_kg, fp.water_l, fp.embodied.co2e_kg))


# --- pure functions ---------------------------------------------------------------------------


def test_image_units_scale_with_pixels_quality_and_steps() -> None:
    assert image_pixels("1024x1536") == 1024 * 1536
    assert image_units(2 * 1048576, 1048576, 1.0, None, None) == 2.0
    assert image_units(1048576, 1048576, 3.94, None, None) == pytest.approx(3.94)
    assert image_units(1048576, 1048576, 1.0, 14, 28) == pytest.approx(0.5)
    for bad in ("1024", "1024*1024", "0x1024", "axb"):
        with pytest.raises(InputError, match="WIDTHxHEIGHT"):
            image_pixels(bad)


def test_encoding_a_token_is_one_compute_bound_forward_pass() -> None:
    # 2 x 0.5e9 FLOP at 100 TFLOP/s x 0.5 = 2e-5 GPU-s.
    assert encoder_gpu_seconds_per_token(0.5, 2.0, 100.0, 0.5) == pytest.approx(2e-5)


# --- catalogue ---------------------------------------------------------------------------------


def test_every_modality_model_is_sourced_and_its_text_model_exists() -> None:
    fs = factor_set()
    kinds = {m.kind for m in fs.modalities()}
    assert kinds == {"image", "transcription", "speech", "embedding"}
    ids = {s.id for s in fs.sources()}
    for m in fs.modalities():
        assert m.sources and set(m.sources) <= ids, m.id
        if m.method == "tokens":
            fs.model(m.text_model)
        if m.params_estimated and m.method != "tokens":
            assert m.note, m.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [("dall-e-3", "dall-e-3"), ("stabilityai/stable-diffusion-xl-base-1.0", "stable-diffusion-xl"), ("whisper", "whisper-1"),
     ("gpt-4o-mini-tts-2025-03-20", "gpt-4o-mini-tts"), ("embed-multilingual-v3.0", "embed-v4.0"), ("nomic-embed-text:latest", "nomic-embed-text")],
)
def test_modality_names_resolve(name: str, expected: str) -> None:
    assert factor_set().modality(name).id == expected


def test_an_unknown_modality_model_suggests_close_names() -> None:
    with pytest.raises(UnknownModelError, match="dall-e-3"):
        factor_set().modality("dall-e-4")


# --- images ------------------------------------------------------------------------------------


def test_gpt_image_1_is_its_image_tokens_generated_by_gpt_4o(plain) -> None:
    one = estimate_image("gpt-image-1", 1, settings=plain)
    tokens = factor_set().modality("gpt-image-1").output_tokens_per_unit
    c = coefficients("gpt-4o", settings=plain)
    assert one.energy_kwh.central == pytest.approx(tokens * c.it_kwh_per_generated_token[1] * c.pue[1])
    assert _ordered(one)
    ten = estimate_image("gpt-image-1", 10, size="1024x1024", settings=plain)
    assert ten.energy_kwh.central == pytest.approx(10 * one.energy_kwh.central)
    high = estimate_image("gpt-image-1", 1, quality="high", settings=plain)
    low = estimate_image("gpt-image-1", 1, quality="low", settings=plain)
    assert low.energy_kwh.central < one.energy_kwh.central < high.energy_kwh.central
    tall = estimate_image("gpt-image-1", 1, size="1024x1536", settings=plain)
    assert tall.energy_kwh.central == pytest.approx(1.5 * one.energy_kwh.central)


def test_a_measured_diffusion_model_contains_its_measurement(plain) -> None:
    # AI Energy Score: SDXL 1.64 Wh of GPU energy per image on an H100; ours adds the server share and PUE.
    fp = estimate_image("stable-diffusion-xl", 1, settings=plain)
    assert fp.energy_kwh.low <= 1.64 * WH * 1.6 and fp.energy_kwh.high >= 1.64 * WH
    fewer_steps = estimate_image("stable-diffusion-xl", 1, steps=25, settings=plain)
    assert fewer_steps.energy_kwh.central == pytest.approx(fp.energy_kwh.central / 2)


def test_image_inputs_are_checked(plain) -> None:
    with pytest.raises(InputError, match="unknown quality 'ultra' for gpt-image-1"):
        estimate_image("gpt-image-1", 1, quality="ultra", settings=plain)
    with pytest.raises(InputError, match="steps apply to diffusion models"):
        estimate_image("gpt-image-1", 1, steps=20, settings=plain)
    with pytest.raises(InputError, match="not an image model"):
        estimate_image("whisper-1", 1, settings=plain)
    with pytest.raises(InputError, match="cannot be negative"):
        estimate_image("dall-e-3", -1, settings=plain)


# --- audio -------------------------------------------------------------------------------------


def test_transcription_is_per_audio_second_and_speech_per_character(plain) -> None:
    minute = estimate_audio("whisper-1", 60, settings=plain)
    hour = estimate_audio("whisper-1", 3600, settings=plain)
    assert hour.energy_kwh.central == pytest.approx(60 * minute.energy_kwh.central)
    assert _ordered(minute) and minute.energy_kwh.central > 0
    speech = estimate_audio("tts-1", characters=1000, settings=plain)
    assert speech.energy_kwh.central > 0 and _ordered(speech)
    with pytest.raises(InputError, match="give audio seconds, not characters"):
        estimate_audio("whisper-1", characters=10, settings=plain)
    with pytest.raises(InputError, match="give characters, not audio seconds"):
        estimate_audio("tts-1", 10, settings=plain)


def test_an_llm_based_transcriber_reads_audio_tokens_and_writes_text(plain) -> None:
    m = factor_set().modality("gpt-4o-transcribe")
    by_tokens = estimate_llm("gpt-4o", m.input_tokens_per_unit * 60, m.output_tokens_per_unit * 60, settings=plain)
    # Per-unit tokens times seconds: linear in the input (the attention term is per request, not per second).
    assert estimate_audio("gpt-4o-transcribe", 60, settings=plain).energy_kwh.central == pytest.approx(
        by_tokens.energy_kwh.central, rel=0.01
    )


# --- embeddings --------------------------------------------------------------------------------


def test_an_encoder_is_far_cheaper_per_token_than_a_decoders_prompt(plain) -> None:
    embed = estimate_embedding("text-embedding-3-small", 1000, requests=1000, settings=plain)
    prompt = estimate_llm("gpt-4o", 1000, 0, requests=1000, settings=plain)
    assert embed.energy_kwh.central * 20 < prompt.energy_kwh.central
    assert embed.energy_kwh.high < prompt.energy_kwh.low
    small = unit_coefficients("all-minilm", settings=plain).it_kwh_per_unit[1]
    large = unit_coefficients("bge-m3", settings=plain).it_kwh_per_unit[1]
    assert small < large  # more parameters, more energy per token


def test_local_modalities_use_the_local_place_and_say_measure(plain) -> None:
    fp = estimate_embedding("nomic-embed-text", 10_000, provider="local", settings=plain)
    assert any("frugal-ai run" in w for w in fp.warnings)
    assert unit_coefficients("nomic-embed-text", "local", settings=plain).provider == "local"


def test_every_modality_model_gives_ordered_ranges(plain) -> None:
    for m in factor_set().modalities():
        if m.kind == "image":
            fp = estimate_image(m.id, 2, settings=plain)
        elif m.kind == "transcription":
            fp = estimate_audio(m.id, 30, settings=plain)
        elif m.kind == "speech":
            fp = estimate_audio(m.id, characters=500, settings=plain)
        else:
            fp = estimate_embedding(m.id, 500, settings=plain)
        assert fp.energy_kwh.low > 0 and _ordered(fp), m.id


# --- the command line ----------------------------------------------------------------------------


def test_cli_estimates_images_with_kind_and_keeps_the_contract_keys(run) -> None:
    result = run("estimate", "--model", "gpt-image-1", "--images", "10", "--size", "1024x1024", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"model", "provider", "zone", "input_tokens", "output_tokens", "requests", "energy_kwh", "co2e_kg", "water_l"} <= set(data)
    assert (data["kind"], data["images"], data["size"]) == ("image", 10, "1024x1024")
    assert data["energy_kwh"]["central"] > 0


def test_cli_transcription_embedding_and_text_kinds(run) -> None:
    audio = json.loads(run("estimate", "--model", "whisper-1", "--audio-seconds", "3600", "--format", "json").output)
    assert (audio["kind"], audio["audio_seconds"]) == ("audio", 3600)
    embed = json.loads(run("estimate", "--model", "text-embedding-3-small", "--input-tokens", "1000", "--format", "json").output)
    assert embed["kind"] == "embedding" and embed["energy_kwh"]["central"] > 0
    text = json.loads(run("estimate", "--model", "gpt-4o", "--output-tokens", "10", "--format", "json").output)
    assert "kind" not in text  # text keeps its shape (DESIGN: kind is added where the request is not text)
    table = run("estimate", "--model", "whisper-1", "--audio-seconds", "60", "--compare", "gpt-4o-transcribe")
    assert table.exit_code == 0 and "60 s of audio transcribed" in table.output


def test_cli_refuses_images_on_a_text_model(run) -> None:
    result = CliRunner().invoke(main, ["estimate", "--model", "gpt-4o", "--images", "3"])
    assert result.exit_code == 2 and "gpt-4o is a text model" in result.output


def test_image_models_share_quality_names_so_they_can_be_compared(run) -> None:
    result = run("estimate", "--model", "dall-e-3", "--images", "2", "--quality", "hd", "--compare", "gpt-image-1,flux.1-dev", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.output)}
    assert set(rows) == {"dall-e-3", "gpt-image-1", "flux.1-dev"}
    assert any("no quality levels" in w for w in rows["flux.1-dev"]["warnings"])
    high = estimate_image("gpt-image-1", 2, quality="high").energy_kwh.central
    assert rows["gpt-image-1"]["energy_kwh"]["central"] == pytest.approx(high)
