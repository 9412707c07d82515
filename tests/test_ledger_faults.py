"""The ledger under faults: a bad record, a full disk, a deleted file, a ledger from a newer
frugal-ai. Nothing recorded is lost without a word, and bookkeeping never breaks the program."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

import frugal_ai.ledger as ledger
from frugal_ai.ledger import ApiCallRecord
from frugal_ai.ledger.bounds import MAX_TOKENS_PER_REQUEST
from frugal_ai.ledger.notice import FrugalAIWarning, forget


@pytest.fixture(autouse=True)
def _fresh() -> None:
    ledger.reset()
    forget()
    yield
    ledger.reset()


def _call(i: int, **kw: object) -> ApiCallRecord:
    now = time.time()
    fields: dict[str, object] = dict(id=f"call-{i}", provider="openai", model="gpt-4o-mini", start=now, end=now + 1,
                                     input_tokens=100, output_tokens=20)
    fields.update(kw)
    return ApiCallRecord(**fields)  # type: ignore[arg-type]


def _count(path: Path, table: str = "api_calls") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def _ours(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, FrugalAIWarning)]


def test_a_bad_record_is_rejected_alone_and_flush_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    writer = ledger.writer_for(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(10):
            writer.submit(_call(i))
        writer.submit(_call(100, input_tokens=10**19))  # too large for SQLite at all
        writer.submit(_call(101, output_tokens=MAX_TOKENS_PER_REQUEST + 1))  # storable, but not a request
        for i in range(10, 20):
            writer.submit(_call(i))
        assert writer.flush() == 20
    assert _count(path) == 20
    reasons = dict(sqlite3.connect(path).execute("SELECT id, reason FROM rejected").fetchall())
    assert set(reasons) == {"call-100", "call-101"}
    assert reasons["call-100"].startswith("input_tokens above") and reasons["call-101"].startswith("output_tokens above")
    assert len(_ours(caught)) == 1 and "not counted" in _ours(caught)[0]


def test_a_record_the_database_refuses_leaves_its_batch_alone(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    writer = ledger.writer_for(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer.submit(_call(1))
        writer.submit(_call(2, model=object()))  # nothing SQLite can bind
        writer.submit(_call(3))
        assert writer.flush() == 2
    assert _count(path) == 2 and _count(path, "rejected") == 1
    assert len(_ours(caught)) == 1


def test_the_public_flush_never_raises_on_an_absurd_manual_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import frugal_ai

    path = tmp_path / "l.sqlite"
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(path))
    ledger.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frugal_ai.record_llm_call("gpt-4o-mini", 10**19, 5, provider="openai")
        frugal_ai.record_llm_call("gpt-4o-mini", 100, 5, provider="openai")
        ledger.flush()
    assert _count(path) == 1 and _count(path, "rejected") == 1


_FULL_DISK = """
    import json, os, resource, signal, time, warnings
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing us
    warnings.simplefilter("always")
    import frugal_ai.ledger as L
    from frugal_ai.ledger import ApiCallRecord

    path = os.environ["LEDGER"]
    n = iter(range(10**6))
    def call():
        t = time.time()
        return ApiCallRecord(id=f"c{next(n)}", provider="openai", model="m" * 200, start=t, end=t, input_tokens=1)
    w = L.writer_for(path)
    w.submit(call()); w.flush()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # The disk is full: no write may go past the first kilobyte of any file.
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
        for _ in range(30):
            w.submit(call())
        during = w.flush() + w.flush()
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space freed
        after = w.flush()
        for _ in range(30):
            w.submit(call())
        later = w.flush()
    print(json.dumps({"during": during, "after": after, "later": later,
                      "warnings": [str(x.message) for x in caught]}))
"""


def test_a_full_disk_keeps_the_records_and_writes_them_once_space_is_freed(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    env = {**os.environ, "LEDGER": str(path)}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_FULL_DISK)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["during"] == 0
    assert (result["after"], result["later"]) == (30, 30)
    assert len(result["warnings"]) == 1 and "cannot write the ledger" in result["warnings"][0]
    assert _count(path) == 61


@pytest.mark.parametrize("deleted", [("",), ("", "-wal", "-shm"), ("-wal", "-shm")])
def test_a_ledger_deleted_while_written_is_recreated_with_one_warning(tmp_path: Path, deleted: tuple[str, ...]) -> None:
    path = tmp_path / "l.sqlite"
    writer = ledger.writer_for(path)
    for i in range(5):
        writer.submit(_call(i))
    assert writer.flush() == 5
    for suffix in deleted:
        os.remove(f"{path}{suffix}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(5, 10):
            writer.submit(_call(i))
        assert writer.flush() == 5
        for i in range(10, 15):
            writer.submit(_call(i))
        writer.flush()
    # A second process sees what was written after the deletion.
    ids = {r[0] for r in sqlite3.connect(path).execute("SELECT id FROM api_calls")}
    assert {f"call-{i}" for i in range(5, 15)} <= ids
    assert len(_ours(caught)) == 1 and "deleted or replaced" in _ours(caught)[0]


def _newer_ledger(path: Path) -> None:
    conn = ledger.connect(path, readonly=False)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()


def test_a_ledger_from_a_newer_frugal_ai_never_changes_run_s_exit_status(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    _newer_ledger(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    env["FRUGAL_AI_LEDGER"] = str(path)
    for status in (0, 3):
        out = subprocess.run([sys.executable, "-m", "frugal_ai", "run", "--", "sh", "-c", f"exit {status}"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == status, out.stderr
        assert "Traceback" not in out.stderr and "error:" not in out.stderr, out.stderr
        assert "newer than this frugal-ai" in out.stderr


def test_flush_on_a_newer_ledger_warns_and_does_not_raise(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    _newer_ledger(path)
    writer = ledger.writer_for(path)
    writer.submit(_call(1))
    with pytest.warns(FrugalAIWarning, match="newer than this frugal-ai"):
        assert writer.flush() == 0
    assert _count(path) == 0  # the newer ledger is left as it is
