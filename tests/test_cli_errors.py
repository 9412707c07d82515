"""Bad input on the command line is one line on stderr and exit 2, never a Python error:
each case below exited 1 with an exception's name (or printed click's three-line usage
error) before; the fuzz test at the end holds every command's options to the rule."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frugal_ai.cli import main
from golden.fixed_ledger import GAINS, build

LONG = "a" * 5000


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _one_line_exit_2(r: Result, *needles: str) -> str:
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    assert "Traceback" not in r.output and "Error:" not in r.stderr.split(":", 1)[1][:20], r.stderr
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr)
    return r.stderr


def test_a_config_file_of_binary_garbage_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "frugal-ai.toml"
    cfg.write_bytes(bytes(range(128, 256)) * 4)
    monkeypatch.setenv("FRUGAL_AI_CONFIG", str(cfg))
    line = _one_line_exit_2(_invoke("report", "--period", "2026-Q3"), str(cfg), "UTF-8")
    assert "UnicodeDecodeError" not in line


@pytest.mark.parametrize("period", ["9999", "0000", "9999-Q4", "9999-12", "0000-01"])
def test_a_period_out_of_the_calendar(period: str) -> None:
    _one_line_exit_2(_invoke("report", "--period", period), "--period")


@pytest.mark.parametrize("command", [("report",), ("ledger", "export"), ("advise",)])
def test_the_last_day_of_the_calendar(command: tuple[str, ...]) -> None:
    _one_line_exit_2(_invoke(*command, "--since", "9999-12-31", "--until", "9999-12-31"), "--until")


def test_export_into_a_missing_folder_or_onto_a_folder(tmp_path: Path) -> None:
    _one_line_exit_2(_invoke("ledger", "export", "--out", str(tmp_path / "missing" / "x.jsonl")), "missing")
    _one_line_exit_2(_invoke("ledger", "export", "--out", str(tmp_path)), str(tmp_path), "directory")


@pytest.mark.parametrize("command", [("report",), ("ledger", "stats"), ("ledger", "export"), ("advise",),
                                     ("gains", "check", str(GAINS))])
def test_a_5000_character_ledger_path(command: tuple[str, ...]) -> None:
    line = _one_line_exit_2(_invoke(*command, "--ledger", LONG), "too long")
    assert len(line) < 400  # the name is shortened, the line stays a line


@pytest.mark.parametrize("args, needle", [
    (("report", "--format", "docx"), "--format"),
    (("report", "--lang", "de"), "--lang"),
    (("estimate", "--model"), "--model"),
    (("ledger", "export", "--bogus"), "--bogus"),
    (("no-such-command",), "no-such-command"),
    (("--bogus",), "--bogus"),
])
def test_click_usage_errors_read_as_one_line(args: tuple[str, ...], needle: str) -> None:
    _one_line_exit_2(_invoke(*args), needle)


def test_report_out_onto_a_directory(tmp_path: Path) -> None:
    _one_line_exit_2(_invoke("report", "--out", str(tmp_path)), "--out", "directory")


# --- the fuzz test: every command's options, arbitrary values -------------------------------------

# Commands that take the ledger (or files) through options. `run` runs a program and `demo`
# writes a folder for minutes: their arguments are not fuzzed here (tests/test_cli_run.py).
OPTIONS: dict[tuple[str, ...], dict[str, str]] = {
    ("estimate",): {"--model": "model", "--input-tokens": "int", "--output-tokens": "int", "--reasoning-tokens": "int",
                    "--requests": "int", "--zone": "text", "--provider": "text", "--compare": "text",
                    "--format": "text"},
    ("models", "list"): {"--provider": "text", "--format": "text"},
    ("factors", "list"): {"--kind": "text", "--format": "text"},
    ("ledger", "stats"): {"--ledger": "path", "--format": "text"},
    ("ledger", "export"): {"--format": "text", "--since": "date", "--until": "date", "--ledger": "path", "--out": "path"},
    ("gains", "check"): {"--since": "date", "--until": "date", "--ledger": "path", "--format": "text"},
    ("advise",): {"--since": "date", "--until": "date", "--ledger": "path", "--format": "text"},
    ("report",): {"--since": "date", "--until": "date", "--period": "period", "--format": "text", "--lang": "text",
                  "--ledger": "path", "--out": "path"},
    ("doctor",): {"--format": "text"},
    # "" is the positional argument, always given; "flag" takes no value.
    ("models", "show"): {"": "model", "--format": "text"},
    ("factors", "show"): {"": "text", "--format": "text"},
    ("gains", "template"): {},
    ("ledger", "import"): {"": "path", "--format": "text", "--dry-run": "flag", "--strict": "flag", "--ledger": "path"},
    ("ledger", "declare"): {"": "path", "--dry-run": "flag", "--ledger": "path"},
    ("ledger", "rebuild-rollups"): {"--ledger": "path"},
    ("ledger", "push"): {"--from": "path", "--to": "text"},
    ("products", "list"): {"--format": "text"},
    ("products", "show"): {"": "text", "--format": "text"},
    ("usage", "template"): {},
}
NOT_FUZZED = {("run",), ("demo",)}

_text = st.text(alphabet=string.printable.strip() + "é€\u202e", max_size=12)
VALUES = {
    "int": st.one_of(st.integers(-10, 10**20).map(str), _text),
    "text": st.one_of(st.sampled_from(["table", "json", "md", "csv", "jsonl", "en", "fr", "FR", "openai", "zz"]), _text),
    "model": st.one_of(st.sampled_from(["gpt-4o-mini", "gpt-4o", "claude-sonnet-4"]), _text),
    "date": st.one_of(st.dates().map(str), st.sampled_from(["9999-12-31", "0001-01-01", "2026-13-01"]), _text),
    "period": st.one_of(st.integers(0, 9999).map(lambda y: f"{y:04d}"), st.sampled_from(["2026-Q3", "2026-Q5", "9999-12"]),
                        _text),
    "path": st.sampled_from(["ledger.sqlite", ".", "missing/dir/x", LONG, "", "\x00", "out.json"]),
    "flag": st.just(None),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    options = OPTIONS[command]
    named = sorted(k for k in options if k)
    chosen = draw(st.lists(st.sampled_from(named), max_size=4, unique=True)) if named else []
    argv = list(command)
    for name in chosen:
        value = draw(VALUES[options[name]])
        argv += [name] if value is None else [name, value]
    if "" in options:
        argv.append(draw(VALUES[options[""]]))
    return argv


def test_the_fuzz_covers_every_command() -> None:
    from test_cli_help import command_paths

    import click

    leaves = {path for path, cmd in command_paths() if not isinstance(cmd, click.Group)}
    assert leaves - NOT_FUZZED == set(OPTIONS), "give a new command a row in OPTIONS"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_fuzz_every_command_exits_0_or_2_with_one_line(argv: list[str], ledger_path: Path) -> None:
    if not ledger_path.exists():
        build(ledger_path)
    r = CliRunner().invoke(main, argv)
    assert r.exit_code in (0, 2), (argv, r.exit_code, r.output, r.exception)
    assert "Traceback" not in r.output, argv
    if r.exit_code == 2:
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), (argv, r.stderr)


@pytest.mark.parametrize("command", [("gains", "check"), ("report", "--period", "2026-Q3", "--gains")])
@pytest.mark.parametrize("value", ["inf", "nan", "1e308"])
def test_an_infinite_gain_is_one_line_naming_the_key(command: tuple[str, ...], value: str, tmp_path: Path,
                                                     ledger_path: Path) -> None:
    build(ledger_path)
    gains = tmp_path / "gains.toml"
    gains.write_text(GAINS.read_text(encoding="utf-8").replace("quantity = 0.2", f"quantity = {value}"), encoding="utf-8")
    _one_line_exit_2(_invoke(*command, str(gains)), str(gains), "use_case[2].gain[1].quantity")
