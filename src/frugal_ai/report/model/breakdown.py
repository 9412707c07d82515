"""The totals split and pictured: breakdown rows (workload, model, zone, month), the CSV's
lines, and the plain-language equivalences of the totals."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ...errors import InputError
from ...inventory import InventoryRow
from .schema import BreakdownRow, Equivalence, KindRow, LineRow, Quantities


def model_label(provider: str | None, model: str | None) -> str:
    """`provider/model`, or the model alone when the provider is unknown."""
    return f"{provider}/{model}" if provider else (model or "")


def quantities_of(row: InventoryRow) -> Quantities:
    fp = row.footprint
    assert fp is not None
    return Quantities(energy_kwh=fp.energy_kwh, co2e_kg=fp.co2e_kg, water_l=fp.water_l)


def share_of(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def breakdown_rows(
    rows: Iterable[InventoryRow], key: Callable[[InventoryRow], tuple[str, str | None, str | None]], total_co2e: float
) -> list[BreakdownRow]:
    """Group the inventory's (already aggregated) rows by `key`: a few hundred rows at most."""
    groups: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for r in rows:
        k = key(r)
        g = groups.setdefault(
            k, {"q": Quantities.zero(), "methods": set(), "priced": False, "runs": 0, "requests": 0, "tokens": 0}
        )
        if r.footprint is not None:
            g["q"] = g["q"] + quantities_of(r)
            g["methods"].add(r.method)
            g["priced"] = True
        elif r.local:
            g["methods"].add("local")
        g["runs"] += r.runs
        g["requests"] += r.requests
        g["tokens"] += r.tokens
    out = [
        BreakdownRow(
            key=k[0],
            provider=k[1],
            model=k[2],
            methods=sorted(g["methods"], key=("measured", "estimated", "declared", "local").index),
            priced=g["priced"],
            runs=g["runs"],
            requests=g["requests"],
            tokens=g["tokens"],
            share_co2e=share_of(g["q"].co2e_kg.central, total_co2e),
            **g["q"].model_dump(),
        )
        for k, g in groups.items()
    ]
    out.sort(key=lambda b: (-b.co2e_kg.central, b.key))
    return out


def _add_footprint(total: KindRow | LineRow, r: InventoryRow) -> None:
    """Add a priced row's energy, CO2e and water to a running total, and mark it priced."""
    assert r.footprint is not None
    total.energy_kwh += r.footprint.energy_kwh
    total.co2e_kg += r.footprint.co2e_kg
    total.water_l += r.footprint.water_l
    total.priced = True


def kind_rows(rows: Iterable[InventoryRow]) -> list[KindRow]:
    """The API calls summed by request kind (ledger/kinds.py order: chat first)."""
    from ...ledger.kinds import REQUEST_KINDS, UNIT_OF_KIND

    groups: dict[str, KindRow] = {}
    for r in rows:
        if r.model is None:  # runs
            continue
        g = groups.get(r.kind)
        if g is None:
            g = groups[r.kind] = KindRow(kind=r.kind, unit=UNIT_OF_KIND.get(r.kind), **Quantities.zero().model_dump())
        g.requests += r.requests
        g.tokens += r.tokens
        g.units += r.units
        if r.footprint is not None:
            _add_footprint(g, r)
            g.unpriced_requests += r.unpriced_requests
        elif not r.local:
            g.unpriced_requests += r.requests
    order = {k: i for i, k in enumerate(REQUEST_KINDS)}
    return sorted(groups.values(), key=lambda k: (order.get(k.kind, len(order)), k.kind))


def line_rows(rows: Iterable[InventoryRow]) -> list[LineRow]:
    groups: dict[tuple[str, str, str], LineRow] = {}
    for r in rows:
        k = (r.workload, r.month, "local" if r.local else r.method)
        line = groups.get(k)
        if line is None:
            line = groups[k] = LineRow(workload=k[0], month=k[1], method=k[2], **Quantities.zero().model_dump())
        if r.footprint is not None:
            _add_footprint(line, r)
        line.runs += r.runs
        line.requests += r.requests
        line.tokens += r.tokens
    return sorted(groups.values(), key=lambda x: (x.workload, x.month, x.method))



# --- plain-language equivalence ----------------------------------------------------------------

# The comparisons shown in the summary: keys of the factor base's equivalences.
_EQUIVALENCE_KEYS = ("car_km", "shower")


def equivalences_of(totals: Quantities, factors: Any) -> list[Equivalence]:
    out = []
    for key in _EQUIVALENCE_KEYS:
        try:
            eq = factors.equivalence(key)
        except InputError:  # not in this factor set: show the others
            continue
        count = eq.units_for(getattr(totals, eq.quantity).central)
        if count < 1:  # "0.07 showers" pictures nothing: skip comparisons below one unit
            continue
        source, source_name, source_year = _credit(eq.sources, factors)
        out.append(
            Equivalence(key=key, quantity=eq.quantity, count=count, amount_per_unit=eq.amount_per_unit,
                        labels={"en": eq.label_en, "fr": eq.label_fr}, source=source,
                        source_name=source_name, source_year=source_year,
                        unit_labels={"en": eq.unit_en, "fr": eq.unit_fr})
        )
    return out


def _credit(source_ids: Iterable[str], factors: Any) -> tuple[str, str, int | None]:
    """The first source's one-line credit: its citation with the year, its short name (the
    citation up to the first ':'; the rest is English prose about the values, which a report
    in another language must not quote), and its year. A source the factor base does not
    know is named by its id, with no year."""
    for sid in source_ids:
        try:
            src = factors.source(sid)
        except InputError:
            return sid, sid, None
        return f"{src.citation} ({src.year})", str(src.citation).split(":", 1)[0].strip(), int(src.year)
    return "", "", None


