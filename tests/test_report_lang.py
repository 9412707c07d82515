"""Translations: both languages say everything, with the same placeholders, in their own formats."""

from __future__ import annotations

import re
import string

from frugal_ai.footprint import Range
from frugal_ai.report.lang import LANGS, texts


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_english_and_french_have_the_same_keys() -> None:
    en, fr = LANGS["en"], LANGS["fr"]
    assert set(en) - set(fr) == set(), "keys missing in French"
    assert set(fr) - set(en) == set(), "keys missing in English"


def test_every_sentence_has_the_same_placeholders_in_both_languages() -> None:
    en, fr = LANGS["en"], LANGS["fr"]
    for key in en:
        assert _fields(en[key]) == _fields(fr[key]), key


def test_french_numbers_dates_and_percentages() -> None:
    t = texts("fr")
    assert t.count(1234567) == "1\u202f234\u202f567"
    assert t.date("2026-07-01") == "1er juillet 2026"
    assert t.date("2026-08-15") == "15 août 2026"
    assert t.month("2026-12") == "décembre 2026"
    assert t.percent(0.4234) == "42\u00a0%"
    assert t.range(Range.of(1200.0, 2500.0, 3100.5), "energy_kwh") == "2,5\u00a0MWh (1,2–3,1)"


def test_english_numbers_dates_and_percentages() -> None:
    t = texts("en")
    assert t.count(1234567) == "1,234,567"
    assert t.date("2026-07-01") == "1 July 2026"
    assert t.percent(0.04234) == "4.2%"
    assert t.range(Range.of(1200.0, 2500.0, 3100.5), "energy_kwh") == "2.5 MWh (1.2–3.1)"


def test_french_text_has_no_english_leftovers() -> None:
    """A crude guard: common English words must not appear in French sentences."""
    english = re.compile(r"\b(the|and|of|with|from|which|is|are)\b")
    for key, text in LANGS["fr"].items():
        if key.startswith("csv."):
            continue
        assert not english.search(text), (key, text)
