"""What `--help` and the docstrings tell a user cites what a user has: docs/, not the
project's internal DESIGN.md (which is not shipped)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import click
import pytest
from click.testing import CliRunner

from frugal_ai.cli import main

SRC = Path(__file__).resolve().parent.parent / "src" / "frugal_ai"


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand of the CLI, as (argv prefix, command)."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from command_paths(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in command_paths()])
def test_help_cites_docs_not_design_md(path: str) -> None:
    r = CliRunner().invoke(main, [*path.split(), "--help"])
    assert r.exit_code == 0, r.output
    assert "DESIGN" not in r.output


def test_no_docstring_or_comment_cites_design_md() -> None:
    cites = re.compile(r"DESIGN(\.md|'s|\b)")
    found = [f"{p.relative_to(SRC)}:{n}" for p in sorted(SRC.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if cites.search(line)]
    assert not found, "cite docs/ instead of DESIGN.md (users do not have it): " + ", ".join(found)
