"""OpenTelemetry spans that follow the GenAI semantic conventions, as OTLP/JSON: an
`ExportTraceServiceRequest` (`{"resourceSpans": [{"resource": {"attributes": [...]},
"scopeSpans": [{"spans": [...]}]}]}`), one such document per line as the Collector's file
exporter writes them, or one per file.

A span is one request when it carries a model (`gen_ai.response.model`, else
`gen_ai.request.model`) and token usage (`gen_ai.usage.input_tokens` /
`gen_ai.usage.output_tokens`, or the older `gen_ai.usage.prompt_tokens` /
`gen_ai.usage.completion_tokens`). Its key is traceId/spanId, its date `startTimeUnixNano`,
its provider `gen_ai.provider.name` (else the older `gen_ai.system`), its workload the
resource's `service.name`. Spans without GenAI usage are skipped (counted by reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from .jsonfile import documents, field
from .rows import Item, MalformedFile, Skipped, UsageRow, count, duration_s, epoch_s, text_or_none

NAME = "otlp-json"
# gen_ai.provider.name / gen_ai.system values (semantic conventions) -> factor-base provider names.
PROVIDERS = {
    "az.ai.openai": "azure", "azure.ai.openai": "azure", "az.ai.inference": "azure", "azure.ai.inference": "azure",
    "aws.bedrock": "aws", "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google",
    "mistral_ai": "mistral", "x_ai": "xai", "ibm.watsonx.ai": "ibm",
    "mistralai": "mistral",  # OpenLLMetry's Mistral instrumentation sends gen_ai.system = "MistralAI"
}


def looks_like(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("resourceSpans"), list)


def read(path: Path) -> Iterator[Item]:
    for where, doc in documents(path):
        if not looks_like(doc):
            raise MalformedFile(path, where or "line 1", "expected an OTLP/JSON trace export (resourceSpans)")
        for r, rs in enumerate(doc["resourceSpans"]):
            rloc = field(where, f"resourceSpans[{r}]")
            if not isinstance(rs, dict):
                raise MalformedFile(path, rloc, "expected an object")
            resource = attributes(path, rloc, (rs.get("resource") or {}).get("attributes"))
            service = text_or_none(resource.get("service.name"))
            for s, ss in enumerate(rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []):
                sloc = field(rloc, f"scopeSpans[{s}]")
                spans = ss.get("spans") if isinstance(ss, dict) else None
                if not isinstance(spans, list):
                    raise MalformedFile(path, sloc, "spans is missing")
                for i, span in enumerate(spans):
                    yield _span(path, field(sloc, f"spans[{i}]"), span, service)


def attributes(path: Path, loc: str, items: Any) -> dict[str, Any]:
    """OTLP KeyValue list -> {key: plain value}."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise MalformedFile(path, loc, "attributes is not a list")
    out: dict[str, Any] = {}
    for kv in items:
        if not isinstance(kv, dict) or "key" not in kv:
            raise MalformedFile(path, loc, "an attribute has no key")
        value = kv.get("value") or {}
        if not isinstance(value, dict):
            raise MalformedFile(path, loc, f"attribute {kv['key']} has no value object")
        for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if k in value:
                out[str(kv["key"])] = value[k]
                break
    return out


def _span(path: Path, loc: str, span: Any, service: str | None) -> Item:
    if not isinstance(span, dict):
        raise MalformedFile(path, loc, "expected a span object")
    attrs = attributes(path, loc, span.get("attributes"))
    model = text_or_none(attrs.get("gen_ai.response.model")) or text_or_none(attrs.get("gen_ai.request.model"))
    inp_raw = attrs.get("gen_ai.usage.input_tokens", attrs.get("gen_ai.usage.prompt_tokens"))
    out_raw = attrs.get("gen_ai.usage.output_tokens", attrs.get("gen_ai.usage.completion_tokens"))
    if model is None and inp_raw is None and out_raw is None:
        return Skipped(loc, "not a GenAI span")
    if inp_raw is None and out_raw is None:
        return Skipped(loc, "no token usage (gen_ai.usage.*)")
    if model is None:
        return Skipped(loc, "no model (gen_ai.request.model)")
    trace, span_id = text_or_none(span.get("traceId")), text_or_none(span.get("spanId"))
    if trace is None or span_id is None:
        raise MalformedFile(path, loc, "traceId or spanId is missing")
    start = epoch_s(span.get("startTimeUnixNano"), path, loc, "startTimeUnixNano")
    end = epoch_s(span["endTimeUnixNano"], path, loc, "endTimeUnixNano") if span.get("endTimeUnixNano") else start
    system = text_or_none(attrs.get("gen_ai.provider.name")) or text_or_none(attrs.get("gen_ai.system")) or ""
    provider = PROVIDERS.get(system.lower(), system.lower())
    return UsageRow(key=f"{trace}/{span_id}", start_s=start, end_s=max(end, start), provider=provider, model=model,
                    requests=1,
                    input_tokens=count(inp_raw, path, loc, "gen_ai.usage.input_tokens", missing=0),
                    output_tokens=count(out_raw, path, loc, "gen_ai.usage.output_tokens", missing=0),
                    workload=service, latency_s=duration_s(start, span.get("endTimeUnixNano"), end))
