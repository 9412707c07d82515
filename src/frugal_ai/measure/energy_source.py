"""The seam between the meter and whatever reads the machine's energy.

The meter (meter.py) shares measured energy among runs; it does not care how the energy is
read. An `EnergySource` gives it cumulative CPU, GPU and RAM energy since its start, each
reading stamped with the `time.perf_counter()` instant it stands for. The real source is
codecarbon (codecarbon_source.py, the only module that imports codecarbon); tests give the
meter a source with fixed readings.

Contract:
  * `start()` may be slow (hardware detection) and is called once, off the caller's path.
    It returns the zero reading at the instant counting began, or raises if nothing can be
    measured (the meter then records runs with method "unavailable").
  * `read()` measures now and returns the cumulative energy. A reading whose `at_pc` is not
    later than the previous one carries no new interval (a source may refuse to measure
    twice within a few milliseconds).
  * `method` says what each component is measured with, '+'-joined in the order CPU, GPU,
    RAM (e.g. "rapl+nvml+ram_model"); "unavailable" before a successful start.
  * `stop()` makes a last reading and releases the meters; None if there was none to make.
  * Calls come from one thread at a time (the meter serialises them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Reading:
    """Cumulative energy since the source started (kWh), as of `at_pc` (perf_counter seconds)."""

    cpu_kwh: float
    gpu_kwh: float
    ram_kwh: float
    at_pc: float


class EnergySource(Protocol):
    """What the meter needs of an energy meter."""

    @property
    def method(self) -> str: ...

    def start(self) -> Reading: ...

    def read(self) -> Reading: ...

    def stop(self) -> Reading | None: ...


class EnergySourceError(RuntimeError):
    """The source cannot measure here (raised by `start`)."""
