"""LiteLLM proxy spend logs: the rows of its `LiteLLM_SpendLogs` table, as `GET /spend/logs`
returns them (a JSON list, or one object a line) or as a CSV of the same columns —
`request_id`, `call_type`, `startTime`, `endTime`, `model`, `model_group`,
`custom_llm_provider`, `prompt_tokens`, `completion_tokens`, `total_tokens`, `spend`, ...

One row is one request (`request_id` is its key). `model` is the model LiteLLM called;
`model_group` the name the client asked for (an alias: `model_aliases` maps it when `model`
is empty). Image, audio and other non-token calls are skipped with the reason.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

from .jsonfile import records
from .rows import CsvFile, Item, MalformedFile, Skipped, UsageRow, count, duration_s, epoch_s, text_or_none

NAME = "litellm"
TOKEN_CALLS = ("completion", "acompletion", "text_completion", "atext_completion", "embedding", "aembedding",
               "responses", "aresponses", "anthropic_messages", "generate_content", "agenerate_content", "")
MARKERS = {"request_id", "prompt_tokens", "completion_tokens"}
# LiteLLM's provider names (its LlmProviders) that are another name of a factor-base provider:
# Mistral's Codestral endpoint (codestral.mistral.ai) is `codestral` / `text-completion-codestral`.
PROVIDERS = {"codestral": "mistral", "text-completion-codestral": "mistral"}


def looks_like(doc: Any) -> bool:
    item = doc[0] if isinstance(doc, list) and doc else doc
    return isinstance(item, dict) and MARKERS <= set(item) and ("startTime" in item or "start_time" in item)


def header_matches(header: list[str]) -> bool:
    return MARKERS <= {h.strip() for h in header}


def read(path: Path) -> Iterator[Item]:
    with open(path, encoding="utf-8-sig") as f:
        head = f.read(1)
    if head in ("{", "["):
        for loc, row in records(path, "data", "logs"):
            yield _row(path, loc, row)
        return
    with CsvFile(path) as cf:
        reader = csv.DictReader(cf.file)
        offset = cf.offset
        missing = sorted(MARKERS - set(reader.fieldnames or ()))
        if missing:
            raise MalformedFile(path, f"line {offset + 1}", f"column {missing[0]} is missing (a LiteLLM spend log export)")
        for row in reader:
            yield _row(path, f"line {reader.line_num + offset}", {k: (v if v != "" else None) for k, v in row.items()})


def _row(path: Path, loc: str, row: dict[str, Any]) -> Item:
    request_id = text_or_none(row.get("request_id"))
    if request_id is None:
        raise MalformedFile(path, loc, "request_id is missing")
    call_type = str(row.get("call_type") or "").strip().lower()
    if call_type not in TOKEN_CALLS:
        return Skipped(loc, f"not a token call ({call_type})")
    start = epoch_s(row.get("startTime", row.get("start_time")), path, loc, "startTime")
    end_raw = row.get("endTime", row.get("end_time"))
    end = epoch_s(end_raw, path, loc, "endTime") if end_raw not in (None, "") else start
    model = text_or_none(row.get("model")) or text_or_none(row.get("model_group"))
    if model is None:
        return Skipped(loc, "no model")
    inp = count(row.get("prompt_tokens"), path, loc, "prompt_tokens", missing=0)
    out = count(row.get("completion_tokens"), path, loc, "completion_tokens", missing=0)
    provider = (text_or_none(row.get("custom_llm_provider")) or "").lower()
    provider = PROVIDERS.get(provider, provider)
    tags = {}
    group = text_or_none(row.get("model_group"))
    if group and group != model:
        tags["litellm_model_group"] = group
    return UsageRow(key=request_id, start_s=start, end_s=max(end, start), provider=provider, model=model, requests=1,
                    input_tokens=inp, output_tokens=out, tags=tags, latency_s=duration_s(start, end_raw, end))
