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
        r"-(?:instruct|chat|it|hf|fp8|fp16|bf16|awq|gptq|gguf|mlx|int[48]|\d+bit)$",  # hub variants of the same weights
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
    # Local tags: deepseek-r1:8b-llama-distill-q4_K_M -> deepseek-r1:8b-llama-distill ->
    # deepseek-r1:8b -> deepseek-r1 (the bare name is checked against the tag's size: see size_hint_b)
    if ":" in current:
        base, tag = current.split(":", 1)
        unquantised = _QUANTISATION.sub("", tag)
        if unquantised != tag and unquantised:
            yield f"{base}:{unquantised}"
        size = unquantised.split("-", 1)[0]
        if size != unquantised:
            yield f"{base}:{size}"
        yield base


# Quantisation and precision suffixes of local and hub tags: -q4_K_M, -q8_0, -fp16, -int4, -4bit...
_QUANTISATION = re.compile(r"(?:-(?:instruct|chat|it|text))?-(?:q\d\w*|iq\d\w*|fp16|bf16|fp8|int[48]|\d+bit|awq|gptq|gguf|mlx)$")
# A size in a name: 8b, 1.5b, 70b, 8x7b, as its own dash-, colon- or slash-separated part.
_SIZE = re.compile(r"(?:^|[:/_-])(?:(\d+)x)?(\d+(?:\.\d+)?)b(?=$|[-_:])")


def size_hint_b(name: str) -> float | None:
    """The parameter count (billions) a name states, such as `:70b` or `-8B-`, else None.

    `deepseek-r1:70b` states 70: a catalogue model found by dropping the tag must be of that
    size, or the name would silently take another model's parameters (the 671B parent).
    """
    found = _SIZE.search(normalise(name).rsplit("/", 1)[-1])
    if found is None:
        return None
    experts, size = found.groups()
    return float(size) * (int(experts) if experts else 1)


# Bits per weight that a quantisation tag states, scales included (llama.cpp types; MXFP4; FP8...).
_TAG_BITS = (
    (re.compile(r"(?:^|[-_:.])(?:q2_k\w*|iq2\w*)$"), 2.6),
    (re.compile(r"(?:^|[-_:.])(?:q3_k\w*|iq3\w*)$"), 3.9),
    (re.compile(r"(?:^|[-_:.])(?:q4_0|q4_1|iq4\w*)$"), 4.5),
    (re.compile(r"(?:^|[-_:.])q4_k\w*$"), 4.85),
    (re.compile(r"(?:^|[-_:.])(?:mxfp4|int4|4bit|awq|gptq|w4a16|nvfp4)$"), 4.25),
    (re.compile(r"(?:^|[-_:.])q5\w*$"), 5.7),
    (re.compile(r"(?:^|[-_:.])q6\w*$"), 6.6),
    (re.compile(r"(?:^|[-_:.])q8\w*$"), 8.5),
    (re.compile(r"(?:^|[-_:.])(?:fp8|int8|8bit|w8a8)$"), 8.0),
    (re.compile(r"(?:^|[-_:.])(?:fp16|bf16|f16)$"), 16.0),
)


def weight_bits_of(name: str) -> float | None:
    """Bits per weight the name's quantisation tag states (`llama3.1:8b-instruct-q4_K_M` -> 4.85), else None."""
    text = normalise(name)
    for pattern, bits in _TAG_BITS:
        if pattern.search(text):
            return bits
    return None
