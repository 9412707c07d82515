"""The report as a sequence of blocks (headings, paragraphs, tables, charts), in one language.

This is where the model's numbers become words, once, for every text format: the
Markdown, terminal and HTML renderers only turn these blocks into their syntax. Nothing is
computed here beyond formatting.

Long on purpose (over 400 lines): one short function per section of the report, kept in one
file so that the whole document's order and wording read in one place.
"""

from __future__ import annotations

import re

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from ..gains.wording import use_case_reason
from ..inventory import NO_WORKLOAD
from ..lang import Texts
from .model import BreakdownRow, Equivalence, FactorUsed, Ghg, Quantities, Report, SettingsInForce, model_label


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    text: str
    kind: Literal["p", "note", "banner", "lead"] = "p"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)  # right-align these columns

    def is_numeric(self, column: int) -> bool:
        """Whether `column` holds numbers (right-aligned); columns past `numeric` do not."""
        return column < len(self.numeric) and self.numeric[column]


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Chart:
    name: Literal["by_month", "by_workload", "gains"]
    title: str


@dataclass
class SectionBreak:
    """Start of a numbered section: HTML puts a page break before it when printing."""

    anchor: str


Block = Union[Heading, Para, Table, Bullets, Chart, SectionBreak]


def workload_text(name: str, t: Texts) -> str:
    """A workload's name as shown: the rows recorded without one, in `t`'s words."""
    return t("no_workload") if name == NO_WORKLOAD else t.value(name)


def period_text(report: Report, t: Texts) -> str:
    if report.period_in_progress and report.period_since and report.period_until:
        return t("period.in_progress", span=t.day_span(report.period_since, report.period_until))
    if report.period_since is None and report.period_until is None:
        return t("period.all")
    if report.period_since is None:
        return t("period.open_start", until=t.date(report.period_until))
    if report.period_until is None:
        return t("period.open_end", since=t.date(report.period_since))
    return t("period.span", since=t.date(report.period_since), until=t.date(report.period_until))


_QUARTER_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def period_label_words(label: str, t: Texts) -> str:
    """A period's label in the language's words: '2026-Q4' as '4e trimestre 2026', '2026-09' as
    'septembre 2026' in French (English keeps '2026-Q4' and '2026-09'); anything else as it is."""
    if m := _QUARTER_LABEL.match(label):
        q = int(m[2])
        return t("period.quarter", year=m[1], quarter=t(f"quarter.{q}"))
    if m := _MONTH_LABEL.match(label):
        return t("period.month", year=m[1], month=t(f"month_label.{int(m[2])}"))
    return label


def title_text(report: Report, t: Texts) -> str:
    """The report's title, with its period label ('all' in the language's words)."""
    label = t("period.all") if report.period == "all" else period_label_words(report.period, t)
    if "/" in label and report.period_since and report.period_until:
        # A span of days ('2026-10-27/2026-11-26'): in words, as the rest of the report writes dates.
        label = f"{t.date(report.period_since)} – {t.date(report.period_until)}"
    return f"{t('title')} — {label}"


def header_blocks(report: Report, t: Texts) -> list[Block]:
    # One line for the period asked and the span of the records found in it.
    period = period_text(report, t)
    if report.first_record and report.last_record:
        period = t("period.with_records", period=period,
                   records=t("records_span", first=t.date(report.first_record), last=t.date(report.last_record)))
    blocks: list[Block] = [
        Heading(1, title_text(report, t)),
        Para(t("subtitle"), "lead"),
        Para(t("labelled", label=t("period"), value=period)),
    ]
    if report.demo_rows:
        blocks.append(Para(t("demo_banner", n=t.count(report.demo_rows), total=t.count(report.methodology.ledger_rows)), "banner"))
    return blocks


