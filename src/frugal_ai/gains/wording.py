"""The sentences of the balance, in English and French, kept in one place.

Every output says that avoided emissions are reported beside the footprint and never
subtracted from it (WBCSD, Guidance on Avoided Emissions, 2023).
"""

from __future__ import annotations

import datetime as dt

from ..footprint import Range
from ..units import Lang, format_quantity
from .arithmetic import Verdict

BESIDE_NOT_SUBTRACTED = {
    "en": (
        "Avoided emissions are reported beside the footprint, never subtracted from it "
        "(WBCSD Guidance on Avoided Emissions, 2023): they are not a reduction of the company's "
        "Scope 1-3 inventory."
    ),
    "fr": (
        "Les émissions évitées sont présentées à côté de l'empreinte, jamais soustraites de celle-ci "
        "(WBCSD, Guidance on Avoided Emissions, 2023) : elles ne réduisent pas l'inventaire "
        "Scopes 1 à 3 de l'entreprise."
    ),
}

_REASONS = {
    "en": {
        "pays_back": "Even the low end of the avoided emissions, {gains_low}, exceeds the high end of the AI's footprint, {fp_high}, over {span}.",
        "does_not_pay_back": "Even the high end of the avoided emissions, {gains_high}, stays below the low end of the AI's footprint, {fp_low}, over {span}.",
        "uncertain": "The ranges overlap: avoided emissions of {gains} against a footprint of {fp} over {span}, so the data cannot tell whether it pays back.",
        "no_footprint": "No footprint is known for this use case over {span} (its workloads match nothing in the ledger and no expected_usage is given), so no balance can be drawn.",
    },
    "fr": {
        "pays_back": "Même le bas de la fourchette des émissions évitées, {gains_low}, dépasse le haut de celle de l'empreinte de l'IA, {fp_high}, {span}.",
        "does_not_pay_back": "Même le haut de la fourchette des émissions évitées, {gains_high}, reste sous le bas de celle de l'empreinte de l'IA, {fp_low}, {span}.",
        "uncertain": "Les fourchettes se recouvrent : {gains} d'émissions évitées pour une empreinte de {fp}, {span} ; les données ne permettent pas de conclure.",
        "no_footprint": "Aucune empreinte n'est connue pour ce cas d'usage {span} (ses charges ne correspondent à rien dans le registre et aucun expected_usage n'est donné) : pas de bilan possible.",
    },
}

_SPAN = {"en": "{a} to {b}", "fr": "du {a} au {b}"}
_PROJECTED = {"en": "the first {period} from {a} (projected)", "fr": "sur le premier {period} à partir du {a} (projection)"}
_PERIOD_FR = {"day": "jour", "week": "semaine", "month": "mois", "year": "an"}

_PAYBACK = {
    "en": {
        "at": "pays back its footprint on {date} (range {earliest} to {latest})",
        "at_exact": "pays back its footprint on {date}",
        "never": "does not pay back its footprint within the horizon (to {horizon})",
        "never_central": "does not pay back its footprint within the horizon (to {horizon}) in the central case; at best on {earliest}",
        "never_date": "never within horizon",
    },
    "fr": {
        "at": "compense son empreinte le {date} (fourchette : {earliest} à {latest})",
        "at_exact": "compense son empreinte le {date}",
        "never": "ne compense pas son empreinte avant l'horizon ({horizon})",
        "never_central": "ne compense pas son empreinte avant l'horizon ({horizon}) dans le cas central ; au mieux le {earliest}",
        "never_date": "jamais avant l'horizon",
    },
}


def date_text(d: dt.date, lang: Lang = "en") -> str:
    """A date inside a sentence: ISO in English (what `gains check` and its tests have always
    shown), the report's own French format elsewhere ("1er juillet 2026"): the report's
    `Texts.date`, so that one function writes dates in words."""
    if lang == "en":
        return d.isoformat()
    from ..report.lang import texts  # here: report imports gains, not the other way round at load time

    return texts(lang).date(d)


def span_text(since: dt.date, until_exclusive: dt.date, *, prospective: bool, period: str, lang: Lang = "en") -> str:
    """The period a balance covers, in words (inclusive last day)."""
    last = until_exclusive - dt.timedelta(days=1)
    if prospective:
        p = _PERIOD_FR.get(period, period) if lang == "fr" else period
        return _PROJECTED[lang].format(period=p, a=date_text(since, lang))
    return _SPAN[lang].format(a=date_text(since, lang), b=date_text(last, lang))


def reason_text(verdict: Verdict, gains_kg: Range, footprint_kg: Range, span: str, *, no_footprint: bool, lang: Lang = "en") -> str:
    """One sentence saying why the verdict is what it is."""
    key = "no_footprint" if no_footprint else verdict
    def q(kg: float) -> str:
        return format_quantity(kg, "co2e_kg", lang)

    return _REASONS[lang][key].format(
        gains=_span_of(gains_kg, lang), fp=_span_of(footprint_kg, lang), span=span,
        gains_low=q(gains_kg.low), gains_high=q(gains_kg.high), fp_low=q(footprint_kg.low), fp_high=q(footprint_kg.high),
    )


def _span_of(r: Range, lang: Lang) -> str:
    """`1.2–3.4 t` style: low to high (a single value when they are equal)."""
    if r.low == r.high:
        return format_quantity(r.low, "co2e_kg", lang)
    return f"{format_quantity(r.low, 'co2e_kg', lang)}–{format_quantity(r.high, 'co2e_kg', lang)}"


def payback_text(central: dt.date | None, earliest: dt.date | None, latest: dt.date | None, horizon: dt.date, lang: Lang = "en") -> str:
    """The payback date in words, with its range, or "never within horizon"."""
    words = _PAYBACK[lang]
    if central is None:
        if earliest is not None:  # the range reaches a payback date the central case does not
            return words["never_central"].format(horizon=date_text(horizon, lang), earliest=date_text(earliest, lang))
        return words["never"].format(horizon=date_text(horizon, lang))

    def d(x: dt.date | None) -> str:
        return date_text(x, lang) if x is not None else words["never_date"]

    if earliest == central == latest:
        return words["at_exact"].format(date=d(central))
    return words["at"].format(date=d(central), earliest=d(earliest), latest=d(latest))


_PAYBACK_UNKNOWN = {
    "en": "has no known footprint, so no payback date can be computed",
    "fr": "n'a pas d'empreinte connue : aucune date de compensation ne peut être calculée",
}


def payback_unknown_text(lang: Lang = "en") -> str:
    """The payback in words when no footprint is known at all."""
    return _PAYBACK_UNKNOWN[lang]
