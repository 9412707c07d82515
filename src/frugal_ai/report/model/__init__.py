"""The report model: every number of the disclosure report, computed once, here.

`build_report()` joins the inventory (ledger × factors), the gains balance and the advice
into one pydantic `Report`; renderers (table, md, html, json, csv) only format it. The model
holds numbers and identifiers, never prose: sentences come from the translations, so one
model renders in any language.

    schema.py       the pydantic models (`Report` and its parts)
    build.py        build_report / report_from_inventory: the sections joined
    breakdown.py    totals split by workload, model, zone, month; CSV lines; equivalences
    ghg.py          GHG Protocol scopes and the ESRS / VSME datapoints
    provenance.py   data quality, factors used, settings in force, sources, notes

Example:
    >>> report = build_report("ledger.sqlite", parse_period("2026-Q3"))  # doctest: +SKIP
    >>> report.totals.co2e_kg.central  # doctest: +SKIP
    12.3
"""

from __future__ import annotations

from .breakdown import model_label
from .build import Progress, build_report, report_from_inventory
from .ghg import split_upstream
from .provenance import origin_text, settings_in_force
from .schema import (
    REPORT_SCHEMA_VERSION,
    BreakdownRow,
    Datapoint,
    Equivalence,
    FactorUsed,
    FallbackRow,
    GainsCase,
    Ghg,
    LineRow,
    Methodology,
    MethodTotal,
    ProviderSetting,
    Quantities,
    Recommendation,
    Report,
    SettingInForce,
    SettingsInForce,
    SourceRef,
)

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "BreakdownRow",
    "Datapoint",
    "Equivalence",
    "FactorUsed",
    "FallbackRow",
    "GainsCase",
    "Ghg",
    "LineRow",
    "Methodology",
    "MethodTotal",
    "Progress",
    "ProviderSetting",
    "Quantities",
    "Recommendation",
    "Report",
    "SettingInForce",
    "SettingsInForce",
    "SourceRef",
    "build_report",
    "model_label",
    "origin_text",
    "report_from_inventory",
    "settings_in_force",
    "split_upstream",
]