def summary_blocks(report: Report, t: Texts) -> list[Block]:
    blocks: list[Block] = [SectionBreak("summary"), Heading(2, t("section.summary"), "summary")]
    if report.empty:
        blocks += [Para(t("empty.title"), "banner"), Para(t("empty.body"))]
        return blocks
    tot = report.totals
    blocks.append(
        Para(
            t(
                "summary.lead",
                energy=t.range(tot.energy_kwh, "energy_kwh"),
                co2e=t.range(tot.co2e_kg, "co2e_kg"),
                water=t.range(tot.water_l, "water_l"),
            ),
            "lead",
        )
    )
    rows = [[t.method(m.method), *_ranges(m, t), t.percent(m.share_co2e)] for m in report.by_method.values() if m.has_data]
    rows.append([t("total"), *_ranges(tot, t), t.percent(1.0 if tot.co2e_kg.central > 0 else 0.0)])
    blocks.append(Table([t("col.method"), t("col.energy"), t("col.co2e"), t("col.water"), t("col.share")], rows,
                        [False, True, True, True, True]))
    m = report.methodology
    if m.declared_requests:
        blocks.append(Para(t("summary.split_declared", measured=t.percent(m.measured_share_co2e),
                             estimated=t.percent(m.estimated_share_co2e), declared=t.percent(m.declared_share_co2e))))
    else:
        blocks.append(Para(t("summary.split", measured=t.percent(m.measured_share_co2e),
                             estimated=t.percent(m.estimated_share_co2e))))
    for eq in report.equivalences:
        count = t.number(eq.count, 2)
        blocks.append(Para(t(f"summary.equivalence.{eq.quantity}", count=count, label=_equivalence_label(eq, count, t))))
        if eq.source_name or eq.source:
            # Built from the numbers and the source's name, in the report's language (the factor
            # base's citation is English prose; it stays in the sources table, as cited).
            blocks.append(Para(t("summary.equivalence_source", amount=t.number(eq.amount_per_unit),
                                 quantity_unit=t(f"unit.{eq.quantity}"),
                                 unit=eq.unit_labels.get(t.lang) or eq.unit_labels.get("en", ""),
                                 label=_plural_label(eq, t),
                                 source=eq.source_name or eq.source,
                                 year=eq.source_year or ""), "note"))
    return blocks


def _ranges(q: Quantities, t: Texts) -> list[str]:
    """Energy, CO2e and water, each as its range in words: the three columns of a totals table."""
    return [t.range(q.energy_kwh, "energy_kwh"), t.range(q.co2e_kg, "co2e_kg"), t.range(q.water_l, "water_l")]


def _equivalence_label(eq: Equivalence, count: str, t: Texts) -> str:
    """The comparison's label agreeing with the count as shown: the factor base's labels are
    plural ("km parcourus"); one unit (French: under two) takes the singular form from the
    translations, where there is one."""
    if t.singular(count) and t.has(f"equivalence.one.{eq.key}"):
        return t(f"equivalence.one.{eq.key}")
    return _plural_label(eq, t)


def _plural_label(eq: Equivalence, t: Texts) -> str:
    """The factor base's label of one comparison unit (plural), in `t`'s language, else English."""
    return eq.labels.get(t.lang) or eq.labels.get("en", eq.key)


def _breakdown_table(rows: list[BreakdownRow], first: str, t: Texts, key_text=None, counts: tuple[str, ...] = ()) -> Table:
    headers = [first, t("col.methods")] + [t(f"col.{c}") for c in counts]
    headers += [t("col.energy"), t("col.co2e"), t("col.water"), t("col.share")]
    out = []
    for b in rows:
        line = [key_text(b) if key_text else t.value(b.key), t.methods(b.methods) or "—"]
        line += [t.count(getattr(b, c)) for c in counts]
        if b.priced:
            line += [*_ranges(b, t), t.percent(b.share_co2e)]
        else:  # nothing estimated here (unknown model, or a local server counted in the runs): not a zero
            line += ["—"] * 4
        out.append(line)
    numeric = [False, False] + [True] * (len(headers) - 2)
    return Table(headers, out, numeric)


def _kind_table(report: Report, t: Texts) -> Table:
    """The API calls by request kind: requests, the quantity they are priced by, the footprint,
    and the requests left unpriced (shown only when some calls are not chat)."""
    headers = [t("col.kind"), t("col.requests"), t("col.quantity"), t("col.unpriced"),
               t("col.energy"), t("col.co2e"), t("col.water")]
    out = []
    for k in report.by_kind:
        name = _kind_text(k.kind, t)
        if k.unit is not None:
            quantity = t(f"kind_quantity.{k.unit}", n=t.number(k.units))
        else:
            quantity = t("kind_quantity.tokens", n=t.count(k.tokens))
        line = [name, t.count(k.requests), quantity, t.count(k.unpriced_requests)]
        line += list(_ranges(k, t)) if k.priced else ["—"] * 3
        out.append(line)
    return Table(headers, out, [False] + [True] * (len(headers) - 1))


def breakdown_blocks(report: Report, t: Texts) -> list[Block]:
    if report.empty:
        return []
    blocks: list[Block] = [SectionBreak("breakdown"), Heading(2, t("section.breakdown"), "breakdown")]
    blocks += [Heading(3, t("sub.by_workload")), Chart("by_workload", t("chart.by_workload")),
               _breakdown_table(report.by_workload, t("col.workload"), t, lambda b: workload_text(b.key, t),
                                ("runs", "requests", "tokens"))]
    if report.by_model:
        blocks += [Heading(3, t("sub.by_model")),
                   _breakdown_table(report.by_model, t("col.provider_model"), t, None, ("requests", "tokens"))]
    if any(k.kind != "chat" for k in report.by_kind):
        blocks += [Heading(3, t("sub.by_kind")), _kind_table(report, t)]
    blocks += [Heading(3, t("sub.by_zone")),
               _breakdown_table(report.by_zone, t("col.zone"), t, lambda b: zone_text(b.key, t))]
    blocks += [Heading(3, t("sub.by_month")), Chart("by_month", t("chart.by_month")),
               _breakdown_table(report.by_month, t("col.month"), t, lambda b: t.month(b.key), ("runs", "requests"))]
    return blocks


def ghg_blocks(report: Report, t: Texts) -> list[Block]:
    g = report.ghg
    rows = [
        [t("ghg.scope2_location"), t.range(g.scope2_location_kg, "co2e_kg")],
        [t("ghg.scope2_market"), t.range(g.scope2_market_kg, "co2e_kg")],
        [t("ghg.scope3_cat1"), t.range(g.scope3_cat1_kg, "co2e_kg")],
        ["   " + t("ghg.scope3_cat1_embodied"), t.range(g.scope3_cat1_embodied_kg, "co2e_kg")],
        *([["   " + t("ghg.scope3_cat1_declared"), t.range(g.scope3_cat1_declared_kg, "co2e_kg")]]
          if report.methodology.declared_requests else []),
        [t("ghg.scope3_cat3"), t.range(g.scope3_cat3_kg, "co2e_kg")],
    ]
    bullets = boundary_sentences(report.ghg, t)
    return [SectionBreak("ghg"), Heading(2, t("section.ghg"), "ghg"),
            Table([t("col.scope"), t("col.co2e")], rows, [False, True]), Bullets(bullets)]


def boundary_sentences(g: Ghg, t: Texts) -> list[str]:
    """The GHG boundary choices of `g`, as sentences in `t`'s language."""
    out = []
    for key in g.boundaries:
        if key == "boundary.scope2_market_contractual":
            out.append(t(key, factor=t.number(g.market_factor_kg_per_kwh or 0.0)))
        elif key == "boundary.scope3_cat3_upstream":
            r = g.upstream_share_range
            out.append(t(key, share=t.percent(g.upstream_share or 0.0), low=t.percent(r.low if r else 0.0),
                         high=t.percent(r.high if r else 0.0)))
        else:
            out.append(t(key))
    return out


# The precision of a datapoint in its official unit: 0.001 MWh, tCO2e or m³ (1 kWh, 1 kg, 1 L),
# finer than any company total is filed with; the readable column beside it shows the figure.
_FORM_DECIMALS = 3


def datapoint_blocks(report: Report, t: Texts) -> list[Block]:
    rows = [
        [d.id, t(d.key), datapoint_text(d.value, d.unit, t), t.range(d.base, d.quantity)]
        for d in report.datapoints
    ]
    return [SectionBreak("esrs"), Heading(2, t("section.esrs"), "esrs"),
            Table([t("col.datapoint"), t("col.label"), t("col.value"), t("col.readable")], rows, [False, False, True, True]),
            Para(t("esrs.note"), "note")]


def gains_blocks(report: Report, t: Texts) -> list[Block]:
    blocks: list[Block] = [SectionBreak("gains"), Heading(2, t("section.gains"), "gains")]
    if report.gains is None:
        return blocks + [Para(t("gains.none"))]
    blocks.append(Para(t("gains.separate"), "note"))
    if report.gains.use_cases:
        blocks.append(Chart("gains", t("chart.gains")))
        rows = []
        for c in report.gains.use_cases:
            verdict = t(f"verdict.{c.verdict}") if t.has(f"verdict.{c.verdict}") else c.verdict
            rows.append([t.value(c.name), verdict, t.range(c.footprint_co2e_kg, "co2e_kg"), t.range(c.avoided_co2e_kg, "co2e_kg"),
                         use_case_reason(c, t.lang)])
        blocks.append(Table([t("col.use_case"), t("col.verdict"), t("col.footprint"), t("col.avoided"), t("col.reason")],
                            rows, [False, False, True, True, False]))
    return blocks


def recommendation_blocks(report: Report, t: Texts) -> list[Block]:
    blocks: list[Block] = [SectionBreak("recommendations"), Heading(2, t("section.recommendations"), "recommendations")]
    if report.recommendations_error:
        return blocks + [Para(t("rec.failed", error=report.recommendations_error), "banner")]
    # Batching is never advised (docs/gains.md): say why wherever there is API use it could apply to.
    batching = [Para(t("rec.batching_declined"), "note")] if report.by_method["estimated"].has_data else []
    if not report.recommendations:
        return blocks + [Para(t("rec.none"))] + batching
    rows = [[action_text(r, t), t.range(r.savings_co2e_kg, "co2e_kg"), t.percent(r.share_of_total), assumption_text(r, t)]
            for r in report.recommendations]
    notes = [Para(t("rec.disclaimer"), "note")]
    if any(r.kind == "job_cleaner_zone" for r in report.recommendations):
        notes.append(Para(t("rec.hourly_not_assessed"), "note"))
    return blocks + [Table([t("col.action"), t("col.saving"), t("col.share"), t("col.assumption")], rows,
                           [False, True, True, False])] + notes + batching


def _machine_split_rows(split: Any, t: Texts) -> list[list[str]]:
    """The trackers' machine energy and what it is made of (none where no session recorded it)."""
    if split is None:
        return []
    return [[t("quality.machine", sessions=t.count(split.sessions)), t.quantity(split.machine_kwh, "energy_kwh")]] + [
        [t(f"quality.machine_{part}"), t.quantity(getattr(split, f"{part}_kwh"), "energy_kwh")]
        for part in ("runs", "process_outside_runs", "others", "idle")]


def action_text(r: Any, t: Texts) -> str:
    """A recommended action (a report `Recommendation` or an `Advice`) in `t`'s words."""
    if not t.has(f"rec.{r.kind}"):
        return t.value(r.action)
    alt = getattr(r, "alternative", None)  # an Advice nests it; a Recommendation flattens it
    alt_model = alt.model if alt is not None else r.alternative_model
    alt_provider = alt.provider if alt is not None else r.alternative_provider
    alt_region = alt.region if alt is not None else r.alternative_region
    alt_zone = alt.zone if alt is not None else r.alternative_zone
    alt_requests = alt.requests if alt is not None else r.alternative_requests
    if alt_region:
        place = t("rec.place_region", provider=t.value(alt_provider or "—"), region=t.value(alt_region))
    else:
        place = t("rec.place_api", provider=t.value(alt_provider or "—"))
    return t(f"rec.{r.kind}", workload=workload_text(r.workload, t), model=t.value(r.model or "—"),
             provider=t.value(r.provider or "—"), alternative=t.value(alt_model or r.model or "—"),
             zone=zone_text(alt_zone, t) if alt_zone else "—", place=place, current_zone=zone_text(r.zone, t),
             requests=t.count(r.requests), batched=t.count(alt_requests or r.requests))


