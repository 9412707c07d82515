"""The ledger: a SQLite file of runs and API calls (activity data only).

    submit(record)                 queue a RunRecord / ApiCallRecord / SessionRecord; non-blocking
    flush()                        write everything queued now (tests, CLI, exit)
    connect(path=None, readonly=True) -> sqlite3.Connection   schema created / migrated on open
                                   (a postgresql:// URL: a postgres.PgConnection, read through the same query.py)
    ledger_path()                  the ledger in force: FRUGAL_AI_LEDGER > config > default
    location(value)                a ledger file's Path, or a PostgresURL
    exists(location)               whether there is anything to read there
    reset()                        flush and forget every writer (tests that change the ledger path)

Every read of a ledger is in `query.py`, every write goes through `rows.insert_records`
(one row builder), and what a record may hold is in `bounds.py` (docs/architecture.md,
"The ledger backend"). Records go to the ledger in force when they are submitted: the
`ledger` of the settings in force (config.settings_in_force), so a changed
`FRUGAL_AI_LEDGER` counts from the next record.

Example:
    >>> import frugal_ai.ledger as ledger
    >>> conn = ledger.connect()                       # read-only
    >>> conn.execute("SELECT count(*) FROM runs").fetchone()
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import PostgresURL, is_postgres_url, on_reset, settings_in_force
from ..errors import InputError
from .notice import FrugalAIWarning, warn_once
from .records import ApiCallRecord, Record, RunRecord, SessionRecord
from .schema import SCHEMA_VERSION, open_for_reading, open_writable
from .rows import tags_json
from .writer import LedgerWriter

if TYPE_CHECKING:  # pragma: no cover
    from .spool import Forwarder

__all__ = [
    "submit",
    "flush",
    "connect",
    "ledger_path",
    "reset",
    "writer_for",
    "writer_in_force",
    "RunRecord",
    "ApiCallRecord",
    "SessionRecord",
    "Record",
    "SCHEMA_VERSION",
    "FrugalAIWarning",
    "tags_json",
]

_lock = threading.Lock()
_writers: dict[Path, LedgerWriter] = {}
_forwarders: dict[str, "Forwarder"] = {}  # PostgreSQL URL -> the forwarder of its spool
_default: LedgerWriter | None = None
# The settings object (or the configuration error) the default writer was chosen under.
_default_key: object = None


Location = "Path | PostgresURL"


def location(value: "Path | str | PostgresURL") -> "Path | PostgresURL":
    """A ledger given as a file path or a postgresql:// URL (`InputError` for a malformed URL)."""
    if isinstance(value, PostgresURL):
        return value
    if is_postgres_url(value):
        try:
            return PostgresURL.parse(str(value))
        except ValueError as e:
            raise InputError(f"ledger: {e}") from None
    return Path(value).expanduser()


def exists(loc: "Path | PostgresURL") -> bool:
    """Whether a ledger may hold records (a PostgreSQL ledger: always; a file: if it exists)."""
    return isinstance(loc, PostgresURL) or Path(loc).exists()


def ledger_path() -> "Path | PostgresURL":
    """The ledger in force: `FRUGAL_AI_LEDGER`, else the config's `ledger`, else the default."""
    from ..config import default_ledger_path

    try:
        return location(settings_in_force().ledger)
    except InputError as e:
        env = os.environ.get("FRUGAL_AI_LEDGER")
        try:
            fallback = location(env) if env else default_ledger_path()
        except InputError:
            fallback = default_ledger_path()
        warn_once("ledger-config", f"configuration error ({e}); using ledger {fallback}")
        return fallback


def writer_for(path: "Path | str | PostgresURL") -> LedgerWriter:
    """The writer of `path` in this process (one per file). A PostgreSQL ledger's writer
    writes its spool, which a forwarder sends on (spool.py)."""
    w = _writers.get(path)  # type: ignore[arg-type]  # a writer's own path: no normalising needed
    if w is not None:
        return w
    if isinstance(path, PostgresURL):
        return _spool_writer(path)
    p = Path(path).expanduser().absolute()
    with _lock:
        w = _writers.get(p)
        if w is None:
            w = _writers[p] = LedgerWriter(p)
        return w


