"""Importing a usage file into the ledger: read it (streamed), turn each usage row into an
API-call fact, write them all in one transaction — or, with `dry_run`, only count what would
change.

- Idempotent: a fact's id is derived from its format and the source row's key, so the same row
  (the same file twice, an overlapping export) is stored once; a row stored before with other
  figures (a day re-exported once complete) gets the new ones.
- Every row read is accounted for: imported, or skipped with its reason. `strict` makes the
  first skipped row an error (exit 2, nothing written).
- A malformed file raises `MalformedFile` (file, line or row, field) before anything is written:
  the transaction is rolled back.
- The ledger is a file or a postgresql:// one: the same rows through the same row builder
  (ledger/rows.py), in one transaction of either database, streamed in batches.
- Model names go through `model_aliases` (the stored name is the catalogue's; the name as the
  source gave it is kept in the tag `model_as_reported`). A name the catalogue does not know is
  imported all the same, and listed once in `unknown_models`.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..errors import InputError, UnknownModelError
from ..estimate.names import catalogue_name
from ..factors import factor_set
from ..ledger.bounds import problem
from ..ledger.records import ApiCallRecord
from ..ledger import connect
from ..ledger.rows import insert_records, is_postgresql
from . import registry
from .rows import MalformedFile, Skipped, UsageRow

if TYPE_CHECKING:  # pragma: no cover
    from ..config import PostgresURL

SOURCE_PREFIX = "import:"
"""`api_calls.source` of imported rows: 'import:' and the format name."""
MAX_SKIP_EXAMPLES = 3


@dataclass
class ImportResult:
    """What an import read, wrote (or, in a dry run, would write) and skipped."""

    path: str
    format: str
    dry_run: bool
    rows_read: int = 0
    imported: int = 0
    new: int = 0
    already_in_ledger: int = 0
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skip_examples: dict[str, list[str]] = field(default_factory=dict)
    unknown_models: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "imported": self.imported, "new": self.new, "already_in_ledger": self.already_in_ledger,
            "requests": self.requests, "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "skipped": [{"reason": r, "rows": n, "examples": self.skip_examples.get(r, [])}
                        for r, n in self.skipped.most_common()],
            "unknown_models": [{"model": m, "rows": n} for m, n in sorted(self.unknown_models.items())],
        }


def fact_id(fmt: str, key: str, start_s: float) -> str:
    """The ledger id of a source row: stable across imports of the same row. It starts with the
    row's time (hex seconds), so that a chronological export is appended to the id index in
    order rather than scattered through it."""
    digest = hashlib.blake2b(f"{fmt}\x1f{key}".encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"imp-{max(int(start_s), 0):09x}{digest}"


def import_usage(path: Path | str, fmt: str = "auto", *, ledger: "Path | PostgresURL", project: str = "default",
                 aliases: dict[str, str] | None = None, dry_run: bool = False, strict: bool = False,
                 progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import the usage file `path` (format `fmt`, or detected with "auto") into `ledger` (a
    file, or a postgresql:// URL). Raises `InputError` for a file that does not exist, a
    malformed one, or (with `strict`) any skipped row; nothing is written then. A PostgreSQL
    ledger that cannot be reached raises `LedgerError` (naming the URL without its password).
    `progress(rows written so far)` is called after each batch."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", where=str(path))
    if fmt == "auto":
        fmt = registry.detect(path)
    elif fmt not in registry.READERS:
        raise InputError(f"unknown format {fmt!r} (one of auto, {', '.join(registry.FORMATS)})")
    result = ImportResult(path=str(path), format=fmt, dry_run=dry_run)
    settings = _Aliases(aliases or {})
    records = _records(path, fmt, result, settings, project, strict)
    conn = connect(ledger, readonly=dry_run)
    try:
        if dry_run:
            _count_existing(conn, records, result)
            return result
        pg = is_postgresql(conn)
        # SQLite does not tell an added row from a replaced one: count the rows before and
        # after. PostgreSQL tells, batch by batch (and other writers may add rows meanwhile).
        before = 0 if pg else _call_rows(conn)
        counted = _Counted(progress)
        # Every record was checked against the bounds above (a refused one is a skipped row).
        insert_records(conn, records, replace_calls=True, checked=True, on_batch=counted)
        result.new = counted.new if pg else _call_rows(conn) - before
    finally:
        conn.close()
    result.already_in_ledger = result.imported - result.new
    return result


class _Counted:
    """insert_records' `on_batch`: rows written and new so far, passed on to `progress`."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress, self.written, self.new = progress, 0, 0

    def __call__(self, written: int, new: int | None) -> None:
        self.written += written
        self.new += new or 0
        if self.progress is not None:
            self.progress(self.written)


