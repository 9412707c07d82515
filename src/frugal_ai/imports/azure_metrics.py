"""Azure OpenAI token metrics from Azure Monitor, split by deployment.

- JSON, as `az monitor metrics list --metrics AzureOpenAIRequests ProcessedPromptTokens
  GeneratedTokens --dimension ModelDeploymentName ModelName --interval P1D` (the Azure Monitor
  Metrics REST API response) prints it: `{"value": [{"name": {"value": "ProcessedPromptTokens"},
  "timeseries": [{"metadatavalues": [{"name": {"value": "modeldeploymentname"}, "value": ...}],
  "data": [{"timeStamp", "total"}]}]}]}`.
- CSV, the same series one value a line: `timestamp,metric,deployment,model,total`.

The three metrics are joined per time grain × deployment × model into one row: requests from
AzureOpenAIRequests, per-request input and output tokens from ProcessedPromptTokens and
GeneratedTokens. The model is the ModelName dimension, else the deployment name (which
`model_aliases` maps to a catalogue model). A grain with tokens but no request count is skipped.
The whole file is held to join the series (a few values per day and deployment).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

from .jsonfile import documents
from .rows import CsvFile, Item, MalformedFile, Skipped, UsageRow, count, epoch_s, per_request

NAME = "azure-metrics"
PROVIDER = "azure"
METRICS = {"azureopenairequests": "requests", "processedprompttokens": "input", "generatedtokens": "output"}
CSV_HEADER = ("timestamp", "metric", "deployment", "model", "total")


def looks_like(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list) or not doc["value"]:
        return False
    first = doc["value"][0]
    return isinstance(first, dict) and "timeseries" in first


def header_matches(header: list[str]) -> bool:
    return tuple(h.strip().lower() for h in header) == CSV_HEADER


Cell = dict[str, int]
Key = tuple[float, str, str]


def read(path: Path) -> Iterator[Item]:
    cells: dict[Key, Cell] = {}
    where: dict[Key, str] = {}
    with open(path, encoding="utf-8-sig") as f:
        head = f.read(1)
    feed = _json_values(path) if head == "{" else _csv_values(path)
    for loc, at, metric, deployment, model, total in feed:
        name = METRICS.get(metric.lower())
        if name is None:
            continue
        k = (at, deployment, model)
        cell = cells.setdefault(k, {})
        cell[name] = cell.get(name, 0) + total
        where.setdefault(k, loc)
    for (at, deployment, model), cell in sorted(cells.items()):
        loc = where[(at, deployment, model)]
        requests = cell.get("requests", 0)
        inp, out = cell.get("input", 0), cell.get("output", 0)
        if requests == 0:
            if inp or out:
                yield Skipped(loc, "tokens without AzureOpenAIRequests for that time and deployment")
            continue
        tags = {"azure_deployment": deployment} if deployment else {}
        yield UsageRow(key=f"{at!r}|{deployment}|{model}", start_s=at, end_s=at, provider=PROVIDER,
                       model=model or deployment, requests=requests, input_tokens=per_request(inp, requests),
                       output_tokens=per_request(out, requests), tags=tags)


def _json_values(path: Path) -> Iterator[tuple[str, float, str, str, str, int]]:
    for where, doc in documents(path):
        if not looks_like(doc):
            raise MalformedFile(path, where or "line 1", "expected an Azure Monitor metrics response (value[].timeseries)")
        for m, metric in enumerate(doc["value"]):
            name = metric.get("name") if isinstance(metric, dict) else None
            metric_name = name.get("value") if isinstance(name, dict) else name
            if not isinstance(metric_name, str):
                raise MalformedFile(path, f"value[{m}]", "name.value is missing")
            for t, series in enumerate(metric.get("timeseries") or []):
                dims = {}
                for mv in series.get("metadatavalues") or []:
                    n = mv.get("name")
                    dims[str(n.get("value") if isinstance(n, dict) else n).lower()] = str(mv.get("value") or "")
                deployment, model = dims.get("modeldeploymentname", ""), dims.get("modelname", "")
                for d, point in enumerate(series.get("data") or []):
                    loc = f"value[{m}].timeseries[{t}].data[{d}]"
                    if not isinstance(point, dict):
                        raise MalformedFile(path, loc, "expected a data point object")
                    if point.get("total") is None:
                        continue  # no value in that grain
                    total = point["total"]
                    yield (loc, epoch_s(point.get("timeStamp"), path, loc, "timeStamp"), metric_name, deployment, model,
                           count(round(total) if isinstance(total, float) else total, path, loc, "total"))


def _csv_values(path: Path) -> Iterator[tuple[str, float, str, str, str, int]]:
    with CsvFile(path) as cf:
        reader = csv.reader(cf.file)
        offset = cf.offset
        header = next(reader, None)
        if header is None or not header_matches(header):
            raise MalformedFile(path, f"line {offset + 1}", "expected the header " + ",".join(CSV_HEADER))
        for cells in reader:
            loc = f"line {reader.line_num + offset}"
            if not cells:
                continue
            if len(cells) != len(CSV_HEADER):
                raise MalformedFile(path, loc, f"{len(cells)} fields where the header has {len(CSV_HEADER)}")
            at, metric, deployment, model, total = cells
            yield (loc, epoch_s(at, path, loc, "timestamp"), metric.strip(), deployment.strip(), model.strip(),
                   count(total, path, loc, "total"))
