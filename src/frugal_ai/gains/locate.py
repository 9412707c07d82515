"""Find the line of a key in a TOML text, for error messages.

`tomllib` gives no positions for keys, so this is a light scan of the text: it follows
`[table]` and `[[array.of.tables]]` headers, counts the entries of each array of tables,
and records where each `key =` line sits. It is honest about its reach: a key inside an
inline table (`gain = [{ activity = ... }]`) or written as a dotted key is not found on
its own line, and the line of the enclosing table (or None) is returned instead.

Example:
    >>> text = 'period = "month"\\n[[use_case]]\\nname = "A"\\n[[use_case]]\\nname = "B"\\n'
    >>> line_of(text, ("use_case", 1, "name"))
    5
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_STRINGS = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[.=]""")


@dataclass
class _Section:
    path: tuple[str | int, ...]
    header_line: int | None
    keys: dict[str, int] = field(default_factory=dict)


def _header_parts(name: str) -> list[str]:
    return [p.strip().strip('"').strip("'") for p in name.split(".")]


def scan(text: str) -> list[_Section]:
    """The tables of a TOML text in order, each with its resolved path and its keys' lines."""
    root = _Section((), None)
    sections = [root]
    current = root
    arrays: set[tuple[str | int, ...]] = set()  # unresolved-name paths declared with [[...]]
    counts: dict[tuple[str | int, ...], int] = {}
    in_multiline: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        bare = _STRINGS.sub('""', line.split("#", 1)[0]) if '"' in line or "'" in line else line.split("#", 1)[0]
        if depth > 0:  # inside a multi-line array value: brackets here are not headers
            depth += bare.count("[") - bare.count("]")
            continue
        header = _HEADER.match(line)
        if header:
            is_array = header.group(1) == "[["
            parts = _header_parts(header.group(2))
            resolved: list[str | int] = []
            for i, part in enumerate(parts):
                resolved.append(part)
                prefix = tuple(parts[: i + 1])
                last = i == len(parts) - 1
                if last and is_array:
                    arrays.add(prefix)
                    key = tuple(resolved)
                    counts[key] = counts.get(key, -1) + 1
                    resolved.append(counts[key])
                elif prefix in arrays:
                    resolved.append(counts.get(tuple(resolved), 0))
            current = _Section(tuple(resolved), number)
            sections.append(current)
            continue
        key = _KEY.match(line)
        if key:
            name = next(g for g in key.groups() if g is not None)
            current.keys.setdefault(name, number)
            depth = max(0, bare.count("[") - bare.count("]"))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
    return sections


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The line of the key at `loc` (e.g. `("use_case", 0, "gain", 1, "unit")`).

    Falls back to the line of the nearest enclosing table found, then to None.
    """
    sections = scan(text)
    loc = tuple(loc)
    for k in range(len(loc), -1, -1):
        table, key = loc[:k], (loc[k] if k < len(loc) else None)
        for section in sections:
            if section.path != table:
                continue
            if isinstance(key, str) and key in section.keys:
                return section.keys[key]
            if section.header_line is not None:
                return section.header_line
    return None
