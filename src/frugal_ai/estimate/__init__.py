"""Pure estimates of GenAI requests: tokens -> energy -> CO2e and water, with ranges.

    >>> from frugal_ai.estimate import estimate_llm
    >>> fp = estimate_llm("mistral-large-2411", output_tokens=400)
    >>> fp.method
    'estimated'

Images, transcription, speech and embeddings: `estimate_image`, `estimate_audio`,
`estimate_embedding` (`frugal_ai.estimate.modalities`). The formulas are in
`frugal_ai.estimate.formulas`, one pure function per quantity;
docs/methodology.md writes them out with their units and sources.
"""

from __future__ import annotations

from ._api import clear_caches, coefficients, estimate_llm
from ._coefficients import Coefficients
from ._compare import ModelEstimate, Workload, estimate_models
from .modalities import estimate_audio, estimate_embedding, estimate_image, unit_coefficients

__all__ = [
    "estimate_llm",
    "estimate_image",
    "estimate_audio",
    "estimate_embedding",
    "coefficients",
    "unit_coefficients",
    "clear_caches",
    "Coefficients",
    "estimate_models",
    "ModelEstimate",
    "Workload",
]
