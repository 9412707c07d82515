"""Translations and number/date formats: the one place where the words shown to a reader
live, for the report, the gains balance and the command line.

`en.py` and `fr.py` hold every sentence under the same keys (tested). `texts(lang)` gives a `Texts` whose methods turn the model's numbers, dates and keys into
the language's words: decimal comma and narrow no-break spaces for thousands in French,
"1er juillet 2026" for dates.

Example:
    >>> texts("fr").percent(0.423)
    '42\\xa0%'
"""

from __future__ import annotations

from datetime import date
from typing import Callable
from ..footprint import Range
from ..units import Lang, format_number, format_quantity, format_range
from . import en, fr

LANGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "fr": fr.MESSAGES}


class Texts:
    """Words and formats of one language.

    `value` writes a name we do not control (a workload, model, provider, zone) as the output
    at hand must show it: each renderer passes its own (frugal_ai.untrusted); plain text
    keeps it as it is.
    """

    def __init__(self, lang: Lang, value: Callable[[str], str] | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
        self.lang: Lang = lang
        self.messages = LANGS[lang]
        self._value = value

    def value(self, text: str) -> str:
        """`text`, a name we do not control, made safe for this output."""
        return self._value(text) if self._value is not None else text

    def __call__(self, key: str, **values: object) -> str:
        """The sentence `key`, with `{name}` fields filled in."""
        text = self.messages[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def number(self, value: float, digits: int = 3) -> str:
        return format_number(value, self.lang, digits)

    def singular(self, shown: str) -> bool:
        """Whether a number as shown takes the singular: exactly one in English, under two
        in French ("1,5 km parcouru")."""
        try:
            value = abs(float(shown.replace("\u202f", "").replace("\u00a0", "").replace(",", "." if self.lang == "fr" else "")))
        except ValueError:
            return False
        return value < 2 if self.lang == "fr" else value == 1

    def count(self, value: int) -> str:
        """An exact integer with thousands grouped (12,345 / 12 345)."""
        text = f"{value:,d}"
        return text.replace(",", "\u202f") if self.lang == "fr" else text

    def percent(self, share: float) -> str:
        value = share * 100
        shown = format_number(round(value, 1) if value < 10 else round(value), self.lang)
        return self("percent.format", value=shown)

    def quantity(self, value: float, quantity: str) -> str:
        return format_quantity(value, quantity, self.lang)  # type: ignore[arg-type]

    def range(self, r: Range, quantity: str) -> str:
        return format_range(r, quantity, self.lang)  # type: ignore[arg-type]

    def date(self, d: date | str | None) -> str:
        if d is None:
            return "…"
        if isinstance(d, str):
            d = date.fromisoformat(d)
        day = self("date.first_day", day=1) if d.day == 1 else str(d.day)
        return self("date.format", day=day, month=self(f"month.{d.month}"), year=d.year)

    def day_span(self, since: date | str, until: date | str) -> str:
        """'1 October – 1 December 2026' / '1er octobre – 1er décembre 2026': the year once
        when both days share it."""
        a = date.fromisoformat(since) if isinstance(since, str) else since
        b = date.fromisoformat(until) if isinstance(until, str) else until
        first = self.date(a)
        if a.year == b.year:
            day = self("date.first_day", day=1) if a.day == 1 else str(a.day)
            first = self("date.day_month", day=day, month=self(f"month.{a.month}"))
        return self("date.span", first=first, last=self.date(b))

    def month(self, ym: str) -> str:
        """'2026-07' as 'July 2026' / 'juillet 2026'."""
        year, month = ym.split("-")
        return self("month.format", month=self(f"month.{int(month)}"), year=year)

    def month_short(self, ym: str) -> tuple[str, str]:
        """'2026-07' as ('Jul', '2026') / ('juil.', '2026'), for chart axes."""
        year, month = ym.split("-")
        return self(f"month_short.{int(month)}"), year

    def method(self, method: str) -> str:
        return self(f"method.{method}")

    def methods(self, methods: list[str]) -> str:
        return ", ".join(self.method(m) for m in methods)


def texts(lang: str, value: Callable[[str], str] | None = None) -> Texts:
    return Texts(lang, value)  # type: ignore[arg-type]
