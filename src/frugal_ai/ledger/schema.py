"""Opening a ledger file: WAL, busy timeout, and the schema created or migrated on open.

The schema version lives in `meta` (key `schema_version`). Version 1 is `schema.sql`; each
later version is one entry of `MIGRATIONS`, applied in order inside one `BEGIN IMMEDIATE`
transaction, so that two processes opening a fresh or old ledger at once migrate it once.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from ..errors import InputError, LedgerError
from . import rollups
from .bounds import PLAUSIBLE_CALL_SQL

# How long SQLite itself waits on a lock before reporting SQLITE_BUSY (ms). Writers retry
# on top of this (see writer.py), so a busy ledger never surfaces as an error.
BUSY_TIMEOUT_MS = 10_000

# version -> statements that bring a ledger from version-1 to version.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        # Fraction of a run's duration covered by the tracker's measured intervals; the rest
        # of its energy was extrapolated from the power measured next (see docs/measurement.md).
        "ALTER TABLE runs ADD COLUMN coverage REAL NOT NULL DEFAULT 1.0",
        # One row per measuring process: what the tracker measured in total, and the part
        # of it no run overlapped (energy conservation: sum over root runs + unattributed = total).
        """CREATE TABLE IF NOT EXISTS sessions (
            id                 TEXT PRIMARY KEY,
            host               TEXT NOT NULL DEFAULT '',
            pid                INTEGER NOT NULL DEFAULT 0,
            project            TEXT NOT NULL,
            start              REAL NOT NULL,
            "end"              REAL NOT NULL,
            zone               TEXT,
            method             TEXT NOT NULL,
            cpu_kwh            REAL NOT NULL DEFAULT 0,
            gpu_kwh            REAL NOT NULL DEFAULT 0,
            ram_kwh            REAL NOT NULL DEFAULT 0,
            unattributed_cpu_kwh REAL NOT NULL DEFAULT 0,
            unattributed_gpu_kwh REAL NOT NULL DEFAULT 0,
            unattributed_ram_kwh REAL NOT NULL DEFAULT 0,
            extrapolated_kwh   REAL NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX IF NOT EXISTS sessions_start ON sessions (start)",
    ),
    3: (
        # How many identical requests an API-call row stands for (token counts are per
        # request): a month of usage loaded as one row, a declared tool's month. Old rows: 1.
        "ALTER TABLE api_calls ADD COLUMN requests INTEGER NOT NULL DEFAULT 1",
    ),
    4: (
        # What an API call asked for (ledger/kinds.py): chat | embedding | image | transcription
        # | speech, and that kind's quantity per request: images, audio seconds or characters
        # (0 for chat and embedding, counted in tokens). An image's size (WIDTHxHEIGHT) and
        # quality level, '' when not given. Old rows: chat, 0, '', ''.
        "ALTER TABLE api_calls ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'",
        "ALTER TABLE api_calls ADD COLUMN units REAL NOT NULL DEFAULT 0",
        "ALTER TABLE api_calls ADD COLUMN image_size TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE api_calls ADD COLUMN image_quality TEXT NOT NULL DEFAULT ''",
    ),
    5: (
        # What a session's unattributed energy is made of: other processes' share of the
        # machine and idle energy (the rest is the process's own time outside every run),
        # and how the process's share was found (process_share.py). Old sessions: '' (unknown).
        "ALTER TABLE sessions ADD COLUMN others_cpu_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN others_gpu_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN others_ram_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN idle_cpu_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN idle_gpu_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN idle_ram_kwh REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN share_method TEXT NOT NULL DEFAULT ''",
    ),
    # Rollups: the rows summed per day at write time, and a hash per day (ledger/rollups.py).
    # Their triggers are (re)created, and the rollups rebuilt from the rows, after every
    # migration (`rollups.install`), so that a later migration changing a rollup's key only
    # changes rollups.py.
    6: rollups.table_statements(),
    # The rollups' high-water marks: per facts table, the last rowid summed into them. Rows
    # enter the rollups once per write transaction (`rollups.catch_up`), no longer by a
    # trigger per inserted row; `rollups.install` drops those triggers and sets the marks.
    7: (rollups.MARKS_TABLE,),
}
SCHEMA_VERSION = max(MIGRATIONS, default=1)

