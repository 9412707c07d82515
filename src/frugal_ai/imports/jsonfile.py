"""Reading JSON exports: one document (pretty-printed or not) or JSON Lines (one document a
line, read as a stream), with errors that name the file and the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .rows import MalformedFile


def documents(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, document) for each JSON document in the file: the whole file, or each line of a
    JSON Lines file ('line N'). A file that is neither raises `MalformedFile`."""
    with open(path, encoding="utf-8-sig") as f:
        first = f.readline()
        second = f.readline()
        while second and not second.strip():
            second = f.readline()
        if first.strip() and second:
            try:
                head = json.loads(first)
            except json.JSONDecodeError:
                head = None
            if isinstance(head, (dict, list)):
                yield "line 1", head
                yield from _lines(path, f, second, 2)
                return
        f.seek(0)
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise MalformedFile(path, f"line {e.lineno}", f"not valid JSON ({e.msg}, column {e.colno})") from None
        except UnicodeDecodeError as e:
            raise MalformedFile(path, "line 1", f"not UTF-8 text ({e.reason})") from None
    yield "", doc


def _lines(path: Path, f: Any, pending: str, number: int) -> Iterator[tuple[str, Any]]:
    line: str | None = pending
    n = number
    while line:
        if line.strip():
            try:
                yield f"line {n}", json.loads(line)
            except json.JSONDecodeError as e:
                raise MalformedFile(path, f"line {n}", f"not valid JSON ({e.msg}, column {e.colno})") from None
        line = f.readline()
        n += 1


def first_page(doc: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """For auto detection: a document's first page (itself, or the first item of a list) and
    the first row of that page's `data` list; None for either when it is not there."""
    if isinstance(doc, list) and doc:
        doc = doc[0]
    if not isinstance(doc, dict):
        return None, None
    data = doc.get("data")
    return doc, data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None


def field(where: str, name: str) -> str:
    """'line 3, data[0].results[2]' style locations."""
    if not where:
        return name
    return f"{where}, {name}" if name else where


def records(path: Path, *list_keys: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of the export: the documents themselves, items of a top-level list, or items
    of the first of `list_keys` a document has (e.g. {"data": [...]})."""
    for where, doc in documents(path):
        items: Any = doc
        prefix = ""
        if isinstance(doc, dict):
            for k in list_keys:
                if isinstance(doc.get(k), list):
                    items, prefix = doc[k], k
                    break
            else:
                yield where or "row 1", doc
                continue
        if not isinstance(items, list):
            raise MalformedFile(path, where or "line 1", "expected a JSON object or a list of objects")
        for i, item in enumerate(items):
            loc = field(where, f"{prefix}[{i}]" if prefix else f"row {i + 1}")
            if not isinstance(item, dict):
                raise MalformedFile(path, loc, "expected a JSON object")
            yield loc, item


def bucket_results(path: Path, loc: str, bucket: Any, start_key: str,
                   end_key: str) -> Iterator[tuple[str, float, float, dict[str, Any]]]:
    """(where, start, end, result) for each result of a usage-report time bucket (OpenAI's and
    Anthropic's share this shape: a start, an end, and a `results` list of objects)."""
    from .rows import epoch_s

    here = loc or "line 1"
    if not isinstance(bucket, dict):
        raise MalformedFile(path, here, "expected a bucket (a JSON object)")
    start = epoch_s(bucket.get(start_key), path, here, start_key)
    end = epoch_s(bucket.get(end_key) or bucket.get(start_key), path, here, end_key)
    results = bucket.get("results", bucket.get("result"))
    if not isinstance(results, list):
        raise MalformedFile(path, field(loc, "results"), "expected a list of results")
    for r, result in enumerate(results):
        rloc = field(loc, f"results[{r}]")
        if not isinstance(result, dict):
            raise MalformedFile(path, rloc, "expected a result (a JSON object)")
        yield rloc, start, end, result
