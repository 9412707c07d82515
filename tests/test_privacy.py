"""Privacy: a canary string in the prompt, the API key (in its header, the URL path or the
query string) and a custom header goes through every supported SDK (and comes back in the replies, as a model echoing its prompt would); it must
appear nowhere in the ledger file, its WAL or shared-memory file, or frugal-ai's logs and
warnings at DEBUG level."""

from __future__ import annotations

import logging
import secrets
import warnings
from pathlib import Path

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.sdk_calls import SDK_CALLS
from fakeservers.server import FakeAPIServer

HOSTS = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "mistralai": "api.mistral.ai",
    "google-genai": "generativelanguage.googleapis.com",
    "cohere": "api.cohere.com",
    "ollama": "127.0.0.1",
}
MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "mistralai": "mistral-small-latest",
    "google-genai": "gemini-2.5-flash",
    "cohere": "command-a-03-2025",
    "ollama": "llama3.2",
}


def _ledger_bytes(ledger_path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in ledger_path.parent.glob(ledger_path.name + "*")}


def test_canary_never_reaches_ledger_wal_or_logs(
    capture: None, fake_server: FakeAPIServer, ledger_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "CANARY-" + secrets.token_hex(8)
    caplog.set_level(logging.DEBUG)
    calls = 0
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for sdk, call in SDK_CALLS.items():
            base = remote(HOSTS[sdk], fake_server)
            common = {"key": f"sk-{canary}", "prompt": f"Summarise {canary} please", "headers": {"X-Trace": canary}}
            for stream in (False, True):
                for use_async in (False, True):
                    reply = call(base, stream=stream, use_async=use_async, **common)
                    assert canary in reply  # it really travelled both ways through the capture
                    calls += 1
            # A failed call whose error body the capture reads.
            with pytest.raises(Exception):
                call(base, stream=False, use_async=False, model=f"{MODELS[sdk]}-fail-500", **common)
            calls += 1
        # A gateway may carry the key in the URL path (/gw/<key>/v1/...): only the route is kept.
        for sdk in ("openai", "anthropic", "mistralai", "google-genai"):
            base = remote(HOSTS[sdk], fake_server) + f"/gw/sk-{canary}"
            for stream in (False, True):
                assert canary in SDK_CALLS[sdk](base, stream=stream, use_async=False, key=f"sk-{canary}",
                                                prompt=f"Summarise {canary} please")
                calls += 1
        # Google's key can travel in the query string: it must not reach the ledger's `path`.
        import httpx2

        url = remote(HOSTS["google-genai"], fake_server) + f"/v1beta/models/gemini-2.5-flash:generateContent?key={canary}"
        httpx2.post(url, json={"contents": [{"parts": [{"text": canary}]}]}, headers={"X-Trace": canary}).raise_for_status()
        calls += 1
        # An unknown shape (a proxy's HTML page echoing the prompt) is skipped with a debug log.
        httpx2.post(
            remote(HOSTS["openai"], fake_server) + "/v1/chat/completions",
            json={"model": "gpt-html", "messages": [{"role": "user", "content": canary}]},
            headers={"Authorization": f"Bearer sk-{canary}"},
        ).raise_for_status()

        rows = ledger_rows(ledger_path)  # flushes: the WAL now holds the records
        assert len(rows) == calls
        files = _ledger_bytes(ledger_path)
        assert any(name.endswith("-wal") for name in files)
        assert any(r["model"] == "gemini-2.5-flash" for r in rows)  # the ledger does hold what it should

    needle = canary.encode()
    hex_part = canary.split("-", 1)[1].encode()
    for name, data in files.items():
        assert needle not in data and hex_part not in data, f"canary found in {name}"

    ours = [r for r in caplog.records if r.name.startswith("frugal_ai")]
    assert any("unknown response shape" in r.getMessage() for r in ours)  # the log was on and written to
    for record in ours:
        assert canary not in record.getMessage()
    for w in seen:
        assert canary not in str(w.message)
    # The SDKs' own DEBUG logs do carry the prompt (openai logs its request options); the
    # check above is for frugal-ai's loggers, which must never.
