"""Measuring local compute: `track`, one codecarbon tracker per process, run attribution.

    track(name=None, *, tags=None, capture_api=True)      decorator / context manager (track.py)
    current_run() -> RunFrame | None                      the run in progress here (context.py)
    bind(fn)                                              carry the current run into a thread
    measured_footprint(cpu_kwh, gpu_kwh, ram_kwh, method, zone, settings) -> Footprint
    settle()                                              measure now, write finished runs (tests, CLI)
    reset()                                               stop the tracker and forget it (tests)

Submodules are imported on first use, so `import frugal_ai.measure` costs nothing.
"""

from __future__ import annotations

from typing import Any

from .context import RunFrame, bind, current_run

__all__ = ["track", "current_run", "bind", "RunFrame", "measured_footprint", "settle", "reset"]


def settle(timeout_s: float = 30.0) -> None:
    """Measure now, and write every run that has ended, and the session, to the ledger."""
    from .meter import meter

    meter().settle(timeout_s)


def reset() -> None:
    """Stop this process's tracker (finalising its runs) and forget it; the next run starts a new one."""
    from .meter import reset_meter

    reset_meter()


def __getattr__(name: str) -> Any:
    if name == "track":
        from .track import track

        return track
    if name == "measured_footprint":
        from ..estimate.measured import measured_footprint

        return measured_footprint
    raise AttributeError(f"module 'frugal_ai.measure' has no attribute {name!r}")
