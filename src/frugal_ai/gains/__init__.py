"""Declared ecological gains, and the frugal-AI balance: does a use case pay back its footprint?

    load_gains(path) -> GainsFile                  read and validate a gains file (GainsError lists every problem)
    balance(gains_file, usage, ...) -> Balance     footprint beside avoided emissions, ratio, payback, verdict
    LedgerUsage(ledger_path) / LedgerUsage.of(inventory)   the ledger as the source of a use case's footprint
    template_text()                                the commented example file

Avoided emissions are reported beside the footprint, never subtracted from it (WBCSD, 2023).
"""

from __future__ import annotations

from .arithmetic import RatioRange, Verdict
from .balance import Balance, GainLine, UseCaseBalance, balance
from .load import GainsError, Problem, load_gains, parse_gains
from .spec import ExpectedUsage, Gain, GainsFile, Hardware, UseCase
from .payback import Payback
from .template import template_text
from .usage import LedgerUsage, MonthUsage, UsageResult, UsageSource

__all__ = [
    "Balance",
    "ExpectedUsage",
    "Gain",
    "GainLine",
    "GainsError",
    "GainsFile",
    "Hardware",
    "LedgerUsage",
    "MonthUsage",
    "Payback",
    "Problem",
    "RatioRange",
    "UsageResult",
    "UsageSource",
    "UseCase",
    "UseCaseBalance",
    "Verdict",
    "balance",
    "load_gains",
    "parse_gains",
    "template_text",
]
