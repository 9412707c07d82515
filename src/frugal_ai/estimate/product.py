"""The footprint of an AI product's requests (products.csv): its model at the product's
typical request, the range spanning its short and long request profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..factors.products import Product
from ..footprint import Footprint
from .spread import spanning

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


def product_footprint(p: Product, requests: int, *, zone: str | None = None,
                      settings: "Settings | None" = None) -> Footprint:
    """`requests` of product `p` (prompts, pages, images or audio minutes, as its unit says).

    A text product is estimated three times (low, central and high prompt profile) and the
    footprint spans them: low bound from the short profile's low, high from the long
    profile's high. An image or transcription product is its model's units × requests.
    """
    from ._api import estimate_llm
    from .modalities import estimate_audio, estimate_image

    if p.kind == "image":
        return estimate_image(p.model, images=requests, provider=p.provider, zone=zone, settings=settings)
    if p.kind == "transcription":
        return estimate_audio(p.model, requests * p.units_per_request, provider=p.provider, zone=zone, settings=settings)
    low, central, high = (
        estimate_llm(p.model, p.input_tokens[i], p.output_tokens[i], provider=p.provider, zone=zone,
                     reasoning_tokens=p.reasoning_tokens, requests=requests, settings=settings)
        for i in range(3))
    note = (f"{p.name}: prompt profile assumed ({p.input_tokens[0]:,}-{p.input_tokens[2]:,} input, "
            f"{p.output_tokens[0]:,}-{p.output_tokens[2]:,} output tokens), see `frugal-ai products show {p.key}`"
            if p.assumed else None)
    return spanning(low, central, high, [note] if note else None)
