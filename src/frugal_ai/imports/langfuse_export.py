"""Langfuse observations: `GET /api/public/observations` pages (`{"data": [...], "meta": {...}}`),
or an export of observations as a JSON list or JSON Lines. Each generation (`type`
"GENERATION") is one request: `id` is its key, `startTime` its date, `model` its model, and
its tokens come from `usageDetails` (`input`, `output`, and reasoning where given), else
`usage` (`input`, `output`), else `promptTokens` / `completionTokens`. Spans and events carry
no model usage and are skipped (counted by reason). `endTime - startTime` is the request's
duration (`latency_s`, for the time-based cross-check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from .jsonfile import records
from .rows import Item, MalformedFile, Skipped, UsageRow, count, duration_s, epoch_s, text_or_none

NAME = "langfuse"
REASONING_KEYS = ("output_reasoning", "reasoning", "output_reasoning_tokens", "reasoning_tokens")


def looks_like(doc: Any) -> bool:
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        doc = doc["data"]
    item = doc[0] if isinstance(doc, list) and doc else doc
    return isinstance(item, dict) and "traceId" in item and "startTime" in item and "type" in item


def read(path: Path) -> Iterator[Item]:
    for loc, obs in records(path, "data"):
        yield _observation(path, loc, obs)


def _observation(path: Path, loc: str, obs: dict[str, Any]) -> Item:
    kind = str(obs.get("type") or "").upper()
    if kind != "GENERATION":
        return Skipped(loc, f"not a generation ({kind.lower() or 'no type'})")
    obs_id = text_or_none(obs.get("id"))
    if obs_id is None:
        raise MalformedFile(path, loc, "id is missing")
    start = epoch_s(obs.get("startTime"), path, loc, "startTime")
    end = epoch_s(obs["endTime"], path, loc, "endTime") if obs.get("endTime") else start
    model = text_or_none(obs.get("model"))
    if model is None:
        return Skipped(loc, "no model")
    inp, out, reasoning = _tokens(path, loc, obs)
    return UsageRow(key=obs_id, start_s=start, end_s=max(end, start), provider="", model=model, requests=1,
                    input_tokens=inp, output_tokens=out, reasoning_tokens=reasoning,
                    latency_s=duration_s(start, obs.get("endTime"), end))


def _tokens(path: Path, loc: str, obs: dict[str, Any]) -> tuple[int, int, int]:
    details = obs.get("usageDetails")
    if isinstance(details, dict) and details:
        inp = count(details.get("input"), path, loc, "usageDetails.input", missing=0)
        out = count(details.get("output"), path, loc, "usageDetails.output", missing=0)
        reasoning = sum(count(details.get(k), path, loc, f"usageDetails.{k}", missing=0) for k in REASONING_KEYS)
        # Langfuse counts reasoning inside output where it reports both: keep them apart.
        return inp, max(out - reasoning, 0), reasoning
    usage = obs.get("usage")
    if isinstance(usage, dict) and usage:
        return (count(usage.get("input"), path, loc, "usage.input", missing=0),
                count(usage.get("output"), path, loc, "usage.output", missing=0), 0)
    return (count(obs.get("promptTokens"), path, loc, "promptTokens", missing=0),
            count(obs.get("completionTokens"), path, loc, "completionTokens", missing=0), 0)
