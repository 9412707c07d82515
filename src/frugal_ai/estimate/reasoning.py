"""Hidden reasoning tokens: effort profiles, and the default for models that reason.

A reasoning model generates tokens the caller never sees before it answers; they are
generated like output tokens and cost the same. APIs report them (OpenAI
`reasoning_tokens`, Gemini `thoughtsTokenCount`), but someone planning a workload rarely
knows them. An *effort profile* gives the reasoning tokens per request as a range
(low, central, high) for an effort level, from `constants.toml` `reasoning.tokens_*_effort`;
`constants.toml` `[defaults] reasoning_effort` is the level assumed when none is given for
a model that reasons by default (models.csv `reasoning = yes`). docs/methodology.md § 2.
"""

from __future__ import annotations

from ..errors import InputError
from ..factors import LlmModel, factor_set

EFFORTS = ("none", "low", "medium", "high")
_profiles: dict[tuple[str, str], tuple[int, int, int]] = {}


def reasoning_tokens_per_request(effort: str) -> tuple[int, int, int]:
    """Reasoning tokens per request (low, central, high) at an effort level. Raises InputError for an unknown level."""
    fs = factor_set()
    key = (fs.version, effort)
    found = _profiles.get(key)
    if found is not None:
        return found
    level = effort.strip().lower()
    if level not in EFFORTS:
        raise InputError(f"unknown reasoning effort {effort!r} (expected one of: {', '.join(EFFORTS)})")
    if level == "none":
        found = (0, 0, 0)
    else:
        c = fs.constant(f"reasoning.tokens_{level}_effort")
        found = (round(c.low), round(c.central), round(c.high))
    _profiles[key] = found
    return found


def default_reasoning_effort(model: LlmModel) -> str | None:
    """The effort assumed when a workload gives no reasoning tokens: the documented default
    for a model that reasons by default, None (no reasoning) for the others."""
    return factor_set().default("reasoning_effort") if model.reasoning == "yes" else None


def zero_reasoning_warning(model: LlmModel) -> str | None:
    """The warning for an estimate of a model that reasons by default with no reasoning tokens."""
    if model.reasoning != "yes":
        return None
    level = factor_set().default("reasoning_effort")
    low, central, high = reasoning_tokens_per_request(level)
    return (
        f"{model.id} reasons before it answers and no reasoning tokens were given: unless the output tokens "
        f"include them, this is an underestimate (a {level}-effort request adds {low:,}-{central:,}-{high:,}; "
        "give reasoning_tokens or reasoning_effort)"
    )


def effort_note(effort: str) -> str:
    """How an effort profile entered an estimate, for its warnings."""
    low, central, high = reasoning_tokens_per_request(effort)
    return f"reasoning tokens from the {effort} effort profile: {low:,}-{central:,}-{high:,} per request (low-central-high)"