# Tables a version of frugal-ai may lack without harm: created on every writable open, no
# version bump, so an older frugal-ai still reads and writes a ledger that has them (it
# ignores them) and readers treat them as optional.
OPTIONAL_TABLES: tuple[str, ...] = (
    # Records refused by the plausibility bounds (ledger/bounds.py), with the reason: kept
    # so that the report's data quality can count them, never summed with the facts.
    """CREATE TABLE IF NOT EXISTS rejected (
        id       TEXT PRIMARY KEY,
        kind     TEXT NOT NULL,
        start    REAL,
        name     TEXT,
        project  TEXT,
        provider TEXT,
        model    TEXT,
        reason   TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rejected_start ON rejected (start)",
    # API calls outside the plausibility bounds (from before them): a partial index, empty
    # in a sound ledger, so that counting them costs no scan of the calls.
    f"CREATE INDEX IF NOT EXISTS api_calls_implausible ON api_calls (start) WHERE NOT ({PLAUSIBLE_CALL_SQL})",
)


def _base_statements() -> list[str]:
    text = resources.files("frugal_ai.ledger").joinpath("schema.sql").read_text(encoding="utf-8")
    statements, current = [], ""
    for line in text.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def schema_version(conn: sqlite3.Connection) -> int:
    """The ledger's schema version; 0 for an empty file."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Create or upgrade the schema to SCHEMA_VERSION; return the version found before.

    `conn` must be in autocommit mode (isolation_level=None).
    """
    found = schema_version(conn)
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        raise LedgerError(f"ledger schema version {found} is newer than this frugal-ai ({SCHEMA_VERSION}); upgrade frugal-ai")
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)  # another process may have migrated while we waited
        if found == 0:
            for statement in _base_statements():
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '1')")
            found_now = 1
        else:
            found_now = found
        for version in sorted(v for v in MIGRATIONS if v > found_now):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
        rollups.install(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def open_writable(path: Path) -> sqlite3.Connection:
    """Open (creating the file and its folder if needed) for writing, WAL on, schema migrated.

    Raises sqlite3 errors as they come: the writer decides what to do with them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL: readers never block the writer; NORMAL sync is durable across a process
        # crash (the WAL is in the OS's hands at commit), which is what we promise.
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Temporary B-trees (the rollups' GROUP BY, a statement journal) in memory rather than
        # in a temporary file.
        conn.execute("PRAGMA temp_store=MEMORY")
        migrate(conn)
        for statement in OPTIONAL_TABLES:
            conn.execute(statement)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing ledger file, also where its folder cannot be
    written (a read-only mount, a copy handed to an auditor).

    SQLite reads a WAL ledger through its `-shm` index, which it must be able to create:
    where it cannot, the file is opened `immutable` (no locks, no index), which is exact as
    long as no `-wal` beside it holds records not yet in the file — then an `InputError`
    says so instead of reading less than there is. Damage raises `sqlite3.DatabaseError`.
    """
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as e:
        conn.close()
        if "unable to open" not in str(e):
            raise
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise InputError(f"the ledger's {wal.name} holds records not yet in the file, and the folder cannot be "
                         "written: copy both files to a writable folder to read them", where=str(path))
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _corrupt(path: Path, e: Exception) -> InputError:
    return InputError(f"not a readable frugal-ai ledger ({e}); the file was left as it is", where=str(path))


def open_for_reading(path: Path) -> sqlite3.Connection:
    """Open an existing ledger read-only (migrating it first if it is old and writable).

    A missing file gives an empty in-memory ledger with the current schema (nothing is
    created on disk by reading). A corrupt file raises `InputError` naming it.
    """
    if not path.exists():
        return _empty_ledger()
    try:
        conn = connect_read_only(path)
        version = schema_version(conn)
    except sqlite3.DatabaseError as e:
        raise _corrupt(path, e) from None
    if version == SCHEMA_VERSION:
        try:
            stale = rollups.behind(conn)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise _corrupt(path, e) from None
        if not stale:
            return conn
        # Rows another program wrote without summing them into the rollups: sum them in the
        # file where it can be written (once), else each read sums them (rollups.current).
        conn.close()
        try:
            writable = open_writable(path)
            try:
                rollups.current(writable)
            finally:
                writable.close()
        except sqlite3.Error:
            pass
        return connect_read_only(path)
    conn.close()
    if version > SCHEMA_VERSION:
        raise InputError(f"ledger schema version {version} is newer than this frugal-ai ({SCHEMA_VERSION}); upgrade frugal-ai",
                         where=str(path))
    if version == 0:
        tables = _table_count(path)
        if tables:
            raise _corrupt(path, ValueError("an SQLite file without a frugal-ai schema"))
    try:  # an old ledger, or one being created right now: migrate (or wait for it), then reopen
        open_writable(path).close()
    except sqlite3.DatabaseError as e:
        if version == 0:  # an empty file we may not write: nothing in it to read
            return _empty_ledger()
        raise InputError(f"ledger has schema version {version} and cannot be migrated here ({e})", where=str(path)) from None
    return open_for_reading(path)


def _empty_ledger() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(conn)
    return conn


def _table_count(path: Path) -> int:
    try:
        conn = connect_read_only(path)
    except sqlite3.DatabaseError as e:
        raise _corrupt(path, e) from None
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise _corrupt(path, e) from None
    finally:
        conn.close()
