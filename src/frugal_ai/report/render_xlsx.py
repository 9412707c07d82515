"""A spreadsheet (`--format xlsx`): the tables of `tables.py`, one sheet each, numbers as numbers.

What a sustainability lead pastes into the company's reporting workbook: the datapoints in
their official units, each breakdown, the factors used with their sources, and a sheet
saying which report, period and versions the figures come from. Needs openpyxl, the `xlsx`
extra; without it the command says how to install it (exit 2).
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import InputError
from ..lang import texts
from .model import Report
from .tables import DataTable, all_tables

# Excel allows 31 characters in a sheet name, and none of these.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def openpyxl_module() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise InputError("the xlsx format needs openpyxl, an optional extra: pip install 'frugal-ai[xlsx]'") from None
    return openpyxl


def render_xlsx(report: Report, lang: str = "en") -> bytes:
    """The workbook's bytes: one sheet per table, headers in bold and frozen, filters on."""
    openpyxl = openpyxl_module()
    t = texts(lang)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in all_tables(report, t):
        _sheet(book, table, openpyxl.styles.Font(bold=True))
    props = book.properties
    props.title = t("title")
    props.subject = report.period
    props.creator = f"frugal-ai {report.methodology.tool_version}"
    props.keywords = f"factor set {report.methodology.factor_set_version}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Any, table: DataTable, bold: Any) -> None:
    sheet = book.create_sheet(table.title.translate(_SHEET_NAME_FORBIDDEN)[:31])
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = bold
    for row in table.rows:
        sheet.append(row)
    for column in table.percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    for i, header in enumerate(table.headers, start=1):
        longest = max([len(header)] + [len(str(r[i - 1])) for r in table.rows if r[i - 1] is not None])
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(max(10, longest + 2), 60)
