"""The factor base in `data/emission_factors/`: loaded once, validated, indexed.

    >>> from frugal_ai.factors import factor_set
    >>> fs = factor_set()
    >>> isinstance(fs.version, str)     # printed by `frugal-ai factors` and in every report
    True
    >>> fs.electricity("FRA").co2e_kg_per_kwh
    0.0461

Queries: `.resolve_zone(code)`, `.electricity(zone)`, `.datacenter(provider, region=None)`,
`.onprem()`, `.model(name, provider=None)`, `.offers(model)`, `.models(provider=None)`, `.family(name)`,
`.hardware(key)`, `.avoided(activity)`, `.equivalence(key)`, `.source(id)`, `.constant(key)`,
`.default(key)`, `.changelog()`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ._describe import KINDS, FactorRow, factor_row, factor_rows
from ._load import WORLD, data_dir, load_raw
from ._schema import (
    AvoidedFactor,
    ChangelogEntry,
    Constant,
    Datacenter,
    ElectricityFactor,
    Equivalence,
    Hardware,
    LlmModel,
    OPEN_WEIGHTS,
    ModalityModel,
    ModelOffer,
    OnPrem,
    Source,
)
from ._names import weight_bits_of
from ._set import DEFAULT_PROVIDER, LOCAL_PROVIDERS, FactorSet

__all__ = [
    "factor_set",
    "data_dir",
    "factor_rows",
    "factor_row",
    "FactorRow",
    "KINDS",
    "FactorSet",
    "weight_bits_of",
    "WORLD",
    "DEFAULT_PROVIDER",
    "LOCAL_PROVIDERS",
    "AvoidedFactor",
    "ChangelogEntry",
    "Constant",
    "Datacenter",
    "ElectricityFactor",
    "Equivalence",
    "Hardware",
    "LlmModel",
    "ModalityModel",
    "ModelOffer",
    "OPEN_WEIGHTS",
    "OnPrem",
    "Source",
]

_cache: dict[Path | None, FactorSet] = {}
_lock = threading.Lock()


def factor_set(directory: Path | str | None = None) -> FactorSet:
    """The factor set, loaded and validated on first use and cached for the process.

    `directory` reads another copy of the files (tests, a pinned older set); by default
    the files shipped with frugal-ai.
    """
    if directory is None:
        # The common case, kept to one dict lookup: callers may ask for it in loops.
        found = _cache.get(None)
        if found is not None:
            return found
    path = Path(directory) if directory is not None else data_dir()
    with _lock:
        found = _cache.get(path)
        if found is None:
            found = FactorSet(load_raw(path))
            _cache[path] = found
        if directory is None:
            _cache[None] = found
        return found
