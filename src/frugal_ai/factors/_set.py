"""The factor set: validated rows, indexed by key so that every query is a dict lookup."""

from __future__ import annotations

import difflib
from collections import defaultdict

from ..errors import InputError, UnknownModelError, UnknownZoneError
from ._load import WORLD, RawFactorSet
from ._names import candidates, normalise, size_hint_b
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

DEFAULT_PROVIDER = "default"
# Providers whose compute is the company's own (the on-premises defaults apply).
LOCAL_PROVIDERS = frozenset({"local", "onprem", "on-premises", "ollama", "self-hosted"})
_WORLD_NAMES = frozenset({"WORLD", "WOR", "WLD", "GLOBAL"})
_MAX_NAME_CACHE = 10_000
# A name that states a size (`deepseek-r1:70b`) only resolves to a catalogue model whose total
# or active parameters are within this factor of it.
_SIZE_TOLERANCE = 1.5


def _of_size(model: LlmModel, size_b: float) -> bool:
    """Whether `size_b` billion parameters is this model's total or active size, within the tolerance."""
    return any(
        r.low / _SIZE_TOLERANCE <= size_b <= r.high * _SIZE_TOLERANCE for r in (model.total_params_b, model.active_params_b)
    )


class FactorSet:
    """Every factor of `data/emission_factors/`, indexed. Obtain it with `factor_set()`.

    Example:
        >>> from frugal_ai.factors import factor_set
        >>> fs = factor_set()
        >>> fs.electricity("FR").co2e_kg_per_kwh
        0.0461
        >>> fs.model("gpt-4o-2024-08-06").id
        'gpt-4o'
    """

    def __init__(self, raw: RawFactorSet) -> None:
        self.version: str = raw.version
        self._changelog = list(raw.changelog)
        self._defaults = dict(raw.defaults)
        self._sources = {s.id: s for s in raw.sources}
        self._electricity = {e.zone: e for e in raw.electricity}
        self._zone_codes: dict[str, str] = {}
        for e in raw.electricity:
            self._zone_codes[e.zone] = e.zone
            if e.alpha2:
                self._zone_codes[e.alpha2] = e.zone
            self._zone_codes[e.name.upper()] = e.zone
        for name in _WORLD_NAMES:
            self._zone_codes[name] = WORLD
        self._provider_aliases = {k.lower(): v.lower() for k, v in raw.provider_aliases.items()}
        self._datacenters: dict[tuple[str, str | None], Datacenter] = {(d.provider, d.region): d for d in raw.datacenters}
        self._providers = sorted({d.provider for d in raw.datacenters})
        self._onprem = raw.onprem
        self._offers = list(raw.model_offers)
        self._models = {m.id: m for m in raw.models}
        self._model_names: dict[str, str] = {}
        for m in raw.models:
            for name in (m.id, *m.aliases):
                other = self._model_names.setdefault(name, m.id)
                if other != m.id:
                    raise InputError(f"model name {name!r} names both {other!r} and {m.id!r}", where="models.csv")
        self._modalities = {m.id: m for m in raw.modalities}
        self._modality_names: dict[str, str] = {}
        for m in raw.modalities:
            for name in (m.id, *m.aliases):
                other = self._modality_names.setdefault(name, m.id)
                if other != m.id:
                    raise InputError(f"model name {name!r} names both {other!r} and {m.id!r}", where="modalities.csv")
        self._families: dict[str, list[LlmModel]] = defaultdict(list)
        for m in sorted(raw.models, key=lambda m: (m.tier, m.id)):
            self._families[m.family].append(m)
        self._hardware = {h.key: h for h in raw.hardware}
        self._avoided = {a.activity: a for a in raw.avoided}
        self._equivalences = {e.key: e for e in raw.equivalences}
        self._constants = {c.key: c for c in raw.constants}
        self._choices = dict(raw.choices)
        self._name_cache: dict[tuple[str, str | None], LlmModel] = {}
        self._check_references(raw)

    # --- electricity -------------------------------------------------------------
    def resolve_zone(self, code: str | None) -> str:
        """The canonical zone (ISO alpha-3, or `WORLD`) for an alpha-2 / alpha-3 code or a country name."""
        if code is None:
            return WORLD
        key = code.strip().upper()
        zone = self._zone_codes.get(key)
        if zone is None:
            close = difflib.get_close_matches(key, [k for k in self._zone_codes if len(k) <= 3], n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownZoneError(f"unknown zone {code!r} (expected an ISO 3166 code such as 'FR' or 'FRA', or 'WORLD'){hint}")
        return zone

    def electricity(self, zone: str | None) -> ElectricityFactor:
        """Carbon intensity (kg CO2e/kWh, life cycle) and off-site water (L/kWh) of a zone; None means WORLD."""
        return self._electricity[self.resolve_zone(zone)]

    def zones(self) -> list[ElectricityFactor]:
        return list(self._electricity.values())

    # --- data centres ------------------------------------------------------------
    def provider_key(self, provider: str | None) -> str:
        """The datacenters.csv key for a provider name (aliases applied); `default` when unknown or None."""
        if provider is None:
            return DEFAULT_PROVIDER
        name = provider.strip().lower()
        if name in LOCAL_PROVIDERS:
            return "local"
        name = self._provider_aliases.get(name, name)
        return name if (name, None) in self._datacenters else DEFAULT_PROVIDER

    def datacenter(self, provider: str | None, region: str | None = None) -> Datacenter:
        """Zone, PUE and on-site WUE of a provider (and region). Unknown ones fall back, flagged."""
        key = self.provider_key(provider)
        if key == "local":
            raise InputError("local compute has no data-centre entry: use onprem()")
        if region is not None:
            found = self._datacenters.get((key, region.strip().lower()))
            if found is not None:
                return found
        base = self._datacenters[(key, None)]
        unknown_provider = provider is not None and key == DEFAULT_PROVIDER and provider.strip().lower() != DEFAULT_PROVIDER
        unknown_region = region is not None
        if unknown_provider or unknown_region:
            return base.model_copy(update={"fallback": unknown_provider, "region_fallback": unknown_region})
        return base

    def datacenters(self, provider: str | None = None) -> list[Datacenter]:
        if provider is None:
            return list(self._datacenters.values())
        key = self.provider_key(provider)
        return [d for d in self._datacenters.values() if d.provider == key]

    def providers(self) -> list[str]:
        return list(self._providers)

    def known_providers(self, *, publishers: bool = False) -> list[str]:
        """Provider names a user may give: those with a data-centre row, `local`, and with
        `publishers`, the catalogue's model publishers too (aliases are accepted besides)."""
        names = {p for p in self._providers if p != DEFAULT_PROVIDER} | {"local"}
        if publishers:
            names |= {m.provider for m in self._models.values()}
        return sorted(names)

    def require_provider(self, provider: str, *, publishers: bool = False) -> str:
        """`provider` checked against the known names (aliases and case allowed); raises `InputError` naming them.

        For user input (a CLI flag): the estimator itself keeps accepting an unknown provider
        with a warning and generic assumptions, as calls recorded in the ledger may name one.
        """
        name = provider.strip().lower()
        known = self.known_providers(publishers=publishers)
        if name in LOCAL_PROVIDERS or name == DEFAULT_PROVIDER:
            return name
        resolved = self._provider_aliases.get(name, name)
        if name in known or resolved in known:
            return name
        # Aliases count as spellings of their provider; suggest the provider's own name.
        spellings = {**{k: k for k in known}, **{a: p for a, p in self._provider_aliases.items() if p in known}}
        close = list(dict.fromkeys(spellings[c] for c in difflib.get_close_matches(name, list(spellings), n=3, cutoff=0.5)))
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InputError(f"unknown provider {provider!r}{hint} (known: {', '.join(known)})")

    def onprem(self) -> OnPrem:
        """PUE and on-site WUE defaults for the company's own machines."""
        return self._onprem

    # --- models ------------------------------------------------------------------
    def model(self, name: str, provider: str | None = None) -> LlmModel:
        """The catalogue entry for a model name, alias or dated snapshot. Raises UnknownModelError.

        A name that states a size (`deepseek-r1:1.5b`, `Llama-3.1-8B`) never resolves, through
        a more general form of it, to a model of another size.
        """
        cached = self._name_cache.get((name, provider))
        if cached is not None:
            return cached
        size = size_hint_b(name)
        for n, candidate in enumerate(candidates(name)):
            model_id = self._model_names.get(candidate)
            if model_id is not None:
                found = self._models[model_id]
                if n and size is not None and not _of_size(found, size):
                    continue
                if len(self._name_cache) >= _MAX_NAME_CACHE:
                    self._name_cache.clear()
                self._name_cache[(name, provider)] = found
                return found
        suggestions = difflib.get_close_matches(normalise(name), list(self._model_names), n=3, cutoff=0.5)
        # Suggest catalogue ids rather than the aliases that happened to be closest.
        ids = list(dict.fromkeys(self._model_names[s] for s in suggestions))
        raise UnknownModelError(name, ids)

    def models(self, provider: str | None = None) -> list[LlmModel]:
        """The catalogue, by provider, family and tier; only one provider's models when given."""
        rows = sorted(self._models.values(), key=lambda m: (m.provider, m.family, m.tier, m.id))
        if provider is None:
            return rows
        name = provider.strip().lower()
        wanted = {name, self._provider_aliases.get(name, name)}  # 'microsoft': its own models, and Azure's
        return [m for m in rows if m.provider in wanted or m.host in wanted]

    def find_modality(self, name: str) -> ModalityModel | None:
        """The image, audio or embedding model a name resolves to (modalities.csv), or None."""
        for candidate in candidates(name):
            model_id = self._modality_names.get(candidate)
            if model_id is not None:
                return self._modalities[model_id]
        return None

    def modality(self, name: str) -> ModalityModel:
        """The image, audio or embedding model of a name. Raises UnknownModelError with close matches."""
        found = self.find_modality(name)
        if found is None:
            suggestions = difflib.get_close_matches(normalise(name), list(self._modality_names), n=3, cutoff=0.5)
            raise UnknownModelError(name, list(dict.fromkeys(self._modality_names[s] for s in suggestions)))
        return found

    def modalities(self, kind: str | None = None) -> list[ModalityModel]:
        """The non-text catalogue, by kind and id; only one kind's models when given."""
        rows = sorted(self._modalities.values(), key=lambda m: (m.kind, m.id))
        return [m for m in rows if kind is None or m.kind == kind]

    def offers(self, model: str) -> list[ModelOffer]:
        """Who else serves a catalogue model, and where (model_offers.csv): the rows naming it and,
        for an open-weight model (no data centre of its own), the dedicated-deployment rows."""
        entry = self.model(model)
        open_weights = entry.host == DEFAULT_PROVIDER
        return [o for o in self._offers if o.model == entry.id or (open_weights and o.model == OPEN_WEIGHTS)]

    def family(self, family: str) -> list[LlmModel]:
        """The models of a family, smallest tier first."""
        return list(self._families.get(family, ()))

    # --- everything else ---------------------------------------------------------
    def hardware(self, key: str) -> Hardware:
        return self._lookup(self._hardware, key, "hardware")

    def hardware_items(self) -> list[Hardware]:
        return list(self._hardware.values())

    def avoided(self, activity: str) -> AvoidedFactor:
        """The factor of an avoided activity (diesel, natural_gas, electricity, ...)."""
        return self._lookup(self._avoided, activity.strip().lower(), "avoided activity")

    def avoided_activities(self) -> list[AvoidedFactor]:
        return list(self._avoided.values())

    def equivalence(self, key: str) -> Equivalence:
        return self._lookup(self._equivalences, key, "equivalence")

    def equivalences(self) -> list[Equivalence]:
        return list(self._equivalences.values())

    def source(self, id: str) -> Source:
        return self._lookup(self._sources, id, "source")

    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def constant(self, key: str) -> Constant:
        """A coefficient of the method (`float(c)` is its central value; `c.range` its bounds)."""
        return self._lookup(self._constants, key, "constant")

    def constants(self) -> list[Constant]:
        return list(self._constants.values())

    def choice(self, key: str) -> str:
        """A named choice of the method, such as the accelerator the estimator assumes."""
        return self._lookup(self._choices, key, "choice")

    def default(self, key: str) -> str:
        """A documented default of the method (constants.toml `[defaults]`), such as the reasoning effort."""
        return self._lookup(self._defaults, key, "default")

    def changelog(self) -> list[ChangelogEntry]:
        """What changed in each version of the factor set, newest first (meta.toml)."""
        return list(self._changelog)

    @staticmethod
    def _lookup(index: dict, key: str, what: str):  # type: ignore[no-untyped-def]
        try:
            return index[key]
        except KeyError:
            close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(f"unknown {what} {key!r}{hint}") from None

    def _check_references(self, raw: RawFactorSet) -> None:
        """Every source id exists, every zone and hardware key resolves: a broken file fails at load."""
        rows: list[tuple[str, tuple[str, ...]]] = []
        rows += [(f"electricity.csv {e.zone}", e.sources) for e in raw.electricity]
        rows += [(f"datacenters.csv {d.provider} {d.region or ''}", d.sources) for d in raw.datacenters]
        rows += [(f"models.csv {m.id}", m.sources) for m in raw.models]
        rows += [(f"modalities.csv {m.id}", m.sources) for m in raw.modalities]
        rows += [(f"hardware.csv {h.key}", h.sources) for h in raw.hardware]
        rows += [(f"avoided.csv {a.activity}", a.sources) for a in raw.avoided]
        rows += [(f"equivalences.csv {e.key}", e.sources) for e in raw.equivalences]
        rows += [(f"constants.toml {c.key}", c.sources) for c in raw.constants]
        rows += [("onprem.toml", raw.onprem.sources)]
        for where, ids in rows:
            if not ids:
                raise InputError("no source given", where=where)
            for sid in ids:
                if sid not in self._sources:
                    raise InputError(f"unknown source id {sid!r}", where=where)
        if WORLD not in self._electricity:
            raise InputError("no WORLD row", where="electricity.csv")
        for d in raw.datacenters:
            if d.zone not in self._electricity:
                raise InputError(f"unknown zone {d.zone!r}", where=f"datacenters.csv {d.provider}")
        if (DEFAULT_PROVIDER, None) not in self._datacenters:
            raise InputError("no default provider row", where="datacenters.csv")
        for o in raw.model_offers:
            where = f"model_offers.csv {o.provider} {o.model}"
            for sid in o.sources or ("",):
                if sid not in self._sources:
                    raise InputError(f"unknown source id {sid!r}" if sid else "no source given", where=where)
            if o.model != OPEN_WEIGHTS and o.model not in self._models:
                raise InputError(f"model {o.model!r} is not a catalogue id", where=where)
            for region in o.regions:
                if (o.provider, region) not in self._datacenters:
                    raise InputError(f"{o.provider!r} has no datacenters.csv row for region {region!r}", where=where)
        for m in raw.models:
            if m.host != DEFAULT_PROVIDER and (m.host, None) not in self._datacenters:
                raise InputError(f"host {m.host!r} has no data-centre row", where=f"models.csv {m.id}")
        for m in raw.models:
            for field in ("base", "distilled_from"):
                other = getattr(m, field)
                if other and other not in self._models:
                    raise InputError(f"{field} {other!r} is not a catalogue id", where=f"models.csv {m.id}")
            if m.accelerator and m.accelerator not in self._hardware:
                raise InputError(f"accelerator {m.accelerator!r} is not a hardware.csv key", where=f"models.csv {m.id}")
            if m.weight_bits_high is not None and (m.weight_bits is None or m.weight_bits_high < m.weight_bits):
                raise InputError("weight_bits_high needs weight_bits below it", where=f"models.csv {m.id}")
            if m.base and not _of_size(self._models[m.base], m.total_params_b.central):
                raise InputError(f"a fine-tune has its base's size; {m.base!r} has another", where=f"models.csv {m.id}")
            if m.distilled_from and m.total_params_b.high >= self._models[m.distilled_from].total_params_b.low:
                raise InputError(f"a distilled model is smaller than {m.distilled_from!r}: give its own parameters", where=f"models.csv {m.id}")
        for mm in raw.modalities:
            if mm.text_model and mm.text_model not in self._models:
                raise InputError(f"text_model {mm.text_model!r} is not a models.csv id", where=f"modalities.csv {mm.id}")
            if mm.host != DEFAULT_PROVIDER and (mm.host, None) not in self._datacenters:
                raise InputError(f"host {mm.host!r} has no data-centre row", where=f"modalities.csv {mm.id}")
        if not self._changelog or self._changelog[0].version != self.version:
            raise InputError(f"the changelog's first entry must be version {self.version}", where="meta.toml")
        for key, value in self._choices.items():
            if value not in self._hardware:
                raise InputError(f"choice {key} names unknown hardware {value!r}", where="constants.toml")
