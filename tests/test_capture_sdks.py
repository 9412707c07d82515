"""Capture with the real SDKs: each one talks to a fake provider on 127.0.0.1, plain and
streamed, sync and async, and the ledger rows must hold the model, tokens, provider,
locality and run linkage the wire carried."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.sdk_calls import SDK_CALLS, anthropic_chat, openai_chat
from fakeservers.server import FakeAPIServer

# sdk -> (host it is served under, provider, model, {stream: (input, output, reasoning)}, local)
EXPECTED: dict[str, tuple[str, str, str, dict[bool, tuple[int, int, int]], bool]] = {
    "openai": ("api.openai.com", "openai", "gpt-4o-mini", {False: (19, 10, 0), True: (19, 10, 0)}, False),
    # Anthropic's input adds cached prompt tokens back in (12 + 3 read from cache).
    "anthropic": ("api.anthropic.com", "anthropic", "claude-haiku-4-5", {False: (15, 6, 0), True: (25, 15, 0)}, False),
    "mistralai": ("api.mistral.ai", "mistral", "mistral-small-latest", {False: (10, 12, 0), True: (10, 12, 0)}, False),
    # Gemini: output = candidates 12, reasoning = thoughts 5 (apart, as the estimator counts them).
    "google-genai": ("generativelanguage.googleapis.com", "google", "gemini-2.5-flash",
                     {False: (8, 12, 5), True: (8, 12, 5)}, False),
    # Cohere does not echo the model: it is read from the request's "model" key.
    "cohere": ("api.cohere.com", "cohere", "command-a-03-2025", {False: (71, 10, 0), True: (71, 10, 0)}, False),
    "ollama": ("127.0.0.1", "ollama", "llama3.2", {False: (26, 282, 0), True: (26, 282, 0)}, True),
}


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("sdk", list(EXPECTED))
def test_each_sdk_call_is_recorded_once_with_its_tokens(
    sdk: str, stream: bool, use_async: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    host, provider, model, tokens, local = EXPECTED[sdk]
    text = SDK_CALLS[sdk](remote(host, fake_server), stream=stream, use_async=use_async)
    assert text.startswith("Hello there")  # the SDK got the reply through the wrapped transport

    rows = ledger_rows(ledger_path)
    assert len(rows) == 1
    row = rows[0]
    assert (row["provider"], row["model"]) == (provider, model)
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == tokens[stream]
    assert row["status"] == "ok"
    assert row["local"] == int(local)
    assert row["host"] == host
    assert "?" not in row["path"]
    assert row["http_status"] == 200
    assert row["source"] == "capture"
    assert row["run_id"] is None and row["name"] is None and row["project"] == "default"
    assert 0 < row["latency_s"] < 30
    assert row["start"] <= row["end"]


def test_google_path_is_stored_without_query_string(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    SDK_CALLS["google-genai"](remote("generativelanguage.googleapis.com", fake_server), stream=True, use_async=False)
    (row,) = ledger_rows(ledger_path)
    assert row["path"].endswith("/models/gemini-2.5-flash:streamGenerateContent")
    # The SDK did send a query string (alt=sse): the server saw it, the ledger did not keep it.
    assert any("?alt=sse" in path for path, _ in fake_server.requests)


def test_openai_reasoning_tokens_are_kept_apart_from_output(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    # OpenAI's completion_tokens (74) include the reasoning (64): the ledger keeps 10 visible + 64 hidden.
    openai_chat(remote("api.openai.com", fake_server), stream=False, use_async=False, model="o3-mini")
    (row,) = ledger_rows(ledger_path)
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (19, 10, 64)


def test_openai_responses_api_plain_and_streamed(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="sk-test", max_retries=0)
    assert client.responses.create(model="gpt-4.1-mini", input="Say hello.").output_text.startswith("Hello")
    events = [e.type for e in client.responses.create(model="gpt-4.1-mini", input="Say hello.", stream=True)]
    assert events[0] == "response.created" and events[-1] == "response.completed"
    rows = ledger_rows(ledger_path)
    assert [(r["model"], r["input_tokens"], r["output_tokens"], r["status"]) for r in rows] == [
        ("gpt-4.1-mini", 36, 87, "ok"),
        ("gpt-4.1-mini", 36, 87, "ok"),
    ]
    assert {r["path"] for r in rows} == {"/v1/responses"}


def test_openai_embeddings_count_input_only(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="sk-test", max_retries=0)
    res = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert len(res.data) == 2
    (row,) = ledger_rows(ledger_path)
    assert (row["model"], row["input_tokens"], row["output_tokens"], row["path"]) == (
        "text-embedding-3-small", 8, 0, "/v1/embeddings")


def test_azure_openai_is_provider_azure(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    client = openai.AzureOpenAI(
        azure_endpoint=remote("myres.openai.azure.com", fake_server), api_version="2024-10-21",
        api_key="azure-test", max_retries=0,
    )
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["input_tokens"], row["output_tokens"]) == ("azure", "gpt-4o", 19, 10)
    assert row["path"] == "/openai/deployments/gpt-4o/chat/completions"  # api-version query dropped


def test_openai_compatible_server_on_localhost_is_local(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    # vLLM / llama.cpp / LM Studio: the OpenAI SDK pointed at a server on this machine.
    openai_chat(f"http://localhost:{fake_server.port}", stream=True, use_async=False, model="Qwen/Qwen2.5-7B-Instruct")
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["local"], row["status"]) == (
        "openai-compatible", "Qwen/Qwen2.5-7B-Instruct", 1, "ok")


def test_gzip_bodies_and_streams_are_read(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    base = remote("api.openai.com", fake_server)
    assert openai_chat(base, stream=False, use_async=False, model="gpt-4o-gzip").startswith("Hello")
    assert openai_chat(base, stream=True, use_async=True, model="gpt-4o-gzip").startswith("Hello")
    rows = ledger_rows(ledger_path)
    assert [(r["input_tokens"], r["output_tokens"], r["status"]) for r in rows] == [(19, 10, "ok"), (19, 10, "ok")]


def test_abandoned_stream_records_what_was_seen_as_partial(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    import anthropic

    client = anthropic.Anthropic(base_url=remote("api.anthropic.com", fake_server), api_key="k", max_retries=0)
    stream = client.messages.create(
        model="claude-long", max_tokens=500, stream=True, messages=[{"role": "user", "content": "hi"}]
    )
    for i, _event in enumerate(stream):
        if i == 5:
            break
    stream.close()
    (row,) = ledger_rows(ledger_path)
    # message_start was seen (input 25, placeholder output 1); message_delta never came.
    assert (row["model"], row["input_tokens"], row["status"]) == ("claude-long", 25, "partial")
    assert row["output_tokens"] <= 1


def test_abandoned_async_stream_is_partial(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    async def main() -> None:
        async with openai.AsyncOpenAI(
            base_url=remote("api.openai.com", fake_server) + "/v1", api_key="k", max_retries=0
        ) as client:
            stream = await client.chat.completions.create(
                model="gpt-long", messages=[{"role": "user", "content": "hi"}], stream=True,
                stream_options={"include_usage": True},
            )
            async for _ in stream:
                break
            await stream.close()

    asyncio.run(main())
    (row,) = ledger_rows(ledger_path)
    assert (row["model"], row["status"], row["output_tokens"]) == ("gpt-long", "partial", 0)


@pytest.mark.parametrize("sdk", ["openai", "anthropic", "mistralai", "google-genai", "cohere", "ollama"])
def test_http_5xx_is_recorded_as_failed_and_error_still_reaches_caller(
    sdk: str, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    host, provider, model, _tokens, _local = EXPECTED[sdk]
    with pytest.raises(Exception) as raised:
        SDK_CALLS[sdk](remote(host, fake_server), stream=False, use_async=False, model=f"{model}-fail-500")
    assert "500" in str(raised.value) or "internal" in str(raised.value).lower()
    rows = ledger_rows(ledger_path)
    assert rows, "the failed call was not recorded"
    assert all(r["status"] == "failed" and r["http_status"] == 500 for r in rows)
    assert {r["provider"] for r in rows} == {provider}
    assert {r["model"] for r in rows} == {f"{model}-fail-500"}  # from the request: errors carry no model


def test_timeout_is_recorded_as_failed_and_reraised(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="k", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-slow", messages=[{"role": "user", "content": "hi"}])
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["http_status"], row["model"], row["input_tokens"]) == ("failed", None, "gpt-slow", 0)


def test_unreachable_provider_error_is_unchanged(capture: None, ledger_path: Path) -> None:
    import openai

    # Nothing listens on this port: the SDK must see its usual connection error.
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0, timeout=2)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    (row,) = ledger_rows(ledger_path)
    assert row["status"] == "failed" and row["local"] == 1


# -- run linkage --------------------------------------------------------------------------
def _run_frame(name: str, capture_api: bool = True) -> Any:
    from frugal_ai.measure.context import RunFrame

    return RunFrame(id=f"run-{name}", name=name, project="acme", tags={"team": "ocr"}, capture_api=capture_api)


def test_calls_inside_a_run_frame_link_to_it_threads_and_tasks_included(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    from frugal_ai.measure import context

    base = remote("api.openai.com", fake_server)
    token = context._current.set(_run_frame("invoice-ocr"))
    try:
        openai_chat(base, stream=False, use_async=False)
        openai_chat(base, stream=True, use_async=True)  # asyncio.run copies the context
        import contextvars

        ctx = contextvars.copy_context()  # what `track` documents for threads started inside
        worker = threading.Thread(target=ctx.run, args=(anthropic_chat, remote("api.anthropic.com", fake_server)),
                                  kwargs={"stream": True, "use_async": False})
        worker.start()
        worker.join()
    finally:
        context._current.reset(token)
    openai_chat(base, stream=False, use_async=False)  # outside: not linked
    rows = ledger_rows(ledger_path)
    assert len(rows) == 4
    inside = [r for r in rows if r["run_id"] == "run-invoice-ocr"]
    assert len(inside) == 3
    assert all(r["name"] == "invoice-ocr" and r["project"] == "acme" and '"team": "ocr"' in r["tags"] for r in inside)
    (outside,) = [r for r in rows if r["run_id"] is None]
    assert outside["name"] is None and outside["project"] == "default"


def test_capture_api_false_skips_calls_of_that_run(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    from frugal_ai.measure import context

    token = context._current.set(_run_frame("no-capture", capture_api=False))
    try:
        assert openai_chat(remote("api.openai.com", fake_server), stream=False, use_async=False).startswith("Hello")
    finally:
        context._current.reset(token)
    assert ledger_rows(ledger_path) == []


def test_calls_inside_track_link_to_the_run(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    track_module = pytest.importorskip("frugal_ai.measure.track", reason="frugal_ai.measure.track not written yet")
    from frugal_ai.measure.context import current_run

    base = remote("api.openai.com", fake_server)
    seen: list[Any] = []

    @track_module.track("summarise", tags={"team": "support"})
    def summarise() -> str:
        seen.append(current_run())
        return openai_chat(base, stream=False, use_async=False)

    assert summarise().startswith("Hello")
    (frame,) = seen
    (row,) = ledger_rows(ledger_path)
    assert (row["run_id"], row["name"], row["project"]) == (frame.id, "summarise", frame.project)
    assert '"team": "support"' in row["tags"]


def test_stream_broken_mid_way_is_failed_with_what_was_seen(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    import httpx2

    # The SDK's stream lets the transport's error through; capture must not change it.
    with pytest.raises(httpx2.RemoteProtocolError):
        anthropic_chat(remote("api.anthropic.com", fake_server), stream=True, use_async=False, model="claude-drop")
    (row,) = ledger_rows(ledger_path)
    # message_start (input 25) came before the connection died.
    assert (row["status"], row["model"], row["input_tokens"]) == ("failed", "claude-drop", 25)


def test_async_timeout_is_recorded_as_failed(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    import openai

    async def main() -> None:
        async with openai.AsyncOpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="k",
                                      max_retries=0, timeout=0.3) as client:
            await client.chat.completions.create(model="gpt-slow", messages=[{"role": "user", "content": "hi"}])

    with pytest.raises(openai.APITimeoutError):
        asyncio.run(main())
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["http_status"], row["model"]) == ("failed", None, "gpt-slow")


# -- the client behaves exactly as without frugal-ai, warnings included -----------------------
_SAME_AS_WITHOUT = r"""
import gc, json, re, sys, warnings
sys.path.insert(0, sys.argv[2])
from fakeservers.fixtures import REMOTE_HOSTS
from fakeservers.resolver import resolve_to_loopback
from fakeservers.sdk_calls import SDK_CALLS, openai_responses
from fakeservers.server import FakeAPIServer
import frugal_ai

