"""A SaaS declared by its spend alone (`spend_eur_per_month`): through `ledger declare` and
`report` on the command line, with its documented factor and its wide range."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from frugal_ai.cli import main
from frugal_ai.factors import factor_set

BY_SPEND = """
[[tool]]
name = "Writing assistant"
spend_eur_per_month = 300
start = 2026-01-01
end = 2026-01-31
"""
# The same requests declared by count, on the request the factor assumes.
BY_COUNT = """
[[tool]]
name = "Writing assistant"
model = "{model}"
requests_per_month = {requests}
input_tokens = {inp}
output_tokens = {out}
start = 2026-01-01
end = 2026-01-31
"""


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _declare_and_report(tmp_path: Path, text: str, ledger: Path) -> dict:
    path = tmp_path / "usage.toml"
    path.write_text(text, encoding="utf-8")
    r = cli("ledger", "declare", str(path), "--ledger", str(ledger))
    assert r.exit_code == 0, r.output
    out = cli("report", "--period", "2026-01", "--format", "json", "--ledger", str(ledger))
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_spend_becomes_requests_with_the_documented_factor_and_its_range(tmp_path: Path) -> None:
    fs = factor_set()
    per_eur = fs.constant("spend.requests_per_eur").range
    inp, out = (int(float(fs.constant(f"spend.{k}_tokens_per_request"))) for k in ("input", "output"))
    spend = _declare_and_report(tmp_path, BY_SPEND, tmp_path / "spend.sqlite")
    conn = sqlite3.connect(tmp_path / "spend.sqlite")
    (row,) = conn.execute("SELECT model, requests, input_tokens, output_tokens, source, tags FROM api_calls").fetchall()
    conn.close()
    requests = round(300 * per_eur.central)
    assert row[:5] == (fs.default("spend_model"), requests, inp, out, "declared-spend")
    assert json.loads(row[5])["spend_eur_per_month"] == "300"

    count = _declare_and_report(tmp_path, BY_COUNT.format(model=fs.default("spend_model"), requests=requests,
                                                          inp=inp, out=out), tmp_path / "count.sqlite")
    a, b = spend["by_method"]["declared"]["co2e_kg"], count["by_method"]["declared"]["co2e_kg"]
    assert a["central"] == pytest.approx(b["central"], rel=1e-9)  # the same requests, the same centre
    # The spend's range replaces the declaration's own: bounds scaled by the requests-per-euro bounds.
    decl = fs.constant("declared.requests_factor").range
    assert a["low"] / b["low"] == pytest.approx((per_eur.low / per_eur.central) / (decl.low / decl.central), rel=1e-9)
    assert a["high"] / b["high"] == pytest.approx((per_eur.high / per_eur.central) / (decl.high / decl.central), rel=1e-9)
    assert spend["totals"]["co2e_kg"]["high"] == pytest.approx(a["high"], rel=1e-9)


@pytest.mark.parametrize("lang, label", [("en", "declared by spend"), ("fr", "déclaré par la dépense")])
def test_the_report_labels_spend_based_rows(tmp_path: Path, lang: str, label: str) -> None:
    path = tmp_path / "usage.toml"
    path.write_text(BY_SPEND, encoding="utf-8")
    ledger = tmp_path / "l.sqlite"
    assert cli("ledger", "declare", str(path), "--ledger", str(ledger)).exit_code == 0
    md = cli("report", "--period", "2026-01", "--format", "md", "--lang", lang, "--ledger", str(ledger)).output
    assert label in md


def test_switching_a_tool_from_spend_to_counts_replaces_its_rows(tmp_path: Path) -> None:
    path, ledger = tmp_path / "usage.toml", tmp_path / "l.sqlite"
    path.write_text(BY_SPEND, encoding="utf-8")
    assert cli("ledger", "declare", str(path), "--ledger", str(ledger)).exit_code == 0
    assert "0 added, 0 changed, 0 removed, 1 unchanged" in cli("ledger", "declare", str(path), "--ledger", str(ledger)).output
    path.write_text(BY_COUNT.format(model="gpt-4o", requests=12000, inp=1000, out=300), encoding="utf-8")
    assert "1 changed" in cli("ledger", "declare", str(path), "--ledger", str(ledger)).output
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT source FROM api_calls").fetchall() == [("declared",)]
    conn.close()


@pytest.mark.parametrize("body, key", [
    ('product = "invoice-ocr"\nspend_eur_per_month = 50', "spend_eur_per_month"),
    ('spend_eur_per_month = -5', "spend_eur_per_month"),
    ('spend_eur_per_month = 5\nusers = 3\nprompts_per_user_per_day = 2', "users"),
    ('product = "chatgpt"\nmodel = "gpt-4o"\nspend_eur_per_month = 5', "product"),
    ('users = 3\nprompts_per_user_per_day = 2', "product"),
])
def test_a_bad_spend_declaration_is_one_line_naming_the_key(tmp_path: Path, body: str, key: str) -> None:
    path, ledger = tmp_path / "usage.toml", tmp_path / "l.sqlite"
    path.write_text(f'[[tool]]\nname = "x"\n{body}\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["ledger", "declare", str(path), "--ledger", str(ledger)])
    assert r.exit_code == 2 and f"tool[1].{key}" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not ledger.exists() or sqlite3.connect(ledger).execute("SELECT count(*) FROM api_calls").fetchone() == (0,)
