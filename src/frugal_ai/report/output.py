"""Where a report goes: the format its file name implies, and writing it with a clear error."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

# File extensions that name a report format (`--out report.html` means `--format html`).
FORMAT_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json", ".csv": "csv",
                    ".pdf": "pdf", ".xlsx": "xlsx"}


def format_for(out_path: str | Path | None, fmt: str | None, default: str = "table") -> str:
    """The format to write: `fmt` when given, else the one `out_path`'s extension names, else `default`."""
    if fmt:
        return fmt
    if out_path is not None:
        return FORMAT_BY_SUFFIX.get(Path(out_path).suffix.lower(), default)
    return default


def write_text(path: str | Path, text: str | bytes) -> Path:
    """Write `text` (UTF-8; bytes as they are) to `path`; an OS error becomes a one-line
    `InputError` naming the path."""
    target = Path(path)
    try:
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write here: {e.strerror or e}", where=str(target)) from None
    return target


def make_folder(path: str | Path) -> Path:
    """Create the folder `path` (and its parents); an OS error becomes an `InputError` naming it."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder", where=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create this folder: {e.strerror or e}", where=str(folder)) from None
    return folder
