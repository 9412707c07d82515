"""frugal-ai: the energy (kWh), greenhouse gases (kg CO2e) and water (L) of an SME's AI.

Public API (see docs/):

    track(name=None, *, tags=None, capture_api=True)      decorator / context manager
    record_llm_call(model, input_tokens, output_tokens, *, provider=None, latency_s=None, tags=None)
    record_call(kind, model, *, images=0, size=None, quality=None, audio_seconds=0.0, characters=0,
                input_tokens=0, ...)                        any request kind: image, audio, embedding
    estimate_llm(model, input_tokens=0, output_tokens=0, *, provider=None, zone=None,
                 reasoning_tokens=0, requests=1, latency_s=None) -> Footprint
    instrument() / uninstrument()                          automatic capture of GenAI API calls
    Footprint, Range                                       value types

Names are resolved lazily so that `import frugal_ai` stays cheap (no codecarbon, no SDK).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _hooks

__all__ = [
    "track",
    "record_llm_call",
    "record_call",
    "estimate_llm",
    "instrument",
    "uninstrument",
    "Footprint",
    "Range",
    "Impacts",
]

_WHERE = {
    "track": "frugal_ai.measure.track",
    "record_llm_call": "frugal_ai.capture.manual",
    "record_call": "frugal_ai.capture.manual",
    "estimate_llm": "frugal_ai.estimate",
    "instrument": "frugal_ai.capture.instrument",
    "uninstrument": "frugal_ai.capture.instrument",
    "Footprint": "frugal_ai.footprint",
    "Range": "frugal_ai.footprint",
    "Impacts": "frugal_ai.footprint",
}

if TYPE_CHECKING:  # pragma: no cover
    from .capture.instrument import instrument, uninstrument
    from .capture.manual import record_call, record_llm_call
    from .estimate import estimate_llm
    from .footprint import Footprint, Impacts, Range
    from .measure.track import track


def _capture_runs() -> None:
    # track(capture_api=True) switches capture on through this (measure does not import capture).
    from .capture.instrument import instrument_for_runs

    instrument_for_runs()


_hooks.capture_runs = _capture_runs


def _records_written(batch: list) -> None:
    # The ledger writer hands each written batch to the OpenTelemetry export (off unless configured).
    from .export.otel import hand_over

    hand_over(batch)


_hooks.records_written = _records_written


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'frugal_ai' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