HOSTS = json.loads(sys.argv[3])
seen = []
sys.unraisablehook = lambda u: seen.append(f"unraisable {type(u.exc_value).__name__}: {u.exc_value}")
calls = dict(SDK_CALLS, **{"openai-responses": openai_responses})
replies, kinds = {}, {}
with FakeAPIServer() as server, resolve_to_loopback(*REMOTE_HOSTS):
    if sys.argv[1] == "on":
        frugal_ai.instrument()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for sdk, call in sorted(calls.items()):
            base = f"http://{HOSTS[sdk]}:{server.port}"
            for stream in (False, True):
                for use_async in (False, True):
                    replies[f"{sdk} stream={stream} async={use_async}"] = call(base, stream=stream, use_async=use_async)
                    gc.collect()
            # The kinds of warning each SDK's calls gave (addresses, ports and descriptors
            # aside): how many of one kind depends on when the collector runs, not on us.
            new = seen + [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, ResourceWarning)]
            kinds[sdk] = sorted({re.sub(r"0x[0-9a-f]+|\d+", "N", s) for s in new})
            seen.clear()
            caught.clear()
print(json.dumps({"replies": replies, "warnings": kinds}))
"""


def test_clients_behave_exactly_as_without_frugal_ai_warnings_included(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    hosts = {sdk: expected[0] for sdk, expected in EXPECTED.items()}
    hosts["openai-responses"] = "api.openai.com"
    env = {**os.environ, "FRUGAL_AI_LEDGER": str(tmp_path / "ledger.sqlite")}
    tests_dir = str(Path(__file__).resolve().parent)
    runs = {}
    for mode in ("off", "on"):
        out = subprocess.run(
            [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", _SAME_AS_WITHOUT, mode, tests_dir,
             json.dumps(hosts)],
            capture_output=True, text=True, env=env, timeout=300,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        runs[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(runs["on"]["replies"]) == 4 * len(hosts)
    assert all(text.startswith("Hello there") for text in runs["on"]["replies"].values())
    assert runs["on"] == runs["off"]  # same replies, same kinds of warning from each SDK (none of ours)
    # The SDKs that close what they open give none, with capture on as without.
    assert all(runs["on"]["warnings"][sdk] == [] for sdk in ("openai", "openai-responses", "anthropic", "mistralai"))


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_cohere_format_on_another_host_is_recognised_by_its_path(
    stream: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    # The Cohere SDK pointed at a gateway (not api.cohere.com): recognised by /v2/chat and its reply.
    text = SDK_CALLS["cohere"](remote("llm-gateway.example", fake_server), stream=stream, use_async=False)
    assert text.startswith("Hello there")
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["input_tokens"], row["output_tokens"], row["host"]) == (
        "cohere", "command-a-03-2025", 71, 10, "llm-gateway.example")
