"""Writing systems of approximated text, and the characters per token of each.

A captured call whose provider sent no usage has its tokens approximated from the characters
that passed (capture/approximate.py). Text in Greek, Cyrillic, Chinese/Japanese/Korean,
Arabic/Hebrew or an Indic script makes far more tokens per character than English, so the
characters are counted per writing system (`SCRIPTS`, first the default one: Latin script
and everything not listed) and each count is converted with its own range, the constants
`approximation.chars_per_token` (default) and `approximation.chars_per_token_<script>`.

The row keeps only its tokens (at the centres) and, in its source, which writing systems
other than the default its text held: `approximated` (none) or `approximated:greek+cjk`
(`source_for`). That is what the report needs to re-estimate it at both ends
(`token_scale_bounds`): whatever the mix of the listed systems, the row's tokens at the
ends of the ranges lie within its central tokens times the smallest central/high and the
largest central/low of those systems, the default's included.
"""

from __future__ import annotations

from typing import Any, Iterable

from .query import APPROXIMATED_SOURCE

__all__ = ["DEFAULT", "SCRIPTS", "constant_key", "is_approximated", "scripts_of", "source_for", "token_scale_bounds"]

SCRIPTS: tuple[str, ...] = ("default", "greek", "cyrillic", "cjk", "arabic", "brahmic")
"""The writing systems counted apart, in this order (an index into a count list)."""
DEFAULT = SCRIPTS[0]

_SEPARATOR = ":"
_JOIN = "+"


def constant_key(script: str) -> str:
    """The constants.toml key of a writing system's characters per token."""
    return "approximation.chars_per_token" if script == DEFAULT else f"approximation.chars_per_token_{script}"


def source_for(counts: Iterable[int]) -> str:
    """The `api_calls.source` of an approximated row whose characters per writing system (in
    `SCRIPTS` order) are `counts`: `approximated`, or `approximated:<scripts>` naming those
    other than the default that it held."""
    held = [name for name, n in zip(SCRIPTS[1:], list(counts)[1:]) if n > 0]
    return APPROXIMATED_SOURCE + _SEPARATOR + _JOIN.join(held) if held else APPROXIMATED_SOURCE


def is_approximated(source: str | None) -> bool:
    """Whether a row's source (or a call group's basis) is one of approximated tokens."""
    return bool(source) and (source == APPROXIMATED_SOURCE or source.startswith(APPROXIMATED_SOURCE + _SEPARATOR))


def scripts_of(source: str) -> tuple[str, ...]:
    """The writing systems an approximated row's source names, the default first. A name this
    version does not know (a row written by a later one) stands for every writing system."""
    _, _, tail = source.partition(_SEPARATOR)
    named = [s for s in tail.split(_JOIN) if s]
    if any(s not in SCRIPTS for s in named):
        return SCRIPTS
    return (DEFAULT, *(s for s in SCRIPTS[1:] if s in named))


def token_scale_bounds(factors: Any, scripts: Iterable[str]) -> tuple[float, float]:
    """(low, high) factors on an approximated row's tokens at the ends of the characters-per-token
    ranges of `scripts`: more characters per token, fewer tokens (the high bound gives the low)."""
    ranges = [factors.constant(constant_key(s)).range for s in scripts]
    return min(r.central / r.high for r in ranges), max(r.central / r.low for r in ranges)
