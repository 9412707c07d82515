"""Capture on `requests` / `urllib3`: huggingface_hub's InferenceClient (a real requests-based
client) and plain `requests` and `urllib3` calls against the fake providers, in and out of
`track()`. The client must see exactly what it sees without frugal-ai: same bytes, same
exceptions, no new warnings."""

from __future__ import annotations

import gc
import logging
import secrets
import socket
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
import urllib3

import frugal_ai
from frugal_ai.capture import urllib3_pool
from frugal_ai.ledger.notice import FrugalAIWarning

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.resolver import resolve_to_loopback
from fakeservers.server import FakeAPIServer

MESSAGES = [{"role": "user", "content": "Say hello."}]


def hf_chat(base: str, *, stream: bool, model: str = "gpt-4o-mini", key: str = "hf-test",
            messages: list[dict[str, str]] = MESSAGES, headers: dict[str, str] | None = None) -> str:
    """huggingface_hub's InferenceClient (requests-based before 1.0) against an OpenAI-compatible server."""
    from huggingface_hub import InferenceClient

    client = InferenceClient(base_url=f"{base}/v1", api_key=key, headers=headers)
    if not stream:
        return client.chat_completion(messages=messages, model=model).choices[0].message.content or ""
    chunks = client.chat_completion(messages=messages, model=model, stream=True, stream_options={"include_usage": True})
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _tokens(row: dict[str, Any]) -> tuple[int, int, int]:
    return row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]


def test_huggingface_hub_uses_requests() -> None:
    # The point of these tests: huggingface_hub < 1.0 sends through requests, not httpx.
    import huggingface_hub

    assert int(huggingface_hub.__version__.split(".")[0]) < 1


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_huggingface_inference_client_is_recorded_with_its_tokens(
    stream: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    text = hf_chat(remote("api.openai.com", fake_server), stream=stream)
    assert text.startswith("Hello there")
    gc.collect()  # the client stops reading at [DONE] and never closes its response
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["status"]) == ("openai", "gpt-4o-mini", "ok")
    assert _tokens(row) == (19, 10, 0)
    assert (row["host"], row["path"], row["http_status"], row["local"]) == ("api.openai.com", "/v1/chat/completions", 200, 0)
    assert row["run_id"] is None and row["source"] == "capture"
    assert 0 < row["latency_s"] < 30


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_huggingface_inference_client_inside_track_links_to_the_run(
    stream: bool, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    # No instrument(): track() alone switches capture on, for the calls inside its runs only.
    frugal_ai.uninstrument()
    base = f"http://localhost:{fake_server.port}"
    try:
        hf_chat(base, stream=stream, model="Qwen/Qwen2.5-7B-Instruct")  # outside: not recorded
        with frugal_ai.track("hf-chat"):
            hf_chat(base, stream=stream, model="Qwen/Qwen2.5-7B-Instruct")
        gc.collect()
        hf_chat(base, stream=stream, model="Qwen/Qwen2.5-7B-Instruct")  # after: not recorded either
        gc.collect()
        rows = [r for r in ledger_rows(ledger_path) if r.get("provider")]
    finally:
        frugal_ai.uninstrument()
    (row,) = rows
    assert (row["provider"], row["model"], row["local"], row["name"]) == (
        "openai-compatible", "Qwen/Qwen2.5-7B-Instruct", 1, "hf-chat")
    assert row["run_id"] and _tokens(row) == (19, 10, 0) and row["status"] == "ok"


def _post(base: str, path: str, doc: dict[str, Any], **kwargs: Any) -> requests.Response:
    return requests.post(base + path, json=doc, timeout=10, **kwargs)


# (host, path, body, expected provider, model, tokens)
PLAIN_REQUESTS = {
    "openai": ("api.openai.com", "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": MESSAGES},
               "openai", "gpt-4o-mini", (19, 10, 0)),
    "openai-stream": ("api.openai.com", "/v1/chat/completions",
                      {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}},
                      "openai", "gpt-4o-mini", (19, 10, 0)),
    "anthropic": ("api.anthropic.com", "/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": MESSAGES},
                  "anthropic", "claude-haiku-4-5", (15, 6, 0)),
    "anthropic-stream": ("api.anthropic.com", "/v1/messages",
                         {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": MESSAGES, "stream": True},
                         "anthropic", "claude-haiku-4-5", (25, 15, 0)),
    "ollama-ndjson": ("127.0.0.1", "/api/chat", {"model": "llama3.2", "messages": MESSAGES},
                      "ollama", "llama3.2", (26, 282, 0)),
    "gzip": ("api.openai.com", "/v1/chat/completions", {"model": "gpt-4o-mini-gzip", "messages": MESSAGES},
             "openai", "gpt-4o-mini-gzip", (19, 10, 0)),
    "gzip-stream": ("api.openai.com", "/v1/chat/completions",
                    {"model": "gpt-4o-mini-gzip", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}},
                    "openai", "gpt-4o-mini-gzip", (19, 10, 0)),
}


