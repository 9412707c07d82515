"""The generic usage CSV: `date,provider,model,requests,input_tokens,output_tokens`, and
optionally `reasoning_tokens,workload` (token counts per request; date ISO 8601, UTC when
no offset is given). The format to convert any other source to."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from .rows import CsvFile, Item, MalformedFile, Skipped, UsageRow, count, epoch_s

NAME = "csv"
REQUIRED = ("date", "provider", "model", "requests", "input_tokens", "output_tokens")
OPTIONAL = ("reasoning_tokens", "workload")


def header_matches(header: list[str]) -> bool:
    """True when a CSV header is the generic format's (auto detection)."""
    names = {h.strip().lower() for h in header}
    return set(REQUIRED) <= names and names <= set(REQUIRED) | set(OPTIONAL)


def read(path: Path) -> Iterator[Item]:
    with CsvFile(path) as cf:
        reader = csv.reader(cf.file)
        offset = cf.offset
        header = next(reader, None)
        if header is None:
            raise MalformedFile(path, f"line {offset + 1}", "empty file (expected the header " + ",".join(REQUIRED) + ")")
        names = [h.strip().lower() for h in header]
        for n in REQUIRED:
            if n not in names:
                raise MalformedFile(path, f"line {offset + 1}", f"column {n} is missing (header: {','.join(REQUIRED)}"
                                                     f"[,{','.join(OPTIONAL)}])")
        unknown = [n for n in names if n not in REQUIRED and n not in OPTIONAL]
        if unknown:
            raise MalformedFile(path, f"line {offset + 1}", f"column {unknown[0]!r} is not one of "
                                                 f"{', '.join(REQUIRED + OPTIONAL)}")
        at = {n: names.index(n) for n in names}
        i_date, i_prov, i_model, i_req = at["date"], at["provider"], at["model"], at["requests"]
        i_in, i_out = at["input_tokens"], at["output_tokens"]
        i_reason, i_work = at.get("reasoning_tokens"), at.get("workload")
        width = len(names)
        for cells in reader:
            where = f"line {reader.line_num + offset}"
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line
            if len(cells) != width:
                raise MalformedFile(path, where, f"{len(cells)} fields where the header has {width}")
            model = cells[i_model].strip()
            if not model:
                raise MalformedFile(path, where, "model is empty")
            start = epoch_s(cells[i_date], path, where, "date")
            try:  # the usual row: plain non-negative integers (count() says what is wrong otherwise)
                requests, inp, out = int(cells[i_req]), int(cells[i_in]), int(cells[i_out])
                reasoning = int(cells[i_reason] or 0) if i_reason is not None else 0
                plain = requests >= 0 and inp >= 0 and out >= 0 and reasoning >= 0
            except ValueError:
                plain = False
            if not plain:
                requests = count(cells[i_req], path, where, "requests")
                inp = count(cells[i_in], path, where, "input_tokens")
                out = count(cells[i_out], path, where, "output_tokens")
                reasoning = (count(cells[i_reason], path, where, "reasoning_tokens", missing=0)
                             if i_reason is not None else 0)
            workload = cells[i_work].strip() or None if i_work is not None else None
            provider = cells[i_prov].strip().lower()
            if requests == 0:
                yield Skipped(where, "0 requests")
                continue
            # A row is a fact: the same row again (twice in a file, or in an overlapping
            # file) is the same fact, so its whole content is its key.
            key = f"{start!r}|{provider}|{model}|{requests}|{inp}|{out}|{reasoning}|{workload or ''}"
            yield UsageRow(key=key, start_s=start, end_s=start, provider=provider, model=model, requests=requests,
                           input_tokens=inp, output_tokens=out, reasoning_tokens=reasoning, workload=workload)