@dataclass(frozen=True)
class _Aliases:
    model_aliases: dict[str, str]


def _records(path: Path, fmt: str, result: ImportResult, settings: _Aliases, project: str,
             strict: bool) -> Iterator[ApiCallRecord]:
    known: dict[str, bool] = {}
    names: dict[str, str] = {}  # the name in the file -> the catalogue's (model_aliases)
    source = SOURCE_PREFIX + fmt
    rows = requests = inp = out = reasoning = 0
    try:
        for item in registry.read(path, fmt):
            result.rows_read += 1
            if type(item) is Skipped:
                _skip(result, item, strict, path)
                continue
            model = names.get(item.model)
            if model is None:
                model = names[item.model] = catalogue_name(item.model, settings)
                known[model] = _in_catalogue(model)
            record = _record(item, model, fmt, source, project)
            reason = problem(record)
            if reason is not None:
                _skip(result, Skipped(_where(item), f"outside the ledger's bounds ({reason})"), strict, path)
                continue
            if not known[model]:
                result.unknown_models[model] = result.unknown_models.get(model, 0) + 1
            n = record.requests
            rows += 1
            requests += n
            inp += n * record.input_tokens
            out += n * record.output_tokens
            reasoning += n * record.reasoning_tokens
            yield record
    except UnicodeDecodeError as e:
        raise MalformedFile(path, f"line {_first_line_not_utf8(path)}", f"not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise MalformedFile(path, f"after row {result.rows_read}", f"not valid CSV ({e})") from None
    finally:
        result.imported, result.requests = rows, requests
        result.input_tokens, result.output_tokens, result.reasoning_tokens = inp, out, reasoning


def _first_line_not_utf8(path: Path) -> int:
    """The number of the first line that is not UTF-8 (files are read as text in blocks, so the
    decoding error itself does not say where)."""
    with open(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return n
    return 1


def _where(row: UsageRow) -> str:
    return row.key[:80]


def _skip(result: ImportResult, item: Skipped, strict: bool, path: Path) -> None:
    if strict:
        raise InputError(f"{item.where}: {item.reason} (--strict: every row must be imported)", where=str(path))
    result.skipped[item.reason] += 1
    examples = result.skip_examples.setdefault(item.reason, [])
    if len(examples) < MAX_SKIP_EXAMPLES:
        examples.append(item.where)


def _record(row: UsageRow, model: str, fmt: str, source: str, project: str) -> ApiCallRecord:
    tags = row.tags
    if model != row.model:
        tags = {**tags, "model_as_reported": row.model}
    return ApiCallRecord(
        id=fact_id(fmt, row.key, row.start_s), provider=row.provider, model=model, start=float(row.start_s),
        end=float(row.end_s),
        input_tokens=row.input_tokens, output_tokens=row.output_tokens, reasoning_tokens=row.reasoning_tokens,
        status="ok", name=row.workload, project=project, tags=tags, source=source, requests=row.requests,
        latency_s=row.latency_s,
    )


def _in_catalogue(model: str) -> bool:
    fs = factor_set()
    if fs.find_modality(model) is not None:
        return True
    try:
        fs.model(model)
    except UnknownModelError:
        return False
    return True


def _call_rows(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM api_calls").fetchone()[0])


def _count_existing(conn: Any, records: Iterator[ApiCallRecord], result: ImportResult, chunk: int = 500) -> None:
    """A dry run: read every row (so a malformed file fails the same way) and count how many
    of them the ledger (`conn`, SQLite or PostgreSQL) already holds, without writing anything."""
    ids: set[str] = set()
    block: list[str] = []
    existing = 0

    def flush_block() -> int:
        if not block:
            return 0
        marks = ",".join("?" for _ in block)
        n = conn.execute(f"SELECT count(*) FROM api_calls WHERE id IN ({marks})", block).fetchone()[0]
        block.clear()
        return int(n)

    unique = 0
    for record in records:
        if record.id in ids:
            continue  # the same source row twice in the file: one fact
        ids.add(record.id)
        unique += 1
        block.append(record.id)
        if len(block) >= chunk:
            existing += flush_block()
    existing += flush_block()
    result.already_in_ledger = existing + (result.imported - unique)
    result.new = unique - existing