def _read(case: str, response: requests.Response) -> bytes:
    if "stream" in case or "ndjson" in case:
        return b"".join(response.iter_content(chunk_size=7))  # odd sizes: events cut anywhere
    return response.content


@pytest.mark.parametrize("case", list(PLAIN_REQUESTS))
def test_plain_requests_calls_are_recorded_and_the_bytes_unchanged(
    case: str, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    host, path, doc, provider, model, tokens = PLAIN_REQUESTS[case]
    base = remote(host, fake_server)
    stream = "stream" in case or "ndjson" in case
    with _warnings_as_errors():
        with _post(base, path, doc, stream=stream) as captured:
            seen = _read(case, captured)
        frugal_ai.uninstrument()
        with _post(base, path, doc, stream=stream) as plain:
            expected = _read(case, plain)
    assert seen == expected and len(seen) > 0
    assert dict(captured.headers).keys() == dict(plain.headers).keys()
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["model"], row["status"]) == (provider, model, "ok")
    assert _tokens(row) == tokens
    assert row["path"] == path and row["host"] == host


def test_the_query_string_is_not_stored(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    url = remote("generativelanguage.googleapis.com", fake_server) + "/v1beta/models/gemini-2.5-flash:generateContent"
    requests.post(url, params={"key": "AIza-secret"}, json={"contents": []}, timeout=10).raise_for_status()
    (row,) = ledger_rows(ledger_path)
    assert row["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert (row["provider"], row["model"], _tokens(row)) == ("google", "gemini-2.5-flash", (8, 12, 5))


def test_a_gateway_path_keeps_only_the_known_route(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    url = remote("api.openai.com", fake_server) + "/gw/sk-live-secret/v1/chat/completions"
    requests.post(url, json={"model": "gpt-4o-mini", "messages": MESSAGES}, timeout=10).raise_for_status()
    (row,) = ledger_rows(ledger_path)
    assert row["path"] == "/*/*/v1/chat/completions" and _tokens(row) == (19, 10, 0)


def test_direct_urllib3_preloaded_and_streamed(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    base = remote("api.openai.com", fake_server)
    body = {"model": "gpt-4o-mini", "messages": MESSAGES}
    with urllib3.PoolManager() as pool:
        preloaded = pool.request("POST", base + "/v1/chat/completions", json=body)
        assert preloaded.json()["usage"]["prompt_tokens"] == 19
        streamed = pool.request("POST", base + "/v1/chat/completions", preload_content=False,
                                json={**body, "stream": True, "stream_options": {"include_usage": True}})
        assert b"[DONE]" in b"".join(streamed.stream(64))
        streamed.release_conn()
    rows = ledger_rows(ledger_path)
    assert [(r["model"], _tokens(r), r["status"]) for r in rows] == [("gpt-4o-mini", (19, 10, 0), "ok")] * 2


def test_http_500_is_failed_and_the_error_reaches_the_caller(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    response = _post(remote("api.openai.com", fake_server), "/v1/chat/completions",
                     {"model": "gpt-4o-fail-500", "messages": MESSAGES})
    with pytest.raises(requests.HTTPError):
        response.raise_for_status()
    assert response.json()["error"]["message"].startswith("The server had an error")
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["http_status"], row["model"]) == ("failed", 500, "gpt-4o-fail-500")


def test_refused_connection_is_failed_and_the_exception_unchanged(capture: None, ledger_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    errors: list[type[BaseException]] = []
    for on in (True, False):
        if not on:
            frugal_ai.uninstrument()
        with pytest.raises(requests.ConnectionError) as caught:
            _post(f"http://127.0.0.1:{port}", "/v1/chat/completions", {"model": "m", "messages": MESSAGES})
        errors.append(type(caught.value))
    assert errors[0] is errors[1]
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["http_status"], row["model"]) == ("failed", None, "m")


def test_timeout_is_failed_and_reraised(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    with pytest.raises(requests.Timeout):
        requests.post(remote("api.openai.com", fake_server) + "/v1/chat/completions",
                      json={"model": "gpt-slow", "messages": MESSAGES}, timeout=0.3)
    (row,) = ledger_rows(ledger_path)
    assert row["status"] == "failed"


def test_urllib3_retries_are_one_row_with_the_last_outcome(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    retry = urllib3.Retry(total=2, status_forcelist=[500], allowed_methods=None, backoff_factor=0, raise_on_status=False)
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))
    response = session.post(remote("api.openai.com", fake_server) + "/v1/chat/completions",
                            json={"model": "gpt-4o-fail-500", "messages": MESSAGES}, timeout=10)
    assert response.status_code == 500
    assert sum(1 for path, _ in fake_server.requests[-3:] if path == "/v1/chat/completions") == 3
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["http_status"]) == ("failed", 500)


def test_abandoned_stream_is_partial_with_what_was_seen(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    doc = {"model": "claude-long", "max_tokens": 64, "messages": MESSAGES, "stream": True}
    with _post(remote("api.anthropic.com", fake_server), "/v1/messages", doc, stream=True) as response:
        first = next(response.iter_lines())
    assert first.startswith(b"event: message_start")
    (row,) = ledger_rows(ledger_path)
    # message_start was seen (input 25, placeholder output 1); message_delta never came.
    assert (row["status"], row["input_tokens"], row["model"]) == ("partial", 25, "claude-long")
    assert row["output_tokens"] <= 1


def test_stream_broken_mid_way_is_failed_and_the_error_unchanged(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    doc = {"model": "gpt-long-drop", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        with _post(remote("api.openai.com", fake_server), "/v1/chat/completions", doc, stream=True) as response:
            for _ in response.iter_lines():
                pass
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["model"], row["http_status"]) == ("failed", "gpt-long-drop", 200)


def test_other_requests_pass_untouched(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    base = remote("api.openai.com", fake_server)
    assert requests.get(base + "/v1/chat/completions", timeout=10).status_code == 404
    assert requests.post(base + "/v1/files", json={}, timeout=10).status_code == 404
    response = requests.post(base + "/v1/files", json={}, timeout=10, stream=True)
    assert type(response.raw) is urllib3.HTTPResponse  # not followed: not even its class changed
    assert ledger_rows(ledger_path) == []


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_recorded_response_gets_its_own_class_back(
    stream: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    # Once the call is recorded, the rest of the response (its close, its finalizer) runs
    # without the capture's wrappers: its class and fields are its own again.
    doc: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES}
    if stream:
        doc.update(stream=True, stream_options={"include_usage": True})
    with _post(remote("api.openai.com", fake_server), "/v1/chat/completions", doc, stream=stream) as response:
        body = response.content
        assert type(response.raw) is urllib3.HTTPResponse
        assert not any(name.startswith("_frugal_ai") for name in vars(response.raw))
    assert body
    (row,) = ledger_rows(ledger_path)
    assert (row["status"], row["model"], _tokens(row)) == ("ok", "gpt-4o-mini", (19, 10, 0))


def test_an_internal_error_is_one_warning_and_the_call_goes_on(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(urllib3_pool, "_target", broken)
    with pytest.warns(FrugalAIWarning, match="capture degraded") as seen:
        for _ in range(3):
            response = _post(remote("api.openai.com", fake_server), "/v1/chat/completions",
                             {"model": "gpt-4o-mini", "messages": MESSAGES})
            assert response.json()["usage"]["prompt_tokens"] == 19
    assert len([w for w in seen if issubclass(w.category, FrugalAIWarning)]) == 1
    assert ledger_rows(ledger_path) == []


def test_uninstrument_restores_urlopen_and_instrument_is_idempotent() -> None:
    from urllib3.connectionpool import HTTPConnectionPool

    frugal_ai.uninstrument()
    original = HTTPConnectionPool.urlopen
    frugal_ai.instrument()
    frugal_ai.instrument()
    wrapped = HTTPConnectionPool.urlopen
    assert wrapped is not original and wrapped.__wrapped__ is original
    frugal_ai.uninstrument()
    assert HTTPConnectionPool.urlopen is original


def test_prompt_key_header_and_query_never_reach_the_ledger_or_logs(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "CANARY-" + secrets.token_hex(8)
    caplog.set_level(logging.DEBUG)
    messages = [{"role": "user", "content": f"Summarise {canary}"}]
    base = remote("api.openai.com", fake_server)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for stream in (False, True):
            assert canary in hf_chat(base, stream=stream, key=f"hf-{canary}", messages=messages, headers={"X-Trace": canary})
        requests.post(base + f"/v1/chat/completions?key={canary}", json={"model": "gpt-4o-mini", "messages": messages},
                      headers={"Authorization": f"Bearer {canary}"}, timeout=10).raise_for_status()
        gc.collect()
        rows = ledger_rows(ledger_path)
    assert len(rows) == 3
    hex_part = canary.split("-", 1)[1].encode()
    for path in ledger_path.parent.glob(ledger_path.name + "*"):
        assert hex_part not in path.read_bytes(), path.name
    assert all(canary not in r.getMessage() for r in caplog.records if r.name.startswith("frugal_ai"))
    assert all(canary not in str(w.message) for w in seen)


class _warnings_as_errors:
    """No new warning of any kind (ResourceWarning included) while the block runs."""

    def __enter__(self) -> None:
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        gc.collect()  # a leaked socket warns when collected
        self._ctx.__exit__(*exc)
