"""`ledger import` and `ledger declare` straight into a postgresql:// ledger, against a real
PostgreSQL server (tests/pg_server.py): the same files through the same commands into
PostgreSQL and into a SQLite file give the same report (content hash included); imports and
declarations stay idempotent there; --dry-run, a malformed file, --strict and an unreachable
server write nothing.

Skipped with the reason where no server can start (see tests/test_ledger_postgres.py).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from frugal_ai.cli import main
from test_declared_usage import SME

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _cli(where: str | Path, *args: str) -> Result:
    """The command line with the ledger in force at `where` (a file or a postgresql:// URL)."""
    return CliRunner().invoke(main, list(args), env={"FRUGAL_AI_LEDGER": str(where)})


def _report(where: str | Path) -> dict:
    r = _cli(where, "report", "--since", "2025-01-01", "--until", "2026-12-31", "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _calls(server, url: str, columns: str = "count(*), coalesce(sum(requests), 0)") -> tuple:  # type: ignore[no-untyped-def]
    return tuple(server.query(url.rsplit("/", 1)[1], f"SELECT {columns} FROM api_calls")[0])


def _one_line(r: Result) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


@pytest.mark.parametrize("name, rows", [("openai-usage.json", 3), ("anthropic-analytics-usage.json", 1),
                                        ("otlp-genai.json", 3), ("generic.csv", 4),
                                        ("langfuse-observations.json", 2)])
def test_an_import_into_postgresql_reports_as_into_a_file(pg_server, pg_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          name: str, rows: int) -> None:
    file = tmp_path / "ledger.sqlite"
    outputs = []
    for where in (file, pg_url):
        first = _cli(where, "ledger", "import", str(FIXTURES / name))
        assert first.exit_code == 0, first.output
        assert f"{rows} new, 0 already in the ledger" in first.stdout
        again = _cli(where, "ledger", "import", str(FIXTURES / name))
        assert again.exit_code == 0 and f"0 new, {rows} already in the ledger" in again.stdout
        outputs.append((first.stdout.replace(str(where), "<ledger>"), _report(where)))
    assert outputs[0] == outputs[1]
    report = outputs[1][1]
    assert report["methodology"]["content_hash"] and report["methodology"]["ledger_rows"] > 0
    assert _calls(pg_server, pg_url, "count(*), count(DISTINCT id)") == (rows, rows)


def test_repeated_and_overlapping_rows_end_as_in_a_file(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A row given twice in one file (one batch), with other figures the second time, and
    an export of the same days again with more requests: PostgreSQL keeps what SQLite keeps,
    in the same storage order (the content hash follows it)."""
    header = "date,provider,model,requests,input_tokens,output_tokens,workload\n"
    twice = tmp_path / "twice.csv"
    twice.write_text(header + "2026-01-05,openai,gpt-4o-mini,10,100,20,a\n"
                              "2026-01-06,openai,gpt-4o,5,1000,200,a\n"
                              "2026-01-05,openai,gpt-4o-mini,10,100,20,a\n"
                              "2026-01-07,mistral,mistral-large-2411,3,500,50,b\n")
    doc = json.loads((FIXTURES / "openai-usage.json").read_text())
    # The first bucket again at the end, with other figures: a bucket of the same day came
    # between, and the day's hash follows the storage order, so the row keeps its first place.
    again = json.loads(json.dumps(doc["data"][0]))
    again["results"] = again["results"][:1]
    again["results"][0]["num_model_requests"] = 2500
    doc["data"] = doc["data"] + [again]
    buckets_twice = tmp_path / "buckets-twice.json"
    buckets_twice.write_text(json.dumps(doc))
    file = tmp_path / "ledger.sqlite"
    reports = []
    for where in (file, pg_url):
        for path in (twice, buckets_twice, FIXTURES / "openai-usage.json", buckets_twice, twice):
            r = _cli(where, "ledger", "import", str(path))
            assert r.exit_code == 0, r.output
        reports.append(_report(where))
    assert reports[0] == reports[1]
    assert _calls(pg_server, pg_url) == (3 + 3, 10 + 5 + 3 + 2500 + 30 + 2000)


def test_a_replaced_figure_is_new_nowhere_and_counted_as_already_there(pg_server, pg_url: str,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    assert _cli(pg_url, "ledger", "import", str(FIXTURES / "openai-usage.json")).exit_code == 0
    doc = json.loads((FIXTURES / "openai-usage.json").read_text())
    doc["data"][1]["results"][0]["num_model_requests"] = 2500
    later = tmp_path / "later.json"
    later.write_text(json.dumps(doc))
    r = _cli(pg_url, "ledger", "import", str(later))
    assert r.exit_code == 0 and "0 new, 3 already in the ledger" in r.stdout
    assert _calls(pg_server, pg_url) == (3, 3530)


def test_dry_run_and_strict_write_nothing_to_postgresql(pg_server, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    dry = _cli(pg_url, "ledger", "import", str(FIXTURES / "generic.csv"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would import 4 rows" in dry.stdout and "4 new, 0 already" in dry.stdout and "nothing written" in dry.stdout
    assert _calls(pg_server, pg_url) == (0, 0)
    strict = _cli(pg_url, "ledger", "import", str(FIXTURES / "generic.csv"), "--strict")
    assert strict.exit_code == 2 and "--strict" in _one_line(strict)
    assert _calls(pg_server, pg_url) == (0, 0)
    assert _cli(pg_url, "ledger", "import", str(FIXTURES / "generic.csv")).exit_code == 0
    again = _cli(pg_url, "ledger", "import", str(FIXTURES / "generic.csv"), "--dry-run")
    assert "0 new, 4 already in the ledger" in again.stdout
    assert _calls(pg_server, pg_url) == (4, 5970)


def test_a_malformed_file_after_a_sent_batch_writes_nothing(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # More good rows than one batch (rows.insert_records sends 10,000 at a time): the first
    # batch is in PostgreSQL, uncommitted, when the bad row is read; it is rolled back.
    path = tmp_path / "usage.csv"
    lines = ["date,provider,model,requests,input_tokens,output_tokens,workload"]
    lines += [f"2026-01-{1 + i % 28:02d},openai,gpt-4o-mini,{1 + i % 7},100,20,w{i}" for i in range(12_000)]
    lines.append("2026-02-01,openai,gpt-4o-mini,3,100,twenty,w")
    path.write_text("\n".join(lines) + "\n")
    r = _cli(pg_url, "ledger", "import", str(path))
    assert r.exit_code == 2
    assert _one_line(r) == f"error: {path}: line 12002: output_tokens is not a number ('twenty')"
    assert _calls(pg_server, pg_url) == (0, 0)
    path.write_text("\n".join(lines[:-1]) + "\n")
    ok = _cli(pg_url, "ledger", "import", str(path))
    assert ok.exit_code == 0 and "12,000 new, 0 already" in ok.stdout
    assert _calls(pg_server, pg_url, "count(*)") == (12_000,)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["import", "declare"])
def test_an_unreachable_server_is_one_line_naming_the_url_without_its_password(tmp_path: Path, command: str) -> None:
    url = f"postgresql://ops:hunter2@127.0.0.1:{_closed_port()}/frugal"
    declaration = tmp_path / "usage.toml"
    declaration.write_text(SME, encoding="utf-8")
    file = str(FIXTURES / "generic.csv") if command == "import" else str(declaration)
    elsewhere = tmp_path / "in-force.sqlite"
    for where, args in ((url, [file]), (url, [file, "--dry-run"]), (elsewhere, [file, "--ledger", url])):
        r = _cli(where, "ledger", command, *args)
        assert r.exit_code == 2, r.output
        line = _one_line(r)
        assert line.startswith("error: cannot reach the PostgreSQL ledger postgresql://ops@127.0.0.1:"), line
        assert "hunter2" not in r.output and r.stdout == ""
    assert not elsewhere.exists()


def _declared(server, url: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return server.query(url.rsplit("/", 1)[1], "SELECT id, requests, input_tokens FROM api_calls "
                                               "WHERE source = 'declared' ORDER BY id")


def test_declare_edit_and_declare_again_reports_as_in_a_file(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    declaration = tmp_path / "usage.toml"
    file = tmp_path / "ledger.sqlite"
    edited = SME.replace("working_days_per_month = 20\nstart = 2026-01-01\nend = 2026-12-31",
                         "working_days_per_month = 20\nstart = 2026-01-01\nend = 2026-06-30")
    assert edited != SME
    outputs: dict[str, list] = {}
    for where in (file, pg_url):
        declaration.write_text(SME, encoding="utf-8")
        first = _cli(where, "ledger", "declare", str(declaration))
        same = _cli(where, "ledger", "declare", str(declaration))
        declaration.write_text(edited, encoding="utf-8")
        dry = _cli(where, "ledger", "declare", str(declaration), "--dry-run")
        if where == pg_url:
            before = _declared(pg_server, pg_url)
            assert len(before) == 34
        after_dry = _report(where)
        done = _cli(where, "ledger", "declare", str(declaration))
        for r in (first, same, dry, done):
            assert r.exit_code == 0, r.output
        assert "0 added, 0 changed, 0 removed, 34 unchanged" in same.stdout
        assert "dry run: 0 to add, 0 to change, 6 to remove, 28 unchanged" in dry.stdout, dry.stdout
        assert "would remove  Le Chat  2026-07" in dry.stdout
        assert "0 added, 0 changed, 6 removed, 28 unchanged" in done.stdout
        outputs[str(where)] = [r.stdout.replace(str(where), "<ledger>") for r in (first, same, dry, done)]
        outputs[str(where)] += [after_dry, _report(where)]
    assert outputs[str(file)] == outputs[pg_url]
    assert outputs[pg_url][4] != outputs[pg_url][5]  # the dry run changed nothing; the declaration did
    rows = _declared(pg_server, pg_url)
    assert len(rows) == 28
    assert not any(i.startswith("declared:Le Chat:2026-0") and i[-2:] > "06" for i, *_ in rows)
    assert {i for i, *_ in rows} < {i for i, *_ in before}


def test_a_bad_declaration_writes_nothing_to_postgresql(pg_server, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    declaration = tmp_path / "usage.toml"
    declaration.write_text(SME.replace("users = 12", "users = -3"), encoding="utf-8")
    r = _cli(pg_url, "ledger", "declare", str(declaration))
    assert r.exit_code == 2 and "tool[1].users" in _one_line(r)
    assert _calls(pg_server, pg_url) == (0, 0)


def test_progress_of_a_long_import_counts_the_rows_written(pg_url: str, tmp_path: Path) -> None:
    from frugal_ai.config import PostgresURL
    from frugal_ai.imports import import_usage
    from frugal_ai.ledger.push import Progress

    path = tmp_path / "usage.csv"
    path.write_text("date,provider,model,requests,input_tokens,output_tokens,workload\n"
                    + "".join(f"2026-03-{1 + i % 28:02d},openai,gpt-4o,2,100,20,w{i}\n" for i in range(25_000)))
    for where in (PostgresURL.parse(pg_url), tmp_path / "ledger.sqlite"):
        lines: list[str] = []
        result = import_usage(path, ledger=where, progress=Progress(lines.append, every_s=0, verb="imported"))
        assert result.new == 25_000
        assert lines == ["imported 10,000 rows so far", "imported 20,000 rows so far", "imported 25,000 rows so far"]


def test_the_password_is_in_no_output_of_import_nor_declare(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pg_server import SECRET

    url = pg_server.url(pg_server.new_database(), user="secretive", password=SECRET)
    declaration = tmp_path / "usage.toml"
    declaration.write_text(SME, encoding="utf-8")
    runs = [_cli(url, "ledger", "import", str(FIXTURES / "otlp-genai.json")),
            _cli(url, "ledger", "import", str(FIXTURES / "otlp-genai.json"), "--dry-run"),
            _cli(url, "ledger", "declare", str(declaration), "--dry-run"),
            _cli(url, "ledger", "declare", str(declaration))]
    for r in runs:
        assert r.exit_code == 0, r.output
        assert SECRET not in r.output
    assert "ledger postgresql://secretive@127.0.0.1:" in runs[-1].stdout
    assert _calls(pg_server, url, "count(*)") == (3 + 34,)
