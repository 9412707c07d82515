"""Reporting periods: `--period 2026-Q3 | 2026-09 | 2026`, or `--since` / `--until` dates.

A period is `[since, until)` in UTC days: `since` inclusive, `until` exclusive. On the
command line `--until` names the last day included, as people read it ("until 30 Sept").
A period asked on the command line that runs past today is cut at today and marked in
progress (`in_progress`, with the end it was asked for in `planned_until`): days that have
not happened yet are never counted, and the gains are weighed over the same elapsed days.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel

from ..errors import InputError


class Period(BaseModel):
    """A reporting period: a label and its bounds (None: open)."""

    label: str
    since: date | None = None
    until: date | None = None  # exclusive
    in_progress: bool = False  # cut at today: `planned_until` is the end asked for
    planned_until: date | None = None  # exclusive

    @property
    def planned_last_day(self) -> date | None:
        return None if self.planned_until is None else self.planned_until - timedelta(days=1)

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
    try:
        return _parse_period(text)
    except (ValueError, OverflowError):  # year 0000, or a period ending after 9999
        raise InputError(f"--period {text!r}: the year must be 0001 to 9998") from None


def _parse_period(text: str) -> Period:
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


def _day_after(day: date, text: str) -> date:
    try:
        return day + timedelta(days=1)
    except OverflowError:
        raise InputError(f"--until {text!r}: the last day must be 9998-12-31 at the latest") from None


def utc_today() -> date:
    """Today in UTC: the clock that cuts a period in progress (tests pass their own `today`)."""
    return datetime.now(timezone.utc).date()


def up_to(period: Period, today: date) -> Period:
    """`period` cut at the end of `today` when it runs past it (and started by then).

    >>> p = up_to(parse_period("2026-Q4"), date(2026, 12, 1))
    >>> (p.until, p.in_progress, p.planned_until)
    (datetime.date(2026, 12, 2), True, datetime.date(2027, 1, 1))
    """
    tomorrow = today + timedelta(days=1)
    if period.until is None or period.until <= tomorrow or (period.since is not None and period.since > today):
        return period
    return period.model_copy(update={"until": tomorrow, "in_progress": True, "planned_until": period.until})


def resolve_period(period: str | None, since: str | None, until: str | None, *, today: date | None = None) -> Period:
    """The period the command line asks for; `--until` is the last day included. A period
    that runs past `today` (default: today in UTC) is cut at today and marked in progress."""
    return up_to(_asked_period(period, since, until), today or utc_today())


def _asked_period(period: str | None, since: str | None, until: str | None) -> Period:
    if period and (since or until):
        raise InputError("--period cannot be combined with --since or --until")
    if period:
        return parse_period(period)
    since_d = parse_day(since, "--since") if since else None
    until_d = _day_after(parse_day(until, "--until"), until) if until else None
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
