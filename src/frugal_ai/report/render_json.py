"""JSON: the report model itself, with the contract's keys, its sentences in the language
asked, and its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from ..gains.wording import balance_dict, use_case_reason, with_key_after
from ..lang import texts
from .layout import boundary_sentences
from .model import Report

# The keys the renderer adds to the model's data, in words of the language asked: the model
# holds no prose. (schema definition, key) -> its JSON Schema, for `report --schema`.
_TEXT_KEYS: dict[tuple[str | None, str], dict[str, Any]] = {
    (None, "lang"): {"type": "string", "enum": ["en", "fr"], "description": "The language of the sentences below."},
    ("Methodology", "notes_text"): {"type": "array", "items": {"type": "string"}, "description": "`notes` in words."},
    ("Ghg", "boundaries_text"): {"type": "array", "items": {"type": "string"}, "description": "`boundaries` in words."},
    ("Datapoint", "label"): {"type": "string", "description": "The datapoint's label (`key` in words)."},
    ("Balance", "statement"): {"type": "string", "description": "Avoided emissions are reported beside the footprint, never subtracted from it."},
    ("UseCaseBalance", "reason"): {"type": "string", "description": "Why the verdict is what it is, in one sentence."},
    ("Payback", "text"): {"type": "string", "description": "The payback date and its range, in words."},
    ("GainsCase", "reason"): {"type": "string", "description": "Why the verdict is what it is, in one sentence."},
}


def report_dict(report: Report, lang: str = "en") -> dict[str, Any]:
    """The model as plain data, plus its sentences in `lang`: method notes, boundaries,
    datapoint labels, and the gains balance's statement, reasons and payback."""
    t = texts(lang)
    data = report.model_dump(mode="json")
    data["lang"] = lang
    data["methodology"]["notes_text"] = [t(k) for k in report.methodology.notes]
    if data["methodology"].get("machine_split") is None:
        data["methodology"].pop("machine_split", None)  # absent, not null, where no session recorded it
    data["ghg"]["boundaries_text"] = boundary_sentences(report.ghg, t)
    for dp in data["datapoints"]:
        dp["label"] = t(dp["key"])
    if report.gains is not None:
        data["gains"] = balance_dict(report.gains, t.lang)
        data["gains_cases"] = [with_key_after(case, "verdict", "reason", use_case_reason(uc, t.lang))
                               for uc, case in zip(report.gains.use_cases, data["gains_cases"])]
    return data


def render_json(report: Report, lang: str = "en") -> str:
    return json.dumps(report_dict(report, lang), ensure_ascii=False, indent=2) + "\n"


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of `render_json`'s output: the model's schema, and the sentences the
    renderer adds in the language asked."""
    schema = Report.model_json_schema(mode="serialization")
    for (definition, key), spec in _TEXT_KEYS.items():
        target = schema if definition is None else schema["$defs"][definition]
        target["properties"][key] = spec
        target.setdefault("required", []).append(key)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "frugal-ai report"
    return schema
