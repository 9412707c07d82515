"""HTML: one self-contained file (inline CSS and SVG), readable on screen and printable.

No script, font, image or stylesheet is fetched: a Content-Security-Policy of
`default-src 'none'` makes the browser refuse any request the page might attempt. The
print stylesheet starts each numbered section on a new page; print_page.py adds the A4
page, its running header and footer, and tables that fit the page's width.
"""

from __future__ import annotations

from html import escape

from . import charts
from ..lang import Texts, texts
from .layout import Bullets, Chart, Heading, Para, SectionBreak, Table, document, title_text, workload_text
from .model import Report
from .print_page import print_css

_CSS = """
:root { --ink:#1d2b26; --muted:#5b6b64; --line:#d9e2dd; --accent:#2f7d5b; --warn:#fff4d6; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px 28px 48px; line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; color: var(--accent); }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
p.lead { font-size: 1.05rem; }
p.note { color: var(--muted); font-size: .9rem; }
p.banner { background: var(--warn); border-left: 4px solid #c9822b; padding: .6rem .8rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .4rem; text-align: left; vertical-align: top; }
th { background: #f1f5f3; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.num .c { white-space: nowrap; }
td.num .r { display: block; white-space: nowrap; color: var(--muted); font-size: .8rem; }
td { overflow-wrap: break-word; }
td code { word-break: break-all; }
.scroll { overflow-x: auto; }
ul { padding-left: 1.2rem; }
figure { margin: .6rem 0 1rem; }
figcaption { font-size: .85rem; color: var(--muted); }
svg.chart { max-width: 100%; height: auto; display: block; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section.section { break-before: page; page-break-before: always; }
  section.section:first-of-type { break-before: auto; page-break-before: auto; }
  table, figure, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 16mm 14mm; }
"""


def _chart(report: Report, name: str, title: str, t: Texts) -> str:
    if name == "by_month":
        svg = charts.vbars(title, [(t.month_short(b.key), b.co2e_kg) for b in report.by_month], t)
    elif name == "by_workload":
        svg = charts.hbars(title, [(workload_text(b.key, t), b.co2e_kg) for b in report.by_workload], t)
    else:
        svg = charts.paired_bars(
            title, [(c.name, c.footprint_co2e_kg, c.avoided_co2e_kg) for c in report.gains_cases], t,
            t("chart.footprint"), t("chart.avoided"))
    return f'<figure class="chart-{name}">{svg}<figcaption>{escape(title)}</figcaption></figure>'


def _cell(text: str, numeric: bool) -> str:
    """A numeric range cell as its central value, with the (low–high) range on a second line."""
    if numeric and text.endswith(")") and " (" in text:
        central, rng = text.split(" (", 1)
        return f'<span class="c">{escape(central)}</span><span class="r">({escape(rng)}</span>'
    if text.startswith("sha256:"):
        return f"<code>{escape(text)}</code>"
    return escape(text)


def render_html(report: Report, lang: str = "en", *, project: str | None = None) -> str:
    """The report as one HTML file; `project` (the configuration's) goes in the printed pages' header."""
    t = texts(lang)
    body: list[str] = []
    in_section = False
    for b in document(report, t):
        if isinstance(b, SectionBreak):
            if in_section:
                body.append("</section>")
            body.append(f'<section class="section" id="{escape(b.anchor)}">')
            in_section = True
        elif isinstance(b, Heading):
            body.append(f"<h{b.level}>{escape(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f'<p class="{b.kind}">{escape(b.text)}</p>')
        elif isinstance(b, Table):
            def cls(i: int) -> str:
                return ' class="num"' if b.is_numeric(i) else ""

            head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(b.headers))
            rows = "".join(
                "<tr>" + "".join(f"<td{cls(i)}>{_cell(c, b.is_numeric(i))}</td>" for i, c in enumerate(row)) + "</tr>"
                for row in b.rows
            )
            body.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Chart):
            body.append(_chart(report, b.name, b.title, t))
    if in_section:
        body.append("</section>")
    title = title_text(report, t)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}{print_css(report, t, project)}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
