"""`frugal-ai models list|show` with the image, audio and embedding models and their request kind."""

from __future__ import annotations

import json

from click.testing import CliRunner

from frugal_ai.cli import main
from frugal_ai.factors import factor_set


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_models_list_shows_every_kind() -> None:
    result = invoke("models", "list")
    assert result.exit_code == 0, result.output
    others = factor_set().modalities()
    assert f"{len(others)} models" in result.output
    for name, kind in (("gpt-image-1", "image"), ("whisper-1", "transcription"), ("tts-1", "speech"),
                       ("mistral-embed", "embedding"), ("gemini-embedding-001", "embedding")):
        line = next(line for line in result.output.splitlines() if line.startswith(name + " "))
        assert kind in line.split(), line


def test_models_list_filters_by_kind() -> None:
    rows = json.loads(invoke("models", "list", "--kind", "transcription", "--format", "json").output)
    assert rows and {r["kind"] for r in rows} == {"transcription"}
    assert {"whisper-1", "gpt-4o-transcribe", "voxtral-mini-transcribe"} <= {r["id"] for r in rows}
    chat = json.loads(invoke("models", "list", "--kind", "chat", "--format", "json").output)
    assert len(chat) == len(factor_set().models()) and {r["kind"] for r in chat} == {"chat"}
    table = invoke("models", "list", "--kind", "image").output
    assert "LLM catalogue" not in table and "flux.1-dev" in table and "gpt-4o-mini " not in table


def test_models_list_kind_and_provider_together() -> None:
    rows = json.loads(invoke("models", "list", "--provider", "mistral", "--kind", "embedding", "--format", "json").output)
    assert [r["id"] for r in rows] == ["mistral-embed"]
    everything = json.loads(invoke("models", "list", "--provider", "openai", "--format", "json").output)
    kinds = {r["kind"] for r in everything}
    assert {"chat", "image", "transcription", "speech", "embedding"} <= kinds


def test_a_bad_kind_exits_2() -> None:
    result = CliRunner().invoke(main, ["models", "list", "--kind", "video"])
    assert result.exit_code == 2


def test_models_show_a_modality_model() -> None:
    out = invoke("models", "show", "dall-e-3-hd").output
    assert "dall-e-3  (resolved from 'dall-e-3-hd')" in out and "kind" in out and "image" in out
    assert "hd ×2" in out and "sources:" in out
    data = json.loads(invoke("models", "show", "whisper", "--format", "json").output)
    assert data["id"] == "whisper-1" and data["kind"] == "transcription" and data["factor_set_version"]
    assert invoke("models", "show", "no-such-model-x").exit_code == 2


def test_estimate_accepts_the_listed_models() -> None:
    for args in (["--model", "dall-e-3", "--images", "4"], ["--model", "whisper-1", "--audio-seconds", "60"],
                 ["--model", "mistral-embed", "--input-tokens", "500"]):
        result = invoke("estimate", *args, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["energy_kwh"]["central"] > 0
