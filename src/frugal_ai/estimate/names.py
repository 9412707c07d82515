"""The one place a model name as a provider or gateway spells it becomes a catalogue name:
the configuration's `model_aliases` (Azure deployment names, LiteLLM aliases), matched
without regard to case. Used by the estimator (so captured, recorded and imported calls are
priced alike) and by `ledger import` (which stores the catalogue name)."""

from __future__ import annotations

from typing import Any


def catalogue_name(model: str, settings: Any) -> str:
    """`model` through `settings.model_aliases`; the name itself when no alias names it.

    Example:
        >>> from frugal_ai.config import load_settings
        >>> s = load_settings(overrides={"model_aliases": {"prod-gpt4o": "gpt-4o"}})
        >>> catalogue_name("Prod-GPT4o", s)
        'gpt-4o'
    """
    aliases = getattr(settings, "model_aliases", None)
    if not aliases:
        return model
    return str(aliases.get(model.strip().lower(), model))
