"""The content hash of an inventory's ledger rows, read in the background.

The hash (`ledger.query.content_hash`, described by `content_hash_text`) reads every
selected row once, the costliest part of a large report: it runs on its own read-only
connection in a thread while the inventory aggregates on another (SQLite releases the GIL),
so the two scans overlap.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ..ledger import connect
from ..ledger.query import Selection, content_hash


class HashThread(threading.Thread):
    """`content_hash` on its own read-only connection, in the background."""

    def __init__(self, path: Path, sel: Selection, progress: Callable[[float], None] | None = None) -> None:
        super().__init__(name="frugal-ai-ledger-hash", daemon=True)
        self.path, self.sel, self.progress = path, sel, progress
        self._digest: str | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            conn = connect(self.path, readonly=True)
            try:
                self._digest = content_hash(conn, self.sel, self.progress)
            finally:
                conn.close()
        except BaseException as e:  # handed to the caller by result()
            self._error = e

    def result(self) -> str:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest
