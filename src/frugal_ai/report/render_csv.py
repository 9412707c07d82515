"""CSV for spreadsheets: one row per workload × month × method, energy / CO2e / water ranges.

English: comma-separated, decimal point. French: semicolon-separated, decimal comma, as a
French spreadsheet opens it. Numbers carry 10 significant digits and no unit (the unit is in the header).
"""

from __future__ import annotations

import io

from ..lang import texts
from ..untrusted import CsvWriter
from .layout import workload_text
from .model import Report

_QUANTITIES = ("energy_kwh", "co2e_kg", "water_l")
_BOUNDS = ("low", "central", "high")


def render_csv(report: Report, lang: str = "en") -> str:
    t = texts(lang)
    fr = lang == "fr"
    buf = io.StringIO()
    w = CsvWriter(buf, delimiter=";" if fr else ",")  # formula-leading names neutralised, line breaks quoted
    w.writerow([t("col.workload"), t("col.month"), t("col.method"), t("col.runs"), t("col.requests"), t("col.tokens")]
               + [t(f"csv.{q}_{b}") for q in _QUANTITIES for b in _BOUNDS])

    def num(x: float) -> str:
        text = f"{float(x):.10g}"  # 10 significant digits: far beyond the figures' own precision
        return text.replace(".", ",") if fr else text

    for line in report.lines:
        w.writerow(
            [workload_text(line.workload, t), line.month, t.method(line.method), line.runs, line.requests, line.tokens]
            # Nothing estimated (unknown model, local server) is left empty, not written as a zero.
            + [num(getattr(getattr(line, q), b)) if line.priced else "" for q in _QUANTITIES for b in _BOUNDS]
        )
    return buf.getvalue()
