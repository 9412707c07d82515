"""`frugal-ai ledger import`: real files through the command line into a real ledger file —
idempotence, overlapping exports, dry runs, --strict, malformed files (nothing written),
unknown models (warned once, still imported) and model_aliases."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frugal_ai.cli import main
from frugal_ai.ledger import connect
from frugal_ai.ledger.query import ledger_stats

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _import(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ledger", "import", *args])
    return result.exit_code, result.stdout, result.stderr


def _totals(path: Path) -> tuple[int, int, int, int, int]:
    """(rows, requests, input, output, reasoning tokens) of the ledger's API calls."""
    s = ledger_stats(connect(path, readonly=True))
    return (s["api_call_rows"], s["api_calls"], int(s["input_tokens"]), int(s["output_tokens"]),
            int(s["reasoning_tokens"]))


def _calls(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM api_calls ORDER BY start, model").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("name, rows, requests", [
    ("generic.csv", 4, 5970), ("openai-usage.json", 3, 3030), ("openai-usage.csv", 2, 1030),
    ("anthropic-analytics-usage.json", 1, 100),
    ("otlp-genai.json", 3, 3), ("litellm-spend-logs.json", 2, 2), ("langfuse-observations.json", 2, 2),
    ("azure-metrics.json", 1, 400), ("azure-metrics.csv", 2, 350),
])
def test_each_format_imports_and_a_second_import_adds_nothing(ledger_path: Path, name: str, rows: int,
                                                              requests: int) -> None:
    code, out, err = _import(str(FIXTURES / name))
    assert code == 0, err
    assert f"{rows} new, 0 already in the ledger" in out
    first = _totals(ledger_path)
    assert first[:2] == (rows, requests)
    code, out, _ = _import(str(FIXTURES / name))
    assert code == 0
    assert f"0 new, {rows} already in the ledger" in out
    assert _totals(ledger_path) == first


def test_rows_are_dated_aggregated_facts_with_their_source(ledger_path: Path) -> None:
    assert _import(str(FIXTURES / "openai-usage.json"))[0] == 0
    calls = _calls(ledger_path)
    gpt4o = next(c for c in calls if c["model"] == "gpt-4o-2024-08-06")
    assert (gpt4o["requests"], gpt4o["input_tokens"], gpt4o["output_tokens"]) == (30, 3000, 1000)
    assert gpt4o["start"] == 1767225600.0  # the bucket's start: it counts in January 2026
    assert {c["source"] for c in calls} == {"import:openai-usage"}
    assert json.loads(gpt4o["tags"]) == {"openai_project": "proj_abc"}


def test_an_overlapping_export_in_another_form_adds_nothing(ledger_path: Path) -> None:
    assert _import(str(FIXTURES / "openai-usage.json"))[0] == 0
    before = _totals(ledger_path)
    code, out, _ = _import(str(FIXTURES / "openai-usage.csv"))
    assert code == 0 and "0 new, 2 already in the ledger" in out
    assert _totals(ledger_path) == before


def test_a_bucket_exported_again_with_more_requests_replaces_its_figures(ledger_path: Path, tmp_path: Path) -> None:
    assert _import(str(FIXTURES / "openai-usage.json"))[0] == 0
    doc = json.loads((FIXTURES / "openai-usage.json").read_text())
    doc["data"][1]["results"][0]["num_model_requests"] = 2500  # the day was not over at the first export
    doc["data"][1]["results"][0]["input_tokens"] = 3_125_000
    later = tmp_path / "later.json"
    later.write_text(json.dumps(doc))
    code, out, _ = _import(str(later))
    assert code == 0 and "0 new, 3 already in the ledger" in out
    rows, requests, *_ = _totals(ledger_path)
    assert (rows, requests) == (3, 3530)


def test_dry_run_writes_nothing_and_says_what_would_change(ledger_path: Path) -> None:
    code, out, _ = _import(str(FIXTURES / "generic.csv"), "--dry-run")
    assert code == 0
    assert "would import 4 rows" in out and "4 new, 0 already" in out and "dry run: nothing written" in out
    assert not ledger_path.exists() or _totals(ledger_path)[0] == 0
    assert _import(str(FIXTURES / "generic.csv"))[0] == 0
    code, out, _ = _import(str(FIXTURES / "generic.csv"), "--dry-run")
    assert "0 new, 4 already in the ledger" in out


