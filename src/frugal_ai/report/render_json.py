"""JSON: the report model itself, with DESIGN.md's contract keys, and its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from .lang import texts
from .layout import boundary_sentences
from .model import Report


def report_dict(report: Report, lang: str = "en") -> dict[str, Any]:
    """The model as plain data, plus the method notes and boundaries spelt out in `lang`."""
    t = texts(lang)
    data = report.model_dump(mode="json")
    data["lang"] = lang
    data["methodology"]["notes_text"] = [t(k) for k in report.methodology.notes]
    data["ghg"]["boundaries_text"] = boundary_sentences(report.ghg, t)
    for dp in data["datapoints"]:
        dp["label"] = t(dp["key"])
    return data


def render_json(report: Report, lang: str = "en") -> str:
    return json.dumps(report_dict(report, lang), ensure_ascii=False, indent=2) + "\n"


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of `render_json`'s output (the model's schema; text additions are extra keys)."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "frugal-ai report"
    return schema