def _spool_writer(url: PostgresURL) -> LedgerWriter:
    from .spool import Forwarder, spool_path

    spool = spool_path(url)
    w = writer_for(spool)
    with _lock:
        f = _forwarders.get(str(url))
        if f is None:
            f = _forwarders[str(url)] = Forwarder(url, spool.absolute(), password_file())
            f.writer = w
            w.on_written = f.wake
    f.start()
    return w


def _settings_key() -> object:
    try:
        return settings_in_force()
    except InputError as e:  # ledger_path() falls back, and warns once
        return e


def writer_in_force() -> LedgerWriter:
    """The writer of the ledger in force now. For records finalised later (runs), take it
    when the activity starts, so a later change of FRUGAL_AI_LEDGER does not move them."""
    # The hot path (every captured call, every tracked run): the settings in force are the
    # same object while nothing they come from changed, so one identity test.
    global _default, _default_key
    key = _settings_key()
    w = _default
    if w is None or key is not _default_key:
        w = writer_for(ledger_path())
        _default, _default_key = w, key
    return w


def submit(record: Record) -> None:
    """Queue `record` for the ledger in force. Non-blocking; never raises."""
    try:
        writer_in_force().submit(record)
    except Exception as e:  # never break the caller over bookkeeping
        warn_once("ledger-submit", f"cannot queue a record for the ledger ({e})")


def flush(*, defer_rollups: bool = False) -> int:
    """Write every queued record of every ledger now; return how many were written.
    `defer_rollups`: see rows.insert_records."""
    with _lock:
        writers = list(_writers.values())
    return sum(w.flush(defer_rollups=defer_rollups) for w in writers)


def connect(path: "Path | str | None" = None, readonly: bool = True) -> sqlite3.Connection:
    """A connection to the ledger at `path` (default: the ledger in force), schema up to date.

    Read-only: a missing file reads as an empty ledger, a corrupt one raises `InputError`
    naming it (the file is left untouched). Writable: the file and folder are created, WAL is
    on, the busy timeout set; errors raise `InputError` naming the file. A postgresql:// URL
    gives a connection to that database (`postgres.connect_pg`), read through the same queries.
    """
    p = location(path) if path is not None else ledger_path()
    if isinstance(p, PostgresURL):
        from .postgres import connect_pg

        return connect_pg(p, password_file=password_file())  # type: ignore[return-value]
    if readonly:
        return open_for_reading(p)
    try:
        return open_writable(p)
    except (sqlite3.Error, OSError) as e:
        raise InputError(f"cannot open the ledger for writing ({e})", where=str(p)) from None


def password_file() -> Path | None:
    """The config's `ledger_password_file` (None when unset or the config is broken)."""
    try:
        return settings_in_force().ledger_password_file
    except InputError:
        return None


def reset() -> None:
    """Write what is queued, close every writer and forwarder, forget the ledger in force (for tests)."""
    global _default, _default_key
    with _lock:
        writers = list(_writers.values())
        forwarders = list(_forwarders.values())
        _writers.clear()
        _forwarders.clear()
        _default, _default_key = None, None
    for w in writers:
        w.close()
    _close_forwarders(forwarders)


def _close_forwarders(forwarders: list["Forwarder"]) -> None:
    """A last send of each spool, all of them together bounded by spool.EXIT_FLUSH_S."""
    from .spool import EXIT_FLUSH_S

    threads = [threading.Thread(target=f.close, name="frugal-ai-forwarder-close", daemon=True) for f in forwarders]
    try:
        for t in threads:
            t.start()
    except RuntimeError:  # no new thread at interpreter exit (Python 3.12+): one after the other
        for f in forwarders:
            f.close()
        return
    for t in threads:
        t.join(timeout=EXIT_FLUSH_S + 0.5)


on_reset(reset)


def _at_exit() -> None:
    with _lock:
        writers = list(_writers.values())
        forwarders = list(_forwarders.values())
    for w in writers:
        try:
            w.close()
        except Exception:
            pass
    if forwarders:  # after the writers: what they wrote last is in the spools
        try:
            _close_forwarders(forwarders)
        except Exception:
            pass


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()
    for w in _writers.values():
        w._after_fork_in_child()
    for f in _forwarders.values():
        f._after_fork_in_child()


atexit.register(_at_exit)
os.register_at_fork(after_in_child=_after_fork_in_child)