def assumption_text(r: Any, t: Texts) -> str:
    """What a recommended action's saving rests on, in `t`'s words (advise's own sentence when no translation)."""
    from ..advise.local import IDLE_ASSUMPTIONS

    key = f"rec.assumption.{IDLE_ASSUMPTIONS.get(r.assumption, r.kind)}"
    return t(key) if t.has(key) else t.value(r.assumption or "—")


def _kind_text(kind: str, t: Texts) -> str:
    """A request kind in words (a kind without words of its own as recorded)."""
    return t(f"request_kind.{kind}") if t.has(f"request_kind.{kind}") else t.value(kind)


def quality_blocks(report: Report, t: Texts) -> list[Block]:
    m = report.methodology
    blocks: list[Block] = [SectionBreak("quality"), Heading(2, t("section.quality"), "quality")]
    blocks.append(Table([t("col.item"), t("col.value")], [
        [t("quality.measured_share"), t.percent(m.measured_share_co2e)],
        [t("quality.estimated_share"), t.percent(m.estimated_share_co2e)],
        *([[t("quality.declared_share"), t.percent(m.declared_share_co2e)],
           [t("quality.declared_requests"), t.count(m.declared_requests)]] if m.declared_requests else []),
        [t("quality.local_requests"), t.count(m.local_requests)],
        [t("quality.failed_requests"), t.count(m.failed_requests)],
        [t("quality.failed_tokenless"), t.count(m.failed_tokenless)],
        *([[t("quality.approximated"), t.count(m.approximated_requests)]] if m.approximated_requests else []),
        *[[t("quality.unpriced_kind", kind=_kind_text(u.kind, t)),
           t("quality.requests_and_share", requests=t.count(u.requests), share=t.percent(u.share_of_requests))]
          for u in m.unpriced_kinds],
        [t("quality.unattributed"), t.quantity(m.unattributed_kwh, "energy_kwh")],
        *_machine_split_rows(m.machine_split, t),
        *([[t("quality.rejected"), t.count(sum(m.rejected_records.values()))]] if m.rejected_records else []),
    ], [False, True]))
    if m.machine_split is not None:
        blocks.append(Para(t("quality.machine_note"), "note"))
    if m.rejected_records:
        blocks.append(Para(t("labelled", label=t("quality.rejected_reasons"), value="; ".join(
            f"{t.value(reason)}: {t.count(n)}" for reason, n in m.rejected_records.items()))))
    blocks.append(Heading(3, t("sub.fallbacks")))
    if m.fallback_rows:
        rows = [[workload_text(f.workload, t), t.month(f.month), t.method(f.method),
                 t.value(model_label(f.provider, f.model)) if f.model else (zone_text(f.zone, t) if f.zone else "—"),
                 ", ".join(t(f"fallback.{k}", zone=t.value(f.unknown_zone or "")) for k in f.kinds)] for f in m.fallback_rows]
        blocks.append(Table([t("col.workload"), t("col.month"), t("col.method"), t("col.key"), t("col.fallbacks")], rows))
    else:
        blocks.append(Para(t("quality.no_fallbacks")))
    if m.unknown_models:
        blocks.append(Para(t("labelled", label=t("quality.unknown_models"), value=", ".join(t.value(x) for x in m.unknown_models))))
    if m.fallback_models:
        blocks.append(Para(t("labelled", label=t("quality.fallback_models"), value="; ".join(
            t("quality.fallback_model", model=t.value(model_label(f.provider, f.model)), requests=t.count(f.requests),
              size=t(f"model_class.{f.model_class}")) for f in m.fallback_models))))
    if m.cross_checked_requests:
        blocks.append(Para(t("quality.cross_checked", requests=t.count(m.cross_checked_requests), factor=t.number(m.disagreement_factor))))
    if m.estimator_disagreements:
        blocks.append(Para(t("labelled", label=t("quality.disagreements", factor=t.number(m.disagreement_factor)), value="; ".join(
            t(f"quality.disagreement_{d.direction}", model=t.value(model_label(d.provider, d.model)),
              workload=workload_text(d.workload, t), requests=t.count(d.requests), seconds=t.number(d.latency_s),
              ratio=t.number(d.ratio) if d.ratio is not None else "∞") for d in m.estimator_disagreements))))
    blocks.append(Heading(3, t("sub.factors")))
    # A factor's key is a provider, zone or model as recorded in the ledger; an equivalence's is the factor base's.
    rows = [[t(f"factor_kind.{f.kind}"), factor_key_text(f, t), _factor_values_text(f, t),
             ", ".join(f.sources)] for f in m.factors]
    blocks.append(Table([t("col.kind"), t("col.key"), t("col.values"), t("col.source")], rows))
    blocks.append(Heading(3, t("sub.settings")))
    blocks.append(Table([t("col.setting"), t("col.value"), t("col.origin")], settings_rows(m.settings, t)))
    blocks.append(Para(t("settings.reproduce", factors=m.factor_set_version), "note"))
    blocks.append(Heading(3, t("sub.sources")))
    blocks.append(Para(t("sources.intro"), "note"))
    blocks.append(Table([t("col.key"), t("col.source"), t("col.year")],
                        [[s.id, s.citation + (f" {s.url}" if s.url else ""), str(s.year or "")] for s in m.sources]))
    blocks.append(Heading(3, t("sub.versions")))
    blocks.append(Table([t("col.item"), t("col.value")], [
        [t("quality.factor_set"), m.factor_set_version],
        [t("quality.tool"), m.tool_version],
        [t("quality.ledger_rows"), t.count(m.ledger_rows)],
        [t("quality.hash"), m.content_hash],
        [t("quality.hash_method"), t("quality.hash_method_text")],
    ]))
    blocks.append(Heading(3, t("sub.notes")))
    blocks.append(Bullets([t(n) for n in m.notes]))
    blocks.append(Para(t("generated_by", version=m.tool_version, factors=m.factor_set_version), "note"))
    return blocks


