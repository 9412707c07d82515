"""Calls one layer makes into another that it must not import.

    capture_runs()   what `track(capture_api=True)` calls so that the API calls made inside
                     tracked runs are captured
    records_written(batch)  what the ledger writer calls with each batch it wrote, from its
                     background thread (the OpenTelemetry export, `export.otel.hand_over`)

measure/ does not import capture/ (capture reads the current run from `measure.context`:
imports run one way). `frugal_ai/__init__.py`, which sits above every layer, sets these
when the package is imported; until then they do nothing.
"""

from __future__ import annotations

from typing import Callable


def _nothing() -> None:
    return None


capture_runs: Callable[[], None] = _nothing


def _ignore(batch: object) -> None:
    return None


records_written: Callable[[list], None] = _ignore
