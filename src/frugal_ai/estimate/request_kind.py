"""The footprint of calls of one request kind, from what a ledger row (or a group's sums) holds.

    kind           priced by (modalities.py)
    embedding      estimate_embedding(model, input tokens)
    image          estimate_image(model, images, size, quality)
    transcription  estimate_audio(model, seconds); audio tokens without seconds (gpt-4o-transcribe)
                   turned into seconds at the model's audio tokens per second (modalities.csv)
    speech         estimate_audio(model, characters=characters)

`units` and `input_tokens` are totals (Σ requests × per-request value). None where the kind
cannot be priced: a model the image/audio/embedding catalogue does not know (or of another
kind), or no units. Chat is not priced here (`estimate_llm`, `group_estimate`).
docs/methodology.md § 3.8.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError
from ..footprint import Footprint
from .modalities import estimate_audio, estimate_embedding, estimate_image

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

# A request kind of the ledger -> the kind of a modalities.csv model that can price it.
MODEL_KIND = {"embedding": "embedding", "image": "image", "transcription": "transcription", "speech": "speech"}


def kind_footprint(kind: str, model: str, *, units: float, input_tokens: int = 0, image_size: str = "",
                   image_quality: str = "", provider: str | None = None,
                   settings: "Settings | None" = None) -> Footprint | None:
    """Energy, CO2e and water of `units` (images, audio seconds, characters) or `input_tokens`
    (embeddings) of a non-chat request kind; None when they cannot be priced."""
    from ..factors import factor_set

    entry = factor_set().find_modality(model)
    if entry is None or MODEL_KIND.get(kind) != entry.kind:
        return None
    if kind == "embedding":
        return estimate_embedding(model, input_tokens, provider=provider, settings=settings)
    if units <= 0 and kind == "transcription" and input_tokens and entry.input_tokens_per_unit:
        seconds = input_tokens / entry.input_tokens_per_unit
        fp = estimate_audio(model, seconds, provider=provider, settings=settings)
        fp.warnings.append(f"{model}: {seconds:,.0f} s of audio read from {input_tokens:,} audio tokens at "
                           f"{entry.input_tokens_per_unit:g} tokens a second (modalities.csv)")
        return fp
    if units <= 0:
        return None
    if kind == "image":
        return _images(model, units, image_size, image_quality, provider, settings)
    if kind == "transcription":
        return estimate_audio(model, units, provider=provider, settings=settings)
    return estimate_audio(model, characters=units, provider=provider, settings=settings)  # type: ignore[arg-type]


def _images(model: str, images: float, size: str, quality: str, provider: str | None,
            settings: "Settings | None") -> Footprint:
    """`images` images of the size and quality asked for; a size or quality the estimator cannot
    read falls back to the model's reference, with a note."""
    kw: dict[str, object] = {"provider": provider, "settings": settings}
    if size:
        kw["size"] = size
    if quality:
        kw["quality"] = quality
    try:
        return estimate_image(model, images, **kw)  # type: ignore[arg-type]
    except InputError as e:
        fp = estimate_image(model, images, provider=provider, settings=settings)  # type: ignore[arg-type]
        fp.warnings.append(f"{model}: {e}; the model's reference size and quality used")
        return fp
