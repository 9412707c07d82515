"""Every factor as a flat, printable row with a key, for `frugal-ai factors list|show`.

Keys are `kind.name`: `electricity.FR`, `datacenter.aws.eu-west-3`, `onprem.pue`,
`hardware.h100_sxm_80gb`, `avoided.diesel`, `equivalence.car_km`, `constant.llm.batch_size`,
`source.owid-ember`. `show` also accepts a bare name when only one kind has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..footprint import Range
from ._set import FactorSet

KINDS = ("electricity", "datacenter", "onprem", "hardware", "avoided", "equivalence", "constant", "source")


@dataclass(frozen=True)
class FactorRow:
    key: str
    kind: str
    value: str
    unit: str
    sources: tuple[str, ...]
    note: str = ""


def _r(r: Range) -> str:
    if r.low == r.high:
        return f"{r.central:g}"
    return f"{r.central:g} ({r.low:g}–{r.high:g})"


def factor_rows(fs: FactorSet, kind: str | None = None) -> list[FactorRow]:
    """All factors of one kind (or every kind), in file order."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    rows: list[FactorRow] = []
    if kind in (None, "electricity"):
        for e in fs.zones():
            code = e.alpha2 or e.zone
            flags = [
                w
                for w, on in (
                    ("intensity: world fallback", e.co2e_fallback),
                    ("water: world fallback", e.water_fallback),
                    ("upstream share: world fallback", e.upstream_fallback),
                )
                if on
            ]
            rows.append(
                FactorRow(
                    f"electricity.{code}",
                    "electricity",
                    f"{e.co2e_kg_per_kwh * 1000:.1f} gCO2e/kWh; {e.water_l_per_kwh:g} L/kWh; upstream {_r(e.upstream_share)}",
                    "life cycle; off-site water; share of life cycle upstream of combustion (Scope 3 cat. 3)",
                    e.sources,
                    "; ".join([e.name, f"data year {e.data_year}", *flags]),
                )
            )
    if kind in (None, "datacenter"):
        for d in fs.datacenters():
            key = f"datacenter.{d.provider}" + (f".{d.region}" if d.region else "")
            rows.append(FactorRow(key, "datacenter", f"zone {d.zone}; PUE {_r(d.pue)}; WUE {_r(d.wue_l_per_kwh)} L/kWh", "PUE ratio; WUE L per kWh IT", d.sources, d.note))
    if kind in (None, "onprem"):
        o = fs.onprem()
        rows.append(FactorRow("onprem.pue", "onprem", _r(o.pue), "ratio", o.sources))
        rows.append(FactorRow("onprem.wue", "onprem", _r(o.wue_l_per_kwh), "L per kWh of IT energy", o.sources))
    if kind in (None, "hardware"):
        for h in fs.hardware_items():
            value = f"{_r(h.embodied_co2e_kg)} kgCO2e; life {_r(h.lifetime_years)} years"
            rows.append(FactorRow(f"hardware.{h.key}", "hardware", value, "embodied; lifetime", h.sources, f"{h.description}. {h.note}".strip()))
    if kind in (None, "avoided"):
        for a in fs.avoided_activities():
            value = "zone factor" if a.zone_dependent else f"{a.co2e_kg_per_unit:g}"
            rows.append(FactorRow(f"avoided.{a.activity}", "avoided", value, f"kgCO2e/{a.unit} (units: {', '.join(a.allowed_units)})", a.sources, f"{a.label}. {a.note}".strip()))
    if kind in (None, "equivalence"):
        for q in fs.equivalences():
            rows.append(FactorRow(f"equivalence.{q.key}", "equivalence", f"{q.amount_per_unit:g}", f"{q.quantity} per {q.unit_en.rstrip('s')}", q.sources, q.label_en))
    if kind in (None, "constant"):
        for c in fs.constants():
            rows.append(FactorRow(f"constant.{c.key}", "constant", _r(c.range), c.unit, c.sources))
    if kind in (None, "source"):
        for s in fs.sources():
            rows.append(FactorRow(f"source.{s.id}", "source", str(s.year), s.verification, (s.id,), s.citation))
    return rows


def factor_row(fs: FactorSet, key: str) -> FactorRow:
    """One factor by key (`kind.name`, or a bare name that only one kind has). Raises InputError."""
    rows = factor_rows(fs)
    wanted = key.strip()
    by_key = {r.key.lower(): r for r in rows}
    found = by_key.get(wanted.lower())
    if found is not None:
        return found
    if wanted.split(".", 1)[0].lower() == "electricity" or "." not in wanted:
        # Zones may be given in any form resolve_zone accepts (FRA, fr, France).
        try:
            e = fs.electricity(wanted.split(".", 1)[-1])
            return by_key[f"electricity.{(e.alpha2 or e.zone).lower()}"]
        except InputError:
            pass
    matches = [r for r in rows if r.key.split(".", 1)[1].lower() == wanted.lower()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InputError(f"{key!r} is ambiguous: {', '.join(r.key for r in matches)}")
    import difflib

    close = difflib.get_close_matches(wanted.lower(), list(by_key), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"unknown factor {key!r}{hint}")
