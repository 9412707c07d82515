"""The printed page: A4, a running header and footer, and tables that fit the page width.

Added to the HTML report's stylesheet, so that a browser's "print to PDF" and the `pdf`
format (WeasyPrint, from the same HTML) give the same document. On paper nothing scrolls: a
table takes the page's width, its text cells wrap anywhere (a long URL or key too), its
headers and figures at their spaces only (a word of a header, or a number, is never split),
and a table longer than a page repeats its header row.

The header carries the report's title and period (and the project, when the configuration
names one); the footer the tool and factor-set versions and "page n of N". CSS `@page`
margin boxes are read by WeasyPrint and by Chromium (131 and later).
"""

from __future__ import annotations

import re

from ..lang import Texts
from .layout import title_text
from .model import Report

# Above the margin boxes' text; 18 mm leave room for one line of 7.5 pt and a gap.
_PAGE = """
@page {{
  size: A4; margin: 18mm 14mm 18mm 14mm;
  @top-left {{ content: {top_left}; font: 7.5pt {font}; color: #5b6b64; vertical-align: bottom; padding-bottom: 3mm; }}
  @top-right {{ content: {top_right}; font: 7.5pt {font}; color: #5b6b64; vertical-align: bottom; padding-bottom: 3mm; }}
  @bottom-left {{ content: {bottom_left}; font: 7.5pt {font}; color: #5b6b64; vertical-align: top; padding-top: 3mm; }}
  @bottom-right {{ content: {bottom_right}; font: 7.5pt {font}; color: #5b6b64; vertical-align: top; padding-top: 3mm; }}
}}
"""

_FONT = 'system-ui, "Helvetica Neue", Arial, sans-serif'

_PRINT_RULES = """
@media print {
  body { font-size: 9.5pt; }
  .scroll { overflow: visible; }
  table { width: 100%; max-width: 100%; table-layout: auto; font-size: 7.5pt; break-inside: auto; page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  th, td { padding: .2rem .25rem; overflow-wrap: anywhere; word-break: normal; }
  th, td.num, th.num, td.num .c, td.num .r { white-space: normal; overflow-wrap: normal; }
  td.num .r { font-size: .9em; }
  td code { word-break: break-all; }
  svg.chart { max-width: 100%; }
}
"""


def css_string(text: str) -> str:
    """`text` as a CSS string literal, safe inside a <style> element (no `</style>` can close it)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3c ")
    return f'"{escaped}"'


def page_numbers(t: Texts) -> str:
    """The footer's "page n of N" as CSS content: the language's words around the two counters."""
    parts = re.split(r"(\{page\}|\{pages\})", t("print.page_of"))
    counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    return " ".join(counters.get(p) or css_string(p) for p in parts if p)


def print_css(report: Report, t: Texts, project: str | None = None) -> str:
    """The print stylesheet of `report` in `t`'s language: page box, running header and footer, tables."""
    m = report.methodology
    page = _PAGE.format(
        top_left=css_string(title_text(report, t)),
        top_right=css_string(project or ""),
        bottom_left=css_string(t("print.footer", version=m.tool_version, factors=m.factor_set_version)),
        bottom_right=page_numbers(t),
        font=_FONT,
    )
    return page + _PRINT_RULES
