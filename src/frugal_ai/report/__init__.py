"""The disclosure report: one model, one renderer per format, translations in `lang/`.

    build_report(ledger_path, period, *, settings=None, gains_path=None) -> Report
    render(report, fmt, lang="en") -> str        fmt: table | md | html | json | csv
    report_json_schema() -> dict
"""

from __future__ import annotations

from typing import Callable

from .model import Report, build_report, report_from_inventory
from .period import Period, parse_period, resolve_period
from .render_csv import render_csv
from .render_html import render_html
from .render_json import render_json, report_json_schema
from .render_md import render_md
from .render_text import render_summary, render_table

FORMATS: dict[str, Callable[[Report, str], str]] = {
    "table": render_table,
    "md": render_md,
    "html": render_html,
    "json": render_json,
    "csv": render_csv,
}


def render(report: Report, fmt: str = "table", lang: str = "en") -> str:
    """The report in format `fmt` and language `lang`."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return renderer(report, lang)


__all__ = [
    "Report",
    "Period",
    "build_report",
    "report_from_inventory",
    "render",
    "render_summary",
    "report_json_schema",
    "parse_period",
    "resolve_period",
    "FORMATS",
]
