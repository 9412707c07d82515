"""PDF (`--format pdf`): the HTML report laid out on A4 by WeasyPrint, the same document a
browser prints (print_page.py gives both the page, its header and footer, and tables that fit).

WeasyPrint is an optional extra (`pdf`): it needs the Pango text library of the system
(Debian: `apt-get install libpango-1.0-0 libpangoft2-1.0-0`). Without either, the command
says how to install it (exit 2). Nothing is fetched: the HTML is self-contained and every URL
WeasyPrint might ask for is refused.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ..errors import InputError
from .model import Report
from .render_html import render_html


def weasyprint_module() -> Any:
    try:
        import weasyprint
    except ImportError:
        raise InputError("the pdf format needs WeasyPrint, an optional extra: pip install 'frugal-ai[pdf]'") from None
    except OSError as e:  # the package is there, its system libraries are not
        raise InputError("WeasyPrint cannot load its system libraries (Debian: apt-get install libpango-1.0-0 "
                         f"libpangoft2-1.0-0): {str(e).splitlines()[0]}") from None
    return weasyprint


def _refuse(url: str, timeout: int = 10, ssl_context: Any = None) -> NoReturn:
    raise ValueError(f"frugal-ai fetches nothing while writing a PDF (asked for {url[:80]})")


def render_document(report: Report, lang: str = "en", *, project: str | None = None) -> Any:
    """WeasyPrint's laid-out document (its pages), before it is written as PDF."""
    weasyprint = weasyprint_module()
    return weasyprint.HTML(string=render_html(report, lang, project=project), url_fetcher=_refuse).render()


def render_pdf(report: Report, lang: str = "en", *, project: str | None = None) -> bytes:
    """The PDF's bytes."""
    return render_document(report, lang, project=project).write_pdf()
