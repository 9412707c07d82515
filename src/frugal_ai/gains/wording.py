"""The balance in words: each sentence written from the balance's numbers in the reader's
language, with the words from `frugal_ai.lang` (the one place translations live).

The `Balance` model holds numbers, dates and verdicts, never prose: `gains check` and the
report call these functions with the language they print in. Every output says that
avoided emissions are reported beside the footprint and never subtracted from it (WBCSD,
Guidance on Avoided Emissions, 2023).

Example:
    >>> statement("en")[:47]
    'Avoided emissions are reported beside the footp'
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..footprint import Range
from ..lang import texts
from ..units import Lang, format_quantity
from .arithmetic import DAYS_PER_PERIOD, Verdict

if TYPE_CHECKING:  # pragma: no cover
    from .balance import Balance, UseCaseBalance
    from .payback import Payback

# A projected window lasts one whole period of the gains file, rounded to days
# (balance._window): its length in days says which period it was.
_PERIOD_OF_DAYS = {round(days): period for period, days in DAYS_PER_PERIOD.items()}


def statement(lang: Lang = "en") -> str:
    """Avoided emissions are reported beside the footprint, never subtracted from it."""
    return texts(lang)("balance.statement")


def date_text(d: dt.date, lang: Lang = "en") -> str:
    """A date inside a sentence: ISO in English (what `gains check` and its tests have always
    shown), the language's own format elsewhere ("1er juillet 2026")."""
    return d.isoformat() if lang == "en" else texts(lang).date(d)


def span_text(since: dt.date, until_exclusive: dt.date, *, prospective: bool, period: str, lang: Lang = "en") -> str:
    """The period a balance covers, in words (inclusive last day)."""
    t = texts(lang)
    if prospective:
        return t("balance.projected", period=t(f"balance.period.{period}"), a=date_text(since, lang))
    return t("balance.span", a=date_text(since, lang), b=date_text(until_exclusive - dt.timedelta(days=1), lang))


def reason_text(verdict: Verdict, gains_kg: Range, footprint_kg: Range, span: str, *, no_footprint: bool, lang: Lang = "en") -> str:
    """One sentence saying why the verdict is what it is."""
    key = "no_footprint" if no_footprint else verdict

    def q(kg: float) -> str:
        return format_quantity(kg, "co2e_kg", lang)

    return texts(lang)(
        f"balance.reason.{key}",
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
    t = texts(lang)
    if central is None:
        if earliest is not None:  # the range reaches a payback date the central case does not
            return t("balance.payback.never_central", horizon=date_text(horizon, lang), earliest=date_text(earliest, lang))
        return t("balance.payback.never", horizon=date_text(horizon, lang))

    def d(x: dt.date | None) -> str:
        return date_text(x, lang) if x is not None else t("balance.payback.never_date")

    if earliest == central == latest:
        return t("balance.payback.at_exact", date=d(central))
    return t("balance.payback.at", date=d(central), earliest=d(earliest), latest=d(latest))


def payback_unknown_text(lang: Lang = "en") -> str:
    """The payback in words when no footprint is known at all."""
    return texts(lang)("balance.payback.unknown")


# --- from the model ---------------------------------------------------------------------------


def use_case_reason(uc: "UseCaseBalance", lang: Lang = "en") -> str:
    """Why `uc`'s verdict is what it is, over its window, in `lang`."""
    period = _PERIOD_OF_DAYS[(uc.until - uc.since).days] if uc.prospective else ""
    span = span_text(uc.since, uc.until, prospective=uc.prospective, period=period, lang=lang)
    return reason_text(uc.verdict, uc.avoided_co2e_kg, uc.footprint_co2e_kg, span,
                       no_footprint=not uc.footprint_co2e_kg_by_source, lang=lang)


def payback_sentence(p: "Payback", lang: Lang = "en") -> str:
    """When `p` pays back, in `lang` (or why no date can be given)."""
    if not p.known:
        return payback_unknown_text(lang)
    return payback_text(p.date, p.earliest, p.latest, p.horizon_end, lang)


def balance_dict(b: "Balance", lang: Lang = "en") -> dict[str, Any]:
    """`b` as JSON data with its sentences in `lang`: `statement` after `file`, each use
    case's `reason` after its `verdict` and its payback's `text` after `horizon_end`."""
    data = with_key_after(b.model_dump(mode="json"), "file", "statement", statement(lang))
    for uc, case in zip(b.use_cases, data["use_cases"]):
        case["payback"] = with_key_after(case["payback"], "horizon_end", "text", payback_sentence(uc.payback, lang))
    data["use_cases"] = [with_key_after(case, "verdict", "reason", use_case_reason(uc, lang))
                         for uc, case in zip(b.use_cases, data["use_cases"])]
    return data


def with_key_after(data: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """`data` with `key: value` placed right after `after` (JSON keys keep a stable order)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = v
        if k == after:
            out[key] = value
    return out
