"""Every output format of `frugal-ai report` behind one call: text formats as `str`, the
spreadsheet and the PDF as `bytes` (each needs its optional extra, imported only when asked).

    render_output(report, "pdf", "fr", project="acme")   -> bytes
    render_output(report, "csv", "en", table="factors")  -> str
"""

from __future__ import annotations

from ..errors import InputError
from .csv_tables import CSV_TABLES, render_csv_table
from .model import Report

TEXT_FORMATS = ("table", "md", "html", "json", "csv")
BINARY_FORMATS = ("pdf", "xlsx")
ALL_FORMATS = TEXT_FORMATS + BINARY_FORMATS


def check_output(fmt: str, table: str | None = None) -> None:
    """Fail now, before the report is built, on a table asked of a format that has none or on a
    missing optional extra (one line saying how to install it)."""
    if table is not None and fmt != "csv":
        raise InputError(f"--table applies to --format csv only, not {fmt}", where="--table")
    if table is not None and table not in CSV_TABLES:
        raise InputError(f"unknown table {table!r}; expected one of {', '.join(CSV_TABLES)}", where="--table")
    if fmt == "pdf":
        from .render_pdf import weasyprint_module

        weasyprint_module()
    elif fmt == "xlsx":
        from .render_xlsx import openpyxl_module

        openpyxl_module()


def render_output(report: Report, fmt: str, lang: str = "en", *, table: str | None = None,
                  project: str | None = None) -> str | bytes:
    """`report` in format `fmt`; `table` picks the CSV's table, `project` goes in printed pages' header."""
    check_output(fmt, table)
    if fmt == "csv":
        return render_csv_table(report, lang, table or "lines")
    if fmt == "html":
        from .render_html import render_html

        return render_html(report, lang, project=project)
    if fmt == "pdf":
        from .render_pdf import render_pdf

        return render_pdf(report, lang, project=project)
    if fmt == "xlsx":
        from .render_xlsx import render_xlsx

        return render_xlsx(report, lang)
    from . import render

    return render(report, fmt, lang)
