"""`frugal-ai report` end to end on a real SQLite ledger: formats, contract keys, schema, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main
from golden.fixed_ledger import GAINS, build

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A ledger of fixed records, and settings from the environment only (no config file)."""
    ledger = build(tmp_path / "ledger.sqlite")
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_text('country = "FR"\n', encoding="utf-8")
    values = {"FRUGAL_AI_LEDGER": str(ledger), "FRUGAL_AI_CONFIG": str(cfg)}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["report", *args])
    return r.exit_code, r.stdout, r.stderr


def test_json_has_the_contract_keys_and_validates_against_the_schema(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2026-Q3", "--format", "json", "--gains", str(GAINS))
    assert code == 0
    data = json.loads(out)
    for key in ("period", "factor_set_version", "totals", "by_workload", "by_model", "ghg", "gains", "methodology"):
        assert key in data
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        r = data["totals"][q]
        assert r["low"] <= r["central"] <= r["high"] and r["central"] > 0
    assert {"scope2_location_kg", "scope3_cat1_kg"} <= set(data["ghg"])
    assert data["period"] == "2026-Q3"
    assert [u["verdict"] for u in data["gains"]["use_cases"]]
    code, schema_text, _ = run("--schema")
    assert code == 0
    jsonschema.validate(data, json.loads(schema_text))


def test_gains_is_null_without_a_gains_file(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2026-Q3", "--format", "json")
    assert code == 0 and json.loads(out)["gains"] is None


def test_csv_has_one_row_per_workload_month_method(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2026-Q3", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    keys = [(r["Workload"], r["Month"], r["Method"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert ("support-chatbot", "2026-08", "estimated") in keys
    assert ("ticket-classifier", "2026-07", "measured") in keys
    row = next(r for r in rows if r["Workload"] == "ticket-classifier" and r["Month"] == "2026-08")
    assert float(row["co2e_kg_low"]) <= float(row["co2e_kg_central"]) <= float(row["co2e_kg_high"])


def test_french_csv_uses_semicolons_and_decimal_commas(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2026-Q3", "--format", "csv", "--lang", "fr")
    assert code == 0
    header, *lines = out.splitlines()
    assert header.startswith("Charge de travail;Mois;Méthode")
    line = next(x for x in lines if x.startswith("ticket-classifier;2026-07;mesuré;"))
    assert "," in line.split(";")[-1] and "." not in line.split(";")[-1]
    unknown = next(x for x in lines if x.startswith("(sans charge de travail);"))
    # A model the catalogue does not know is priced by a fallback class (issue 11: never a
    # silent zero), in decimal commas like the rest; it used to be left with empty cells.
    cells = unknown.split(";")[-9:]
    assert all(c and "," in c and "." not in c for c in cells), unknown


def test_out_writes_the_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    code, out, err = run("--period", "2026-Q3", "--format", "html", "--out", str(target))
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("name,start", [("r.html", "<!DOCTYPE html>"), ("r.md", "# AI footprint report"),
                                        ("r.json", "{"), ("r.csv", "Workload,Month,"), ("r.txt", "AI footprint report —")])
def test_out_without_format_takes_the_format_from_the_extension(env: dict[str, str], tmp_path: Path,
                                                                 name: str, start: str) -> None:
    target = tmp_path / name
    code, out, err = run("--period", "2026-Q3", "--out", str(target))
    assert code == 0 and out == "", err
    assert target.read_text(encoding="utf-8").startswith(start)


def test_format_given_wins_over_the_extension(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    assert run("--period", "2026-Q3", "--format", "md", "--out", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("# AI footprint report")


def test_out_in_a_missing_folder_is_one_input_error_line(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "x.html"
    code, out, err = run("--period", "2026-Q3", "--out", str(target))
    assert code == 2 and str(target) in err
    assert "Errno" not in err and "FileNotFoundError" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["table", "html", "md"])
def test_an_empty_period_still_shows_the_gains_balance(env: dict[str, str], fmt: str) -> None:
    code, out, _ = run("--period", "2025", "--format", fmt, "--gains", str(GAINS))
    assert code == 0
    code_j, out_j, _ = run("--period", "2025", "--format", "json", "--gains", str(GAINS))
    data = json.loads(out_j)
    assert data["empty"] is True and data["gains"]["use_cases"]
    assert "Ecological gains" in out
    for case in data["gains"]["use_cases"]:
        assert case["name"] in out or case["name"].replace("&", "&amp;") in out


def test_a_ledger_zone_unknown_to_the_factor_base_is_a_flagged_fallback(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import RunRecord

    ledger = tmp_path / "old.sqlite"
    write_records(ledger, [RunRecord(id="a", name="old-run", start=1.78e9, end=1.78e9 + 60, zone="ZZ",
                                     method="rapl+ram_model", cpu_kwh=0.01, ram_kwh=0.001)])
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    for cmd in (["report", "--ledger", str(ledger), "--format", "md"], ["advise", "--ledger", str(ledger)]):
        r = CliRunner().invoke(main, cmd)
        assert r.exit_code == 0, r.stderr
    out = CliRunner().invoke(main, ["report", "--ledger", str(ledger), "--format", "md"]).stdout
    assert "zone ZZ recorded in the ledger is not in the factor base" in out


@pytest.mark.parametrize("lang,produced,period", [("en", "Produced by frugal-ai", "Period"), ("fr", "Produit par frugal-ai", "Période")])
def test_html_says_who_produced_it_once_and_the_period_on_one_line(env: dict[str, str], lang: str, produced: str,
                                                                     period: str) -> None:
    code, out, _ = run("--period", "2026-Q3", "--format", "html", "--lang", lang)
    assert code == 0 and out.count(produced) == 1
    assert out.count(f"{period}\u00a0:" if lang == "fr" else f"{period}:") == 1
    assert "Records from" not in out and "Enregistrements du" not in out  # merged into the period line


def test_the_period_filters_the_rows(env: dict[str, str]) -> None:
    _, july, _ = run("--period", "2026-07", "--format", "json")
    _, quarter, _ = run("--period", "2026-Q3", "--format", "json")
    j, q = json.loads(july), json.loads(quarter)
    assert 0 < j["totals"]["co2e_kg"]["central"] < q["totals"]["co2e_kg"]["central"]
    assert j["methodology"]["ledger_rows"] < q["methodology"]["ledger_rows"]
    assert j["methodology"]["content_hash"] != q["methodology"]["content_hash"]


def test_an_empty_period_says_there_is_no_data(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2025", "--format", "md")
    assert code == 0
    assert "No data for this period" in out
    code, out, _ = run("--period", "2025", "--format", "json")
    assert json.loads(out)["empty"] is True


def test_a_missing_ledger_is_an_empty_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(tmp_path / "nothing-yet.sqlite"))
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    code, out, _ = run("--lang", "fr")
    assert code == 0 and "Aucune donnée pour cette période" in out
    assert not (tmp_path / "nothing-yet.sqlite").exists()  # reading never creates a ledger


@pytest.mark.parametrize(
    "args",
    [["--period", "2026-Q7"], ["--since", "yesterday"], ["--period", "2026", "--since", "2026-01-01"],
     ["--format", "docx"], ["--gains", "/nonexistent/gains.toml"]],
)
def test_bad_arguments_exit_2_with_one_line(env: dict[str, str], args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert "Traceback" not in err + out


def test_a_corrupt_ledger_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "ledger.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(bad))
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    code, out, err = run()
    assert code == 2 and str(bad) in err


def test_table_format_has_every_section(env: dict[str, str]) -> None:
    code, out, _ = run("--period", "2026-Q3", "--gains", str(GAINS))
    assert code == 0
    for title in ("1. Summary", "2. Breakdown", "3. GHG Protocol", "4. ESRS and VSME datapoints",
                  "5. Ecological gains", "6. Recommendations", "7. Data quality and method"):
        assert title in out


def test_progress_bar_appears_only_after_the_delay() -> None:
    import time

    from frugal_ai.report.progress import ProgressBar

    quick = io.StringIO()
    with ProgressBar(quick, delay_s=0.5) as bar:
        bar("ledger", 0.5)
    assert quick.getvalue() == ""
    slow = io.StringIO()
    with ProgressBar(slow, delay_s=0.05, interval_s=0.02) as bar:
        bar("hashing", 0.5)
        time.sleep(0.2)
    assert "[##############..............]" in slow.getvalue() and "hashing" in slow.getvalue()


def test_the_command_runs_as_a_program(env: dict[str, str]) -> None:
    r = subprocess.run([sys.executable, "-m", "frugal_ai", "report", "--period", "2026-Q3", "--format", "md"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# AI footprint report — 2026-Q3")


def test_a_call_recorded_without_provider_shows_the_model_alone(ledger_path: Path) -> None:
    import frugal_ai
    from frugal_ai import ledger

    frugal_ai.record_llm_call("nosuch-model-x", 100, 50)
    ledger.flush()
    out = CliRunner().invoke(main, ["report", "--format", "md"]).output
    assert "nosuch-model-x" in out and "/nosuch-model-x" not in out


def test_the_measured_section_shows_the_machine_energy_not_charged_to_runs(env: dict[str, str]) -> None:
    """Where tracker sessions recorded the split, the data quality shows the machine's energy as
    runs + tracked processes outside runs + other processes + idle, in every language; the JSON
    carries it (validated against the schema). Without such sessions (the golden ledger) nothing changes."""
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import SessionRecord
    from golden.fixed_ledger import ts

    code, before, _ = run("--period", "2026-Q3", "--format", "json")
    assert code == 0 and "machine_split" not in json.loads(before)["methodology"]
    write_records(env["FRUGAL_AI_LEDGER"], [SessionRecord(
        id="s1", start=ts(2026, 7, 6, 9), end=ts(2026, 7, 6, 12), method="rapl+ram_model", cpu_kwh=1.0, ram_kwh=0.2,
        unattributed_cpu_kwh=0.7, unattributed_ram_kwh=0.15, others_cpu_kwh=0.3, idle_cpu_kwh=0.25, others_ram_kwh=0.05,
        idle_ram_kwh=0.08, share_method="proc")])
    code, out, _ = run("--period", "2026-Q3", "--format", "json")
    assert code == 0
    split = json.loads(out)["methodology"]["machine_split"]
    assert split["machine_kwh"] == pytest.approx(1.2) and split["runs_kwh"] == pytest.approx(0.35)
    assert (split["process_outside_runs_kwh"], split["others_kwh"], split["idle_kwh"]) == pytest.approx((0.17, 0.35, 0.33))
    jsonschema.validate(json.loads(out), json.loads(run("--schema")[1]))
    code, md, _ = run("--period", "2026-Q3", "--format", "md")
    assert "| Machine energy measured by the trackers (IT energy; tracker sessions: 1) | 1.2 kWh |" in md, md
    for label, value in (("charged to tracked runs", "350 Wh"), ("tracked processes between their runs", "170 Wh"),
                         ("other processes on the machine", "350 Wh"), ("idle", "330 Wh")):
        assert any(label in line and f"| {value} |" in line for line in md.splitlines()), (label, value)
    code, md_fr, _ = run("--period", "2026-Q3", "--format", "md", "--lang", "fr")
    assert "Énergie de la machine mesurée par les compteurs" in md_fr and "dont autres processus" in md_fr


def test_web_workers_tracked_at_once_count_their_machine_once(env: dict[str, str]) -> None:
    """Four workers of one web service, each tracked, each measured the whole machine over the
    same three hours: the report's machine energy is one machine's, not four, and the energy
    measured outside runs drops what the four counted more than once."""
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.ledger.records import SessionRecord
    from golden.fixed_ledger import ts

    start, end = ts(2026, 7, 6, 9), ts(2026, 7, 6, 12)
    # Each: 1.0 kWh of CPU, 0.1 on its own requests, 0.3 the three others' requests, 0.6 idle.
    workers = [SessionRecord(id=f"w{i}", start=start, end=end, host="web1", pid=100 + i, method="rapl", cpu_kwh=1.0,
                             unattributed_cpu_kwh=0.9, others_cpu_kwh=0.3, idle_cpu_kwh=0.6, share_method="proc")
               for i in range(4)]
    write_records(env["FRUGAL_AI_LEDGER"], workers)
    code, out, _ = run("--period", "2026-Q3", "--format", "json")
    assert code == 0
    methodology = json.loads(out)["methodology"]
    split = methodology["machine_split"]
    assert split["sessions"] == 4
    assert split["machine_kwh"] == pytest.approx(1.0)  # summed over the four: 4.0
    assert (split["runs_kwh"], split["others_kwh"], split["idle_kwh"]) == pytest.approx((0.4, 0.0, 0.6))
    assert split["overlap_kwh"] == pytest.approx(3.0)
    assert methodology["unattributed_kwh"] == pytest.approx(0.6)  # summed over the four: 3.6
    jsonschema.validate(json.loads(out), json.loads(run("--schema")[1]))


def test_no_progress_bar_on_a_stderr_that_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                            env: dict[str, str]) -> None:
    """A redirected stderr gets the error alone, however long the report took before failing
    (the bar is drawn at once here: a loaded machine used to slip it into the one-line error)."""
    import functools

    from frugal_ai.report import progress

    monkeypatch.setattr(progress, "ProgressBar", functools.partial(progress.ProgressBar, delay_s=0, interval_s=0.001))
    gains = tmp_path / "gains.toml"
    gains.write_text("[[use_case]]\nname = 1\n", encoding="utf-8")
    code, _, err = run("--period", "2026-Q3", "--gains", str(gains))
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "\r" not in err, err