def _factor_values_text(f: FactorUsed, t: Texts) -> str:
    """`name = value` pairs; a value the configuration set says so, with the factor base's own."""
    out = []
    for k, v in f.values.items():
        is_zone = k == "zone"
        text = _value_text(v, t, is_zone)
        if k in f.configured:
            base = _value_text(f.base_values[k], t, is_zone) if k in f.base_values else "—"
            text = t("factor.configured", value=text, origin=origin_words(f.configured[k], t), base=base)
        out.append(t("labelled", label=factor_name(k, t), value=text))
    return t("list.semicolon").join(out)


def factor_name(name: str, t: Texts) -> str:
    """A factor's field in words ('co2e_kg_per_kwh' -> 'CO2e per kWh'); an unknown field as it is."""
    return t(f"factor.{name}") if t.has(f"factor.{name}") else name


def factor_key_text(f: FactorUsed, t: Texts) -> str:
    """A factor's key as shown: the local machines and comparisons in words; a zone, provider or
    model as recorded."""
    if f.kind == "onprem":
        return t("factor_key.onprem")
    if f.kind == "equivalence":
        return t(f"equivalence.one.{f.key}") if t.has(f"equivalence.one.{f.key}") else f.key
    if f.kind == "electricity":
        return zone_text(f.key, t)
    return t.value(f.key)


def origin_words(origin: str, t: Texts) -> str:
    """'environment' -> 'environment variable'; a file name stays as it is."""
    return t(f"origin.{origin}") if t.has(f"origin.{origin}") else t("origin.file", file=t.value(origin))


