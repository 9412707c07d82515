"""The export's metrics, summed in-process and priced when the collector asks.

A record handed to the export adds to a few sums here (a dictionary update: no pricing, no
OpenTelemetry call); the SDK's observable counters read the sums at each collection (every
`OTEL_METRIC_EXPORT_INTERVAL`, and at exit), and only then are they priced, once per group:

* API calls, per workload × model × provider × local: requests, Σ input, Σ input², Σ output
  and Σ reasoning tokens (each × the row's requests), priced with the group estimator
  (`estimate.group_estimate`: the estimate is a polynomial in these sums, so the group's
  figure is exactly the sum of the per-call estimates).
* Top-level runs (a run's energy includes its nested runs'), per workload × zone × measuring
  method: Σ CPU, GPU and RAM kWh, priced with `measured_footprint` (its central value is
  linear in the energies, whatever the coverage).

The counters are cumulative, central values, with the points' attributes of docs/team.md.
Pure Python: no OpenTelemetry import here.
"""

from __future__ import annotations

import threading
from typing import Any

from ..ledger.records import ApiCallRecord, Record, RunRecord

PREFIX = "frugal_ai."
Point = tuple[str, tuple[tuple[str, Any], ...]]  # (counter, sorted point attributes)


class MetricSums:
    """Cumulative sums of the exported records; `points(settings)` prices them.

    `add` is called by the export thread, `points` by the SDK's metric reader thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (workload, model, provider, local) -> [requests, Σin, Σin², Σout, Σreasoning]
        self._calls: dict[tuple[str, str, str, bool], list[int]] = {}
        # (workload, zone, measuring method) -> [Σcpu_kwh, Σgpu_kwh, Σram_kwh]
        self._runs: dict[tuple[str, str | None, str], list[float]] = {}

    def add(self, record: Record) -> None:
        if isinstance(record, ApiCallRecord):
            n = record.requests
            key = (record.name or "", record.model, record.provider, bool(record.local))
            with self._lock:
                sums = self._calls.get(key)
                if sums is None:
                    sums = self._calls[key] = [0, 0, 0, 0, 0]
                sums[0] += n
                sums[1] += record.input_tokens * n
                sums[2] += record.input_tokens * record.input_tokens * n
                sums[3] += record.output_tokens * n
                sums[4] += record.reasoning_tokens * n
        elif isinstance(record, RunRecord) and record.parent_id is None and record.method != "unavailable":
            run_key = (record.name, record.zone, record.method)
            with self._lock:
                energy = self._runs.get(run_key)
                if energy is None:
                    energy = self._runs[run_key] = [0.0, 0.0, 0.0]
                energy[0] += record.cpu_kwh
                energy[1] += record.gpu_kwh
                energy[2] += record.ram_kwh

    def points(self, settings: Any) -> dict[Point, float]:
        """Every counter's cumulative value by point attributes, priced now with `settings`."""
        with self._lock:
            calls = {k: list(v) for k, v in self._calls.items()}
            runs = {k: list(v) for k, v in self._runs.items()}
        out: dict[Point, float] = {}

        def add(counter: str, attributes: dict[str, Any], value: float) -> None:
            key = (counter, tuple(sorted(attributes.items())))
            out[key] = out.get(key, 0.0) + value

        for (workload, model, provider, local), (requests, tin, tin_sq, tout, treason) in calls.items():
            method, fp = _priced_calls(model, provider, local, requests, tin, tin_sq, tout, treason, settings)
            point = {f"{PREFIX}workload": workload, f"{PREFIX}method": method,
                     "gen_ai.request.model": model, "gen_ai.provider.name": provider}
            add("tokens", {**point, "gen_ai.token.type": "input"}, tin)
            add("tokens", {**point, "gen_ai.token.type": "output"}, tout + treason)
            if fp is not None:
                _figures(add, point, fp)
        for (workload, zone, measure_method), (cpu, gpu, ram) in runs.items():
            from ..estimate.measured import measured_footprint

            fp = measured_footprint(cpu, gpu, ram, measure_method, zone, settings)
            _figures(add, {f"{PREFIX}workload": workload, f"{PREFIX}method": fp.method}, fp)
        return out


def _priced_calls(model: str, provider: str, local: bool, requests: int, tin: int, tin_sq: int, tout: int,
                  treason: int, settings: Any) -> tuple[str, Any]:
    """(method, footprint or None) of a group of API calls, as a span of one of them says it."""
    if local:
        return "measured_in_runs", None  # its energy is in the runs measured on this host
    from ..estimate.group import group_estimate

    try:
        fp = group_estimate(model, provider, requests=requests, input_tokens=tin, input_tokens_sq=tin_sq,
                            output_tokens=tout, reasoning_tokens=treason, settings=settings)
    except Exception:  # a model the catalogue does not know
        return "unpriced", None
    return fp.method, fp


def _figures(add: Any, point: dict[str, Any], fp: Any) -> None:
    add("energy", point, fp.energy_kwh.central)
    add("co2e", point, fp.co2e_kg.central)
    add("water", point, fp.water_l.central)
