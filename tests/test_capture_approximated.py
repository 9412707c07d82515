"""A captured call whose reply carries no usage gets tokens approximated from its characters
(capture/approximate.py), flagged with source 'approximated'; a reply over the body limit has its
usage read from its end. Real openai SDK against the fake server (tests/fakeservers)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.replies import TOKENS, text_deltas
from fakeservers.sdk_calls import PROMPT, openai_chat
from fakeservers.server import FakeAPIServer


def _chars_per_token() -> float:
    from frugal_ai.factors import factor_set

    return float(factor_set().constant("approximation.chars_per_token"))


def _expected(prompt: str, reply: str) -> tuple[int, int]:
    cpt = _chars_per_token()
    return round(len(prompt) / cpt), round(len(reply) / cpt)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_openai_stream_without_include_usage_is_approximated_from_its_characters(
    use_async: bool, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    text = openai_chat(remote("api.openai.com", fake_server), stream=True, use_async=use_async,
                       include_usage=False, model="gpt-4o-long")
    assert text == "".join(text_deltas("gpt-4o-long", ""))  # the caller got the whole reply, unchanged
    (row,) = ledger_rows(ledger_path)
    assert (row["model"], row["source"], row["status"]) == ("gpt-4o-long", "approximated", "ok")
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (*_expected(PROMPT, text), 0)
    assert row["output_tokens"] > 100  # 200 words: never the 0 it was stored with before


def test_stream_with_usage_keeps_the_provider_counts(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    openai_chat(remote("api.openai.com", fake_server), stream=True, use_async=False, include_usage=True)
    (row,) = ledger_rows(ledger_path)
    t = TOKENS["openai.chat"]
    assert (row["source"], row["input_tokens"], row["output_tokens"]) == ("capture", t["prompt_tokens"], t["completion_tokens"])


def test_abandoned_stream_without_usage_is_partial_with_what_passed(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    import openai

    client = openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="k", max_retries=0)
    prompt = "Write two hundred words, please."
    stream = client.chat.completions.create(model="gpt-4o-long", messages=[{"role": "user", "content": prompt}],
                                            stream=True)
    seen = ""
    for chunk in stream:
        seen += chunk.choices[0].delta.content or ""
        if len(seen) > 40:
            break
    stream.close()
    (row,) = ledger_rows(ledger_path)
    full = "".join(text_deltas("gpt-4o-long", ""))
    assert (row["source"], row["status"]) == ("approximated", "partial")
    assert row["input_tokens"] == _expected(prompt, "")[0]
    # At least what the caller read, at most the whole reply (the transport may read ahead).
    assert _expected("", seen)[1] <= row["output_tokens"] <= _expected("", full)[1]


def test_multilingual_text_and_escapes_count_as_characters(records: Any) -> None:
    from frugal_ai.capture.parsers import parser_for
    from frugal_ai.capture import approximate

    pattern = parser_for("openai").text_pattern
    assert pattern is not None
    deltas = ["Bonjour, ça va ? ", "\"quoted\"\n", "日本語", "\\"]
    data = "".join("data: " + json.dumps({"choices": [{"delta": {"content": d}}]}, ensure_ascii=a) + "\n\n"
                   for d, a in zip(deltas, [False, True, False, True])).encode()
    assert approximate.text_chars(pattern, data, len(data)) == sum(len(d) for d in deltas)
    body = json.dumps({"messages": [{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": [{"type": "text", "text": "Décris"},
                                                                 {"type": "image_url", "image_url": {"url": "x"}}]}]})
    assert approximate.request_chars(body.encode()) == len("Be brief.") + len("Décris")
    assert approximate.request_chars(b"not json") == 0


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from frugal_ai.capture import emit

    caught: list[Any] = []
    monkeypatch.setattr(emit, "_submit", caught.append)
    return caught


def test_plain_reply_without_usage_is_approximated(records: list[Any]) -> None:
    from frugal_ai.capture.observe import CallObserver
    from frugal_ai.capture.providers import Route

    request = json.dumps({"model": "tiny-llm", "messages": [{"role": "user", "content": "x" * 400}]}).encode()
    reply = json.dumps({"model": "tiny-llm", "choices": [{"message": {"role": "assistant", "content": "y" * 80}}]})
    obs = CallObserver(Route("openai-compatible", "openai", False), "llm.example", "/v1/chat/completions", None, request)
    obs.start_response(200, b"application/json", b"")
    obs.feed(reply.encode())
    obs.finish("end")
    (rec,) = records
    assert (rec.source, rec.status, rec.input_tokens, rec.output_tokens) == ("approximated", "ok", *_expected("x" * 400, "y" * 80))


def test_reply_over_the_body_limit_has_its_usage_read_from_its_end(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    from frugal_ai.capture.observe import BODY_LIMIT_BYTES

    text = openai_chat(remote("api.openai.com", fake_server), stream=False, use_async=False, model="gpt-4o-huge")
    assert len(text.encode()) > BODY_LIMIT_BYTES  # the reply really is over the limit
    (row,) = ledger_rows(ledger_path)
    t = TOKENS["openai.chat"]
    assert (row["model"], row["source"], row["status"]) == ("gpt-4o-huge", "capture", "ok")
    assert (row["input_tokens"], row["output_tokens"]) == (t["prompt_tokens"], t["completion_tokens"])


def test_a_failed_call_is_not_approximated(records: list[Any]) -> None:
    from frugal_ai.capture.observe import CallObserver
    from frugal_ai.capture.providers import Route

    request = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hello there"}]}).encode()
    obs = CallObserver(Route("openai", "openai", False), "api.openai.com", "/v1/chat/completions", None, request)
    obs.start_response(500, b"application/json", b"")
    obs.feed(b'{"error": {"message": "server error with some text content"}}')
    obs.finish("end")
    (rec,) = records
    assert (rec.source, rec.status, rec.input_tokens, rec.output_tokens) == ("capture", "failed", 0, 0)