def test_skipped_rows_are_reported_with_their_reason(ledger_path: Path) -> None:
    code, out, _ = _import(str(FIXTURES / "otlp-genai.json"))
    assert code == 0
    assert "skipped 1 rows: not a GenAI span (e.g. line 1, resourceSpans[0], scopeSpans[0], spans[1])" in out


def test_strict_makes_a_skipped_row_an_error_and_writes_nothing(ledger_path: Path) -> None:
    code, out, err = _import(str(FIXTURES / "generic.csv"), "--strict")
    assert code == 2
    assert err.strip().splitlines() == [f"error: {FIXTURES / 'generic.csv'}: line 7: 0 requests "
                                        "(--strict: every row must be imported)"]
    assert not ledger_path.exists() or _totals(ledger_path)[0] == 0


def test_a_malformed_file_is_one_line_exit_2_and_nothing_written(ledger_path: Path, tmp_path: Path) -> None:
    # 5,000 good rows, then a bad one: the good ones were already read (and queued) when the
    # bad one is met, and none of them is written.
    path = tmp_path / "usage.csv"
    lines = ["date,provider,model,requests,input_tokens,output_tokens"]
    lines += [f"2026-01-{1 + i % 28:02d},openai,gpt-4o-mini,{1 + i},100,20" for i in range(5000)]
    lines.append("2026-02-01,openai,gpt-4o-mini,3,100,twenty")
    path.write_text("\n".join(lines) + "\n")
    code, out, err = _import(str(path))
    assert code == 2
    assert err.strip().splitlines() == [f"error: {path}: line 5002: output_tokens is not a number ('twenty')"]
    assert not ledger_path.exists() or _totals(ledger_path)[0] == 0


def test_a_missing_file_is_a_bad_input(ledger_path: Path) -> None:
    code, _, err = _import("no-such-file.csv")
    assert code == 2 and "no-such-file.csv: no such file" in err


