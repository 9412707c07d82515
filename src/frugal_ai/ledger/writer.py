"""Batched, non-blocking writes to one ledger file.

`LedgerWriter.submit` appends to an in-memory queue (a deque append: no lock, no I/O) and
returns. A daemon thread writes the queue every `FLUSH_INTERVAL_S` in one transaction, and
`flush()` does the same synchronously (tests, CLI, exit). Many processes and threads may
write one ledger: SQLite's WAL and busy timeout serialise them, and a write that still
finds the database busy is retried with backoff, keeping its records queued: "database is
locked" never reaches the user. A crash loses at most what was queued since the last write.

A record outside the plausibility bounds (bounds.py), or one the database refuses, is
stored alone in the `rejected` table with its reason (one warning); its batch is written.

A ledger that cannot be written (read-only folder, corrupt file, full disk, a schema from a
newer frugal-ai) starts an episode: one warning, the records stay queued (up to MAX_QUEUED)
and the write is retried with backoff (FAIL_RETRY_S, doubling up to FAIL_RETRY_MAX_S); the
first write that succeeds ends it, and a later failure warns again. A ledger file (or its
-wal / -shm) deleted or replaced while the process writes is noticed before each write: the
connection is closed (SQLite checkpoints what it held) and the file recreated, with one
warning. The file is never overwritten, and `flush()` never raises.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable

from .. import _hooks
from ..errors import LedgerError
from .notice import forget, warn_once
from .records import Record
from .rows import insert_records
from .schema import open_writable

FLUSH_INTERVAL_S = 0.25  # also bounds what a killed process loses (docs/measurement.md)
# Keep at most this many records waiting (a ledger busy for minutes): beyond, drop the oldest.
MAX_QUEUED = 200_000
# How long one flush keeps retrying a busy database before leaving the batch for the next one.
BUSY_RETRY_S = 30.0
# A ledger that cannot be written is tried again after this long, doubling up to the maximum.
FAIL_RETRY_S = 0.5
FAIL_RETRY_MAX_S = 30.0

_FILES = ("", "-wal", "-shm")


def _identity(path: Path, suffix: str) -> tuple[int, int] | None:
    """(device, inode) of the ledger file (or its -wal / -shm), None when it does not exist."""
    try:
        st = os.stat(f"{path}{suffix}")
    except OSError:
        return None
    return st.st_dev, st.st_ino


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
        self._files: dict[str, tuple[int, int] | None] = {}  # the files the connection writes: (device, inode)
        self._failing = False  # in an episode of failed writes (warned once)
        self._retry_s = FAIL_RETRY_S
        self._retry_at = 0.0  # monotonic time of the next background attempt while failing
        self._replaced = False  # the file was recreated: the warning is forgotten once a write succeeds
        self.written = 0
        self.on_written: Callable[[], None] | None = None  # a PostgreSQL ledger's forwarder (spool.py): wake up
        self.dropped = 0
        self.rejected = 0

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
            if self._failing and time.monotonic() < self._retry_at:
                continue  # a ledger that failed is tried again with backoff, not every interval
            self.flush()

    def flush(self, *, retry_s: float = BUSY_RETRY_S, defer_rollups: bool = False) -> int:
        """Write everything queued now, synchronously. Returns the number of records written.

        Never raises: a ledger that cannot be written gives one warning per episode and its
        records stay queued for the next attempt; a refused record is set aside alone.
        `defer_rollups`: see rows.insert_records (a worker's run written before it returns).
        """
        try:
            with self._write_lock:
                return self._flush(retry_s, defer_rollups)
        except Exception as e:  # never break the caller over bookkeeping
            warn_once(f"ledger-error:{self.path}", f"ledger writer error on {self.path}: {e}")
            return 0

    def _flush(self, retry_s: float, defer_rollups: bool = False) -> int:
        batch = self._take()
        if not batch:
            return 0
        deadline = time.monotonic() + retry_s
        delay = 0.01
        while True:
            try:
                self._notice_replaced_files()
                n = self._write(batch, defer_rollups)
            except (sqlite3.Error, OSError, LedgerError) as e:
                self._close_conn()
                busy = isinstance(e, sqlite3.Error) and _is_busy(e)
                if busy and time.monotonic() < deadline:
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 1.0)
                    continue
                self._requeue(batch)
                if busy:  # still busy after retry_s: keep the batch for the next flush
                    warn_once(f"ledger-busy:{self.path}", f"ledger {self.path} stayed busy for {retry_s:.0f} s; will retry")
                else:
                    self._fail(e)
                return 0
            self.written += n
            _hooks.records_written(batch)  # the OpenTelemetry export, when configured: a queue put, never raises
            if self.on_written is not None:
                self.on_written()
            if self._failing:
                self._recovered()
            if self._replaced:
                self._replaced = False
                forget(f"ledger-replaced:{self.path}")  # a later deletion warns again
            return n

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

    def _fail(self, e: BaseException) -> None:
        """A write failed for another reason than a busy database: warn once per episode, retry later."""
        if self._failing:
            self._retry_s = min(self._retry_s * 2, FAIL_RETRY_MAX_S)
        self._failing = True
        self._retry_at = time.monotonic() + self._retry_s
        warn_once(f"ledger-unwritable:{self.path}",
                  f"cannot write the ledger {self.path} ({e}); its records are kept and written when it can be "
                  "written again (retried in the background)")

    def _recovered(self) -> None:
        self._failing = False
        self._retry_s = FAIL_RETRY_S
        forget(f"ledger-unwritable:{self.path}")  # a later failure is a new episode: warn again

    def _reject(self, record: Record, reason: str) -> None:
        self.rejected += 1
        warn_once(f"ledger-rejected:{self.path}",
                  f"a {record.kind} record was not counted ({reason}); it is kept apart in the ledger's rejected table")

    def _write(self, batch: list[Record], defer_rollups: bool = False) -> int:
        if self._conn is None:
            self._conn = open_writable(self.path)
            self._files = {suffix: _identity(self.path, suffix) for suffix in _FILES}
        return insert_records(self._conn, batch, on_reject=self._reject, defer_rollups=defer_rollups)

    def _notice_replaced_files(self) -> None:
        """Close the connection if its file, -wal or -shm was deleted or replaced since it was
        opened (writes would go to a file nobody can read): the next write recreates it."""
        if self._conn is None:
            return
        if all(known is None or _identity(self.path, suffix) == known for suffix, known in self._files.items()):
            return
        self._close_conn()  # SQLite checkpoints what the connection's own -wal held into the file it still has
        warn_once(f"ledger-replaced:{self.path}",
                  f"the ledger {self.path} (or its -wal / -shm) was deleted or replaced while this process wrote "
                  "it; writing to a new file there")
        self._replaced = True

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
            lost = len(self._queue)
            if lost:
                self._queue.clear()
                self.dropped += lost
                warn_once(f"ledger-lost:{self.path}", f"{lost} record(s) could not be written to the ledger {self.path}")

    def _after_fork_in_child(self) -> None:
        # The parent's thread does not exist here, and its connection must not be shared.
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._conn = None
        self._queue = deque()  # the parent writes what it had queued
