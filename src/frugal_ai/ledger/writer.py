"""Batched, non-blocking writes to one ledger file.

`LedgerWriter.submit` appends to an in-memory queue (a deque append: no lock, no I/O) and
returns. A daemon thread writes the queue every `FLUSH_INTERVAL_S` in one transaction, and
`flush()` does the same synchronously (tests, CLI, exit). Many processes and threads may
write one ledger: SQLite's WAL and busy timeout serialise them, and a write that still
finds the database busy is retried with backoff, keeping its records queued: "database is
locked" never reaches the user. A crash loses at most what was queued since the last write.

A ledger that cannot be written (read-only folder, corrupt file, full disk) gives one
warning; its records are dropped and the program goes on. The file is never overwritten.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterable

from ..ids import new_id
from .notice import warn_once
from .records import ApiCallRecord, Record, RunRecord, SessionRecord
from .schema import open_writable

FLUSH_INTERVAL_S = 0.5
# Keep at most this many records waiting (a ledger busy for minutes): beyond, drop the oldest.
MAX_QUEUED = 200_000
# How long one flush keeps retrying a busy database before leaving the batch for the next one.
BUSY_RETRY_S = 30.0

RUN_COLUMNS = ("id", "parent_id", "name", "project", "tags", "start", "end", "status", "host", "pid", "zone",
               "method", "cpu_kwh", "gpu_kwh", "ram_kwh", "coverage")
CALL_COLUMNS = ("id", "run_id", "name", "project", "tags", "start", "end", "status", "provider", "model",
                "input_tokens", "output_tokens", "reasoning_tokens", "latency_s", "host", "path", "http_status",
                "local", "source")
SESSION_COLUMNS = ("id", "host", "pid", "project", "start", "end", "zone", "method", "cpu_kwh", "gpu_kwh", "ram_kwh",
                   "unattributed_cpu_kwh", "unattributed_gpu_kwh", "unattributed_ram_kwh", "extrapolated_kwh")


def _insert(table: str, columns: tuple[str, ...], on_conflict: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT (id) {on_conflict}"


def _update_all(columns: tuple[str, ...]) -> str:
    return "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id")


# Runs and sessions may be written again with better figures (the new values win); an API
# call is a fact written once (a retried batch is harmless). ON CONFLICT is both SQLite's and
# PostgreSQL's spelling.
_RUN_SQL = _insert("runs", RUN_COLUMNS, _update_all(RUN_COLUMNS))
_CALL_SQL = _insert("api_calls", CALL_COLUMNS, "DO NOTHING")
_SESSION_SQL = _insert("sessions", SESSION_COLUMNS, _update_all(SESSION_COLUMNS))


def tags_json(tags: dict[str, str] | None) -> str:
    """Tags as stored: a JSON object of strings, keys sorted."""
    if not tags:
        return "{}"
    # The same tags dict is shared by every run of a decorated function: encode it once.
    cached = _tags_cache.get(id(tags))
    if cached is not None and cached[0] is tags and cached[1] == tags:
        return cached[2]
    text = json.dumps({str(k): str(v) for k, v in tags.items()}, sort_keys=True, ensure_ascii=False)
    if len(_tags_cache) > 1024:
        _tags_cache.clear()
    _tags_cache[id(tags)] = (tags, dict(tags), text)
    return text


_tags_cache: dict[int, tuple[dict[str, str], dict[str, str], str]] = {}


def run_row(r: RunRecord) -> tuple[Any, ...]:
    """A run as the row `RUN_COLUMNS` names."""
    return (r.id, r.parent_id, r.name, r.project, tags_json(r.tags), r.start, r.end, r.status, r.host, r.pid, r.zone,
            r.method, r.cpu_kwh, r.gpu_kwh, r.ram_kwh, r.coverage)


def call_row(r: ApiCallRecord) -> tuple[Any, ...]:
    """An API call as the row `CALL_COLUMNS` names; a call without an id gets one here."""
    if not r.id:
        # The capture leaves the id to the writer thread; given once, so a batch written
        # again after a busy database keeps its ids (INSERT OR IGNORE).
        r.id = new_id()
    return (r.id, r.run_id, r.name, r.project, tags_json(r.tags), r.start, r.end, r.status, r.provider, r.model,
            r.input_tokens, r.output_tokens, r.reasoning_tokens, r.latency_s, r.host, r.path, r.http_status,
            int(r.local), r.source)


def session_row(r: SessionRecord) -> tuple[Any, ...]:
    """A session as the row `SESSION_COLUMNS` names."""
    return (r.id, r.host, r.pid, r.project, r.start, r.end, r.zone, r.method, r.cpu_kwh, r.gpu_kwh, r.ram_kwh,
            r.unattributed_cpu_kwh, r.unattributed_gpu_kwh, r.unattributed_ram_kwh, r.extrapolated_kwh)


def insert_records(conn: sqlite3.Connection, records: Iterable[Record], *, chunk: int = 10_000) -> int:
    """Write `records` through `conn` in one transaction (the only way rows enter a ledger).

    Rows are built `chunk` records at a time, so an iterator of millions (a benchmark's
    ledger) is written in bounded memory. Returns the number of records written.
    """
    n = 0
    it = iter(records)
    conn.execute("BEGIN IMMEDIATE")
    try:
        while True:
            runs, calls, sessions = [], [], []
            for r in itertools.islice(it, chunk):
                if isinstance(r, ApiCallRecord):
                    calls.append(call_row(r))
                elif isinstance(r, RunRecord):
                    runs.append(run_row(r))
                elif isinstance(r, SessionRecord):
                    sessions.append(session_row(r))
            if not (runs or calls or sessions):
                break
            if runs:
                conn.executemany(_RUN_SQL, runs)
            if calls:
                conn.executemany(_CALL_SQL, calls)
            if sessions:
                conn.executemany(_SESSION_SQL, sessions)
            n += len(runs) + len(calls) + len(sessions)
        conn.execute("COMMIT")
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise
    return n


def _is_busy(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return "locked" in text or "busy" in text


class LedgerWriter:
    """The queue and background writer of one ledger file."""

    def __init__(self, path: Path, *, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.path = Path(path)
        self.flush_interval_s = flush_interval_s
        self._queue: deque[Record] = deque()
        self._write_lock = threading.Lock()  # one writer of this file per process at a time
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._broken = False  # unwritable or corrupt: drop records (after one warning)
        self.written = 0
        self.dropped = 0

    # -- hot path --------------------------------------------------------------------------
    def submit(self, record: Record) -> None:
        """Queue `record` for writing; never blocks, never raises."""
        self._queue.append(record)
        if self._thread is None:
            self._start_thread()

    # -- writing ---------------------------------------------------------------------------
    def _start_thread(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._stop:
                return
            t = threading.Thread(target=self._loop, name="frugal-ai-ledger", daemon=True)
            self._thread = t
        t.start()

    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            try:
                self.flush()
            except Exception as e:  # the writer thread must never die silently
                warn_once(f"ledger-thread:{self.path}", f"ledger writer error on {self.path}: {e}")

    def flush(self, *, retry_s: float = BUSY_RETRY_S) -> int:
        """Write everything queued now, synchronously. Returns the number of records written.

        Never raises: a ledger that cannot be written gives one warning and its records are dropped.
        """
        with self._write_lock:
            batch = self._take()
            if not batch:
                return 0
            if self._broken:
                self.dropped += len(batch)
                return 0
            deadline = time.monotonic() + retry_s
            delay = 0.01
            while True:
                try:
                    self._write(batch)
                    self.written += len(batch)
                    return len(batch)
                except sqlite3.Error as e:
                    self._close_conn()
                    if _is_busy(e) and time.monotonic() < deadline:
                        time.sleep(delay * (0.5 + random.random()))
                        delay = min(delay * 2, 1.0)
                        continue
                    if _is_busy(e):  # still busy after retry_s: keep the batch for the next flush
                        self._requeue(batch)
                        warn_once(f"ledger-busy:{self.path}", f"ledger {self.path} stayed busy for {retry_s:.0f} s; will retry")
                        return 0
                    self._fail(batch, e)
                    return 0
                except OSError as e:  # folder cannot be created
                    self._fail(batch, e)
                    return 0

    def _take(self) -> list[Record]:
        batch: list[Record] = []
        pop = self._queue.popleft
        try:
            while True:
                batch.append(pop())
        except IndexError:
            pass
        return batch

    def _requeue(self, batch: list[Record]) -> None:
        self._queue.extendleft(reversed(batch))
        excess = len(self._queue) - MAX_QUEUED
        if excess > 0:
            for _ in range(excess):
                self._queue.popleft()
            self.dropped += excess
            warn_once(f"ledger-overflow:{self.path}", f"ledger {self.path} is not keeping up; oldest records dropped")

    def _fail(self, batch: list[Record], e: Exception) -> None:
        self._broken = True
        self.dropped += len(batch)
        warn_once(f"ledger-unwritable:{self.path}",
                  f"cannot write the ledger {self.path} ({e}); measurements of this process are not recorded")

    def _write(self, batch: list[Record]) -> None:
        if self._conn is None:
            self._conn = open_writable(self.path)
        insert_records(self._conn, batch)

    def _close_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def close(self) -> None:
        """Write what is queued, stop the thread and close the connection."""
        self._stop = True
        self._wake.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=5.0)
        self.flush()
        with self._write_lock:
            self._close_conn()

    def _after_fork_in_child(self) -> None:
        # The parent's thread does not exist here, and its connection must not be shared.
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._conn = None
        self._queue = deque()  # the parent writes what it had queued
