"""The spool of a PostgreSQL ledger: a local SQLite ledger that a process writes first, and
the forwarder that sends its rows on to PostgreSQL.

    spool_path(url)            $XDG_DATA_HOME/frugal-ai/spool/<host>-<port>-<database>-<key>.sqlite
    Forwarder(url, spool)      the background sender of one spool (one per process and URL)

A process recording into `ledger = "postgresql://…"` writes through the ordinary ledger
writer (writer.py) into the spool, so recording never waits on the network and a record is
on disk within a quarter of a second whatever PostgreSQL does. The forwarder wakes every
FORWARD_INTERVAL_S, sends what the spool holds in batches (push.send_batch: one PostgreSQL
transaction each, idempotent by record id) and deletes a batch from the spool only after
PostgreSQL committed it. PostgreSQL unreachable: one warning, the records stay in the spool,
and the forwarder tries again with backoff (RETRY_S doubling to RETRY_MAX_S); the first
batch that goes through ends the episode. At exit a final send runs for at most
EXIT_FLUSH_S; what is left waits for the next process using the same URL, or for
`frugal-ai ledger push --to URL`. Nothing is lost when either side restarts, and a record
sent twice (a kill between PostgreSQL's commit and the spool's delete) is stored once.

The spool's name is keyed on the URL without credentials (host, port, database), so every
process of a machine recording into one database shares one spool; a lock file beside it
lets one forwarder at a time send it (the others find it busy and let it be).
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import PostgresURL, default_ledger_path
from .notice import forget, warn_once

FORWARD_INTERVAL_S = 1.0
RETRY_S = 1.0
RETRY_MAX_S = 60.0
EXIT_FLUSH_S = 2.0
BATCH_ROWS = 5_000
CONNECT_TIMEOUT_S = 5


def spool_path(url: PostgresURL) -> Path:
    """The spool of the PostgreSQL ledger `url`, beside the default ledger file."""
    parts = urlsplit(str(url))
    host = parts.hostname or "socket"
    database = parts.path.lstrip("/") or parts.username or "postgres"
    key = f"{host}:{parts.port or 5432}/{database}?{parts.query}"
    label = re.sub(r"[^A-Za-z0-9._]+", "-", f"{host}-{parts.port or 5432}-{database}")[:80]
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return default_ledger_path().parent / "spool" / f"{label}-{digest}.sqlite"


class _SpoolLock:
    """A non-blocking lock on `<spool>.lock`: one forwarder at a time per spool (none on Windows)."""

    def __init__(self, spool: Path) -> None:
        self.path = Path(f"{spool}.lock")
        self.fd: int | None = None

    def acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock: sends are idempotent anyway
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


class Forwarder:
    """Sends one spool's rows to its PostgreSQL ledger, in the background."""

    def __init__(self, url: PostgresURL, spool: Path, password_file: Path | None = None) -> None:
        self.url, self.spool, self.password_file = url, spool, password_file
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._pg: Any = None
        self._failing = False
        self._retry_s = RETRY_S
        self._retry_at = 0.0
        self.writer: Any = None  # this process's writer of the spool: nothing new while its count stays
        self._seen_written = -1
        self.sent = 0  # rows sent by this process (new or not)
        self.backlog: int | None = None  # rows left in the spool after the last attempt

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop:
                return
            self._thread = threading.Thread(target=self._loop, name="frugal-ai-forwarder", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait(FORWARD_INTERVAL_S)
            self._wake.clear()
            if self._stop:
                break
            if self._failing and time.monotonic() < self._retry_at:
                continue
            written = getattr(self.writer, "written", None)
            if not self._failing and self.backlog == 0 and written == self._seen_written:
                continue  # nothing written since the spool was last emptied: no need to look
            self._seen_written = written if written is not None else -1
            self.forward()

    def forward(self, deadline: float | None = None) -> int:
        """Send what the spool holds now (until `deadline`, a monotonic time). Never raises;
        returns the rows sent."""
        from .push import backlog, send_batch

        with self._lock:
            if not self.spool.exists():
                return 0
            lock = _SpoolLock(self.spool)
            try:
                if not lock.acquire():
                    return 0  # another process's forwarder is sending this spool
            except OSError:
                pass
            src = None
            sent_now = 0
            try:
                from .schema import open_writable

                src = open_writable(self.spool)
                if self._pg is None:
                    from .postgres import connect_pg

                    self._pg = connect_pg(self.url, password_file=self.password_file, connect_timeout_s=CONNECT_TIMEOUT_S)
                from .postgres import DATA_TABLES

                for table in DATA_TABLES:
                    after = 0
                    while deadline is None or time.monotonic() < deadline:
                        after, sent, _ = send_batch(src, self._pg, table, after, BATCH_ROWS, drain=True)
                        sent_now += sent
                        if sent < BATCH_ROWS:
                            break
                self.backlog = backlog(src)
                self.sent += sent_now
                if self._failing:
                    self._failing = False
                    self._retry_s = RETRY_S
                    forget(f"pg-unreachable:{self.spool}")
            except Exception as e:  # FrugalAIError, sqlite3.Error, OSError, or a psycopg error left unwrapped
                self._close_pg()
                self._fail(e)
            finally:
                if src is not None:
                    src.close()
                lock.release()
            return sent_now

    def _fail(self, e: BaseException) -> None:
        if self._failing:
            self._retry_s = min(self._retry_s * 2, RETRY_MAX_S)
        self._failing = True
        self._retry_at = time.monotonic() + self._retry_s
        warn_once(f"pg-unreachable:{self.spool}",
                  f"cannot send records to the PostgreSQL ledger ({e}); they are kept in {self.spool} and sent "
                  "when it can be reached (retried in the background, or `frugal-ai ledger push --to URL`)")

    def _close_pg(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def close(self, timeout_s: float = EXIT_FLUSH_S) -> None:
        """Stop the background thread and make a last send bounded by `timeout_s`; what is
        left stays in the spool."""
        self._stop = True
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=timeout_s)
        remaining = deadline - time.monotonic()
        if remaining > 0.05:
            last = threading.Thread(target=self.forward, args=(deadline,), name="frugal-ai-forwarder-exit", daemon=True)
            try:
                last.start()
            except RuntimeError:  # no new thread at interpreter exit (Python 3.12+): send here, batch-bounded
                self.forward(deadline)
            else:
                last.join(timeout=remaining)
                if last.is_alive():
                    return  # PostgreSQL too slow: the daemon thread is abandoned, the spool keeps the rows
        with self._lock:
            self._close_pg()

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._pg = None  # the parent's connection must not be used here
