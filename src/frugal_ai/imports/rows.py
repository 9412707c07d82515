"""What every usage reader yields: normalised usage rows, or the rows it skipped and why.

A reader turns one file into `UsageRow`s (a dated, aggregated fact: `requests` identical
requests of `input_tokens` / `output_tokens` / `reasoning_tokens` each) and `Skipped`s
(a row it read but cannot count, with the reason). A file it cannot read at all raises
`MalformedFile`, naming the file, the line or row, and the field.

Pure: no ledger, no settings. Token counts are per request; where a source gives totals
over N requests, `per_request(total, n)` derives the per-request figure (see docs/imports.md).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Union

from ..errors import InputError


@dataclass(slots=True, kw_only=True)
class UsageRow:
    """One usage fact read from a file.

    `key` identifies the source row within its format (a request id, a span id, a bucket's
    time and dimensions, or a generic row's whole content): the ledger id is derived from it,
    so importing the same row twice stores it once. `start_s` / `end_s` are UTC epoch seconds.
    `latency_s` is the duration of one request where the source times each request (a span,
    a generation, a proxy log line), None for aggregated rows (usage buckets, generic CSV).
    """

    key: str
    start_s: float
    end_s: float
    provider: str
    model: str
    requests: int
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    workload: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    latency_s: float | None = None


def duration_s(start_s: float, end_raw: Any, end_s: float) -> float | None:
    """The duration of one timed request: end - start when the source gave an end time, else None."""
    if end_raw in (None, ""):
        return None
    return max(end_s - start_s, 0.0)


@dataclass(slots=True, frozen=True)
class Skipped:
    """A source row read but not imported: where it is (e.g. 'line 12') and why."""

    where: str
    reason: str


Item = Union[UsageRow, Skipped]


class MalformedFile(InputError):
    """A file that cannot be read as its format: names the file, the line or row, and the field."""

    def __init__(self, path: Path | str, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}", where=str(path))


def per_request(total: int, requests: int) -> int:
    """A per-request token count from a total over `requests` requests, rounded half up.

    The rounding moves the row's total by at most requests / 2 tokens (under half a token per
    request); the mean also hides how the requests' sizes spread (docs/imports.md).
    """
    if requests <= 1:
        return total
    return (2 * total + requests) // (2 * requests)


def count(value: Any, path: Path | str, where: str, name: str, *, missing: int | None = None) -> int:
    """A non-negative integer count from a JSON number or a text cell; `missing` for an absent
    or empty value when given, else the file is malformed."""
    if type(value) is str:
        try:  # the common case: a plain integer cell
            n = int(value)
        except ValueError:
            pass
        else:
            if n < 0:
                raise MalformedFile(path, where, f"{name} is negative ({n})")
            return n
    elif type(value) is int and value >= 0:
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if missing is not None:
            return missing
        raise MalformedFile(path, where, f"{name} is missing")
    if isinstance(value, bool):
        raise MalformedFile(path, where, f"{name} is not a count ({value!r})")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise MalformedFile(path, where, f"{name} is not a whole number ({value!r})")
        n = int(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            n = int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                raise MalformedFile(path, where, f"{name} is not a number ({value!r})") from None
            if not math.isfinite(f) or f != int(f):
                raise MalformedFile(path, where, f"{name} is not a whole number ({value!r})") from None
            n = int(f)
    else:
        raise MalformedFile(path, where, f"{name} is not a number ({value!r})")
    if n < 0:
        raise MalformedFile(path, where, f"{name} is negative ({n})")
    return n


def epoch_s(value: Any, path: Path | str, where: str, name: str) -> float:
    """UTC epoch seconds from an ISO 8601 date or date-time (naive read as UTC), or from a
    number of epoch seconds (milliseconds and nanoseconds are recognised by their size)."""
    if type(value) is str and len(value) >= 19 and value[10] == "T":
        try:  # the common case: a full ISO 8601 time (Python 3.11 reads a 'Z' too)
            dt = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise MalformedFile(path, where, f"{name} is missing" if not value else f"{name} is not a time ({value!r})")
    if isinstance(value, (int, float)):
        return _scaled(float(value), path, where, name)
    if not isinstance(value, str):
        raise MalformedFile(path, where, f"{name} is not a time ({value!r})")
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return _scaled(float(text), path, where, name)
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        if len(iso) == 10:
            d = date.fromisoformat(iso)
            return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()
        dt = datetime.fromisoformat(_trim_fraction(iso.replace(" ", "T", 1)))
    except ValueError:
        raise MalformedFile(path, where, f"{name} is not an ISO 8601 date or time ({value!r})") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _trim_fraction(text: str) -> str:
    """Python before 3.11 reads at most 6 fractional digits: drop the rest (nanosecond times)."""
    dot = text.find(".")
    if dot < 0:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[: min(end, dot + 7)] + text[end:]


def _scaled(x: float, path: Path | str, where: str, name: str) -> float:
    if not math.isfinite(x) or x < 0:
        raise MalformedFile(path, where, f"{name} is not a time ({x!r})")
    if x > 1e17:  # nanoseconds
        return x / 1e9
    if x > 1e11:  # milliseconds
        return x / 1e3
    return x


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None



class CsvFile:
    """A CSV file opened past its leading comment lines ('#'), with the number of lines skipped
    (so that errors name the file's own line numbers). A context manager."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, newline="", encoding="utf-8-sig")
        self.offset = 0
        while True:
            at = self.file.tell()
            line = self.file.readline()
            if not line.startswith("#"):
                self.file.seek(at)
                break
            self.offset += 1

    def __enter__(self) -> "CsvFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def header(self) -> list[str]:
        """The header row, without consuming it."""
        at = self.file.tell()
        line = self.file.readline()
        self.file.seek(at)
        return next(csv.reader([line]), [])
