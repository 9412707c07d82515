"""Declared usage through the command line with real files: `usage template` -> edit ->
`ledger declare` (idempotent, replacing, --dry-run, bad files) -> `report` and `gains check`,
in both languages; the products catalogue and `estimate --product`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from frugal_ai.cli import main

SME = """
[[tool]]
name = "ChatGPT (web)"
product = "chatgpt"
users = 12
prompts_per_user_per_day = 15
start = 2026-01-01
end = 2026-12-31

[[tool]]
name = "Le Chat"
product = "le-chat"
users = 8
prompts_per_user_per_day = 10
working_days_per_month = 20
start = 2026-01-01
end = 2026-12-31

[[tool]]
name = "Invoice OCR (SaaS)"
model = "gpt-4o-mini"
requests_per_month = 3000
input_tokens = 1500
output_tokens = 300
start = 2026-03-16
end = 2026-12-31
"""


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def declaration(tmp_path: Path) -> Path:
    path = tmp_path / "usage.toml"
    path.write_text(SME, encoding="utf-8")
    return path


def _rows(ledger_path: Path) -> list[tuple]:
    conn = sqlite3.connect(ledger_path)
    try:
        return conn.execute("SELECT id, name, model, provider, start, requests, input_tokens, output_tokens, source "
                            "FROM api_calls ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_template_is_valid_and_declares_one_row_per_tool_per_month(tmp_path: Path, ledger_path: Path) -> None:
    text = cli("usage", "template").output
    assert "[[tool]]" in text and "prompts_per_user_per_day" in text and "# " in text
    path = tmp_path / "usage.toml"
    path.write_text(text, encoding="utf-8")
    r = cli("ledger", "declare", str(path))
    assert r.exit_code == 0, r.output
    rows = _rows(ledger_path)
    assert len(rows) == 3 * 12 and {row[8] for row in rows} == {"declared"}
    chatgpt = [row for row in rows if row[1] == "ChatGPT (web)"]
    assert {row[5] for row in chatgpt} == {12 * 15 * 21}  # users × prompts × default working days


def test_declaring_is_idempotent_and_an_edit_replaces_by_tool_and_month(declaration: Path, ledger_path: Path) -> None:
    first = cli("ledger", "declare", str(declaration))
    assert first.exit_code == 0 and "36 added" not in first.output  # the OCR starts mid-March: 10 months
    before = _rows(ledger_path)
    assert len(before) == 12 + 12 + 10
    ocr_march = next(r for r in before if r[0] == "declared:Invoice OCR (SaaS):2026-03")
    assert ocr_march[5] == round(3000 * 16 / 31)  # the share of March the tool covers
    again = cli("ledger", "declare", str(declaration))
    assert "0 added, 0 changed, 0 removed, 34 unchanged" in again.output
    assert _rows(ledger_path) == before
    # Edit: more ChatGPT users, Le Chat stops in June, the OCR tool renamed.
    edited = SME.replace("users = 12", "users = 14").replace(
        'working_days_per_month = 20\nstart = 2026-01-01\nend = 2026-12-31', 'working_days_per_month = 20\nstart = 2026-01-01\nend = 2026-06-30'
    ).replace("Invoice OCR (SaaS)", "OCR")
    declaration.write_text(edited, encoding="utf-8")
    dry = cli("ledger", "declare", str(declaration), "--dry-run")
    assert dry.exit_code == 0
    assert "dry run: 10 to add, 12 to change, 16 to remove, 6 unchanged" in dry.output, dry.output
    assert "would remove  Le Chat  2026-07" in dry.output
    assert _rows(ledger_path) == before  # nothing written
    done = cli("ledger", "declare", str(declaration))
    assert "10 added, 12 changed, 16 removed, 6 unchanged" in done.output
    after = _rows(ledger_path)
    assert len(after) == 12 + 6 + 10
    assert {r[5] for r in after if r[1] == "ChatGPT (web)"} == {14 * 15 * 21}
    assert not any(r[1] == "Invoice OCR (SaaS)" for r in after)


def test_declaring_leaves_recorded_calls_alone(declaration: Path, ledger_path: Path) -> None:
    import frugal_ai
    from frugal_ai import ledger

    frugal_ai.record_llm_call("gpt-4o-mini", 100, 20, provider="openai")
    ledger.flush()
    cli("ledger", "declare", str(declaration))
    declaration.write_text(SME.split("[[tool]]\nname = \"Le Chat\"")[0], encoding="utf-8")
    cli("ledger", "declare", str(declaration))
    sources = [r[8] for r in _rows(ledger_path)]
    assert sources.count("manual") == 1 and sources.count("declared") == 12


@pytest.mark.parametrize(("edit", "at", "key"), [
    (lambda s: s.replace("users = 12", "users = -3"), "users = -3", "tool[1].users"),
    (lambda s: s.replace('product = "le-chat"', 'product = "le-chatt"'), 'product = "le-chatt"', "tool[2].product"),
    (lambda s: s.replace("input_tokens = 1500\n", ""), "[[tool]]", "tool[3].input_tokens"),  # the table's line
    (lambda s: s.replace("requests_per_month = 3000", "requests_per_month = 3000\nuserz = 4"), "userz = 4", "tool[3].userz"),
    (lambda s: s.replace("end = 2026-12-31\n\n[[tool]]\nname = \"Le Chat\"", "end = 2025-12-31\n\n[[tool]]\nname = \"Le Chat\""),
     "end = 2025-12-31", "tool[1].end"),
    (lambda s: s.replace('model = "gpt-4o-mini"', 'model = "gpt-4o-mini"\nproduct = "chatgpt"'), 'product = "chatgpt"', "tool[3].product"),
    (lambda s: s + "\n[[tool]]\nname = \"Le Chat\"\nproduct = \"le-chat\"\nrequests_per_month = 5\n", 'name = "Le Chat"', "tool[4].name"),
])
def test_a_bad_file_is_one_line_naming_file_line_and_key_and_writes_nothing(
        declaration: Path, ledger_path: Path, edit, at: str, key: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(SME)
    declaration.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    line = len(lines) - lines[::-1].index(at)  # the last line that reads `at` (1-based)
    r = CliRunner().invoke(main, ["ledger", "declare", str(declaration)])
    assert r.exit_code == 2, r.output
    message = r.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    where = f"{declaration}:{line}"
    assert message.startswith(f"error: {where}") and key in message, message
    assert not ledger_path.exists() or _rows(ledger_path) == []


def test_not_toml_and_missing_file_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[tool]\nname = ", encoding="utf-8")
    for path in (bad, tmp_path / "missing.toml"):
        r = CliRunner().invoke(main, ["ledger", "declare", str(path)])
        assert r.exit_code == 2 and str(path) in r.output and len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_declared_sme_gets_a_complete_report_with_ghg_and_datapoints(
        declaration: Path, ledger_path: Path, lang: str) -> None:
    assert cli("ledger", "declare", str(declaration)).exit_code == 0
    data = json.loads(cli("report", "--period", "2026", "--format", "json", "--lang", lang).output)
    assert not data["empty"]
    methods = {k: m for k, m in data["by_method"].items() if m["has_data"]}
    assert set(methods) == {"declared"}
    declared = methods["declared"]
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        assert 0 < declared[q]["low"] < declared[q]["central"] < declared[q]["high"]
        assert declared[q] == pytest.approx(data["totals"][q], rel=1e-12)
    assert data["methodology"]["declared_share_co2e"] == pytest.approx(1.0)
    assert data["methodology"]["declared_requests"] == 12 * (12 * 15 * 21 + 8 * 10 * 20) + sum(
        r[5] for r in _rows(ledger_path) if r[1] == "Invoice OCR (SaaS)")
    assert data["ghg"]["scope3_cat1_kg"] == pytest.approx(data["ghg"]["scope3_cat1_declared_kg"], rel=1e-12)
    assert data["ghg"]["scope3_cat1_kg"] == pytest.approx(data["totals"]["co2e_kg"], rel=1e-12)
    scope3 = next(d for d in data["datapoints"] if d["id"] == "ESRS E1-6" and d["key"] == "dp.e1_6_scope3")
    assert scope3["value"] == pytest.approx(data["totals"]["co2e_kg"]["central"] / 1000)
    assert {w["key"] for w in data["by_workload"]} == {"ChatGPT (web)", "Le Chat", "Invoice OCR (SaaS)"}
    assert all(w["methods"] == ["declared"] for w in data["by_workload"])
    md = cli("report", "--period", "2026", "--format", "md", "--lang", lang).output
    if lang == "fr":
        assert "Aucune donnée" not in md and "déclaré" in md and "Part du CO2e déclarée" in md
        assert "dont usage déclaré" in md and "ESRS E1-6" in md
    else:
        assert "No data" not in md and "declared" in md and "Share of CO2e declared" in md


def test_a_month_declared_equals_the_same_requests_recorded(tmp_path: Path, ledger_path: Path) -> None:
    """A declared row is estimated exactly as the same requests recorded one by one would be."""
    from datetime import datetime, timezone

    import frugal_ai
    from frugal_ai import ledger
    from frugal_ai.inventory import load_inventory

    path = tmp_path / "one.toml"
    path.write_text('[[tool]]\nname = "bot"\nmodel = "gpt-4o-mini"\nprovider = "openai"\nrequests_per_month = 40\n'
                    'input_tokens = 900\noutput_tokens = 200\nstart = 2026-05-01\nend = 2026-05-31\n', encoding="utf-8")
    cli("ledger", "declare", str(path))
    other = tmp_path / "recorded.sqlite"
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import ApiCallRecord

    t = datetime(2026, 5, 2, tzinfo=timezone.utc).timestamp()
    write_records(other, [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o-mini", start=t, end=t,
                                        input_tokens=900, output_tokens=200, name="bot") for i in range(40)])
    (d,), (r,) = load_inventory(ledger_path).rows, load_inventory(other).rows
    assert (d.method, r.method) == ("declared", "estimated")
    assert d.footprint.co2e_kg.central == pytest.approx(r.footprint.co2e_kg.central, rel=1e-9)
    assert frugal_ai  # the public package is what wrote the ledger's configuration
    ledger.flush()


def test_gains_check_sees_declared_usage(declaration: Path, ledger_path: Path, tmp_path: Path) -> None:
    cli("ledger", "declare", str(declaration))
    gains = tmp_path / "gains.toml"
    gains.write_text('period = "year"\n\n[[use_case]]\nname = "Invoices"\nworkloads = ["Invoice OCR (SaaS)"]\n'
                     'reference = "paper invoices keyed by hand"\nstart = 2026-01-01\n'
                     '[[use_case.gain]]\nactivity = "office_paper"\nquantity = 20\nunit = "kg"\n', encoding="utf-8")
    for lang in ("en", "fr"):
        r = CliRunner().invoke(main, ["gains", "check", str(gains), "--since", "2026-01-01", "--until", "2027-01-01",
                                      "--format", "json"] + (["--lang", lang] if _gains_has_lang() else []))
        assert r.exit_code == 0, r.output
        data = json.loads(r.output)
        (uc,) = data["use_cases"]
        assert uc["footprint_co2e_kg"]["central"] > 0


def _gains_has_lang() -> bool:
    return "--lang" in CliRunner().invoke(main, ["gains", "check", "--help"]).output


def test_products_list_show_and_estimate_by_product() -> None:
    listed = cli("products", "list", "--format", "json")
    keys = {p["key"] for p in json.loads(listed.output)}
    assert {"chatgpt", "microsoft-365-copilot", "le-chat", "github-copilot", "deepl", "perplexity", "claude-ai",
            "gemini-app", "chatgpt-free", "chatgpt-plus", "chatgpt-team", "chatgpt-enterprise"} <= keys
    shown = cli("products", "show", "Le Chat")
    assert "mistral-medium-3" in shown.output and "ASSUMED" in shown.output
    est = json.loads(cli("estimate", "--product", "chatgpt", "--prompts", "15000", "--format", "json").output)
    by_model = json.loads(cli("estimate", "--model", "gpt-5", "--input-tokens", "1000", "--output-tokens", "500",
                              "--reasoning-tokens", "0", "--requests", "15000", "--format", "json").output)
    assert (est["model"], est["requests"], est["product"]) == ("gpt-5", 15000, "chatgpt")
    assert est["energy_kwh"]["central"] == pytest.approx(by_model["energy_kwh"]["central"])
    # the assumed prompt profile widens the range beyond the model's own
    assert est["energy_kwh"]["low"] < by_model["energy_kwh"]["low"] and est["energy_kwh"]["high"] > by_model["energy_kwh"]["high"]
    bad = CliRunner().invoke(main, ["estimate", "--product", "copilott"])
    assert bad.exit_code == 2 and "unknown product 'copilott'" in bad.output
    both = CliRunner().invoke(main, ["estimate", "--product", "chatgpt", "--model", "gpt-4o"])
    assert both.exit_code == 2


def test_a_declared_image_and_transcription_product_are_priced_per_unit(tmp_path: Path, ledger_path: Path) -> None:
    path = tmp_path / "media.toml"
    path.write_text('[[tool]]\nname = "Images"\nproduct = "chatgpt-images"\nimages_per_month = 100\nstart = 2026-02-01\n'
                    'end = 2026-02-28\n\n[[tool]]\nname = "Minutes"\nproduct = "transcription"\naudio_minutes_per_month = 600\n'
                    'start = 2026-02-01\nend = 2026-02-28\n', encoding="utf-8")
    assert cli("ledger", "declare", str(path)).exit_code == 0
    from frugal_ai.estimate.modalities import estimate_audio, estimate_image
    from frugal_ai.inventory import load_inventory

    rows = {r.workload: r for r in load_inventory(ledger_path).rows}
    assert rows["Images"].footprint.energy_kwh.central == pytest.approx(
        estimate_image("gpt-image-1", images=100, provider="openai").energy_kwh.central)
    assert rows["Minutes"].footprint.energy_kwh.central == pytest.approx(
        estimate_audio("whisper-1", 600 * 60, provider="openai").energy_kwh.central)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[[tool]]\nname = "x"\nproduct = "chatgpt-images"\npages_per_month = 3\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["ledger", "declare", str(wrong)])
    assert r.exit_code == 2 and "pages_per_month" in r.output


def test_the_example_sme_gets_its_french_report(tmp_path: Path, ledger_path: Path) -> None:
    """examples/declared_usage_sme: its declaration file through `ledger declare` and `report --lang fr`."""
    example = Path(__file__).resolve().parent.parent / "examples" / "declared_usage_sme"
    r = cli("ledger", "declare", str(example / "usage.toml"))
    assert r.exit_code == 0 and "46 added" in r.output, r.output
    md = cli("report", "--period", "2026", "--lang", "fr", "--format", "md").output
    committed = (example / "report.fr.md").read_text(encoding="utf-8")
    summary = next(line for line in md.splitlines() if line.startswith("Sur la période"))
    assert summary in committed  # the committed report is what these commands give
    for needle in ("## 3. GHG Protocol", "dont usage déclaré", "ESRS E1-6", "VSME B3", "Part du CO2e déclarée"):
        assert needle in md
