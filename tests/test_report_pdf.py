"""`report --format pdf`: the HTML report on A4 through WeasyPrint, in both languages.

Every page's text (read back with pypdf) holds every column header of every table laid out
on it (WeasyPrint's own layout says which tables lie on which page), no table runs past the
page's right margin, and each page carries the running header and "page n of N". A rendered
page (pdftoppm, from poppler-utils) is left in pytest's temporary folder as an artefact.
Skipped, with the reason, where WeasyPrint or its system libraries are missing.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from golden.report_fixtures import ledger, report  # noqa: F401  (module-scoped fixtures)

pytest.importorskip("pypdf", reason="pypdf is not installed (the test extra)")
try:
    import weasyprint  # noqa: F401
    from weasyprint.formatting_structure import boxes
except (ImportError, OSError) as e:  # OSError: the package is there, Pango is not
    pytest.skip(f"WeasyPrint is not usable here ({str(e).splitlines()[0]}): pip install 'frugal-ai[pdf]'",
                allow_module_level=True)

pytestmark = pytest.mark.slow
PROJECT = "Acme Robotics"


@pytest.fixture(scope="module", params=["en", "fr"])
def laid_out(request: pytest.FixtureRequest, report: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """(lang, WeasyPrint's document, the PDF's path) for one language."""
    from frugal_ai.report.render_pdf import render_document

    lang = request.param
    document = render_document(report, lang, project=PROJECT)
    path = tmp_path_factory.mktemp(f"pdf-{lang}") / f"report.{lang}.pdf"
    path.write_bytes(document.write_pdf())
    yield lang, document, path


def _text(box: Any) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return " ".join(_text(c) for c in getattr(box, "children", []))


def _tables(page: Any) -> list[tuple[list[str], float]]:
    """(column headers, right edge of the border box) of each table WeasyPrint laid out on `page`."""
    out = []
    for box in page._page_box.descendants():  # the layout tree: no public accessor for it
        if isinstance(box, boxes.TableBox):
            headers = [" ".join(_text(cell).split()) for group in box.children if group.is_header
                       for row in group.children for cell in row.children]
            out.append((headers, box.border_box_x() + box.border_width()))
    return out


def _page_texts(path: Path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(str(path)).pages]


def test_every_page_shows_every_column_header_of_its_tables(laid_out: Any) -> None:
    lang, document, path = laid_out
    texts = _page_texts(path)
    assert len(texts) == len(document.pages) > 3
    seen = 0
    for number, (page, text) in enumerate(zip(document.pages, texts), start=1):
        words = set(text.split())
        for headers, _ in _tables(page):
            seen += 1
            for header in headers:
                missing = [w for w in header.split() if w not in words]
                assert not missing, f"{lang} page {number}: column {header!r} is not in the page's text"
    assert seen >= 10, "the layout walk found too few tables to have checked anything"


def test_no_table_runs_past_the_right_margin(laid_out: Any) -> None:
    lang, document, _ = laid_out
    for number, page in enumerate(document.pages, start=1):
        right_margin_x = page._page_box.content_box_x() + page._page_box.width
        for headers, right in _tables(page):
            assert right <= right_margin_x + 0.5, f"{lang} page {number}: table {headers[:2]} is cut at the margin"


def test_each_page_has_its_running_header_and_page_number(laid_out: Any, report: Any) -> None:
    from frugal_ai.lang import texts
    from frugal_ai.report.layout import title_text

    lang, _, path = laid_out
    t = texts(lang)
    pages = _page_texts(path)
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert t("print.page_of", page=number, pages=len(pages)) in flat
        assert " ".join(title_text(report, t).split()) in flat
        assert PROJECT in flat
        assert report.factor_set_version in flat


def test_a_rendered_page_is_kept_as_an_artefact(laid_out: Any) -> None:
    """Page 2 (the breakdown's wide tables) as a PNG beside the PDF, for a reader to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is not installed (WeasyPrint depends on it)")
    lang, _, path = laid_out
    stem = path.with_name(f"page-2-{lang}")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "-singlefile", str(path), str(stem)],
                   check=True, capture_output=True)
    png = stem.with_suffix(".png")
    with image_module.open(png) as im:
        width, height = im.size
        assert abs(height / width - 297 / 210) < 0.01, "not an A4 page"
        inked = sum(im.convert("L").histogram()[:200])  # pixels darker than light grey
    assert inked > width * height * 0.01, f"{png} is (nearly) blank"
    print(f"rendered page: {png}")


def test_cli_writes_the_pdf_with_the_configured_project_in_its_header(ledger: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai.cli import main

    monkeypatch.setenv("FRUGAL_AI_PROJECT", "Projet Étoile")
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["report", "--ledger", str(ledger), "--period", "2026-Q3", "--lang", "fr",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    first = _page_texts(out)[0]
    assert "Projet Étoile" in first and "Page 1 sur" in " ".join(first.split())


def test_pdf_to_standard_output_when_it_is_not_a_terminal(ledger: Path) -> None:
    from frugal_ai.cli import main

    result = CliRunner().invoke(main, ["report", "--ledger", str(ledger), "--period", "2026-09", "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"%PDF-")
    import pypdf

    assert len(pypdf.PdfReader(io.BytesIO(result.stdout_bytes)).pages) >= 1


@pytest.mark.parametrize("fmt, module, extra", [("pdf", "weasyprint", "pdf"), ("xlsx", "openpyxl", "xlsx")])
def test_a_missing_extra_is_one_line_saying_how_to_install_it(tmp_path: Path, fmt: str, module: str, extra: str) -> None:
    """Run as a user without the extra would: the module cannot be imported; exit 2, one line, nothing written."""
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from frugal_ai.cli import main\n"
            f"main(['report', '--format', {fmt!r}, '--out', 'r.{fmt}'])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'frugal-ai[{extra}]'" in lines[0], proc.stderr
    assert not (tmp_path / f"r.{fmt}").exists()
