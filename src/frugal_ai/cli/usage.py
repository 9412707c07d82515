"""`frugal-ai usage template`: the commented declaration file (`ledger declare` writes it in)."""

from __future__ import annotations

import click


@click.group()
def usage() -> None:
    """Declared usage: the AI tools no code records (web assistants, SaaS). See docs/usage.md."""


@usage.command()
def template() -> None:
    """Print a commented example declaration file (valid as printed); then `frugal-ai ledger declare FILE`."""
    from ..usage import template_text

    click.echo(template_text(), nl=False)
