"""The `frugal-ai` command line: a thin door onto the library.

Commands live in one module each and are imported only when invoked, so that
`frugal-ai --help` and `frugal-ai estimate` never pay for codecarbon or the SDKs.
Errors the user can fix print one line and exit 2: an `InputError`, a bad command line
(click's usage errors, reworded here once for every command) and a file that cannot be
opened or written (an `OSError` naming it). Other failures print one line and exit 1 (set
FRUGAL_AI_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from ..errors import InputError

# name -> (module under frugal_ai.cli, attribute, one-line help shown by --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "estimate": ("estimate", "estimate", "Estimate the footprint of GenAI API requests, and compare models."),
    "models": ("catalogue", "models", "List or show the models of the LLM catalogue."),
    "products": ("products", "products", "List or show the AI products catalogue (web assistants, SaaS)."),
    "usage": ("usage", "usage", "Declared usage: print a commented declaration file to fill in."),
    "factors": ("catalogue", "factors", "List or show emission, water and data-centre factors, with sources."),
    "run": ("run", "run", "Measure a whole command, like `time`, and record it in the ledger."),
    "ledger": ("ledger", "ledger", "Inspect and export the ledger of runs and API calls."),
    "doctor": ("doctor", "doctor", "What this machine can measure, the config in force, the ledger."),
    "gains": ("gains", "gains", "Weigh the ecological gains of AI use cases against their footprint."),
    "advise": ("advise", "advise", "The largest footprint savings available, quantified."),
    "report": ("report", "report", "The disclosure report: table, Markdown, HTML, JSON or CSV, in English or French."),
    "demo": ("demo", "demo", "Run the whole job on an embedded example and write a report."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry[0]}")
        return getattr(module, entry[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        # The top level's own usage errors (`frugal-ai --bogus`) arise here, before invoke.
        if parent is None and any("\x00" in a for a in args):  # not from a shell; no OS call takes it
            _say("error: an argument holds a NUL character")
            raise click.exceptions.Exit(2)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            if isinstance(e, click.exceptions.NoArgsIsHelpError):
                raise
            _say(_usage_line(e))
            raise click.exceptions.Exit(2) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as e:
            _say(f"error: {e}")
            ctx.exit(2)
        except click.exceptions.NoArgsIsHelpError:  # `frugal-ai ledger`: the help, as click prints it
            raise
        except click.UsageError as e:  # click's three lines (usage, hint, error) as our one
            _say(_usage_line(e, " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))))
            ctx.exit(2)
        except click.ClickException as e:
            _say(f"error: {e.format_message()}")
            ctx.exit(e.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as e:  # a path the user gave that cannot be read or written
            if os.environ.get("FRUGAL_AI_DEBUG"):
                raise
            _say(f"error: {_path_text(e.filename)}: {e.strerror or e}" if e.filename else f"error: {e}")
            ctx.exit(2)
        except Exception as e:  # one line, no traceback, unless debugging
            if os.environ.get("FRUGAL_AI_DEBUG"):
                raise
            _say(f"error: {type(e).__name__}: {e}")
            ctx.exit(1)


def _say(line: str) -> None:
    """One line on stderr, whatever the message holds."""
    click.echo(" ".join(line.split()), err=True)


def _usage_line(e: click.UsageError, command: str = "frugal-ai") -> str:
    where = e.ctx.command_path if e.ctx is not None else command
    return f"error: {where}: {e.format_message()} (see {where} --help)"


def _path_text(name: object, limit: int = 120) -> str:
    text = os.fsdecode(name) if isinstance(name, (str, bytes)) else str(name)
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-limit // 2:]} ({len(text)} characters)"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frugal-ai")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="frugal-ai")
def main() -> None:
    """frugal-ai: the energy, CO2e and water of your AI, and whether it pays back.

    \b
    Start with:  frugal-ai demo
    Estimate:    frugal-ai estimate --model gpt-4o-mini --input-tokens 800 --output-tokens 300 --requests 10000 --zone FR
    Measure:     @frugal_ai.track("my-workload") in your code, or frugal-ai run -- CMD
    Report:      frugal-ai report --period 2026-Q3 --format html --out report.html
    """


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
