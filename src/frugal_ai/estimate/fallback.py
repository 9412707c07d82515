"""Pricing a model the catalogue does not know: never zero, always flagged, with a wide range.

The model's name is read for a size hint (data/emission_factors/model_fallbacks.csv): a
parameter count (`-8b`, `-70B`, `:32b`) picks the class by size, else a word (`-mini`,
`-nano`, `-small`, `-lite`, `haiku`; `-medium`; `-large`, `-pro`, `opus`), else the generic
class. Each class names three catalogue models: the estimate is the central model's central,
its range from the low model's low bound to the high model's high bound (`spread.spanning`),
each evaluated at the same tokens with the recorded provider. docs/methodology.md says so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..errors import InputError
from ..footprint import Footprint
from .group import group_estimate
from .spread import spanning

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings

_SIZE = re.compile(r"(?:^|[-_:/.\s])(\d+(?:\.\d+)?)\s*b(?:$|[-_:/.\s])", re.IGNORECASE)


@dataclass(frozen=True)
class FallbackClass:
    """One row of model_fallbacks.csv."""

    name: str
    models: tuple[str, str, str]  # low, central, high stand-ins (models.csv ids)
    max_params_b: float | None
    hints: tuple[str, ...]
    sources: tuple[str, ...]
    note: str


@lru_cache(maxsize=1)
def fallback_classes() -> tuple[FallbackClass, ...]:
    """The classes, their stand-ins checked against the catalogue."""
    from ..factors import factor_set
    from ..factors._load import data_dir

    fs = factor_set()
    out = []
    with (data_dir() / "model_fallbacks.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            models = (row["low_model"], row["central_model"], row["high_model"])
            for m in models:
                fs.model(m)
            for sid in row["sources"].split(";"):
                fs.source(sid)
            out.append(FallbackClass(row["class"], models, float(row["max_params_b"]) if row["max_params_b"] else None,
                                     tuple(h for h in row["name_hints"].split(";") if h), tuple(row["sources"].split(";")),
                                     row["note"]))
    return tuple(out)


def fallback_class(model: str) -> FallbackClass:
    """The class a model name the catalogue does not know is priced as."""
    classes = {c.name: c for c in fallback_classes()}
    size = _SIZE.search(model)
    if size:
        params_b = float(size.group(1))
        for c in fallback_classes():
            if c.max_params_b is not None and params_b <= c.max_params_b:
                return c
        return classes["large"]
    words = set(re.split(r"[-_:/.\s]+", model.lower()))
    for c in fallback_classes():
        if words & set(c.hints):
            return c
    return classes["generic"]


def fallback_group_estimate(model: str, provider: str | None, *, requests: int, input_tokens: int,
                            input_tokens_sq: int, output_tokens: int, reasoning_tokens: int,
                            settings: "Settings | None" = None) -> tuple[Footprint, FallbackClass]:
    """A group of requests to an unknown model, priced by its class's three stand-ins."""
    c = fallback_class(model)

    def one(stand_in: str) -> Footprint:
        kwargs = dict(requests=requests, input_tokens=input_tokens, input_tokens_sq=input_tokens_sq,
                      output_tokens=output_tokens, reasoning_tokens=reasoning_tokens, settings=settings)
        try:
            return group_estimate(stand_in, provider, **kwargs)  # type: ignore[arg-type]
        except InputError:  # a provider that cannot serve the stand-in: its default host
            return group_estimate(stand_in, None, **kwargs)  # type: ignore[arg-type]

    low, central, high = (one(m) for m in c.models)
    note = f"{model} is not in the catalogue: priced as a {c.name} model ({', '.join(c.models)}), a wide range"
    return spanning(low, central, high, [note]), c
