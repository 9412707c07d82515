"""`report --format xlsx` read back with openpyxl, and `--format csv --table …`, in both languages.

The workbook holds the datapoints (official unit, low, high, method, readable figure), one
sheet per breakdown, the factors used with their sources, and what the figures come from;
numbers are numbers. The CSV tables are the same tables; the default CSV is unchanged.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from golden.report_fixtures import ledger, report  # noqa: F401  (module-scoped fixtures)

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed: pip install 'frugal-ai[xlsx]'")
LANGS = ["en", "fr"]


def _book(report: Any, lang: str) -> Any:
    from frugal_ai.report.render_xlsx import render_xlsx

    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report, lang)))


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_workbook_has_a_sheet_per_table_in_the_report_language(report: Any, lang: str) -> None:
    from frugal_ai.lang import texts

    t = texts(lang)
    names = ["sheet.datapoints", "sub.by_workload", "sub.by_model", "sub.by_zone", "sub.by_month", "sub.factors",
             "sheet.about"]
    assert _book(report, lang).sheetnames == [t(n) for n in names]


@pytest.mark.parametrize("lang", LANGS)
def test_datapoints_sheet_gives_each_value_in_its_official_unit_as_a_number(report: Any, lang: str) -> None:
    from frugal_ai.lang import texts

    t = texts(lang)
    rows = _rows(_book(report, lang).worksheets[0])
    assert rows[0] == [t("col.datapoint"), t("col.label"), t("col.value"), t("col.low"), t("col.high"), t("col.unit"),
                       t("col.method"), t("col.readable")]
    assert len(rows) - 1 == len(report.datapoints) >= 9
    for row, d in zip(rows[1:], report.datapoints):
        ref, label, value, low, high, unit, method, readable = row
        assert (ref, label, unit) == (d.id, t(d.key), d.unit)
        # The figure itself to Excel's 15-16 digits, not a rounded text.
        assert [value, low, high] == pytest.approx([d.value, d.low, d.high], rel=1e-14)
        assert isinstance(value, float) and low <= value <= high
        assert method in {t.method("measured"), t.methods(["estimated", "measured"])}
        assert readable == t.range(d.base, d.quantity)
    scope3 = next(r for r, d in zip(rows[1:], report.datapoints) if d.key == "dp.e1_6_scope3")
    assert scope3[6] == t.methods(["estimated", "measured"])


def test_every_datapoint_says_how_it_was_obtained(report: Any) -> None:
    from frugal_ai.report.tables import DATAPOINT_METHODS

    assert {d.key for d in report.datapoints} <= set(DATAPOINT_METHODS)


@pytest.mark.parametrize("lang", LANGS)
def test_each_breakdown_sheet_carries_its_rows_with_ranges(report: Any, lang: str) -> None:
    from frugal_ai.lang import texts

    book = _book(report, lang)
    for sheet, rows_of_model in zip(book.worksheets[1:5], [report.by_workload, report.by_model, report.by_zone,
                                                           report.by_month]):
        rows = _rows(sheet)
        assert len(rows) - 1 == len(rows_of_model)
        header = rows[0]
        co2e = header.index(texts(lang)("csv.co2e_kg_central"))
        for row, b in zip(rows[1:], rows_of_model):
            assert row[2:5] == [b.runs, b.requests, b.tokens]
            if b.priced:
                assert row[co2e - 1: co2e + 2] == pytest.approx([b.co2e_kg.low, b.co2e_kg.central, b.co2e_kg.high],
                                                                 rel=1e-14)
                assert row[-1] == pytest.approx(b.share_co2e, rel=1e-14)
            else:  # nothing estimated: empty, never a zero
                assert row[5:] == [None] * 10
        share = sheet.cell(row=2, column=len(header))
        assert share.number_format == "0.0%"


def test_breakdown_headers_are_french_in_french(report: Any) -> None:
    header = _rows(_book(report, "fr").worksheets[1])[0]
    assert header[:3] == ["Charge de travail", "Méthodes", "Exécutions"]
    assert "co2e_kg_centrale" in header and "Part du CO2e" in header


@pytest.mark.parametrize("lang", LANGS)
def test_factors_sheet_lists_every_value_used_with_its_source(report: Any, lang: str) -> None:
    rows = _rows(_book(report, lang).worksheets[5])
    values = {(r[1], r[2]): r for r in rows[1:]}
    for f in report.methodology.factors:
        for name in f.values:
            assert (f.key, name) in values, (f.key, name)
    citations = {s.id: s.citation for s in report.methodology.sources}
    for f in report.methodology.factors:
        row = values[(f.key, next(iter(f.values)))]
        for source in f.sources:
            assert citations[source] in row[7]
    numbers = [r[3] for r in rows[1:] if isinstance(r[3], float)]
    assert numbers, "no factor value came through as a number"


def test_about_sheet_names_the_period_versions_and_hash(report: Any) -> None:
    rows = _rows(_book(report, "en").worksheets[-1])
    flat = {str(c) for r in rows for c in r}
    assert report.methodology.content_hash in flat
    assert report.factor_set_version in flat


def _csv(report: Any, lang: str, table: str) -> list[list[str]]:
    from frugal_ai.report.csv_tables import render_csv_table

    return list(csv.reader(io.StringIO(render_csv_table(report, lang, table)), delimiter=";" if lang == "fr" else ","))


@pytest.mark.parametrize("lang", LANGS)
def test_csv_datapoints_are_plain_numbers_never_scientific(report: Any, lang: str) -> None:
    rows = _csv(report, lang, "datapoints")
    assert len(rows) - 1 == len(report.datapoints)
    for row, d in zip(rows[1:], report.datapoints):
        for text, value in zip(row[2:5], (d.value, d.low, d.high)):
            assert "e" not in text.lower(), text
            number = float(text.replace(",", ".")) if lang == "fr" else float(text)
            assert number == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("lang", LANGS)
def test_csv_breakdown_names_each_breakdown_in_its_first_column(report: Any, lang: str) -> None:
    from frugal_ai.lang import texts

    t = texts(lang)
    rows = _csv(report, lang, "breakdown")
    assert rows[0][0] == t("col.breakdown")
    kinds = [r[0] for r in rows[1:]]
    expected = ([t("sub.by_workload")] * len(report.by_workload) + [t("sub.by_model")] * len(report.by_model)
                + [t("sub.by_zone")] * len(report.by_zone) + [t("sub.by_month")] * len(report.by_month))
    assert kinds == expected


def test_csv_factors_has_the_sources(report: Any) -> None:
    rows = _csv(report, "en", "factors")
    assert rows[0][-1] == "Source"
    assert all(r[-1] for r in rows[1:])


def test_default_csv_is_unchanged_and_is_the_lines_table(ledger: Path) -> None:
    from frugal_ai.cli import main

    base = ["report", "--ledger", str(ledger), "--period", "2026-Q3", "--format", "csv", "--lang", "fr"]
    plain = CliRunner().invoke(main, base)
    lines = CliRunner().invoke(main, base + ["--table", "lines"])
    assert plain.exit_code == lines.exit_code == 0
    assert plain.stdout == lines.stdout
    golden = (Path(__file__).parent / "golden" / "report.fr.csv").read_text(encoding="utf-8")
    assert plain.stdout.splitlines()[0] == golden.splitlines()[0]


def test_table_with_another_format_is_refused_before_any_work(ledger: Path) -> None:
    from frugal_ai.cli import main

    result = CliRunner().invoke(main, ["report", "--ledger", str(ledger), "--format", "md", "--table", "datapoints"])
    assert result.exit_code == 2
    assert "--table applies to --format csv only" in result.output


def test_cli_writes_the_workbook_from_the_out_extension(ledger: Path, tmp_path: Path) -> None:
    from frugal_ai.cli import main

    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(main, ["report", "--ledger", str(ledger), "--period", "2026-Q3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "ESRS and VSME datapoints"
