"""The HTML report printed by a real Chromium (Debian's), as a user's "print to PDF" does.

Under print media at the width of an A4 page's text (210 mm less 2 × 14 mm margins), no table
is wider than the page and none scrolls; Chromium's own PDF of the page carries every column
header (Water and Share of CO2e were cut before) and the running header and page numbers.
Skipped, with the reason, where Chromium or playwright is missing (see test_html_browser.py).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from test_html_browser import ARGS, CHROMIUM, browser, html_files, playwright  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]

A4_TEXT_WIDTH_PX = round((210 - 2 * 14) / 25.4 * 96)  # CSS px at 96 per inch

OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const table of document.querySelectorAll('table')) {
    const first = table.querySelector('th') ? table.querySelector('th').textContent : '?';
    const right = table.getBoundingClientRect().right;
    const box = table.parentElement;
    if (right > width + 0.5) out.push(`${first}: right edge ${right} > ${width}`);
    if (box.scrollWidth > box.clientWidth + 0.5) out.push(`${first}: scrolls (${box.scrollWidth} > ${box.clientWidth})`);
    for (const cell of table.querySelectorAll('th, td')) {
      if (cell.getBoundingClientRect().right > width + 0.5) { out.push(`${first}: cell "${cell.textContent}" cut`); break; }
    }
  }
  return out;
}"""

HEADERS = "() => Array.from(document.querySelectorAll('th')).map(th => th.textContent)"


def _print_page(browser: Any, path: Path) -> Any:
    page = browser.new_page(viewport={"width": A4_TEXT_WIDTH_PX, "height": 1100})
    page.emulate_media(media="print")
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("lang", ["en", "fr", "empty"])
def test_no_table_overflows_or_scrolls_when_printed_on_a4(browser: Any, html_files: dict[str, Path], lang: str) -> None:
    page = _print_page(browser, html_files[lang])
    assert page.evaluate("() => document.querySelectorAll('table').length") >= 3
    assert page.evaluate(OVERFLOWS) == []
    page.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_chromium_pdf_has_every_column_header_and_page_numbers(browser: Any, html_files: dict[str, Path], lang: str) -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (the test extra)")
    from frugal_ai.lang import texts

    page = _print_page(browser, html_files[lang])
    headers = page.evaluate(HEADERS)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    page.close()
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    words = set(" ".join(pages).split())
    missing = sorted({h for h in headers if not set(h.split()) <= words})
    assert not missing, f"column headers missing from the printed PDF: {missing}"
    t = texts(lang)
    for number, text in enumerate(pages, start=1):
        assert t("print.page_of", page=number, pages=len(pages)) in " ".join(text.split())
