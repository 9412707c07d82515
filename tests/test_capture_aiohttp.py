"""Capture on `aiohttp`: litellm's async path (`acompletion`, async streaming, OpenAI and
Anthropic models) and google-genai's async client with aiohttp installed, plus plain
aiohttp calls, against the fake providers, in and out of `track()`. The client must see
what it sees without frugal-ai: same bytes, same exceptions, no new warnings."""

from __future__ import annotations

import asyncio
import os
import warnings
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import frugal_ai
from frugal_ai.capture import aiohttp_session

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.sdk_calls import google_chat
from fakeservers.server import FakeAPIServer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm: no download at import

MESSAGES = [{"role": "user", "content": "Say hello."}]


def _went_through_aiohttp(host: str) -> bool:
    # Only the aiohttp wrapper fills this cache: the call did not go through httpx.
    return any(f"//{host}:" in key[1] for key in aiohttp_session._targets)


def _tokens(row: dict[str, Any]) -> tuple[int, int, int]:
    return row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]


# -- litellm's async path ------------------------------------------------------------------
def litellm_chat(model: str, base: str, *, stream: bool) -> str:
    import litellm

    async def main() -> str:
        kwargs: dict[str, Any] = {"model": model, "api_base": base, "api_key": "sk-test", "messages": MESSAGES,
                                  "max_tokens": 64}
        if not stream:
            return (await litellm.acompletion(**kwargs)).choices[0].message.content or ""
        if model.startswith("openai/"):
            kwargs["stream_options"] = {"include_usage": True}
        parts = []
        async for chunk in await litellm.acompletion(stream=True, **kwargs):
            if chunk.choices:
                parts.append(chunk.choices[0].delta.content or "")
        return "".join(parts)

    return asyncio.run(main())


LITELLM = {
    # model -> (host, base path, provider, ledger model, {stream: tokens})
    "openai/gpt-4o-mini": ("api.openai.com", "/v1", "openai", "gpt-4o-mini", {False: (19, 10, 0), True: (19, 10, 0)}),
    "anthropic/claude-haiku-4-5": ("api.anthropic.com", "", "anthropic", "claude-haiku-4-5",
                                   {False: (15, 6, 0), True: (25, 15, 0)}),
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("model", list(LITELLM))
def test_litellm_acompletion_is_recorded_with_its_tokens(
    model: str, stream: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    host, base_path, provider, ledger_model, tokens = LITELLM[model]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        text = litellm_chat(model, remote(host, fake_server) + base_path, stream=stream)
    assert text.startswith("Hello there")
    assert _went_through_aiohttp(host)
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["status"], row["http_status"]) == (provider, ledger_model, "ok", 200)
    assert _tokens(row) == tokens[stream]
    ours = [w for w in seen if "frugal" in str(w.message).lower() or issubclass(w.category, ResourceWarning)]
    assert not ours, [(w.category.__name__, str(w.message), w.filename, w.lineno) for w in ours]


def test_litellm_acompletion_inside_track_links_to_the_run(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    frugal_ai.uninstrument()  # only what `track` switches on: calls inside runs

    @frugal_ai.track("summarise", tags={"team": "support"})
    def summarise() -> str:
        return litellm_chat("openai/gpt-4o-mini", remote("api.openai.com", fake_server) + "/v1", stream=True)

    assert summarise().startswith("Hello there")
    litellm_chat("openai/gpt-4o-mini", remote("api.openai.com", fake_server) + "/v1", stream=False)  # outside
    (row,) = ledger_rows(ledger_path)
    assert (row["name"], _tokens(row)) == ("summarise", (19, 10, 0))
    assert row["run_id"] and '"team": "support"' in row["tags"]


# -- google-genai's async client, on aiohttp ------------------------------------------------
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_google_genai_async_client_on_aiohttp_is_recorded(
    stream: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    host = "generativelanguage.googleapis.com"
    text = google_chat(remote(host, fake_server), stream=stream, use_async=True)
    assert text.startswith("Hello there")
    assert _went_through_aiohttp(host)  # google-genai prefers aiohttp when it is installed
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["status"], _tokens(row)) == ("google", "gemini-2.5-flash", "ok", (8, 12, 5))
    assert row["path"].endswith("/models/gemini-2.5-flash:" + ("streamGenerateContent" if stream else "generateContent"))


# -- plain aiohttp: statuses ------------------------------------------------------------------
def _post(url: str, body: dict[str, Any], *, read: str = "all") -> Any:
    async def main() -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=body) as resp:
                if read == "all":
                    return resp.status, await resp.read()
                if read == "lines":
                    return resp.status, [line async for line in resp.content]
                async for _ in resp.content:  # "first": one line, then leave
                    break
                return resp.status, None

    return asyncio.run(main())


def test_aiohttp_bytes_are_unchanged_and_ndjson_is_read(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    base = fake_server.url
    status, lines = _post(base + "/api/chat", {"model": "llama3.2", "messages": MESSAGES, "stream": True}, read="lines")
    frugal_ai.uninstrument()
    _, lines_without = _post(base + "/api/chat", {"model": "llama3.2", "messages": MESSAGES, "stream": True}, read="lines")
    assert status == 200 and lines == lines_without
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], _tokens(row), row["local"]) == ("ollama", "llama3.2", (26, 282, 0), 1)


def test_aiohttp_abandoned_stream_is_partial_and_error_status_failed(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    url = remote("api.openai.com", fake_server) + "/v1/chat/completions"
    _post(url, {"model": "gpt-long", "messages": MESSAGES, "stream": True,
                "stream_options": {"include_usage": True}}, read="first")
    status, _ = _post(url, {"model": "gpt-4o-mini-fail-500", "messages": MESSAGES})
    assert status == 500
    _post(url, {"model": "gpt-4o-gzip", "messages": MESSAGES})  # gzip: aiohttp decompresses it
    rows = ledger_rows(ledger_path)
    assert [(r["model"], r["status"], r["http_status"]) for r in rows] == [
        ("gpt-long", "partial", 200), ("gpt-4o-mini-fail-500", "failed", 500), ("gpt-4o-gzip", "ok", 200)]
    assert _tokens(rows[2]) == (19, 10, 0)
    assert aiohttp_session._followed == {}  # every reader went back to its own class


def test_aiohttp_connection_error_is_recorded_as_failed_and_reraised(capture: None, ledger_path: Path) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            await session.post("http://127.0.0.1:9/v1/chat/completions", json={"model": "gpt-4o-mini"})

    with pytest.raises(aiohttp.ClientConnectionError):
        asyncio.run(main())
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["model"], row["http_status"]) == ("failed", "gpt-4o-mini", None)


def test_uninstrument_restores_aiohttp(capture: None) -> None:
    wrapped = aiohttp.ClientSession._request
    assert getattr(wrapped, "__frugal_ai__", False)
    frugal_ai.uninstrument()
    assert aiohttp.ClientSession._request is wrapped.__wrapped__
