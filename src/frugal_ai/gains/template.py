"""The commented example gains file that `frugal-ai gains template` prints (valid as printed),
commented in English or in French."""

from __future__ import annotations

from importlib.resources import files

_FILES = {"en": "template.toml", "fr": "template.fr.toml"}


def template_text(lang: str = "en") -> str:
    """The text of the example gains file, its comments in `lang` (en, fr)."""
    return files(__package__).joinpath(_FILES[lang]).read_text(encoding="utf-8")
