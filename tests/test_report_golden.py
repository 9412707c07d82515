"""Golden files: the report of a fixed ledger, in md / json / csv and the xlsx read back, English and French.

A difference means the report changed: if that is intended, regenerate with
`FRUGAL_AI_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py` and review the diff like code.
The figures depend on the factor set: a new factor-set version changes them too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from golden.fixed_ledger import GAINS, build, settings

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("FRUGAL_AI_UPDATE_GOLDEN"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from frugal_ai.report import build_report, parse_period

    ledger = build(tmp_path_factory.mktemp("golden") / "ledger.sqlite")
    # One model, rendered in each language: the model holds no prose.
    report = build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger), gains_path=GAINS)
    return {"en": report, "fr": report}


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} is missing: run with FRUGAL_AI_UPDATE_GOLDEN=1 to create it")
        path.write_text(text, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file (FRUGAL_AI_UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_golden(reports: dict[str, object], fmt: str, lang: str) -> None:
    from frugal_ai.report import render

    text = render(reports[lang], fmt, lang)  # type: ignore[arg-type]
    # The tool version is not part of what the golden files pin down.
    from frugal_ai.report.model.provenance import tool_version

    text = text.replace(tool_version(), "<version>")
    _check(f"report.{lang}.{fmt}", text)


def test_golden_figures_follow_the_ledger(reports: dict[str, object]) -> None:
    """What the golden files pin, checked by hand for the parts that are plain arithmetic."""
    r = reports["en"]
    m = r.methodology  # type: ignore[attr-defined]
    # 5 runs in the quarter (run-99 is in October), 1 local call, 10 days x 3 months x 5 API
    # calls, 2 failed (429) calls, 1 unknown-model call.
    assert m.ledger_rows == 5 + 1 + 150 + 2 + 1
    assert m.local_requests == 1
    assert (m.failed_requests, m.failed_tokenless) == (2, 2)
    assert m.unknown_models == ["acme/acme-llm-7"]
    by_wl = {b.key: b for b in r.by_workload}  # type: ignore[attr-defined]
    assert by_wl["support-chatbot"].requests == 122 and by_wl["contract-summary"].requests == 30
    assert by_wl["ticket-classifier"].runs == 2  # run-01a is nested in run-01: not counted again
    assert by_wl["ocr-local"].runs == 2
    kinds = {(f.workload, k) for f in m.fallback_rows for k in f.kinds}
    assert ("ocr-local", "tdp_fallback") in kinds
    assert ("contract-summary", "params_guessed") in kinds
    assert ("ocr-local", "extrapolated") in kinds  # run-04 ended before the tracker was ready
    # Totals are the sum of the methods, which never mix.
    tot = r.totals.co2e_kg.central  # type: ignore[attr-defined]
    assert tot == pytest.approx(sum(x.co2e_kg.central for x in r.by_method.values()))  # type: ignore[attr-defined]
    assert tot == pytest.approx(r.ghg.scope2_location_kg.central + r.ghg.scope3_cat1_kg.central + r.ghg.scope3_cat3_kg.central)  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_golden_xlsx(reports: dict[str, object], lang: str) -> None:
    """The workbook read back with openpyxl: every sheet's name and every cell, numbers as numbers
    (a JSON dump, so that a change reads as a diff; the .xlsx bytes hold a zip timestamp)."""
    import io
    import json

    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed: pip install 'frugal-ai[xlsx]'")
    from frugal_ai.lang import texts
    from frugal_ai.report.model.provenance import tool_version
    from frugal_ai.report.render_xlsx import render_xlsx

    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(reports[lang], lang)))  # type: ignore[arg-type]

    def cell(v: object) -> object:
        return v.replace(tool_version(), "<version>") if isinstance(v, str) else v

    sheets = [{"name": ws.title, "rows": [[cell(v) for v in row] for row in ws.iter_rows(values_only=True)]}
              for ws in book.worksheets]
    # What a sustainability lead pastes: the datapoints sheet first, its header, one row per datapoint
    # with the value in the official unit as a number.
    t = texts(lang)
    datapoints = sheets[0]
    assert datapoints["name"] == t("sheet.datapoints")
    assert datapoints["rows"][0][:3] == [t("col.datapoint"), t("col.label"), t("col.value")]
    report = reports[lang]
    assert [r[0] for r in datapoints["rows"][1:]] == [d.id for d in report.datapoints]  # type: ignore[attr-defined]
    assert all(isinstance(r[2], float) for r in datapoints["rows"][1:])
    _check(f"report.{lang}.xlsx.json", json.dumps(sheets, indent=1, ensure_ascii=False, default=str) + "\n")
