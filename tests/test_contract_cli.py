"""The command line's contract, pinned from what `--help` prints for every command and subcommand.

Each command keeps its subcommands, its options (every spelling: `-m, --model`) and, for an
option with choices, every choice it offers today. Additions (a new command, option or choice)
keep every existing command line working and pass; a removal or a rename fails here, and if it
is meant, it is a change of the documented command line (docs/ and the changelog) and this
table changes with it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.cli import main

# command path -> {option spellings: choices offered, or None}; "args" the positional arguments.
HELP = ("-h", "--help")
CONTRACT: dict[str, dict[tuple[str, ...], tuple[str, ...] | None]] = {
    "": {("--version",): None},
    "estimate": {
        ("-m", "--model"): None, ("--input-tokens",): None, ("--output-tokens",): None,
        ("--reasoning-tokens",): None, ("--requests",): None, ("--zone",): None, ("--provider",): None,
        ("--compare",): None, ("--format",): ("table", "json"), ("--product",): None, ("--prompts",): None,
    },
    "models": {},
    "products": {},
    "products list": {("--format",): ("table", "json")},
    "products show": {("--format",): ("table", "json")},
    "usage": {},
    "usage template": {},
    "ledger declare": {("--dry-run",): None, ("--ledger",): None},
    "ledger rebuild-rollups": {("--ledger",): None},
    "models list": {("--provider",): None, ("--format",): ("table", "json")},
    "models show": {("--format",): ("table", "json")},
    "factors": {},
    "factors list": {
        ("--kind",): ("electricity", "datacenter", "onprem", "hardware", "avoided", "equivalence", "constant", "source"),
        ("--format",): ("table", "json"),
    },
    "factors show": {("--format",): ("table", "json")},
    "run": {("--name",): None, ("--tag",): None},
    "ledger": {},
    "ledger export": {("--format",): ("jsonl", "csv"), ("--since",): None, ("--until",): None, ("--ledger",): None, ("--out",): None},
    "ledger stats": {("--ledger",): None, ("--format",): ("table", "json")},
    "ledger push": {("--from",): None, ("--to",): None},
    "ledger import": {
        ("--format",): ("auto", "csv", "openai-usage", "anthropic-usage", "otlp-json", "litellm", "langfuse",
                        "azure-metrics"),
        ("--dry-run",): None, ("--strict",): None, ("--ledger",): None,
    },
    "doctor": {("--format",): ("table", "json"), ("--lang",): ("en", "fr")},
    "gains": {},
    "gains check": {("--since",): None, ("--until",): None, ("--format",): ("table", "json"), ("--ledger",): None,
                    ("--lang",): ("en", "fr")},
    "gains template": {},
    "advise": {("--since",): None, ("--until",): None, ("--ledger",): None, ("--format",): ("table", "json"),
               ("--lang",): ("en", "fr")},
    "report": {
        ("--since",): None, ("--until",): None, ("--period",): None,
        ("--format",): ("table", "md", "html", "json", "csv", "pdf", "xlsx"), ("--lang",): ("en", "fr"),
        ("--table",): ("lines", "datapoints", "breakdown", "factors"),
        ("--gains",): None, ("--out",): None, ("--ledger",): None, ("--schema",): None,
    },
    "demo": {("--out",): None, ("--lang",): ("en", "fr")},
}
SUBCOMMANDS = {
    "": ("estimate", "models", "factors", "run", "ledger", "doctor", "gains", "advise", "report", "demo", "products",
         "usage"),
    "models": ("list", "show"),
    "products": ("list", "show"),
    "usage": ("template",),
    "factors": ("list", "show"),
    "ledger": ("export", "import", "stats", "declare", "rebuild-rollups"),
    "gains": ("check", "template"),
}
USAGE_ARGS = {"models show": "MODEL", "factors show": "KEY", "run": "COMMAND...", "gains check": "FILE",
              "ledger import": "FILE", "ledger declare": "FILE", "products show": "KEY"}


def _help(path: str) -> str:
    result = CliRunner().invoke(main, [*path.split(), "--help"], prog_name="frugal-ai")
    assert result.exit_code == 0, result.output
    return result.output


def _section(text: str, title: str) -> list[str]:
    """The lines of one `Title:` section of a click help page."""
    lines = text.splitlines()
    start = lines.index(f"{title}:") + 1
    end = next((i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def _options(text: str) -> dict[tuple[str, ...], tuple[str, ...] | None]:
    """{spellings: choices} read from the first column of the Options section."""
    found: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    for line in _section(text, "Options"):
        if not line.startswith("  -"):
            continue  # a continuation line of some help text
        first = re.split(r"\s{2,}", line.strip())[0]
        spellings = tuple(re.findall(r"(?:^|[\s,])(--?[A-Za-z][\w-]*)", first))
        choices = re.search(r"\[([^\]]+)\]", first)
        found[spellings] = tuple(choices.group(1).split("|")) if choices else None
    return found


@pytest.mark.parametrize("path", list(CONTRACT))
def test_help_keeps_every_option_and_choice(path: str) -> None:
    options = _options(_help(path))
    assert options.get(HELP, "missing") is None, f"`{path} --help`: -h/--help is gone"
    for spellings, choices in CONTRACT[path].items():
        assert spellings in options, f"`frugal-ai {path}`: option {', '.join(spellings)} is gone or renamed ({list(options)})"
        if choices is None:
            assert options[spellings] is None, f"`frugal-ai {path} {spellings[-1]}` now takes a fixed choice"
        else:
            offered = options[spellings] or ()
            lost = [c for c in choices if c not in offered]
            assert not lost, f"`frugal-ai {path} {spellings[-1]}` no longer offers {lost}"


@pytest.mark.parametrize("path", list(SUBCOMMANDS))
def test_help_keeps_every_subcommand(path: str) -> None:
    listed = [line.split()[0] for line in _section(_help(path), "Commands") if line.startswith("  ") and line.split()
              and not line.startswith("   ")]
    lost = [c for c in SUBCOMMANDS[path] if c not in listed]
    assert not lost, f"`frugal-ai {path}` no longer lists {lost}"


def test_every_command_the_help_lists_is_pinned() -> None:
    """A new command or subcommand is welcome, but then it belongs in CONTRACT so it is kept."""
    def walk(path: str) -> list[str]:
        text = _help(path)
        if "Commands:" not in text.splitlines():
            return [path]
        subs = [line.split()[0] for line in _section(text, "Commands") if line.startswith("  ") and not line.startswith("   ")]
        return [path] + [p for s in subs for p in walk(f"{path} {s}".strip())]

    assert sorted(walk("")) == sorted(CONTRACT)


@pytest.mark.parametrize("path", list(USAGE_ARGS))
def test_usage_keeps_the_positional_arguments(path: str) -> None:
    usage = _help(path).splitlines()[0]
    assert usage.startswith(f"Usage: frugal-ai {path} ")
    assert USAGE_ARGS[path] in usage.split()


SCHEMA_GOLDEN = Path(__file__).parent / "golden" / "report.schema.json"
UPDATE = bool(os.environ.get("FRUGAL_AI_UPDATE_GOLDEN"))  # read before conftest clears FRUGAL_AI_*


def test_report_schema_matches_its_golden_file() -> None:
    """`report --schema` is what outside tools validate against: a change must be deliberate.

    After a deliberate change: `FRUGAL_AI_UPDATE_GOLDEN=1 pytest tests/test_contract_cli.py`
    rewrites the file (the test still fails that once, so a rewrite is never silent); review the diff.
    """
    result = CliRunner().invoke(main, ["report", "--schema"])
    assert result.exit_code == 0, result.output
    if UPDATE:
        SCHEMA_GOLDEN.write_text(result.output, encoding="utf-8")
        pytest.fail(f"rewrote {SCHEMA_GOLDEN}; review the diff, then rerun without FRUGAL_AI_UPDATE_GOLDEN")
    assert result.output == SCHEMA_GOLDEN.read_text(encoding="utf-8"), (
        "report --schema changed (FRUGAL_AI_UPDATE_GOLDEN=1 to accept, then review the diff)")


def test_report_schema_keeps_the_documented_keys() -> None:
    """The keys of `report --format json` that the documentation promises, whatever else the snapshot holds."""
    schema = json.loads(CliRunner().invoke(main, ["report", "--schema"]).output)
    top = schema["properties"]
    for key in ("period", "factor_set_version", "totals", "by_workload", "by_model", "ghg", "gains", "methodology"):
        assert key in top, key
    totals = schema["$defs"][top["totals"]["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"energy_kwh", "co2e_kg", "water_l"} <= set(totals)
    ghg = schema["$defs"][top["ghg"]["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"scope2_location_kg", "scope3_cat1_kg"} <= set(ghg)
