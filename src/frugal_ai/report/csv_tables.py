"""`report --format csv --table …`: one of the spreadsheet's tables as CSV.

    lines        (default) one row per workload × month × method: render_csv, unchanged
    datapoints   the ESRS/VSME datapoints, value in the official unit with its low and high
    breakdown    every breakdown (workload, provider and model, zone, month), a column naming which
    factors      the factors used, one row per value, with their sources

Same conventions as the default table: comma and decimal point in English, semicolon and
decimal comma in French; numbers with 10 significant digits; an unpriced figure left empty.
"""

from __future__ import annotations

import csv
import io
import math

from ..lang import texts
from .model import Report
from .render_csv import render_csv
from .tables import Cell, DataTable, breakdown_headers, breakdown_tables, datapoint_table, factor_table

CSV_TABLES = ("lines", "datapoints", "breakdown", "factors")


def render_csv_table(report: Report, lang: str = "en", table: str = "lines") -> str:
    """The CSV of `table` (one of CSV_TABLES) in `lang`."""
    if table == "lines":
        return render_csv(report, lang)
    t = texts(lang)
    if table == "datapoints":
        return _write(datapoint_table(report, t), lang)
    if table == "factors":
        return _write(factor_table(report, t), lang)
    if table == "breakdown":
        tables = breakdown_tables(report, t)
        rows = [[bt.title, *row] for bt in tables for row in bt.rows]
        return _write(DataTable("breakdown", t("col.breakdown"), [t("col.breakdown"), *breakdown_headers(t("col.key"), t)],
                                rows), lang)
    raise ValueError(f"unknown table {table!r}; expected one of {', '.join(CSV_TABLES)}")


def _write(table: DataTable, lang: str) -> str:
    fr = lang == "fr"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";" if fr else ",", lineterminator="\n")
    w.writerow(table.headers)
    for row in table.rows:
        w.writerow([_cell(c, fr) for c in row])
    return buf.getvalue()


def _cell(value: Cell, fr: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = plain_number(value)
        return text.replace(".", ",") if fr else text
    return str(value)


def plain_number(value: float, significant: int = 10) -> str:
    """`value` to `significant` digits (far beyond the figures' own precision), never in
    scientific notation: 0.00002919, not 2.919e-05, which a form or a French spreadsheet misreads."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, significant - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
