"""The report's figures as plain tables of cells, for spreadsheets: numbers stay numbers.

What `--format xlsx` writes one sheet each of, and `--format csv --table …` one CSV of:
the ESRS/VSME datapoints (value in the datapoint's own unit, its low and high, the method,
and the figure in readable units), each breakdown (by workload, provider and model, zone,
month: quantities in kWh, kg CO2e and L, low / central / high), and the factors used, one
row per value, with their sources. Headers are in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from ..lang import Texts
from .layout import origin_words, period_text, title_text, workload_text, zone_text
from .model import BreakdownRow, Datapoint, FactorUsed, Report

Cell = Union[str, float, int, None]

QUANTITIES = ("energy_kwh", "co2e_kg", "water_l")
BOUNDS = ("low", "central", "high")

# How each datapoint's figure was obtained (see model/ghg.py, datapoints_of): Scope 2, the
# energy and the water of own operations come from the measured runs; Scope 3 from the
# estimated API calls and the upstream share of the measured electricity.
DATAPOINT_METHODS: dict[str, tuple[str, ...]] = {
    "dp.e1_5_energy": ("measured",),
    "dp.e1_6_scope2_location": ("measured",),
    "dp.e1_6_scope2_market": ("measured",),
    "dp.e1_6_scope3": ("estimated", "measured"),
    "dp.e3_4_water": ("measured",),
    "dp.b3_energy": ("measured",),
    "dp.b3_scope2": ("measured",),
    "dp.b3_scope3": ("estimated", "measured"),
    "dp.b6_water": ("measured",),
}


@dataclass
class DataTable:
    """One table: `key` names it (`datapoints`, `by_workload`, …), `title` is its sheet's name."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    percent_columns: tuple[int, ...] = ()  # shares (0..1), shown as percentages


def datapoint_table(report: Report, t: Texts) -> DataTable:
    headers = [t("col.datapoint"), t("col.label"), t("col.value"), t("col.low"), t("col.high"), t("col.unit"),
               t("col.method"), t("col.readable")]
    return DataTable("datapoints", t("sheet.datapoints"), headers, [_datapoint_row(d, t) for d in report.datapoints])


def _datapoint_row(d: Datapoint, t: Texts) -> list[Cell]:
    methods = DATAPOINT_METHODS.get(d.key)  # every datapoint has one (tested); a new one shows "—" until then
    return [d.id, t(d.key), d.value, d.low, d.high, d.unit, t.methods(list(methods)) if methods else "—",
            t.range(d.base, d.quantity)]


def breakdown_headers(first: str, t: Texts) -> list[str]:
    return ([first, t("col.methods"), t("col.runs"), t("col.requests"), t("col.tokens")]
            + [t(f"csv.{q}_{b}") for q in QUANTITIES for b in BOUNDS] + [t("col.share")])


def _breakdown_row(b: BreakdownRow, key: str, t: Texts) -> list[Cell]:
    row: list[Cell] = [key, t.methods(b.methods), b.runs, b.requests, b.tokens]
    if not b.priced:  # nothing estimated (unknown model, local server): left empty, not a zero
        return row + [None] * (len(QUANTITIES) * len(BOUNDS) + 1)
    return row + [getattr(getattr(b, q), bound) for q in QUANTITIES for bound in BOUNDS] + [b.share_co2e]


def breakdown_tables(report: Report, t: Texts) -> list[DataTable]:
    """One table per breakdown, all with the same columns."""
    def zone(key: str) -> str:
        return zone_text(key, t)

    specs: list[tuple[str, str, list[BreakdownRow], Callable[[str], str]]] = [
        ("by_workload", "col.workload", report.by_workload, lambda k: workload_text(k, t)),
        ("by_model", "col.provider_model", report.by_model, str),
        ("by_zone", "col.zone", report.by_zone, zone),
        ("by_month", "col.month", report.by_month, str),  # 2026-07: sorts, and a spreadsheet reads it
    ]
    share = len(breakdown_headers("", t)) - 1
    return [DataTable(key, t(f"sub.{key}"), breakdown_headers(t(first), t), [_breakdown_row(b, name(b.key), t) for b in rows],
                      (share,))
            for key, first, rows, name in specs]


def factor_table(report: Report, t: Texts) -> DataTable:
    """One row per value a figure used: the factor, the value (with its range), where it came from."""
    citations = {s.id: s.citation + (f" {s.url}" if s.url else "") + (f" ({s.year})" if s.year else "")
                 for s in report.methodology.sources}
    headers = [t("col.kind"), t("col.key"), t("col.name"), t("col.value"), t("col.low"), t("col.high"),
               t("col.origin"), t("col.source")]
    rows = [row for f in report.methodology.factors for row in _factor_rows(f, citations, t)]
    return DataTable("factors", t("sub.factors"), headers, rows)


def _factor_rows(f: FactorUsed, citations: dict[str, str], t: Texts) -> list[list[Cell]]:
    sources = "; ".join(citations.get(s, s) for s in f.sources)
    out: list[list[Cell]] = []
    for name, v in f.values.items():
        if isinstance(v, dict) and set(v) == {"low", "central", "high"}:
            value, low, high = v["central"], v["low"], v["high"]
        else:
            value, low, high = (v if isinstance(v, (int, float, str)) or v is None else str(v)), None, None
        origin = origin_words(f.configured[name], t) if name in f.configured else t("origin.factor_base")
        out.append([t(f"factor_kind.{f.kind}"), f.key, name, value, low, high, origin, sources])
    return out


def about_table(report: Report, t: Texts) -> DataTable:
    """What the figures are: the report, its period, the versions and the content hash that reproduce them."""
    m = report.methodology
    rows: list[list[Cell]] = [
        [t("title"), title_text(report, t)],
        [t("period"), period_text(report, t)],
        [t("quality.factor_set"), m.factor_set_version],
        [t("quality.tool"), m.tool_version],
        [t("quality.ledger_rows"), m.ledger_rows],
        [t("quality.hash"), m.content_hash],
        [t("col.detail"), t("esrs.note")],
    ]
    return DataTable("about", t("sheet.about"), [t("col.item"), t("col.value")], rows)


def all_tables(report: Report, t: Texts) -> list[DataTable]:
    """Every table, in the workbook's order."""
    return [datapoint_table(report, t), *breakdown_tables(report, t), factor_table(report, t), about_table(report, t)]
