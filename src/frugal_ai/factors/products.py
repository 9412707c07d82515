"""The AI products catalogue (data/emission_factors/products.csv): the web assistants and SaaS
services an SME uses, each mapped to the model behind it and a typical request profile.

A product is what a person uses (ChatGPT, Microsoft 365 Copilot, Le Chat, an OCR service);
its `model` is a models.csv id (text) or a modalities.csv id (image, transcription) and
`provider` the data centre that serves it. A text product's prompt profile gives input and
output tokens per request as (low, central, high): a published figure where there is one
(`profile = published`), otherwise a stated assumption with a wide range (`assumed`, which
`frugal-ai products` and the declared rows flag). `unit` is what one request is: a prompt,
a page, an image, or a minute of audio (`units_per_request` model units: 60 audio seconds).
"""

from __future__ import annotations

import csv
import difflib
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..errors import InputError
from ._load import data_dir
from ._names import normalise

ProductKind = Literal["text", "image", "transcription"]
ProductUnit = Literal["prompt", "page", "image", "audio_minute"]
FILE = "products.csv"


class UnknownProductError(InputError):
    """A product name is in neither the catalogue's keys, names nor aliases."""


class Product(BaseModel):
    """One row of products.csv."""

    key: str
    name: str
    vendor: str
    kind: ProductKind
    unit: ProductUnit
    model: str
    provider: str
    input_tokens: tuple[int, int, int] = Field((0, 0, 0), description="Per request: low, central, high.")
    output_tokens: tuple[int, int, int] = Field((0, 0, 0), description="Per request: low, central, high.")
    reasoning_tokens: int = 0
    units_per_request: float = Field(1.0, description="Model units per request (image: 1, transcription: 60 s).")
    profile: Literal["published", "assumed"]
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...]
    note: str

    @property
    def assumed(self) -> bool:
        return self.profile == "assumed"


def _triple(row: dict[str, str], name: str) -> tuple[int, int, int]:
    values = [row[f"{name}_low"], row[name], row[f"{name}_high"]]
    if not any(values):
        return (0, 0, 0)
    low, central, high = (int(v) for v in values)
    if not low <= central <= high:
        raise ValueError(f"{name}: expected low <= central <= high, got {low}, {central}, {high}")
    return (low, central, high)


def _product(row: dict[str, str]) -> Product:
    return Product(
        key=row["key"], name=row["name"], vendor=row["vendor"], kind=row["kind"], unit=row["unit"],  # type: ignore[arg-type]
        model=row["model"], provider=row["provider"], input_tokens=_triple(row, "input_tokens"),
        output_tokens=_triple(row, "output_tokens"), reasoning_tokens=int(row["reasoning_tokens"] or 0),
        units_per_request=float(row["units_per_request"] or 1), profile=row["profile"],  # type: ignore[arg-type]
        aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
        sources=tuple(s.strip() for s in row["sources"].split(";") if s.strip()), note=row["note"],
    )


@lru_cache(maxsize=1)
def products() -> tuple[Product, ...]:
    """Every product, validated against the factor base (its model, provider and sources)."""
    from . import factor_set

    fs = factor_set()
    path = data_dir() / FILE
    out: list[Product] = []
    with path.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                p = _product(row)
            except (ValidationError, ValueError, KeyError) as e:
                raise InputError(f"line {line}: {e}", where=FILE) from None
            for sid in p.sources:
                fs.source(sid)
            fs.require_provider(p.provider)
            if p.kind == "text":
                fs.model(p.model)
                if p.input_tokens[1] <= 0 or p.output_tokens[1] <= 0:
                    raise InputError(f"line {line}: a text product needs its prompt profile", where=FILE)
            elif fs.find_modality(p.model) is None:
                raise InputError(f"line {line}: {p.model!r} is not a modalities.csv id", where=FILE)
            out.append(p)
    return tuple(out)


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for p in products():
        for name in (p.key, p.name, *p.aliases):
            names.setdefault(normalise(name), p.key)
    return names


def find_product(name: str) -> Product | None:
    """The product a key, name or alias names (case and spaces ignored), or None."""
    key = _names().get(normalise(name))
    return None if key is None else next(p for p in products() if p.key == key)


def product(name: str) -> Product:
    """The product `name` names; `UnknownModelError` (exit 2) with close keys otherwise."""
    found = find_product(name)
    if found is None:
        names = _names()
        close = difflib.get_close_matches(normalise(name), list(names), n=3, cutoff=0.5)
        hint = list(dict.fromkeys(names[c] for c in close))
        raise UnknownProductError(f"unknown product {name!r}" + (f"; did you mean {', '.join(map(repr, hint))}?" if hint
                                                                 else "; see `frugal-ai products list`"))
    return found
