"""Request kinds captured end to end: the real SDKs (openai, mistralai, cohere, google-genai) against
the fake servers speaking each provider's wire format, into the ledger with their kind and units,
then priced by kind (images × n, transcriptions by seconds, speech by characters, embeddings by
input tokens). Never stored: the prompt, the text to speak, the transcript, the audio."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.replies import AUDIO_BILLED_S, AUDIO_DURATION_S, TOKENS
from fakeservers.server import FakeAPIServer


def _openai(fake_server: FakeAPIServer, host: str = "api.openai.com"):  # type: ignore[no-untyped-def]
    import openai

    return openai.OpenAI(base_url=remote(host, fake_server) + "/v1", api_key="sk-test", max_retries=0)


def _audio() -> tuple[str, io.BytesIO, str]:
    return ("clip.wav", io.BytesIO(b"RIFF" + b"\x00" * 2000), "audio/wav")


def _inventory(ledger_path: Path, tmp_path: Path) -> dict[str, Any]:
    import frugal_ai.ledger as ledger
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    ledger.flush()
    settings = load_settings(start=tmp_path, env={})
    return {"settings": settings, "rows": {r.model: r for r in load_inventory(ledger_path, settings=settings).rows}}


# --- images ------------------------------------------------------------------------------------
def test_n_images_are_captured_and_priced_n_times(capture: None, fake_server: FakeAPIServer, ledger_path: Path,
                                                  tmp_path: Path) -> None:
    from frugal_ai.estimate import estimate_image

    res = _openai(fake_server).images.generate(model="gpt-image-1", prompt="a lighthouse", n=4, size="1536x1024",
                                               quality="high")
    assert len(res.data or []) == 4
    (row,) = ledger_rows(ledger_path)
    assert (row["kind"], row["units"], row["image_size"], row["image_quality"], row["status"]) == (
        "image", 4.0, "1536x1024", "high", "ok")
    inv = _inventory(ledger_path, tmp_path)
    priced = inv["rows"]["gpt-image-1"]
    four = estimate_image("gpt-image-1", 4, size="1536x1024", quality="high", provider="openai", settings=inv["settings"])
    one = estimate_image("gpt-image-1", 1, size="1536x1024", quality="high", provider="openai", settings=inv["settings"])
    assert priced.footprint is not None
    assert priced.footprint.energy_kwh.central == pytest.approx(four.energy_kwh.central)
    assert priced.footprint.energy_kwh.central == pytest.approx(4 * one.energy_kwh.central)


def test_images_are_counted_from_the_reply_and_the_defaults_kept(capture: None, fake_server: FakeAPIServer,
                                                                 ledger_path: Path) -> None:
    client = _openai(fake_server)
    client.images.generate(model="dall-e-3", prompt="a harbour")  # no n, size or quality: the API's defaults
    client.images.generate(model="dall-e-2", prompt="a harbour", n=3, size="512x512")
    rows = {r["model"]: r for r in ledger_rows(ledger_path)}
    assert (rows["dall-e-3"]["units"], rows["dall-e-3"]["image_size"], rows["dall-e-3"]["image_quality"]) == (1.0, "", "")
    assert rows["dall-e-3"]["status"] == "ok"  # DALL-E replies carry no usage: the images are what it costs
    assert (rows["dall-e-2"]["units"], rows["dall-e-2"]["image_size"]) == (3.0, "512x512")


def test_a_large_image_reply_is_counted_as_it_passes() -> None:
    """Images are counted over the chunks as they pass, also a key cut between two chunks and a
    reply too large to keep (only its head and tail are kept)."""
    from frugal_ai.capture.kinds import ItemCounter

    body = b'{"created":1,"data":[' + b",".join(b'{"b64_json":"' + b"A" * 3_000_000 + b'"}' for _ in range(3)) + b"]}"
    for size in (1, 7, 4096, 65536, len(body)):
        counter = ItemCounter()
        for i in range(0, len(body), size):
            counter.feed(body[i:i + size])
        assert counter.count == 3, size


# --- audio -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt, seconds", [("verbose_json", AUDIO_DURATION_S), ("json", float(AUDIO_BILLED_S))])
def test_a_whisper_transcription_is_captured_with_its_seconds(capture: None, fake_server: FakeAPIServer,
                                                              ledger_path: Path, fmt: str, seconds: float) -> None:
    res = _openai(fake_server).audio.transcriptions.create(model="whisper-1", file=_audio(), response_format=fmt)
    assert "quick brown fox" in res.text
    (row,) = ledger_rows(ledger_path)
    # The model is read from the upload's form field (the reply does not name it), never the file.
    assert (row["kind"], row["model"], row["units"], row["status"], row["path"]) == (
        "transcription", "whisper-1", seconds, "ok", "/v1/audio/transcriptions")


def test_a_transcription_is_priced_by_its_seconds(capture: None, fake_server: FakeAPIServer, ledger_path: Path,
                                                  tmp_path: Path) -> None:
    from frugal_ai.estimate import estimate_audio

    client = _openai(fake_server)
    for _ in range(3):
        client.audio.transcriptions.create(model="whisper-1", file=_audio(), response_format="verbose_json")
    inv = _inventory(ledger_path, tmp_path)
    row = inv["rows"]["whisper-1"]
    assert (row.kind, row.requests, row.units) == ("transcription", 3, pytest.approx(3 * AUDIO_DURATION_S))
    expected = estimate_audio("whisper-1", 3 * AUDIO_DURATION_S, provider="openai", settings=inv["settings"])
    assert row.footprint is not None and row.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central)


def test_gpt_4o_transcribe_is_priced_from_its_audio_tokens(capture: None, fake_server: FakeAPIServer,
                                                           ledger_path: Path, tmp_path: Path) -> None:
    from frugal_ai.estimate import estimate_audio
    from frugal_ai.factors import factor_set

    _openai(fake_server).audio.transcriptions.create(model="gpt-4o-transcribe", file=_audio())
    (row,) = ledger_rows(ledger_path)
    t = TOKENS["openai.transcribe"]
    assert (row["kind"], row["units"], row["input_tokens"], row["output_tokens"], row["status"]) == (
        "transcription", 0.0, t["input_tokens"], t["output_tokens"], "ok")
    inv = _inventory(ledger_path, tmp_path)
    priced = inv["rows"]["gpt-4o-transcribe"]
    per_second = factor_set().modality("gpt-4o-transcribe").input_tokens_per_unit
    expected = estimate_audio("gpt-4o-transcribe", t["input_tokens"] / per_second, provider="openai", settings=inv["settings"])
    assert priced.footprint is not None and priced.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central)


def test_a_text_transcription_is_counted_not_priced(capture: None, fake_server: FakeAPIServer, ledger_path: Path,
                                                    tmp_path: Path) -> None:
    text = _openai(fake_server).audio.transcriptions.create(model="whisper-1", file=_audio(), response_format="text")
    assert "quick brown fox" in str(text)
    (row,) = ledger_rows(ledger_path)
    assert (row["kind"], row["units"], row["status"]) == ("transcription", 0.0, "partial")
    priced = _inventory(ledger_path, tmp_path)["rows"]["whisper-1"]
    assert priced.footprint is None and priced.fallbacks.kind_not_priced == "transcription" and priced.requests == 1


def test_speech_is_captured_with_its_characters(capture: None, fake_server: FakeAPIServer, ledger_path: Path,
                                                tmp_path: Path) -> None:
    from frugal_ai.estimate import estimate_audio

    words = "Welcome to the quarterly review. CANARY-tts4u7 " * 3
    audio = _openai(fake_server).audio.speech.create(model="tts-1", voice="alloy", input=words)
    assert audio.content.startswith(b"\xff\xfb")  # the SDK got the audio through the wrapped transport
    (row,) = ledger_rows(ledger_path)
    assert (row["kind"], row["model"], row["units"], row["status"]) == ("speech", "tts-1", float(len(words)), "ok")
    inv = _inventory(ledger_path, tmp_path)
    expected = estimate_audio("tts-1", characters=len(words), provider="openai", settings=inv["settings"])
    row_priced = inv["rows"]["tts-1"]
    assert row_priced.footprint is not None
    assert row_priced.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central)
    # Counted, never stored.
    assert b"CANARY-tts4u7" not in b"".join(p.read_bytes() for p in ledger_path.parent.glob(ledger_path.name + "*"))


def test_mistral_voxtral_transcription_reads_prompt_audio_seconds(capture: None, fake_server: FakeAPIServer,
                                                                  ledger_path: Path) -> None:
    from mistralai.client import Mistral

    with Mistral(api_key="mistral-test", server_url=remote("api.mistral.ai", fake_server)) as client:
        res = client.audio.transcriptions.complete(model="voxtral-mini-latest",
                                                   file={"file_name": "clip.wav", "content": b"RIFF" + b"\x00" * 500})
    assert "Chicago" in res.text
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["kind"], row["model"], row["units"]) == (
        "mistral", "transcription", "voxtral-mini-latest", float(AUDIO_BILLED_S))


# --- embeddings --------------------------------------------------------------------------------
def test_openai_embeddings_are_of_kind_embedding(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    _openai(fake_server).embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    (row,) = ledger_rows(ledger_path)
    assert (row["kind"], row["input_tokens"], row["units"]) == ("embedding", TOKENS["openai.embeddings"]["prompt_tokens"], 0.0)


@pytest.mark.parametrize("use_async", [False, True])
def test_mistral_embeddings(capture: None, fake_server: FakeAPIServer, ledger_path: Path, use_async: bool) -> None:
    from mistralai.client import Mistral

    base = remote("api.mistral.ai", fake_server)
    if not use_async:
        with Mistral(api_key="mistral-test", server_url=base) as client:
            res = client.embeddings.create(model="mistral-embed", inputs=["Embed this sentence.", "As well as this one."])
    else:
        async def main() -> Any:
            async with Mistral(api_key="mistral-test", server_url=base) as client:
                return await client.embeddings.create_async(model="mistral-embed", inputs=["Embed this sentence."])
        res = asyncio.run(main())
    assert res.data and res.data[0].embedding
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["kind"], row["input_tokens"], row["status"]) == (
        "mistral", "mistral-embed", "embedding", TOKENS["mistral.embeddings"]["prompt_tokens"], "ok")


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_cohere_embed(capture: None, fake_server: FakeAPIServer, ledger_path: Path, version: str) -> None:
    import cohere

    base = remote("api.cohere.com", fake_server)
    texts = ["hello CANARY-embed93x", "goodbye"]
    if version == "v2":
        res = cohere.ClientV2(api_key="co-test", base_url=base).embed(
            texts=texts, model="embed-v4.0", input_type="search_document", embedding_types=["float"])
        assert res.embeddings.float_ and len(res.embeddings.float_) == 2
    else:
        res = cohere.Client(api_key="co-test", base_url=base).embed(texts=texts, model="embed-english-v3.0",
                                                                    input_type="search_document")
        assert len(res.embeddings) == 2
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["kind"], row["input_tokens"], row["status"]) == (
        "cohere", "embedding", TOKENS["cohere.embed"]["billed.input_tokens"], "ok")
    assert row["model"] in ("embed-v4.0", "embed-english-v3.0")
    # The reply echoes the texts: never stored.
    assert b"CANARY-embed93x" not in b"".join(p.read_bytes() for p in ledger_path.parent.glob(ledger_path.name + "*"))


@pytest.mark.parametrize("use_async", [False, True])
def test_google_embed_content(capture: None, fake_server: FakeAPIServer, ledger_path: Path, use_async: bool) -> None:
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=remote("generativelanguage.googleapis.com", fake_server)))
    contents = ["What is the meaning of life?", "How does the brain work?"]
    if not use_async:
        res = client.models.embed_content(model="gemini-embedding-001", contents=contents)
    else:
        res = asyncio.run(client.aio.models.embed_content(model="gemini-embedding-001", contents=contents))
    assert res.embeddings and len(res.embeddings) == 2
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["kind"], row["input_tokens"], row["status"]) == (
        "google", "gemini-embedding-001", "embedding", TOKENS["google.embed"]["promptTokenCount"], "ok")
    assert row["path"].endswith("/models/gemini-embedding-001:batchEmbedContents")


def test_google_embeddings_without_usage_are_partial(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=remote("generativelanguage.googleapis.com", fake_server)))
    client.models.embed_content(model="text-embedding-004-nousage", contents="hello")
    (row,) = ledger_rows(ledger_path)
    assert (row["kind"], row["input_tokens"], row["status"]) == ("embedding", 0, "partial")


def test_embeddings_of_every_provider_are_priced_as_embeddings(capture: None, fake_server: FakeAPIServer,
                                                               ledger_path: Path, tmp_path: Path) -> None:
    import cohere
    from google import genai
    from google.genai import types
    from mistralai.client import Mistral

    from frugal_ai.estimate import estimate_embedding

    _openai(fake_server).embeddings.create(model="text-embedding-3-small", input="a")
    with Mistral(api_key="m", server_url=remote("api.mistral.ai", fake_server)) as m:
        m.embeddings.create(model="mistral-embed", inputs=["a"])
    cohere.ClientV2(api_key="c", base_url=remote("api.cohere.com", fake_server)).embed(
        texts=["a"], model="embed-v4.0", input_type="search_document", embedding_types=["float"])
    google = genai.Client(api_key="g", http_options=types.HttpOptions(
        base_url=remote("generativelanguage.googleapis.com", fake_server)))
    google.models.embed_content(model="gemini-embedding-001", contents="a")
    inv = _inventory(ledger_path, tmp_path)
    expected_tokens = {"text-embedding-3-small": TOKENS["openai.embeddings"]["prompt_tokens"],
                       "mistral-embed": TOKENS["mistral.embeddings"]["prompt_tokens"],
                       "embed-v4.0": TOKENS["cohere.embed"]["billed.input_tokens"],
                       "gemini-embedding-001": TOKENS["google.embed"]["promptTokenCount"]}
    for model, tokens in expected_tokens.items():
        row = inv["rows"][model]
        assert row.kind == "embedding" and row.footprint is not None and not row.fallbacks.unknown_model, model
        expected = estimate_embedding(model, tokens, provider=row.provider, settings=inv["settings"])
        assert row.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central), model
