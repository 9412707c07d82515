"""Shared fixtures: every test gets its own ledger file and a clean configuration.

No test reads the developer's real ledger or config: FRUGAL_AI_LEDGER points into a
temporary folder, the working directory is a temporary folder (so no pyproject.toml of
ours is found), and any FRUGAL_AI_* variable from the outside is removed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("FRUGAL_AI_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)  # no test exports unless it asks
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(ledger))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    _forget_process_state()
    yield ledger
    # Runs are finalised after they return (when their measurement intervals are in): write
    # them now, into this test's ledger, before the next test points FRUGAL_AI_LEDGER elsewhere.
    _forget_process_state()


def _forget_process_state() -> None:
    from frugal_ai import config

    config.reset()


@pytest.fixture
def ledger_path(_isolated_environment: Path) -> Path:
    """The path of this test's own ledger (not created until something writes to it)."""
    return _isolated_environment


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL server (tests/pg_server.py) shared by the session's tests; each test
    takes its own database (`pg_url`). Skipped, with the reason, where none can start."""
    from pg_server import PgServer

    reason = PgServer.unavailable()
    if reason:
        pytest.skip(reason)
    import shutil
    import tempfile

    # Not under pytest's own temporary folders (private to root, pruned between sessions):
    # the postgres user must reach this one.
    folder = Path(tempfile.mkdtemp(prefix="frugal-ai-pg-"))
    server = PgServer(folder).init()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: object) -> str:
    """A postgresql:// URL of a new, empty database of the session's server."""
    return pg_server.url(pg_server.new_database())  # type: ignore[attr-defined]