def test_an_unknown_model_is_imported_and_warned_once(ledger_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("date,provider,model,requests,input_tokens,output_tokens\n"
                    + "".join(f"2026-01-{d:02d},,le-chat,10,500,200\n" for d in range(1, 11)))
    code, out, err = _import(str(path))
    assert code == 0 and "10 new" in out
    warnings = [line for line in err.splitlines() if "le-chat" in line]
    assert len(warnings) == 1 and "not in the catalogue (10 rows)" in warnings[0]
    assert {c["model"] for c in _calls(ledger_path)} == {"le-chat"}


def test_model_aliases_map_deployment_names_to_catalogue_models(ledger_path: Path) -> None:
    Path("pyproject.toml").write_text('[tool.frugal-ai.model_aliases]\n"Prod-GPT4o" = "gpt-4o"\n')
    code, out, err = _import(str(FIXTURES / "azure-metrics.csv"))
    assert code == 0, err
    assert "prod-gpt4o" not in err  # known through its alias: no warning
    calls = {c["model"]: c for c in _calls(ledger_path)}
    assert set(calls) == {"gpt-4o", "gpt-4o-mini"}
    assert json.loads(calls["gpt-4o"]["tags"]) == {"azure_deployment": "prod-gpt4o", "model_as_reported": "prod-gpt4o"}
    report = CliRunner().invoke(main, ["report", "--period", "2026-01", "--format", "json"])
    assert report.exit_code == 0, report.output
    models = {m["model"]: m for m in json.loads(report.stdout)["by_model"]}
    assert models["gpt-4o"]["co2e_kg"]["central"] > 0  # priced, not a silent zero


def test_an_alias_to_a_model_the_catalogue_does_not_know_is_a_config_error(ledger_path: Path) -> None:
    Path("pyproject.toml").write_text('[tool.frugal-ai.model_aliases]\n"prod" = "gpt-9-turbo-max"\n')
    code, _, err = _import(str(FIXTURES / "generic.csv"))
    assert code == 2
    assert "pyproject.toml: model_aliases.prod: unknown model 'gpt-9-turbo-max'" in err


_GENERIC_ROWS = st.lists(
    st.tuples(st.integers(1, 28), st.sampled_from(["gpt-4o-mini", "gpt-4o", "mistral-large-2411"]),
              st.integers(1, 5000), st.integers(0, 4000), st.integers(0, 2000), st.sampled_from(["", "ocr", "bot"])),
    min_size=1, max_size=12, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_GENERIC_ROWS, seed=st.integers(0, 2**16), copies=st.lists(st.integers(1, 3), min_size=12, max_size=12))
def test_any_permutation_or_duplication_of_the_same_rows_gives_the_same_totals(
        tmp_path: Path, rows: list[tuple[int, str, int, int, int, str]], seed: int, copies: list[int]) -> None:
    def write(name: str, lines: list[tuple[int, str, int, int, int, str]]) -> Path:
        path = tmp_path / name
        text = "date,provider,model,requests,input_tokens,output_tokens,workload\n" + "".join(
            f"2026-03-{d:02d},,{m},{n},{i},{o},{w}\n" for d, m, n, i, o, w in lines)
        path.write_text(text)
        return path

    expected = (len(rows), sum(r[2] for r in rows), sum(r[2] * r[3] for r in rows), sum(r[2] * r[4] for r in rows), 0)
    shuffled = [r for r, k in zip(rows, copies) for _ in range(k)]
    random.Random(seed).shuffle(shuffled)
    half = shuffled[: len(shuffled) // 2 + 1]  # an overlapping file
    once = tmp_path / "once.sqlite"
    many = tmp_path / "many.sqlite"
    for path, files in ((once, [write("a.csv", rows)]), (many, [write("b.csv", shuffled), write("c.csv", half)])):
        for f in files:
            assert _import(str(f), "--ledger", str(path))[0] == 0
        assert _totals(path) == expected
    for p in tmp_path.glob("*.sqlite*"):
        p.unlink()
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)


def test_prompts_and_responses_in_an_export_never_reach_the_ledger(ledger_path: Path, tmp_path: Path) -> None:
    canary = "CANARY-7f3a-prompt-text"
    litellm = json.loads((FIXTURES / "litellm-spend-logs.json").read_text())
    litellm[0]["messages"] = [{"role": "user", "content": canary}]
    litellm[0]["response"] = {"choices": [{"message": {"content": canary}}]}
    litellm[0]["api_key"] = canary
    langfuse = json.loads((FIXTURES / "langfuse-observations.json").read_text())
    langfuse["data"][0]["input"] = [{"role": "user", "content": canary}]
    langfuse["data"][0]["output"] = {"content": canary}
    otlp_line = json.loads((FIXTURES / "otlp-genai.json").read_text().splitlines()[1])
    otlp_line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].append(
        {"key": "gen_ai.prompt.0.content", "value": {"stringValue": canary}})
    files = {"l.json": litellm, "f.json": langfuse, "o.json": otlp_line}
    for name, doc in files.items():
        (tmp_path / name).write_text(json.dumps(doc))
        code, out, err = _import(str(tmp_path / name))
        assert code == 0, err
        assert canary not in out + err
    assert _totals(ledger_path)[0] == 2 + 2 + 2
    for f in ledger_path.parent.glob(ledger_path.name + "*"):
        assert canary.encode() not in f.read_bytes()


def test_a_file_that_is_not_utf8_text_is_a_bad_input(ledger_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,provider,model,requests,input_tokens,output_tokens\n".encode()
                     + "2026-01-01,openai,gpt-4o,1,10,10\n".encode() * 3 + "2026-01-02,openai,modèle,1,1,1\n".encode("latin-1"))
    code, _, err = _import(str(path), "--format", "csv")
    assert code == 2
    assert err.strip().splitlines() == [f"error: {path}: line 5: not UTF-8 text (invalid continuation byte)"]
    assert not ledger_path.exists() or _totals(ledger_path)[0] == 0
