"""OpenAI's organization Usage API (`GET /v1/organization/usage/completions` and
`/embeddings`, admin key), as JSON pages — `{"object": "page", "data": [{"object": "bucket",
"start_time", "end_time", "results": [{"object": "organization.usage.completions.result",
"input_tokens", "output_tokens", "num_model_requests", "model", "project_id", ...}]}]}` — one
page, a list of pages or one page a line; and the same rows as CSV (the usage dashboard's
export: one row per bucket result, the API's field names as columns).

Only rows grouped by model (`group_by=model`) can be priced; a row without a model is skipped.
Costs API rows (`organization.costs.result`: amounts, no tokens) and results that are not
tokens (images, audio, vector stores, code interpreter) are skipped with the reason.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

from .jsonfile import bucket_results, documents, field, first_page
from .rows import CsvFile, Item, MalformedFile, Skipped, UsageRow, count, epoch_s, per_request, text_or_none

NAME = "openai-usage"
PROVIDER = "openai"
TOKEN_RESULTS = {"organization.usage.completions.result", "organization.usage.embeddings.result",
                 "organization.usage.moderations.result"}
# The dimensions a result may be grouped by: with the bucket's times, a result's identity.
DIMENSIONS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
CSV_MARKERS = {"num_model_requests", "input_tokens", "output_tokens"}


def looks_like(doc: Any) -> bool:
    """A Usage API page (auto detection)."""
    page, row = first_page(doc)
    if row is not None:
        return row.get("object") == "bucket" and "start_time" in row
    return page is not None and page.get("object") == "bucket" and "results" in page


def header_matches(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return CSV_MARKERS <= names and ("start_time" in names or "start_time_iso" in names)


def read(path: Path) -> Iterator[Item]:
    if path.suffix.lower() == ".csv" or _starts_like_csv(path):
        yield from _read_csv(path)
        return
    for where, doc in documents(path):
        pages = doc if isinstance(doc, list) else [doc]
        for p, page in enumerate(pages):
            loc = field(where, f"[{p}]" if isinstance(doc, list) else "")
            if not isinstance(page, dict):
                raise MalformedFile(path, loc or "line 1", "expected a Usage API page (a JSON object)")
            buckets = page.get("data") if "data" in page else [page]
            if not isinstance(buckets, list):
                raise MalformedFile(path, field(loc, "data"), "expected a list of buckets")
            for b, bucket in enumerate(buckets):
                bloc = field(loc, f"data[{b}]" if "data" in page else "")
                for rloc, start, end, result in bucket_results(path, bloc, bucket, "start_time", "end_time"):
                    yield _result(path, rloc, start, end, result)


def _result(path: Path, loc: str, start: float, end: float, result: dict[str, Any]) -> Item:
    kind = str(result.get("object") or "organization.usage.completions.result")
    if kind == "organization.costs.result":
        return Skipped(loc, "a cost, not usage: export the Usage API (usage/completions) instead")
    if kind not in TOKEN_RESULTS:
        return Skipped(loc, f"not token usage ({kind.rsplit('.', 2)[-2] if kind.count('.') >= 2 else kind})")
    requests = count(result.get("num_model_requests"), path, loc, "num_model_requests")
    inp = count(result.get("input_tokens"), path, loc, "input_tokens", missing=0)
    out = count(result.get("output_tokens"), path, loc, "output_tokens", missing=0)
    model = text_or_none(result.get("model"))
    if model is None:
        return Skipped(loc, "no model (export with group_by=model)")
    if requests == 0:
        return Skipped(loc, "0 requests" if inp + out == 0 else "tokens without a request count")
    dims = "|".join(str(result.get(d) if result.get(d) is not None else "") for d in DIMENSIONS)
    tags = {"openai_project": str(result["project_id"])} if result.get("project_id") else {}
    return UsageRow(key=f"{start!r}|{end!r}|{kind}|{dims}", start_s=start, end_s=end, provider=PROVIDER, model=model,
                    requests=requests, input_tokens=per_request(inp, requests),
                    output_tokens=per_request(out, requests), tags=tags)


def _starts_like_csv(path: Path) -> bool:
    with open(path, encoding="utf-8-sig") as f:
        head = f.read(1)
    return head not in ("{", "[", "")


def _read_csv(path: Path) -> Iterator[Item]:
    with CsvFile(path) as cf:
        reader = csv.DictReader(cf.file)
        offset = cf.offset
        names = {n.strip().lower() for n in reader.fieldnames or ()}
        missing = sorted((CSV_MARKERS | {"model"}) - names)
        if missing:
            raise MalformedFile(path, f"line {offset + 1}", f"column {missing[0]} is missing (an OpenAI usage export has "
                                                 "start_time, model, num_model_requests, input_tokens, output_tokens)")
        for row in reader:
            row = {k.strip().lower(): v for k, v in row.items() if k is not None}
            loc = f"line {reader.line_num + offset}"
            when = row.get("start_time_iso") or row.get("start_time")
            start = epoch_s(when, path, loc, "start_time")
            end_cell = row.get("end_time_iso") or row.get("end_time")
            end = epoch_s(end_cell, path, loc, "end_time") if end_cell else start
            result = {k: (v if v != "" else None) for k, v in row.items()}
            for d in ("batch",):
                if result.get(d) is not None:
                    result[d] = str(result[d]).strip().lower() == "true"
            yield _result(path, loc, start, end, result)
