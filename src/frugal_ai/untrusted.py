"""Text we do not control, made harmless for the place it lands.

Workload names, tags, the project and above all model names (any OpenAI-compatible server
can return any string) reach our outputs. Each output neutralises them for its own syntax:

- a spreadsheet cell (`csv_cell`, `CsvWriter`): a cell starting with `=`, `+`, `-`, `@`, a
  tab or a carriage return (or their full-width forms) is a formula to Excel, LibreOffice
  and Google Sheets, so it gets one leading apostrophe, as OWASP recommends; a row
  with a CR or LF inside a cell is written with every cell quoted, so that the line breaks
  stay inside their cell (Python's csv module leaves a lone CR unquoted);
- Markdown (`markdown_text`): line breaks become spaces (no new heading, list or table
  row), Markdown punctuation and `<` `&` are backslash-escaped (no raw HTML, link, image,
  emphasis or code span), and a leading block marker (`#`, `>`, `-`, `+`, `1.`) is escaped;
- a terminal (`terminal_text`): ANSI escape sequences (CSI such as `ESC [ 2 J`, OSC such as
  the clipboard write `ESC ] 52`) are removed whole, tabs and line breaks become spaces,
  other control characters are removed.

HTML output escapes every text with `html.escape`, which covers these names too.

Example:
    >>> csv_cell('=HYPERLINK("http://evil")')
    '\\'=HYPERLINK("http://evil")'
    >>> markdown_text("![x](http://evil)")
    '!\\\\[x\\\\](http://evil)'
    >>> terminal_text("\\x1b[2Jname")
    'name'
"""

from __future__ import annotations

import csv
import re
from typing import IO, Iterable, TypeVar

T = TypeVar("T")

# OWASP, CSV Injection: the characters that make a spreadsheet read a cell as a formula,
# with their full-width forms, which some spreadsheets accept as the same.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def csv_cell(value: T) -> T | str:
    """A text cell a spreadsheet shows as text: one apostrophe before a formula-leading
    character. Anything that is not text (a number, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


class CsvWriter:
    """`csv.writer` with every text cell neutralised (`csv_cell`) and line breaks inside cells
    quoted: a row holding a CR or LF is written with every cell quoted."""

    def __init__(self, out: IO[str], *, delimiter: str = ",", lineterminator: str = "\n") -> None:
        self._minimal = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
        self._quoted = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[object]) -> None:
        cells = [csv_cell(c) for c in row]
        broken = any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in cells)
        (self._quoted if broken else self._minimal).writerow(cells)


# Backslash-escaped wherever they are: CommonMark's inline syntax (emphasis, code, links and
# images, raw HTML and entities, GFM strikethrough) and the escape itself. `|` is left to the
# table cell, which escapes it for every text it holds.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&~])")
# A block marker at the very start of a paragraph or cell: heading, quote, list item, setext line.
_MD_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d+(?=[.)]))")


def markdown_text(text: str) -> str:
    """`text` as literal Markdown inline text: in a paragraph, a heading or a table cell it
    reads as itself and starts nothing (no line break, and no leading space that could make
    an indented code block)."""
    text = _MD_INLINE.sub(r"\\\1", terminal_text(text).lstrip())
    return _MD_BLOCK_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), text)


# ECMA-48: CSI (ESC [ or the 8-bit CSI) parameters, intermediates, final byte; OSC, DCS, SOS,
# PM and APC strings up to BEL or ST; any other two-character ESC sequence.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85]")
_BREAKS_BUT_NEWLINE = re.compile(r"[\t\v\f\r\x1c-\x1e\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def terminal_text(text: str, *, multiline: bool = False) -> str:
    """`text` as it may be printed: escape sequences removed whole, tabs and line breaks
    turned into spaces (newlines kept when `multiline`), other control characters removed."""
    text = _CONTROL.sub("", _ANSI.sub("", text))
    return (_BREAKS_BUT_NEWLINE if multiline else _BREAKS).sub(" ", text)
