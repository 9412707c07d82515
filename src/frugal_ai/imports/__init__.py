"""`frugal-ai ledger import`: usage that other systems record, read into the ledger as dated,
aggregated API-call facts (one reader module per format, `registry` for the names and `auto`).

    import_usage(path, fmt="auto", *, ledger, project, aliases, dry_run, strict) -> ImportResult
    FORMATS                      the format names
    read_usage(path, fmt)        the normalised rows of a file (UsageRow / Skipped), nothing written
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .registry import FORMATS, detect, read
from .rows import Item, MalformedFile, Skipped, UsageRow

if TYPE_CHECKING:  # pragma: no cover
    from .apply import ImportResult


def read_usage(path: Path | str, fmt: str = "auto") -> Iterator[Item]:
    """The usage rows and skipped rows of a file, read as `fmt` (or detected); nothing written."""
    p = Path(path)
    return read(p, detect(p) if fmt == "auto" else fmt)


def import_usage(path: Path | str, fmt: str = "auto", **options: Any) -> "ImportResult":
    """Import a usage file into a ledger: see `apply.import_usage`."""
    from .apply import import_usage as run

    return run(path, fmt, **options)


__all__ = ["FORMATS", "Item", "MalformedFile", "Skipped", "UsageRow", "detect", "import_usage", "read_usage"]
