"""Records -> span names, span attributes and metric points (pure; no OpenTelemetry import).

Activity data only: model, provider, token counts, workload, project, zone, method and our
figures. Never a prompt, a response, a key, a header or a tag (tags are the user's own words).
"""

from __future__ import annotations

import zlib
from typing import Any

from ..config import settings_in_force
from ..footprint import Footprint
from ..ledger.records import ApiCallRecord, RunRecord

PREFIX = "frugal_ai."


def _figures(attributes: dict[str, Any], fp: Footprint) -> None:
    for quantity in ("energy_kwh", "co2e_kg", "water_l"):
        r = getattr(fp, quantity)
        attributes[f"{PREFIX}{quantity}.low"] = r.low
        attributes[f"{PREFIX}{quantity}.central"] = r.central
        attributes[f"{PREFIX}{quantity}.high"] = r.high


def _common(attributes: dict[str, Any], name: str | None, project: str, kind: str, record_id: str) -> None:
    attributes[f"{PREFIX}kind"] = kind
    attributes[f"{PREFIX}id"] = record_id
    attributes[f"{PREFIX}project"] = project
    if name:
        attributes[f"{PREFIX}workload"] = name


def operation_name(path: str) -> str:
    """The GenAI operation a request path names (`chat` unless it says otherwise)."""
    p = path.lower()
    if "embed" in p:
        return "embeddings"
    if "image" in p or "/audio/" in p:
        return "generate_content"
    if p.endswith("/completions") and "chat" not in p:
        return "text_completion"
    return "chat"


def call_attributes(record: ApiCallRecord) -> tuple[str, dict[str, Any], Footprint | None]:
    """Span name, attributes and footprint (None: not priced) of one API call."""
    operation = operation_name(record.path)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.request.model": record.model,
        "gen_ai.provider.name": record.provider,
        "gen_ai.system": record.provider,
        "gen_ai.usage.input_tokens": record.input_tokens * record.requests,
        "gen_ai.usage.output_tokens": (record.output_tokens + record.reasoning_tokens) * record.requests,
        f"{PREFIX}requests": record.requests,
        f"{PREFIX}source": record.source,
        f"{PREFIX}local": record.local,
    }
    if record.run_id:
        attributes[f"{PREFIX}run_id"] = record.run_id
    if record.http_status is not None:
        attributes["http.response.status_code"] = record.http_status
    if record.status != "ok":
        attributes["error.type"] = str(record.http_status or record.status)
    _common(attributes, record.name, record.project, "api_call", record.id)
    fp: Footprint | None = None
    if record.local:
        attributes[f"{PREFIX}method"] = "measured_in_runs"  # its energy is in the runs measured on this host
    else:
        from ..estimate import estimate_llm
        from ..estimate.request_kind import kind_footprint

        try:
            if record.request_kind != "chat":  # images, audio, embeddings: priced by their units
                attributes[f"{PREFIX}request_kind"] = record.request_kind
                fp = kind_footprint(record.request_kind, record.model, units=record.units * record.requests,
                                    input_tokens=record.input_tokens * record.requests,
                                    image_size=record.image_size, image_quality=record.image_quality,
                                    provider=record.provider or None, settings=settings_in_force())
                if fp is None:
                    raise LookupError(record.model)
            else:
                fp = estimate_llm(record.model, record.input_tokens, record.output_tokens, provider=record.provider,
                                  reasoning_tokens=record.reasoning_tokens, requests=record.requests,
                                  settings=settings_in_force())
        except Exception:  # a model the catalogue does not know: the span goes without figures
            attributes[f"{PREFIX}method"] = "unpriced"
        else:
            attributes[f"{PREFIX}method"] = fp.method
            _figures(attributes, fp)
    return f"{operation} {record.model}", attributes, fp


def run_attributes(record: RunRecord) -> tuple[str, dict[str, Any], Footprint]:
    """Span name, attributes and measured footprint (priced with the run's zone) of one run."""
    from ..estimate.measured import measured_footprint

    settings = settings_in_force()
    fp = measured_footprint(record.cpu_kwh, record.gpu_kwh, record.ram_kwh, record.method, record.zone, settings,
                            coverage=record.coverage)
    attributes: dict[str, Any] = {
        f"{PREFIX}method": fp.method,
        f"{PREFIX}measure_method": record.method,
        f"{PREFIX}coverage": record.coverage,
        f"{PREFIX}zone": record.zone or settings.country or "WORLD",
    }
    if record.parent_id:
        attributes[f"{PREFIX}parent_run_id"] = record.parent_id
    if record.status != "ok":
        attributes["error.type"] = record.status
    _common(attributes, record.name, record.project, "run", record.id)
    _figures(attributes, fp)
    return f"run {record.name}", attributes, fp


def sampled(record: RunRecord | ApiCallRecord, ratio: float) -> bool:
    """Whether the record is exported as a span at `ratio` (0-1). Decided by its run: a run by
    its id, an API call by its run's id (its own outside any run), hashed (CRC-32), so that a
    run kept comes with its API calls, and the same record is decided the same way anywhere."""
    if ratio >= 1.0:
        return True
    if ratio <= 0.0:
        return False
    key = record.id if isinstance(record, RunRecord) else (record.run_id or record.id)
    return zlib.crc32(key.encode("utf-8", "replace")) < ratio * 4294967296.0
