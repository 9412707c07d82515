"""Capture internals: routing by host and path, the parsers, the stream observer, and the
instrument switch (idempotent, thread-safe, restorable, harmless on failure)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Iterator

import httpx
import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frugal_ai
from frugal_ai.capture import emit
from frugal_ai.capture.instrument import instrument_for_runs, is_instrumented
from frugal_ai.capture.observe import CallObserver
from frugal_ai.capture.parsers import Usage, parser_for
from frugal_ai.capture.providers import Route, is_local_host, route
from frugal_ai.errors import InputError

from fakeservers.fixtures import ledger_rows
from fakeservers.inprocess import pool_transport


@pytest.fixture(autouse=True)
def _capture_off() -> Iterator[None]:
    # Other tests (a `track` anywhere) may have switched capture on for the process.
    frugal_ai.uninstrument()
    yield
    frugal_ai.uninstrument()


# -- routing ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host,port,path,expected",
    [
        ("api.openai.com", None, "/v1/chat/completions", ("openai", "openai", False)),
        ("api.openai.com", None, "/v1/responses", ("openai", "openai", False)),
        ("api.openai.com", None, "/v1/embeddings", ("openai", "openai", False)),
        ("myres.openai.azure.com", None, "/openai/deployments/gpt4o/chat/completions", ("azure", "openai", False)),
        ("api.anthropic.com", None, "/v1/messages", ("anthropic", "anthropic", False)),
        ("api.mistral.ai", None, "/v1/chat/completions", ("mistral", "openai", False)),
        ("api.mistral.ai", None, "/v1/fim/completions", ("mistral", "openai", False)),
        ("generativelanguage.googleapis.com", None, "/v1beta/models/gemini-2.5-flash:generateContent", ("google", "google", False)),
        ("generativelanguage.googleapis.com", None, "/v1beta/openai/chat/completions", ("google", "openai", False)),
        ("europe-west4-aiplatform.googleapis.com", None,
         "/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent",
         ("google", "google", False)),
        ("api.cohere.com", None, "/v2/chat", ("cohere", "cohere", False)),
        ("api.cohere.ai", None, "/v1/chat", ("cohere", "cohere", False)),
        ("localhost", 11434, "/api/chat", ("ollama", "ollama", True)),
        ("gpu-box.lan", 11434, "/api/generate", ("ollama", "ollama", False)),
        ("127.0.0.1", 11434, "/v1/chat/completions", ("ollama", "openai", True)),
        ("127.0.0.1", 8000, "/v1/chat/completions", ("openai-compatible", "openai", True)),
        ("::1", 8080, "/v1/completions", ("openai-compatible", "openai", True)),
        ("vllm.internal", 8000, "/v1/embeddings", ("openai-compatible", "openai", False)),
        # Wire formats recognised by their path on any host (a gateway, or a server speaking the API).
        ("llm-gateway.example", None, "/cohere/v2/chat", ("cohere", "cohere", False)),
        ("127.0.0.1", 8080, "/v1/embed", ("cohere", "cohere", True)),
        ("llm-gateway.example", None, "/mistral/v1/fim/completions", ("mistral", "openai", False)),
        ("apim.example", None, "/openai/deployments/gpt-4o/chat/completions", ("azure", "openai", False)),
        ("llm-gateway.example", None, "/anthropic/v1/messages", ("anthropic", "anthropic", False)),
        ("llm-gateway.example", None, "/v1beta/models/gemini-2.5-flash:generateContent", ("google", "google", False)),
    ],
)
def test_route_by_host_and_path(host: str, port: int | None, path: str, expected: tuple[str, str, bool]) -> None:
    assert route(host, port, path) == Route(*expected)


@pytest.mark.parametrize(
    "host,path",
    [
        ("api.openai.com", "/v1/models"),
        ("api.anthropic.com", "/v1/messages/count_tokens"),
        ("api.cohere.com", "/v1/tokenize"),
        ("example.com", "/chat/completions"),  # unknown host: only the /v1/ forms count
        ("example.com", "/upload"),
        ("example.com", "/v1/chat/stream"),
        ("api.cohere.com", "/v1/chat/completions"),
    ],
)
def test_route_ignores_other_endpoints(host: str, path: str) -> None:
    assert route(host, None, path) is None


@pytest.mark.parametrize("module", [httpx, httpx2])
def test_request_target_is_remembered_decoded_and_without_query(module: Any) -> None:
    from frugal_ai.capture import providers, transport

    providers.clear_cache()
    assert transport._targets == {}
    url = module.URL("https://xn--fiqs8s.example/v1/chat%2Fx/v1/chat/completions?key=CANARY-KEY")
    for _ in range(2):  # computed, then remembered: the same answer
        where, host, path, parser = transport._target(url)
        # Decoded, and (issue 10) the segment outside the known route replaced.
        assert (where.provider, host, path) == ("openai-compatible", "中国.example", "/v1/chat/*/v1/chat/completions")
        assert parser is parser_for("openai")
    assert "CANARY" not in repr(transport._targets)  # the query string is no part of the key
    other = transport._target(module.URL("https://api.openai.com/v1/files"))
    assert other[0] is None
    providers.clear_cache()
    assert transport._targets == {}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]", "api.localhost"])
def test_loopback_hosts_are_local(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize("host", ["api.openai.com", "10.0.0.5", "128.0.0.1", "gpu-box.lan"])
def test_other_hosts_are_not_local(host: str) -> None:
    assert not is_local_host(host)


# -- parsers ------------------------------------------------------------------------------
def _body(fmt: str, doc: Any) -> Usage:
    usage = Usage()
    parser_for(fmt).read_body(doc, usage)
    return usage


def test_openai_chat_usage() -> None:
    u = _body("openai", {"model": "o3", "usage": {"prompt_tokens": 5, "completion_tokens": 9,
                                                   "completion_tokens_details": {"reasoning_tokens": 4}}})
    assert (u.model, u.input_tokens, u.output_tokens, u.reasoning_tokens, u.complete) == ("o3", 5, 5, 4, True)


def test_anthropic_cache_tokens_count_as_input() -> None:
    u = _body("anthropic", {"model": "claude", "usage": {"input_tokens": 2, "cache_creation_input_tokens": 100,
                                                          "cache_read_input_tokens": 1000, "output_tokens": 7}})
    assert (u.input_tokens, u.output_tokens) == (1102, 7)


def test_google_json_array_stream_takes_last_counts() -> None:
    doc = [{"usageMetadata": {"promptTokenCount": 3}},
           {"modelVersion": "gemini-x", "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 9}}]
    u = _body("google", doc)
    assert (u.model, u.input_tokens, u.output_tokens) == ("gemini-x", 3, 9)


def test_cohere_v1_meta_prefers_tokens_over_billed_units() -> None:
    u = _body("cohere", {"meta": {"billed_units": {"input_tokens": 1, "output_tokens": 2},
                                  "tokens": {"input_tokens": 30, "output_tokens": 2}}})
    assert (u.input_tokens, u.output_tokens, u.model) == (30, 2, None)


def test_ollama_embed_counts_input() -> None:
    u = _body("ollama", {"model": "nomic-embed-text", "prompt_eval_count": 8})
    assert (u.model, u.input_tokens, u.output_tokens, u.complete) == ("nomic-embed-text", 8, 0, True)


@pytest.mark.parametrize("fmt", ["openai", "anthropic", "google", "cohere", "ollama"])
@pytest.mark.parametrize(
    "doc",
    [None, 3, "text", [], {}, {"usage": "none"}, {"usage": {"prompt_tokens": "many"}}, {"model": 7},
     {"usageMetadata": []}, {"meta": {"tokens": None}}, {"model": "x" * 500}],
)
def test_odd_shapes_never_raise_nor_invent_counts(fmt: str, doc: Any) -> None:
    u = Usage()
    parser = parser_for(fmt)
    parser.read_body(doc, u)
    parser.read_event(doc, u)
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens) == (0, 0, 0)
    assert u.model is None  # too long to be a model name, or not a string


def test_bools_and_negative_counts_are_not_token_counts() -> None:
    u = _body("openai", {"usage": {"prompt_tokens": True, "completion_tokens": -4}})
    assert (u.input_tokens, u.output_tokens) == (0, 0)


# -- the wire-format seam -----------------------------------------------------------------------
def test_every_wire_format_has_a_checked_parser() -> None:
    import typing

    from frugal_ai.capture.parsers import WireFormat
    from frugal_ai.capture.providers import WireFormat as Names

    for name in typing.get_args(Names):
        parser = parser_for(name)
        assert isinstance(parser, WireFormat) and parser.name == name
        assert parser.marker and callable(parser.read_body) and callable(parser.read_event)
        assert parser.usage_needles == tuple((k, f'"{k}"'.encode()) for k in parser.usage_keys)
        assert (parser.model_pattern is None) == (parser.model_key is None)


def test_a_parser_module_without_its_wire_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from frugal_ai.capture import parsers

    fake = types.ModuleType("frugal_ai.capture.parsers.bogus_format")
    fake.read_body = fake.read_event = lambda doc, usage: None  # type: ignore[attr-defined]
    fake.MARKER = b'"usage"'  # the old module-attribute convention: no longer enough
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    with pytest.raises(LookupError, match="WIRE_FORMAT"):
        parsers.parser_for("bogus")
    fake.WIRE_FORMAT = parsers.WireFormat("other", fake.read_body, fake.read_event, b"x", (), None)  # type: ignore[attr-defined]
    with pytest.raises(LookupError, match="WIRE_FORMAT"):
        parsers.parser_for("bogus")  # a wire format under another name
    assert "bogus" not in parsers._PARSERS


def test_a_wire_format_needs_a_marker() -> None:
    from frugal_ai.capture.parsers import WireFormat

    with pytest.raises(ValueError, match="marker"):
        WireFormat("x", lambda d, u: None, lambda d, u: None, b"", (), None)


# -- the observer over byte streams ---------------------------------------------------------
_SSE = b"".join(
    b"data: " + json.dumps(doc).encode() + b"\n\n"
    for doc in [
        {"model": "gpt-4o-mini", "choices": [{"delta": {"content": "Hel"}}]},
        {"model": "gpt-4o-mini", "choices": [{"delta": {"content": "lo _tokens\" x"}}]},
        {"model": "gpt-4o-mini", "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 22}},
    ]
) + b"data: [DONE]\n\n"


def _observe(fmt: str, chunks: list[bytes], *, ctype: str = "text/event-stream", encoding: str = "",
             status: int = 200, outcome: str = "end", captured: list[Any] | None = None) -> CallObserver:
    obs = CallObserver(Route("openai", fmt, False), "api.openai.com", "/v1/chat/completions", None, b'{"model":"req-model"}')
    obs.start_response(status, ctype.encode(), encoding.encode())
    for c in chunks:
        obs.feed(c)
    obs.finish(outcome)
    return obs


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The records the capture submits, caught before the ledger."""
    caught: list[Any] = []
    monkeypatch.setattr(emit, "_submit", caught.append)
    monkeypatch.setattr(emit, "default_project", lambda: "proj")
    return caught


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(_SSE)), max_size=12))
def test_sse_usage_is_read_whatever_the_chunk_boundaries(cuts: list[int]) -> None:
    caught: list[Any] = []
    emit._submit, saved = caught.append, emit._submit
    try:
        bounds = [0, *sorted(cuts), len(_SSE)]
        _observe("openai", [_SSE[a:b] for a, b in zip(bounds, bounds[1:]) if b > a])
    finally:
        emit._submit = saved
    (rec,) = caught
    assert (rec.model, rec.input_tokens, rec.output_tokens, rec.status) == ("gpt-4o-mini", 11, 22, "ok")


