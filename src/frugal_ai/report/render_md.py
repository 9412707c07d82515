"""Markdown: the report to paste into documents (GitHub-flavoured tables)."""

from __future__ import annotations

from ..lang import texts
from ..untrusted import markdown_text
from .layout import Bullets, Chart, Heading, Para, SectionBreak, Table, document
from .model import Report


def _cell(text: str) -> str:
    """A table cell: a `|` escaped, a line break (CR too: it would split the row) a space."""
    return text.replace("|", "\\|").replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def render_md(report: Report, lang: str = "en") -> str:
    t = texts(lang, markdown_text)  # names we do not control are escaped for Markdown
    out: list[str] = []
    for b in document(report, t):
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}\n")
        elif isinstance(b, Para):
            if b.kind == "banner":
                out.append(f"> **{b.text}**\n")
            elif b.kind == "note":
                out.append(f"*{b.text}*\n")
            else:
                out.append(f"{b.text}\n")
        elif isinstance(b, Table):
            align = ["---:" if b.is_numeric(i) else "---" for i in range(len(b.headers))]
            lines = ["| " + " | ".join(_cell(h) for h in b.headers) + " |", "| " + " | ".join(align) + " |"]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines) + "\n")
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {i}" for i in b.items) + "\n")
        elif isinstance(b, (Chart, SectionBreak)):
            continue  # charts are drawn in HTML only
    return "\n".join(out)