def settings_rows(s: SettingsInForce, t: Texts) -> list[list[str]]:
    """The settings in force, one row each: name, value (or 'not set'), origin."""
    def value(v: object, is_zone: bool = False) -> str:
        return t("settings.not_set") if v is None else _value_text(v, t, is_zone)

    rows = [[t(f"settings.{name}"), value(getattr(s, name).value, name == "country"), origin_words(getattr(s, name).origin, t)]
            for name in ("country", "pue", "wue", "market_factor_kg_per_kwh")]
    if not s.providers:
        rows.append([t("settings.providers"), t("settings.none"), origin_words("default", t)])
    for name, o in s.providers.items():
        parts = [t("labelled", label=factor_name(k, t), value=_value_text(v, t))
                 if k != "zone" else t("labelled", label=factor_name(k, t), value=zone_text(v, t))  # type: ignore[arg-type]
                 for k, v in (("zone", o.zone), ("pue", o.pue), ("wue_l_per_kwh", o.wue)) if v is not None]
        rows.append([t("settings.provider", provider=t.value(name)), t("list.semicolon").join(parts) or t("settings.not_set"),
                     origin_words(o.origin, t)])
    return rows


def datapoint_text(value: float, unit: str, t: Texts) -> str:
    """A datapoint in the unit the standard asks (MWh, tCO2e, m³) as a form takes it: rounded
    to 0.001 of the unit (1 kWh, 1 kg, 1 L), then to three significant figures at most; a
    non-zero figure below 0.001 reads "< 0.001", never a string of leading zeros nor a zero."""
    significant = 3 - 1 - math.floor(math.log10(abs(value))) if value else 0
    rounded = round(value, min(_FORM_DECIMALS, max(0, significant)))  # one rounding: no 1.2346 -> 1.235 -> 1.24
    if rounded == 0 and value != 0:
        return t("dp.below_precision", limit=t.number(10.0 ** -_FORM_DECIMALS), unit=unit)
    return f"{t.number(rounded, 3)} {unit}"


def zone_text(code: str | None, t: Texts) -> str:
    """A zone as a reader sees it everywhere: the country's name and its ISO alpha-2 code,
    'France (FR)'; the world average in words; a code the factor base lacks as it is."""
    from ..factors import factor_set

    if code is None or code == "WORLD":
        return t("zone.world")
    try:
        e = factor_set().electricity(code)
    except Exception:
        return t.value(code)
    if e.zone == "WORLD":
        return t.value(code)
    alpha2 = e.alpha2 or e.zone
    name = t(f"country.{alpha2}") if t.has(f"country.{alpha2}") else e.name
    return t("zone.format", name=name, code=alpha2)


def _value_text(v: object, t: Texts, is_zone: bool = False) -> str:
    if isinstance(v, dict) and set(v) == {"low", "central", "high"}:
        if v["low"] == v["high"]:
            return t.number(float(v["central"]))
        return f"{t.number(float(v['central']))} ({t.number(float(v['low']))}–{t.number(float(v['high']))})"
    if isinstance(v, bool):
        return t("yes") if v else t("no")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return t.number(v, 4)
    if isinstance(v, str) and is_zone:
        return zone_text(v, t)
    if isinstance(v, str) and t.has(f"factor_value.{v}"):
        return t(f"factor_value.{v}")  # a word of the factor base (moe, dense, co2e_kg)
    return str(v)


def document(report: Report, t: Texts) -> list[Block]:
    """The whole report, section by section."""
    blocks = header_blocks(report, t) + summary_blocks(report, t)
    if report.empty:
        # No use recorded: still show a gains balance when one was asked for (prospective: a
        # use case's avoided emissions stand without a measured footprint).
        gains = gains_blocks(report, t) if report.gains is not None else []
        return blocks + gains + quality_blocks(report, t)
    return (
        blocks
        + breakdown_blocks(report, t)
        + ghg_blocks(report, t)
        + datapoint_blocks(report, t)
        + gains_blocks(report, t)
        + recommendation_blocks(report, t)
        + quality_blocks(report, t)
    )
