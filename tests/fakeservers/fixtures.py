"""Pytest fixtures shared by the capture tests (import them into a test module)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest

from .resolver import resolve_to_loopback
from .server import FakeAPIServer

# The providers' real host names, served by the fake server through the test resolver.
REMOTE_HOSTS = (
    "api.openai.com",
    "myres.openai.azure.com",
    "api.anthropic.com",
    "api.mistral.ai",
    "generativelanguage.googleapis.com",
    "api.cohere.com",
    "llm-gateway.example",  # a gateway in front of providers: known to nobody's host table
)
_ENV_TO_CLEAR = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GOOGLE_API_KEY", "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "CO_API_URL", "OLLAMA_HOST",
)


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer() as server:
        yield server


@pytest.fixture
def capture(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Offline name resolution, no proxies, capture switched on for the test, off after."""
    import frugal_ai
    import frugal_ai.ledger as ledger

    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    with resolve_to_loopback(*REMOTE_HOSTS):
        frugal_ai.instrument()
        try:
            yield
        finally:
            frugal_ai.uninstrument()
            ledger.flush()
    ledger.reset()


def remote(host: str, server: FakeAPIServer) -> str:
    """The base URL of a provider's real host name, served by the fake server."""
    return f"http://{host}:{server.port}"


def ledger_rows(path: Path) -> list[dict[str, Any]]:
    """Every API call in the ledger at `path`, after flushing what is queued."""
    import frugal_ai.ledger as ledger

    ledger.flush()
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute('SELECT * FROM api_calls ORDER BY start')]
    finally:
        conn.close()
