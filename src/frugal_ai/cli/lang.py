"""`--lang` on the commands that speak to a reader, and its default: the configuration's `lang`,
else the locale (`LC_ALL`, then `LANG`: `fr_FR.UTF-8` -> fr), else English."""

from __future__ import annotations

import os
from typing import Any, Callable

import click

LANG_CHOICES = ("en", "fr")


def lang_from_locale(environ: "dict[str, str] | os._Environ[str]" = os.environ) -> str | None:
    """The language the locale names (LC_ALL wins over LANG, as in POSIX), if it is one we speak."""
    for name in ("LC_ALL", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANG_CHOICES else None
    return None


def default_lang() -> str:
    """The configuration's `lang`, else the locale's, else en. A broken configuration is left to
    the command itself to report (here it only loses the default)."""
    from ..config import settings_in_force
    from ..errors import InputError

    try:
        configured = settings_in_force().lang
    except InputError:
        configured = None
    return configured or lang_from_locale() or "en"


def lang_option(help_text: str = "Language (default: the config's lang, else LANG/LC_ALL, else en).") -> Callable[[Any], Any]:
    """The `--lang en|fr` option; None when not given, resolved by `resolved_lang`."""
    return click.option("--lang", type=click.Choice(LANG_CHOICES), default=None, help=help_text)


def resolved_lang(lang: str | None) -> str:
    return lang or default_lang()
