"""Module-scoped fixtures: the fixed ledger and its 2026-Q3 report with the example gains.

Import them into a test module (`from golden.report_fixtures import ledger, report`) to
build the ledger and the report once for that module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golden.fixed_ledger import GAINS, build, settings


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fixed") / "ledger.sqlite")


@pytest.fixture(scope="module")
def report(ledger: Path) -> Any:
    from frugal_ai.report import build_report, parse_period

    return build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger), gains_path=GAINS)
