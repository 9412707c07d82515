"""Model names as users and APIs write them -> the forms the catalogue may know.

APIs name models with dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`,
`command-r-08-2024`, `mistral-large-2411`, `gemini-2.0-flash-001`), hub paths
(`meta-llama/Llama-3.1-8B-Instruct`), cloud prefixes and versions
(`eu.anthropic.claude-3-7-sonnet-20250219-v1:0`, `claude-3-5-sonnet@20240620`) and local
tags (`llama3.1:8b-instruct-q4_K_M`). `candidates()` yields the name and then ever more
general forms, so that the first one the catalogue knows wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A cloud's vendor prefix (Bedrock: optional cross-region prefix, then vendor and a dot).
_VENDOR_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|us-gov)\.)?(?:anthropic|meta|mistral|cohere|amazon|deepseek|qwen|openai|ai21|writer)\."
)
# Snapshot, version and packaging suffixes, tried one at a time from the end of the name.
_SUFFIXES = tuple(
    re.compile(p)
    for p in (
        r"@\d{8}$",  # Vertex AI: claude-3-5-sonnet@20240620
        r"-v\d+(?::\d+)?$",  # Bedrock: ...-v1:0
        r"-\d{4}-\d{2}-\d{2}$",  # OpenAI: gpt-4o-2024-08-06
        r"-\d{8}$",  # Anthropic: claude-sonnet-4-5-20250929
        r"-\d{2}-\d{4}$",  # Cohere: command-r-08-2024
        r"-(?:preview|exp|experimental)(?:-\d{2}-\d{2,4})?$",  # Gemini previews
        r"-latest$",
        r"-\d{4}$",  # Mistral YYMM, OpenAI MMDD: mistral-large-2411, gpt-4-0613
        r"-\d{3}$",  # Gemini: gemini-2.0-flash-001
        r"-v\d+(?:\.\d+)+$",  # hub versions: mistral-7b-instruct-v0.3
        r"-(?:instruct|chat|it|hf|fp8|awq|gguf)$",  # hub variants of the same weights
    )
)


def normalise(name: str) -> str:
    """Lower case, trimmed, inner spaces as dashes."""
    return "-".join(name.strip().lower().split())


def candidates(name: str) -> Iterator[str]:
    """The name, then successively more general forms of it (see module docstring)."""
    current = normalise(name)
    yield current
    # Paths: models/gemini-2.5-flash, meta-llama/Llama-3.1-8B, accounts/x/models/y
    if "/" in current:
        current = current.rsplit("/", 1)[1]
        yield current
    stripped = _VENDOR_PREFIX.sub("", current)
    if stripped != current:
        current = stripped
        yield current
    if stripped.startswith("meta-llama-"):
        current = stripped[len("meta-") :]
        yield current
    while True:
        for pattern in _SUFFIXES:
            shorter = pattern.sub("", current)
            if shorter != current and shorter:
                current = shorter
                yield current
                break
        else:
            break
    # Local tags: llama3.1:8b-instruct-q4_K_M -> llama3.1:8b -> llama3.1
    if ":" in current:
        base, tag = current.split(":", 1)
        size = tag.split("-", 1)[0]
        if size != tag:
            yield f"{base}:{size}"
        yield base
