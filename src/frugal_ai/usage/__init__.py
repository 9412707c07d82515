"""Declared usage: the AI that no code records (web assistants, SaaS), declared in a TOML file
and written into the ledger as `declared` facts, one row per tool per month.

    declaration.py   read and validate the file (`load_declaration`, `DeclaredTool`)
    months.py        a tool -> its monthly ledger rows (stable ids `declared:<tool>:<YYYY-MM>`)
    declare.py       the plan against the ledger (add / change / remove / unchanged) and its write
    template.toml    the commented example `frugal-ai usage template` prints

docs/usage.md describes the file and how its figures are estimated.
"""

from __future__ import annotations

from importlib.resources import files

from .declaration import DEFAULT_WORKING_DAYS, DeclarationError, DeclaredTool, load_declaration
from .declare import Plan, apply_plan, plan_declaration

__all__ = ["DEFAULT_WORKING_DAYS", "DeclarationError", "DeclaredTool", "Plan", "apply_plan", "load_declaration",
           "plan_declaration", "template_text"]


def template_text() -> str:
    """The commented example declaration file (valid as printed)."""
    return files(__package__).joinpath("template.toml").read_text(encoding="utf-8")
