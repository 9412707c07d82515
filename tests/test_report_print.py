"""The print stylesheet as text: the running header and footer are the report's, and a project
name cannot break out of the stylesheet. (How it lays out: test_report_pdf.py, and
test_report_print_browser.py in Chromium.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from golden.report_fixtures import ledger, report  # noqa: F401  (module-scoped fixtures)


def test_a_project_name_cannot_close_the_style_element(report: Any) -> None:
    from frugal_ai.report.render_html import render_html

    html = render_html(report, "en", project='Acme "R&D" </style><script>alert(1)</script>\\')
    assert html.count("</style>") == 1 and "<script>" not in html
    assert '"Acme \\"R&D\\" \\3c /style>\\3c script>alert(1)\\3c /script>\\\\"' in html


@pytest.mark.parametrize("lang, words", [("en", ('"Page "', '" of "')), ("fr", ('"Page "', '" sur "'))])
def test_page_numbers_are_the_languages_words_around_the_counters(lang: str, words: tuple[str, str]) -> None:
    from frugal_ai.lang import texts
    from frugal_ai.report.print_page import page_numbers

    assert page_numbers(texts(lang)) == f"{words[0]} counter(page) {words[1]} counter(pages)"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_header_and_footer_carry_title_period_and_versions(report: Any, lang: str) -> None:
    from frugal_ai.lang import texts
    from frugal_ai.report.layout import title_text
    from frugal_ai.report.render_html import render_html

    html = render_html(report, lang)
    boxes = dict(re.findall(r"@(top-left|top-right|bottom-left|bottom-right) \{ content: ([^;]*);", html))
    assert boxes["top-left"] == f'"{title_text(report, texts(lang))}"'
    assert ("2026-Q3" if lang == "en" else "3e trimestre 2026") in boxes["top-left"]  # the quarter in the language's words
    assert boxes["top-right"] == '""'  # no project configured
    assert report.methodology.tool_version in boxes["bottom-left"]
    assert report.factor_set_version in boxes["bottom-left"]
    assert "counter(pages)" in boxes["bottom-right"]
