"""Anthropic's organization usage, as JSON pages of time buckets — `{"data": [{"starting_at",
"ending_at", "results": [{"model", "uncached_input_tokens", "cache_read_input_tokens",
"cache_creation": {...}, "output_tokens", ...}]}], "has_more", "next_page"}` — from either:

- the Usage and Cost Analytics API (`GET /v1/organizations/analytics/usage`, beta): each result
  carries `requests`, so it is imported;
- the older Admin API usage report (`GET /v1/organizations/usage_report/messages`): token
  totals but no request count, and the estimate needs one (the prefill grows with the square
  of a request's input), so its rows are skipped with that reason rather than priced as one
  giant request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from .jsonfile import bucket_results, documents, field, first_page
from .rows import Item, MalformedFile, Skipped, UsageRow, count, per_request, text_or_none

NAME = "anthropic-usage"
PROVIDER = "anthropic"
# The dimensions a result may be grouped by: with the bucket's times, a result's identity.
DIMENSIONS = ("workspace_id", "api_key_id", "account_id", "service_account_id", "model", "service_tier",
              "context_window", "inference_geo", "speed", "product", "rbac_group_id", "claude_tag_category",
              "claude_tag_user_id", "slack_channel_id")
NO_REQUEST_COUNT = ("no request count (the usage report gives token totals only: export the Usage and Cost "
                    "Analytics API, analytics/usage, which counts requests)")


def looks_like(doc: Any) -> bool:
    _, row = first_page(doc)
    return row is not None and "starting_at" in row


def read(path: Path) -> Iterator[Item]:
    for where, doc in documents(path):
        pages = doc if isinstance(doc, list) else [doc]
        for p, page in enumerate(pages):
            loc = field(where, f"[{p}]" if isinstance(doc, list) else "")
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise MalformedFile(path, loc or "line 1", "expected a usage report page with a data list")
            for b, bucket in enumerate(page["data"]):
                for rloc, start, end, result in bucket_results(path, field(loc, f"data[{b}]"), bucket,
                                                               "starting_at", "ending_at"):
                    yield _result(path, rloc, start, end, result)


def _input_tokens(path: Path, loc: str, result: dict[str, Any]) -> int:
    total = count(result.get("uncached_input_tokens"), path, loc, "uncached_input_tokens", missing=0)
    total += count(result.get("cache_read_input_tokens"), path, loc, "cache_read_input_tokens", missing=0)
    creation = result.get("cache_creation")
    if isinstance(creation, dict):
        for k, v in creation.items():
            total += count(v, path, loc, f"cache_creation.{k}", missing=0)
    for k in ("cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens"):
        total += count(result.get(k), path, loc, k, missing=0)
    return total


def _result(path: Path, loc: str, start: float, end: float, result: dict[str, Any]) -> Item:
    inp = _input_tokens(path, loc, result)
    out = count(result.get("output_tokens"), path, loc, "output_tokens", missing=0)
    model = text_or_none(result.get("model"))
    if model is None:
        return Skipped(loc, "no model (export with group_by=model)")
    raw = result.get("requests", result.get("num_model_requests"))
    if raw is None:
        return Skipped(loc, NO_REQUEST_COUNT)
    requests = count(raw, path, loc, "requests")
    if requests == 0:
        return Skipped(loc, "0 requests")
    dims = "|".join(str(result.get(d) or "") for d in DIMENSIONS)
    return UsageRow(key=f"{start!r}|{end!r}|{dims}", start_s=start, end_s=end, provider=PROVIDER, model=model,
                    requests=requests, input_tokens=per_request(inp, requests), output_tokens=per_request(out, requests))
