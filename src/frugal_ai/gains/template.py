"""The commented example gains file that `frugal-ai gains template` prints (valid as printed)."""

from __future__ import annotations

from importlib.resources import files


def template_text() -> str:
    """The text of the example gains file."""
    return files(__package__).joinpath("template.toml").read_text(encoding="utf-8")
