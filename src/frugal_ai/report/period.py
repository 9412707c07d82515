"""Reporting periods: `--period 2026-Q3 | 2026-09 | 2026`, or `--since` / `--until` dates.

A period is `[since, until)` in UTC days: `since` inclusive, `until` exclusive. On the
command line `--until` names the last day included, as people read it ("until 30 Sept").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel

from ..errors import InputError


class Period(BaseModel):
    """A reporting period: a label and its bounds (None: open)."""

    label: str
    since: date | None = None
    until: date | None = None  # exclusive

    @property
    def last_day(self) -> date | None:
        return None if self.until is None else self.until - timedelta(days=1)


_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> Period:
    """`2026-Q3`, `2026-09` or `2026` as a period.

    >>> parse_period("2026-Q3").until
    datetime.date(2026, 10, 1)
    """
    t = text.strip()
    if m := _QUARTER.match(t):
        year, q = int(m[1]), int(m[2])
        since = date(year, 3 * q - 2, 1)
        return Period(label=f"{year}-Q{q}", since=since, until=_add_months(since, 3))
    if m := _MONTH.match(t):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InputError(f"--period {text!r}: month must be 01 to 12")
        since = date(year, month, 1)
        return Period(label=f"{year}-{month:02d}", since=since, until=_add_months(since, 1))
    if m := _YEAR.match(t):
        year = int(m[1])
        return Period(label=str(year), since=date(year, 1, 1), until=date(year + 1, 1, 1))
    raise InputError(f"--period {text!r}: expected a year (2026), a quarter (2026-Q3) or a month (2026-09)")


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def resolve_period(period: str | None, since: str | None, until: str | None) -> Period:
    """The period the command line asks for; `--until` is the last day included."""
    if period and (since or until):
        raise InputError("--period cannot be combined with --since or --until")
    if period:
        return parse_period(period)
    since_d = parse_day(since, "--since") if since else None
    until_d = parse_day(until, "--until") + timedelta(days=1) if until else None
    if since_d and until_d and until_d <= since_d:
        raise InputError(f"--until {until} is before --since {since}")
    if since_d is None and until_d is None:
        label = "all"
    else:
        label = f"{since_d.isoformat() if since_d else '…'}/{(until_d - timedelta(days=1)).isoformat() if until_d else '…'}"
    return Period(label=label, since=since_d, until=until_d)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)
