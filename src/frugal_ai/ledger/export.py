"""`ledger export`'s formats: the ledger's records as plain dicts (read by
`query.iter_records`), one per run or API call, written as JSON Lines or CSV.

Keys (docs/measurement.md, `ledger export`): kind ("run" | "api_call"), id, run_id (the enclosing run, for calls),
parent_id (for nested runs), name, project, tags (an object), start, end (ISO 8601 UTC),
status; for runs energy_kwh, cpu_kwh, gpu_kwh, ram_kwh, method, coverage, zone; for calls
provider, model, input_tokens, output_tokens, reasoning_tokens (per request), latency_s,
requests (how many identical requests the row stands for), source, request_kind (chat,
embedding, image, transcription, speech: ledger/kinds.py), units (per request: images, audio
seconds or characters), image_size and image_quality. Every record
carries every key (None where it does not apply), so CSV and JSON Lines have one shape.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any, Iterator

from ..errors import InputError
from ..untrusted import CsvWriter

FIELDS = (
    "kind", "id", "run_id", "parent_id", "name", "project", "tags", "start", "end", "status",
    "energy_kwh", "cpu_kwh", "gpu_kwh", "ram_kwh", "method", "coverage", "zone",
    "provider", "model", "input_tokens", "output_tokens", "reasoning_tokens", "latency_s",
    "host", "requests", "source", "request_kind", "units", "image_size", "image_quality",
)


def parse_day(text: str, *, option: str, end_of_day: bool = False) -> float:
    """A CLI date (YYYY-MM-DD, or an ISO 8601 date-time; UTC unless it says otherwise) as epoch seconds.

    With `end_of_day`, a bare date means the end of that day (the day is included).
    """
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            moment = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
            if end_of_day:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError:
        raise InputError(f"{option}: expected a date such as 2026-07-01, got {text!r}") from None
    except OverflowError:  # the day after 9999-12-31
        raise InputError(f"{option}: {text!r} is out of range (the last day is 9998-12-31)") from None
    return moment.timestamp()


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object a line; returns the number of records."""
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """CSV with a header of FIELDS; tags as a JSON object; returns the number of records.

    Names come from code, configuration and servers we do not control: a cell that a
    spreadsheet would read as a formula gets a leading apostrophe (frugal_ai.untrusted)."""
    writer = CsvWriter(out)
    writer.writerow(FIELDS)
    n = 0
    for rec in records:
        tags = json.dumps(rec["tags"], ensure_ascii=False, sort_keys=True)
        writer.writerow([tags if f == "tags" else rec[f] for f in FIELDS])
        n += 1
    return n
