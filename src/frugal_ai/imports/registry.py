"""The import formats by name, and `auto`: which format a file is, from its content."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Iterator

from . import anthropic_usage, azure_metrics, csv_generic, langfuse_export, litellm_logs, openai_usage, otlp_json
from .rows import CsvFile, Item, MalformedFile

READERS: dict[str, ModuleType] = {m.NAME: m for m in (
    csv_generic, openai_usage, anthropic_usage, otlp_json, litellm_logs, langfuse_export, azure_metrics)}
FORMATS: tuple[str, ...] = tuple(READERS)
"""The format names `ledger import --format` takes (besides `auto`)."""

# Tried in this order: the first whose test accepts the file's first document or header wins.
_JSON_ORDER = (otlp_json, openai_usage, anthropic_usage, azure_metrics, langfuse_export, litellm_logs)
_CSV_ORDER = (csv_generic, openai_usage, azure_metrics, litellm_logs)
# How much of a file auto detection reads at most (a JSON export's first document may be large).
_SNIFF_BYTES = 64 * 1024 * 1024


def read(path: Path, fmt: str) -> Iterator[Item]:
    """The usage rows (and skipped rows) of `path` read as `fmt` (a FORMATS name)."""
    return READERS[fmt].read(path)


def detect(path: Path) -> str:
    """The format of `path`, from its first JSON document or its CSV header. Raises
    `MalformedFile` when it is none of them (naming the formats to choose from)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            head = f.read(4096)
    except UnicodeDecodeError:
        raise MalformedFile(path, "line 1", "not UTF-8 text: not a usage export") from None
    stripped = head.lstrip()
    if stripped[:1] in ("{", "["):
        doc = _first_json(path)
        for module in _JSON_ORDER:
            if module.looks_like(doc):
                return str(module.NAME)
    else:
        with CsvFile(path) as cf:
            header = cf.header()
        for module in _CSV_ORDER:
            if module.header_matches(header):
                return str(module.NAME)
    raise MalformedFile(path, "line 1", "format not recognised; give --format (one of " + ", ".join(FORMATS) + ")")


def _first_json(path: Path) -> object:
    with open(path, encoding="utf-8-sig") as f:
        first = f.readline()
        try:
            return json.loads(first)
        except json.JSONDecodeError:
            pass
        f.seek(0)
        text = f.read(_SNIFF_BYTES)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MalformedFile(path, f"line {e.lineno}", f"not valid JSON ({e.msg}, column {e.colno})") from None
