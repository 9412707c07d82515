"""A declared tool -> one ledger row per month: a dated, aggregated API-call fact.

A month's row starts on the first day of the month the tool covers (or its `start`) at 00:00
UTC and ends where the month (or the tool's `end`) does. Its request count is the tool's
monthly requests × the share of the month's days the tool covers, rounded to a whole number
(a month that rounds to 0 gets no row). Token counts are per request. A tool declared by its
spend (`spend_eur_per_month`) has source 'declared-spend' and its spend as a tag. The row's id is
`declared:<tool name>:<YYYY-MM>`: stable, so declaring the same file twice writes nothing
new, and an edited file replaces its rows by tool and month (usage/declare.py).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

from ..ledger.query import DECLARED_SOURCE, DECLARED_SPEND_SOURCE
from ..ledger.records import ApiCallRecord
from .declaration import DeclaredTool

TAG_FILE = "declaration"
"""The tag naming the declaration file (its name, not its path) a declared row came from."""


def row_id(tool_name: str, month: str) -> str:
    """The stable id of a tool's row for a month (YYYY-MM)."""
    return f"declared:{tool_name}:{month}"


def _midnight(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()


def default_end(today: date) -> date:
    """The last day of `today`'s month: a tool declared without `end` is counted up to there."""
    return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])


def default_start(today: date) -> date:
    """January 1 of `today`'s year: a tool declared without `start` is counted from there."""
    return date(today.year, 1, 1)


def monthly_records(tool: DeclaredTool, *, file_name: str, project: str, today: date) -> list[ApiCallRecord]:
    """The tool's rows, one per month from its start to its end (inclusive)."""
    start = tool.start or default_start(today)
    end = tool.end or default_end(today)
    tags = {TAG_FILE: file_name, **({"product": tool.product} if tool.product else {}),
            **({"spend_eur_per_month": f"{tool.spend_eur_per_month:g}"} if tool.spend_eur_per_month is not None else {})}
    source = DECLARED_SOURCE if tool.spend_eur_per_month is None else DECLARED_SPEND_SOURCE
    out: list[ApiCallRecord] = []
    month = date(start.year, start.month, 1)
    while month <= end:
        days = calendar.monthrange(month.year, month.month)[1]
        last = month + timedelta(days=days - 1)
        first_day, last_day = max(month, start), min(last, end)
        share = ((last_day - first_day).days + 1) / days
        requests = round(tool.requests_per_month * share)
        if requests >= 1:
            key = f"{month.year:04d}-{month.month:02d}"
            out.append(ApiCallRecord(
                id=row_id(tool.name, key), provider=tool.provider, model=tool.model,
                start=_midnight(first_day), end=_midnight(last_day + timedelta(days=1)),
                input_tokens=tool.input_tokens, output_tokens=tool.output_tokens,
                reasoning_tokens=tool.reasoning_tokens, requests=requests, status="ok", name=tool.name,
                project=project, tags=dict(tags), source=source))
        month = last + timedelta(days=1)
    return out