def test_gzip_stream_is_decoded_across_chunks(records: list[Any]) -> None:
    data = gzip.compress(_SSE)
    _observe("openai", [data[i:i + 7] for i in range(0, len(data), 7)], encoding="gzip")
    assert (records[0].input_tokens, records[0].output_tokens) == (11, 22)


def test_ndjson_last_line_without_newline(records: list[Any]) -> None:
    lines = [b'{"model":"llama3.2","done":false}\n', b'{"model":"llama3.2","done":true,"prompt_eval_count":4,"eval_count":6}']
    _observe("ollama", lines, ctype="application/x-ndjson")
    assert (records[0].model, records[0].input_tokens, records[0].output_tokens, records[0].status) == ("llama3.2", 4, 6, "ok")


def test_huge_body_usage_is_read_from_its_tail(records: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai.capture import observe

    monkeypatch.setattr(observe, "BODY_LIMIT_BYTES", 10_000)
    doc = {"object": "list", "data": [{"embedding": [0.123456] * 2000}], "model": "text-embedding-3-large",
           "usage": {"prompt_tokens": 321, "total_tokens": 321}}
    raw = json.dumps(doc).encode()
    _observe("openai", [raw[i:i + 4096] for i in range(0, len(raw), 4096)], ctype="application/json")
    (rec,) = records
    # The model is read from the request body (the head was dropped), usage from the tail.
    assert (rec.model, rec.input_tokens, rec.status) == ("req-model", 321, "ok")


def test_unknown_shape_on_success_is_skipped(records: list[Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="frugal_ai.capture")
    _observe("openai", [b"<html>gateway</html>"], ctype="text/html")
    assert records == []
    assert "unknown response shape" in caplog.text


def test_unknown_encoding_skips_reading_but_error_status_is_recorded(records: list[Any]) -> None:
    _observe("openai", [b"\x00\x01"], ctype="application/json", encoding="compress")
    assert records == []
    _observe("openai", [b"\x00\x01"], ctype="application/json", encoding="compress", status=503)
    assert [(r.status, r.http_status, r.model) for r in records] == [("failed", 503, "req-model")]


def test_finish_records_once(records: list[Any]) -> None:
    obs = _observe("openai", [_SSE])
    obs.finish("closed")
    obs.finish("error")
    assert len(records) == 1


# -- the wrapped transport, in process -------------------------------------------------------
def _sse_answer(produced: list[int]) -> Any:
    events = [line + b"\n\n" for line in _SSE.split(b"\n\n") if line]

    def body() -> Iterator[bytes]:
        for i, event in enumerate(events):
            produced.append(i)
            yield event

    def answer(request: Any) -> Any:
        return 200, [(b"content-type", b"text/event-stream")], body()

    return answer


@pytest.mark.parametrize("client_module", [httpx, httpx2], ids=["httpx", "httpx2"])
def test_stream_chunks_pass_unchanged_and_undelayed(
    client_module: Any, records: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    frugal_ai.instrument()
    try:
        produced: list[int] = []
        client = client_module.Client(transport=pool_transport(client_module, _sse_answer(produced)))
        with client.stream("POST", "https://api.openai.com/v1/chat/completions", json={"model": "m"}) as resp:
            raw = resp.iter_raw()
            first = next(raw)
            # The caller holds the first event while the server has produced only that one:
            # nothing is read ahead or held back.
            assert produced == [0]
            rest = b"".join(raw)
        assert first + rest == _SSE
    finally:
        frugal_ai.uninstrument()
    assert (records[0].input_tokens, records[0].output_tokens, records[0].status) == (11, 22, "ok")


def test_instrument_is_idempotent_and_uninstrument_restores(records: list[Any]) -> None:
    originals = (httpx2.HTTPTransport.handle_request, httpx2.AsyncHTTPTransport.handle_async_request,
                 httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    for _ in range(3):
        frugal_ai.instrument()
    try:
        wrapped = httpx2.HTTPTransport.handle_request
        assert wrapped is not originals[0] and wrapped.__wrapped__ is originals[0]
        client = httpx2.Client(transport=pool_transport(httpx2, _sse_answer([])))
        with client.stream("POST", "https://api.openai.com/v1/chat/completions", json={"model": "m"}) as resp:
            resp.read()
        assert len(records) == 1  # wrapped once, recorded once
    finally:
        frugal_ai.uninstrument()
        frugal_ai.uninstrument()
    assert (httpx2.HTTPTransport.handle_request, httpx2.AsyncHTTPTransport.handle_async_request,
            httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request) == originals
    assert not is_instrumented()


def test_instrument_and_uninstrument_from_many_threads(records: list[Any]) -> None:
    original = httpx2.HTTPTransport.handle_request
    barrier = threading.Barrier(8)

    def flip(i: int) -> None:
        barrier.wait()
        for _ in range(50):
            (frugal_ai.instrument if i % 2 else frugal_ai.uninstrument)()

    threads = [threading.Thread(target=flip, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    frugal_ai.instrument()
    assert httpx2.HTTPTransport.handle_request.__wrapped__ is original  # one layer, never two
    frugal_ai.uninstrument()
    assert httpx2.HTTPTransport.handle_request is original


def test_instrument_for_runs_records_only_inside_runs(records: list[Any]) -> None:
    from frugal_ai.measure import context

    instrument_for_runs()
    try:
        client = httpx2.Client(transport=pool_transport(httpx2, _sse_answer([])))
        client.post("https://api.openai.com/v1/chat/completions", json={"model": "m"})
        token = context._current.set(context.RunFrame(id="r1", name="job", project="p"))
        try:
            client.post("https://api.openai.com/v1/chat/completions", json={"model": "m"})
        finally:
            context._current.reset(token)
    finally:
        frugal_ai.uninstrument()
    assert [(r.run_id, r.name, r.project) for r in records] == [("r1", "job", "p")]


def test_a_broken_parser_degrades_to_one_warning(records: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from frugal_ai.capture import parsers, providers

    def boom(doc: Any, usage: Usage) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setitem(parsers._PARSERS, "openai", dataclasses.replace(parser_for("openai"), read_event=boom))
    providers.clear_cache()  # the transport remembers each target's parser
    monkeypatch.setattr(emit, "_warned", False)
    frugal_ai.instrument()
    try:
        client = httpx2.Client(transport=pool_transport(httpx2, _sse_answer([])))
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for _ in range(3):
                resp = client.post("https://api.openai.com/v1/chat/completions", json={"model": "m"})
                assert resp.content == _SSE  # the caller's response is untouched
    finally:
        frugal_ai.uninstrument()
        providers.clear_cache()
    assert len([w for w in seen if "frugal-ai" in str(w.message)]) == 1


def test_import_frugal_ai_imports_no_http_client() -> None:
    code = "import sys, frugal_ai; print(sorted(m for m in ('httpx', 'httpx2', 'openai') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- record_llm_call ---------------------------------------------------------------------------
def test_record_llm_call_writes_a_manual_row(ledger_path: Path) -> None:
    from frugal_ai.measure import context

    token = context._current.set(context.RunFrame(id="r9", name="batch", project="acme", tags={"a": "1"}))
    try:
        rec = frugal_ai.record_llm_call("gpt-4o-mini", 1200, 300, provider="OpenAI", latency_s=2.5,
                                        tags={"b": "2"}, reasoning_tokens=100)
    finally:
        context._current.reset(token)
    frugal_ai.record_llm_call("mistral-large-latest", 10, 20)
    assert rec is not None
    rows = ledger_rows(ledger_path)
    assert [(r["model"], r["provider"], r["input_tokens"], r["output_tokens"], r["reasoning_tokens"], r["source"],
             r["run_id"], r["name"], r["project"], json.loads(r["tags"])) for r in rows] == [
        ("gpt-4o-mini", "openai", 1200, 300, 100, "manual", "r9", "batch", "acme", {"a": "1", "b": "2"}),
        ("mistral-large-latest", "", 10, 20, 0, "manual", None, None, "default", {}),
    ]
    assert rows[0]["latency_s"] == 2.5 and abs(rows[0]["end"] - rows[0]["start"] - 2.5) < 1e-6


@pytest.mark.parametrize(
    "args,kwargs",
    [
        (("", 1, 1), {}),
        (("m", -1, 1), {}),
        (("m", 1, 1.5), {}),
        (("m", 1, True), {}),
        (("m", 1, 5), {"reasoning_tokens": -6}),
        (("m", 1, 1), {"latency_s": -2}),
        (("m", 1, 1), {"latency_s": float("nan")}),
        (("m", 1, 1), {"tags": {"k": 3}}),
        (("m", 1, 1), {"provider": ""}),
    ],
)
def test_record_llm_call_rejects_bad_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], ledger_path: Path) -> None:
    with pytest.raises(InputError):
        frugal_ai.record_llm_call(*args, **kwargs)
    assert ledger_rows(ledger_path) == []



# -- plain bodies: only the usage object and the model are decoded ----------------------------
def _plain(fmt: str, body: bytes, records: list[Any]) -> Any:
    _observe(fmt, [body], ctype="application/json")
    return records[-1]


@settings(max_examples=80, deadline=None)
@given(
    text=st.text(max_size=200) | st.sampled_from(['"usage": {"prompt_tokens": 999}', '"model": "evil"', '\\"usage\\"']),
    before=st.booleans(),
    prompt=st.integers(min_value=0, max_value=10**6),
    completion=st.integers(min_value=0, max_value=10**6),
)
def test_plain_body_fields_match_a_full_decode(text: str, before: bool, prompt: int, completion: int) -> None:
    # The reply text (which may hold look-alike keys, escaped) and the usage in either order.
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    items = [("id", "x"), ("model", "gpt-4o"), ("choices", [{"message": {"content": text}}])]
    items.insert(0 if before else len(items), ("usage", usage))
    body = json.dumps(dict(items)).encode()
    caught: list[Any] = []
    emit._submit, saved = caught.append, emit._submit
    try:
        rec = _plain("openai", body, caught)
    finally:
        emit._submit = saved
    assert (rec.model, rec.input_tokens, rec.output_tokens, rec.status) == ("gpt-4o", prompt, completion, "ok")


def test_plain_body_skips_a_later_usage_key_that_is_not_an_object(records: list[Any]) -> None:
    # Responses API: user metadata after the usage block may have a key named "usage".
    body = json.dumps({"model": "gpt-4.1", "usage": {"input_tokens": 3, "output_tokens": 4},
                       "metadata": {"usage": "internal"}}).encode()
    rec = _plain("openai", body, records)
    assert (rec.input_tokens, rec.output_tokens) == (3, 4)


def test_plain_body_without_usage_is_decoded_whole_and_partial(records: list[Any]) -> None:
    rec = _plain("openai", json.dumps({"model": "tiny-llm", "choices": []}).encode(), records)
    assert (rec.model, rec.input_tokens, rec.status) == ("tiny-llm", 0, "partial")


def test_plain_body_model_key_absent_falls_back_to_request(records: list[Any]) -> None:
    rec = _plain("cohere", json.dumps({"usage": {"tokens": {"input_tokens": 5, "output_tokens": 6}}}).encode(), records)
    assert (rec.model, rec.input_tokens, rec.output_tokens) == ("req-model", 5, 6)


def test_redirect_is_not_a_call_its_target_is(records: list[Any]) -> None:
    def answer(request: Any) -> Any:
        if request.url.target.startswith(b"/old"):
            return 307, [(b"location", b"https://api.openai.com/v1/chat/completions"),
                         (b"content-type", b"application/json")], [b'{"usage": {"prompt_tokens": 1}}']
        return 200, [(b"content-type", b"text/event-stream")], [_SSE]

    frugal_ai.instrument()
    client = httpx2.Client(transport=pool_transport(httpx2, answer), follow_redirects=True)
    client.post("https://api.openai.com/old/v1/chat/completions", json={"model": "m"})
    assert [(r.path, r.input_tokens, r.output_tokens) for r in records] == [("/v1/chat/completions", 11, 22)]


def test_request_model_ignores_free_text_in_nested_model_keys(records: list[Any]) -> None:
    obs = CallObserver(Route("cohere", "cohere", False), "api.cohere.com", "/v2/chat", None,
                       b'{"tools": [{"example": {"model": "my secret plan"}}], "model": "command-r"}')
    obs.start_response(500, b"application/json", b"")
    obs.feed(b'{"message": "internal"}')
    obs.finish("end")
    assert [(r.model, r.status) for r in records] == [("command-r", "failed")]


# -- what `track` switches on ------------------------------------------------------------------
_CHAT = json.dumps({"model": "gpt-4o-mini", "choices": [],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 4}}).encode()


def _chat_client() -> Any:
    def answer(request: Any) -> Any:
        return 200, [(b"content-type", b"application/json")], [_CHAT]

    return httpx2.Client(transport=pool_transport(httpx2, answer))


def test_track_captures_calls_inside_runs_only(ledger_path: Path) -> None:
    client = _chat_client()
    url = "https://api.openai.com/v1/chat/completions"
    client.post(url, json={"model": "m"})  # before any track: not captured
    with frugal_ai.track("job"):
        client.post(url, json={"model": "m"})
    client.post(url, json={"model": "m"})  # after the run: still not captured (no instrument())
    with frugal_ai.track("quiet", capture_api=False):
        client.post(url, json={"model": "m"})
    assert is_instrumented()
    assert [(r["name"], r["input_tokens"]) for r in ledger_rows(ledger_path)] == [("job", 3)]


def test_instrument_plus_track_captures_calls_outside_runs_too(ledger_path: Path) -> None:
    client = _chat_client()
    url = "https://api.openai.com/v1/chat/completions"
    with frugal_ai.track("job"):
        client.post(url, json={"model": "m"})
    frugal_ai.instrument()  # after a track: widens capture to the whole process
    client.post(url, json={"model": "m"})
    with frugal_ai.track("job2"):  # a later track does not narrow it again
        client.post(url, json={"model": "m"})
    client.post(url, json={"model": "m"})
    rows = ledger_rows(ledger_path)
    assert [(r["name"], r["run_id"] is None) for r in rows] == [("job", False), (None, True), ("job2", False), (None, True)]


def test_project_of_calls_outside_runs_follows_the_settings(ledger_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read again when the settings change, not once per process: a later test (or a program
    # that sets FRUGAL_AI_PROJECT after its first call) gets its own project.
    monkeypatch.setenv("FRUGAL_AI_PROJECT", "alpha")
    frugal_ai.record_llm_call("m", 1, 1)
    monkeypatch.setenv("FRUGAL_AI_PROJECT", "beta")
    frugal_ai.record_llm_call("m", 1, 1)
    monkeypatch.delenv("FRUGAL_AI_PROJECT")
    frugal_ai.record_llm_call("m", 1, 1)
    assert [r["project"] for r in ledger_rows(ledger_path)] == ["alpha", "beta", "default"]


# -- what is stored of the URL path ------------------------------------------------------------
@pytest.mark.parametrize(
    "path,stored",
    [
        ("/gw/sk-CANARY123/v1/chat/completions", "/*/*/v1/chat/completions"),
        ("/v1/sk-CANARY123/acct/openai/chat/completions", "/v1/*/*/openai/chat/completions"),
        ("/proxy/CANARY123/v1/messages", "/*/*/v1/messages"),
        ("/k/CANARY123/v1beta/models/gemini-2.5-flash:generateContent", "/*/*/v1beta/models/gemini-2.5-flash:generateContent"),
        ("/CANARY123/v2/chat", "/*/v2/chat"),
        ("/CANARY123:x/api/chat", "/*/api/chat"),
        # Known templates keep their names: the deployment, the model, Vertex's project and region.
        ("/openai/deployments/gpt-4o/chat/completions", "/openai/deployments/gpt-4o/chat/completions"),
        ("/v1/projects/p-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent",
         "/v1/projects/p-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent"),
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/v1/chat/completions/", "/v1/chat/completions"),
    ],
)
def test_stored_path_keeps_only_the_known_route(path: str, stored: str) -> None:
    from frugal_ai.capture.providers import stored_path

    assert stored_path(path) == stored


@pytest.mark.parametrize("client_module", [httpx, httpx2], ids=["httpx", "httpx2"])
def test_a_key_in_a_gateway_path_is_not_recorded(client_module: Any, records: list[Any]) -> None:
    def answer(request: Any) -> Any:
        return 200, [(b"content-type", b"application/json")], [_CHAT]

    frugal_ai.instrument()
    client = client_module.Client(transport=pool_transport(client_module, answer))
    client.post("https://gateway.example/gw/sk-CANARY123/v1/chat/completions", json={"model": "m"})
    (rec,) = records
    assert (rec.path, rec.input_tokens, rec.provider) == ("/*/*/v1/chat/completions", 3, "openai-compatible")
    assert "CANARY" not in repr(rec)


# -- large replies: usage read from the end ----------------------------------------------------
_BIG_SIZES = {"5MB": 5 * 1024 * 1024, "50MB": 50 * 1024 * 1024}


def _in_pieces(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _embeddings_body(size: int) -> bytes:
    # An embeddings batch: the vectors first, model and usage at the end (as OpenAI sends them).
    vector = "[" + ",".join(["-0.0123456789"] * 1000) + "]"
    item = '{"object":"embedding","index":0,"embedding":' + vector + "}"
    count = size // len(item) + 1
    return ('{"object":"list","data":[' + ",".join([item] * count)
            + '],"model":"text-embedding-3-large","usage":{"prompt_tokens":4321,"total_tokens":4321}}').encode()


def _responses_stream(size: int) -> bytes:
    # The Responses API repeats the whole response (here a very long output) in its last event.
    text = "word " * (size // 5)
    done = {"type": "response.completed", "sequence_number": 3, "response": {
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1-2025-04-14",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": text}]}],
        "usage": {"input_tokens": 36, "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": 0}},
        "metadata": {}}}
    events = [{"type": "response.created", "sequence_number": 0,
               "response": {"id": "resp_1", "model": "gpt-4.1-2025-04-14", "status": "in_progress", "usage": None}},
              {"type": "response.output_text.delta", "sequence_number": 1, "delta": text[:20]}, done]
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + json.dumps(e).encode() + b"\n\n" for e in events)


def _many_events_stream(size: int) -> bytes:
    delta = b'data: {"model":"gpt-4o-mini","choices":[{"delta":{"content":"' + b"x" * 900 + b'"}}]}\n\n'
    last = b'data: {"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":22}}\n\n'
    return delta * (size // len(delta) + 1) + last + b"data: [DONE]\n\n"


@pytest.mark.parametrize("size", list(_BIG_SIZES), ids=list(_BIG_SIZES))
@pytest.mark.parametrize("kind", ["plain", "responses-stream", "many-events-stream"])
def test_large_replies_are_read_to_their_usage(kind: str, size: str, records: list[Any]) -> None:
    n = _BIG_SIZES[size]
    request_model = "m"
    if kind == "plain":
        # The model comes after the vectors, beyond the head kept: the request's is taken.
        data, ctype, path = _embeddings_body(n), b"application/json", "/v1/embeddings"
        expected, request_model = ("text-embedding-3-large", 4321, 0), "text-embedding-3-large"
    elif kind == "responses-stream":
        data, ctype, path = _responses_stream(n), b"text/event-stream", "/v1/responses"
        expected = ("gpt-4.1-2025-04-14", 36, 87)
    else:
        data, ctype, path = _many_events_stream(n), b"text/event-stream", "/v1/chat/completions"
        expected = ("gpt-4o-mini", 11, 22)
    assert len(data) > n

    def answer(request: Any) -> Any:
        return 200, [(b"content-type", ctype)], _in_pieces(data)

    frugal_ai.instrument()
    client = httpx2.Client(transport=pool_transport(httpx2, answer))
    with client.stream("POST", "https://api.openai.com" + path, json={"model": request_model}) as resp:
        received = b"".join(resp.iter_raw())
    assert received == data  # the caller's bytes, whole and unchanged
    (rec,) = records
    assert (rec.model, rec.input_tokens, rec.output_tokens, rec.status) == (*expected, "ok")


def test_a_path_only_route_needs_the_reply_to_confirm_it(records: list[Any]) -> None:
    # A chat service that is no GenAI API, on a Cohere-shaped path: no usage, no model, not recorded.
    replies = iter([b'{"messages": [], "ok": true}', b'{"meta": {"tokens": {"input_tokens": 4, "output_tokens": 5}}}'])

    def answer(request: Any) -> Any:
        return 200, [(b"content-type", b"application/json")], [next(replies)]

    frugal_ai.instrument()
    client = httpx2.Client(transport=pool_transport(httpx2, answer))
    client.post("https://chat.example/v1/chat", json={"text": "hi"})
    client.post("https://chat.example/v1/chat", json={"model": "command-r", "message": "hi"})
    assert [(r.provider, r.model, r.input_tokens, r.output_tokens, r.status) for r in records] == [
        ("cohere", "command-r", 4, 5, "ok")]


def test_a_captured_record_has_every_field_of_the_ledger_record(records: list[Any]) -> None:
    # The observer sets the record's fields one by one (faster than the dataclass __init__):
    # a field added to ApiCallRecord must be set there too.
    import dataclasses

    from frugal_ai.ledger.records import ApiCallRecord

    _observe("openai", [_SSE])
    (rec,) = records
    names = [f.name for f in dataclasses.fields(ApiCallRecord)]
    assert all(hasattr(rec, name) for name in names)
    assert ApiCallRecord(**{name: getattr(rec, name) for name in names}) == rec
    assert (rec.kind, rec.source, rec.id) == ("api_call", "capture", "")
