"""The terminal: plain-text tables (tabulate), for `--format table` and the demo's summary."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from ..lang import texts
from ..untrusted import terminal_text
from .layout import Block, Bullets, Chart, Heading, Para, SectionBreak, Table, document, header_blocks, summary_blocks
from .model import Report

_WIDTH = 100
_CELL = 60


def _blocks_text(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            line = "=" if b.level <= 2 else "-"
            out.append(f"\n{b.text}\n{line * len(b.text)}")
        elif isinstance(b, Para):
            prefix = "! " if b.kind == "banner" else ""
            out.append(textwrap.fill(prefix + b.text, _WIDTH))
        elif isinstance(b, Table):
            colalign = ["right" if b.is_numeric(i) else "left" for i in range(len(b.headers))]
            # Long prose cells (sources, hash method) wrap instead of widening the table past the terminal.
            rows = [[textwrap.fill(c, _CELL) if len(c) > _CELL else c for c in row] for row in b.rows]
            out.append(tabulate(rows, headers=b.headers, tablefmt="simple", colalign=colalign, disable_numparse=True))
        elif isinstance(b, Bullets):
            out.append("\n".join(textwrap.fill(i, _WIDTH, initial_indent="  - ", subsequent_indent="    ") for i in b.items))
        elif isinstance(b, (Chart, SectionBreak)):
            continue
    # Names are cleaned where they are written (Texts.value); this pass catches anything else,
    # so that nothing printed can move the cursor, clear the screen or write the clipboard.
    return terminal_text("\n".join(out).strip("\n"), multiline=True) + "\n"


def render_table(report: Report, lang: str = "en") -> str:
    """The whole report as text for a terminal."""
    return _blocks_text(document(report, texts(lang, terminal_text)))


def render_summary(report: Report, lang: str = "en") -> str:
    """The title and the summary section only (what `frugal-ai demo` prints)."""
    t = texts(lang, terminal_text)
    return _blocks_text(header_blocks(report, t) + summary_blocks(report, t))
