"""The HTML report in a real headless Chromium: it renders, charts are there, nothing is fetched.

Uses Debian's `chromium` (installed by .ci/run) driven by the `playwright` package; no
browser is downloaded. Skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

from golden.fixed_ledger import GAINS, build, settings

playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def html_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from frugal_ai.report import build_report, parse_period, render

    d = tmp_path_factory.mktemp("html")
    ledger = build(d / "ledger.sqlite")
    out = {}
    for lang in ("en", "fr"):
        r = build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger), gains_path=GAINS)
        out[lang] = d / f"report.{lang}.html"
        out[lang].write_text(render(r, "html", lang), encoding="utf-8")
    empty = d / "empty.sqlite"
    r = build_report(empty, parse_period("2026-Q3"), settings=settings(empty))
    out["empty"] = d / "empty.html"
    out["empty"].write_text(render(r, "html", "en"), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):  # type: ignore[no-untyped-def]
    """Open `path`, logging every request the page makes and every console error."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    requests: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):  # type: ignore[no-untyped-def]
        requests.append(r.request.url)
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, errors


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_renders_with_its_charts_and_fetches_nothing(browser, html_files, lang: str) -> None:  # type: ignore[no-untyped-def]
    page, requests, errors = _open(browser, html_files[lang])
    assert requests == [html_files[lang].as_uri()], "the page asked for something beyond itself"
    assert errors == []
    assert page.locator("h1").inner_text().startswith("AI footprint report" if lang == "en" else "Rapport d'empreinte")
    assert page.locator("section.section").count() == 7
    # The three charts: by workload, by month, footprint vs gains; each with bars drawn.
    for name in ("by_workload", "by_month", "gains"):
        chart = page.locator(f"figure.chart-{name} svg")
        assert chart.count() == 1, name
        assert chart.locator("rect").count() >= 2, name
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50, name
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("script, link[rel=stylesheet], img, iframe").count() == 0


def test_print_stylesheet_puts_sections_on_new_pages(browser, html_files) -> None:  # type: ignore[no-untyped-def]
    page, _, errors = _open(browser, html_files["en"])
    page.emulate_media(media="print")
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('section.section')).map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] != "page" and all(b == "page" for b in breaks[1:]), breaks
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 7
    assert errors == []


def test_empty_report_renders_the_no_data_message(browser, html_files) -> None:  # type: ignore[no-untyped-def]
    page, requests, errors = _open(browser, html_files["empty"])
    assert "No data for this period" in page.inner_text("body")
    assert errors == [] and len(requests) == 1


def test_screenshot_is_not_blank(browser, html_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = _open(browser, html_files["en"])
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    pixels = _png_pixels(shot.read_bytes())
    distinct = len(set(pixels))
    non_white = sum(1 for p in pixels if p != (255, 255, 255))
    assert distinct > 20, "the screenshot has almost no colours: blank page?"
    assert non_white > 0.02 * len(pixels)


def _png_pixels(data: bytes) -> list[tuple[int, ...]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) with the standard library only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = bit_depth = colour = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, bit_depth, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert bit_depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:  # every fourth row is plenty to tell a page from a blank one
            pixels += [tuple(line[x:x + 3]) for x in range(0, stride, bpp * 4)]
        prev = line
    return pixels
