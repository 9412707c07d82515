"""The machine's energy counted once when several tracked processes measured it at once.

Each tracker session (one per tracked process) measures the whole machine over its own life
and splits it (measure/process_share.py): the process's runs, its own time outside runs,
other processes, idle. Eight web workers on one host, each tracked, are eight sessions that
each hold the same machine energy; summing them counts the machine eight times, and each
counts the other seven among "other processes".

`split_once(sessions)` puts the sessions of one host whose lives overlap (directly or through
another one) into one cluster and counts the machine once per cluster:

    machine   the longest-lived session's machine energy, scaled by the cluster's span over
              that session's life (exact when one session spans the cluster, as workers
              started together do; else it assumes the machine's mean power held over the
              rest of the span)
    idle      the same session's idle energy, scaled the same way
    runs      the sum of the sessions' runs (each process's own share: they never overlap)
    process outside runs   the sum of the sessions' own time outside their runs
    others    what is left of the machine: programs no tracker runs in (at least 0; where the
              parts exceed the scaled machine, the machine is taken as their sum)

A cluster of one session gives that session's own split. `overlap_kwh` is what summing the
sessions counted more than once (their sum of machine energies minus the clusters'):
the report takes it off the energy measured outside every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class SessionSplit:
    """One session's measured machine energy and its parts (kWh), over [start_s, end_s]."""

    host: str
    start_s: float
    end_s: float
    machine_kwh: float
    unattributed_kwh: float  # everything outside the process's runs: own time + others + idle
    others_kwh: float
    idle_kwh: float

    @property
    def runs_kwh(self) -> float:
        return max(0.0, self.machine_kwh - self.unattributed_kwh)

    @property
    def own_outside_kwh(self) -> float:
        return max(0.0, self.unattributed_kwh - self.others_kwh - self.idle_kwh)


def clusters(sessions: Iterable[SessionSplit]) -> list[list[SessionSplit]]:
    """The sessions grouped per host into runs of overlapping lives (a session that starts
    before the cluster's latest end joins it), each cluster in start order."""
    out: list[list[SessionSplit]] = []
    by_host: dict[str, list[SessionSplit]] = {}
    for s in sessions:
        by_host.setdefault(s.host, []).append(s)
    for host in sorted(by_host):
        current: list[SessionSplit] = []
        end = float("-inf")
        for s in sorted(by_host[host], key=lambda s: (s.start_s, s.end_s)):
            if current and s.start_s < end:
                current.append(s)
                end = max(end, s.end_s)
            else:
                if current:
                    out.append(current)
                current, end = [s], s.end_s
        if current:
            out.append(current)
    return out


def cluster_split(cluster: list[SessionSplit]) -> dict[str, float]:
    """The machine energy of one cluster counted once, split (kWh): machine, runs,
    process_outside_runs, others, idle (module docstring)."""
    runs = sum(s.runs_kwh for s in cluster)
    own = sum(s.own_outside_kwh for s in cluster)
    if len(cluster) == 1:
        (s,) = cluster
        return {"machine_kwh": s.machine_kwh, "runs_kwh": runs, "process_outside_runs_kwh": own,
                "others_kwh": s.others_kwh, "idle_kwh": s.idle_kwh}
    span_s = max(s.end_s for s in cluster) - min(s.start_s for s in cluster)
    observer = max(cluster, key=lambda s: (s.end_s - s.start_s, s.machine_kwh))
    life_s = observer.end_s - observer.start_s
    scale = span_s / life_s if life_s > 0 else 1.0
    machine = observer.machine_kwh * scale
    idle = observer.idle_kwh * scale
    others = machine - runs - own - idle
    if others < 0:
        others, machine = 0.0, runs + own + idle
    return {"machine_kwh": machine, "runs_kwh": runs, "process_outside_runs_kwh": own, "others_kwh": others,
            "idle_kwh": idle}


def split_once(sessions: Iterable[SessionSplit]) -> dict[str, float] | None:
    """The sessions' machine energy, each host's concurrent sessions counted once, split
    (kWh) and summed over clusters, with `sessions` (how many), `clusters` and `overlap_kwh`.
    None when there is no session."""
    groups = clusters(sessions)
    if not groups:
        return None
    keys = ("machine_kwh", "runs_kwh", "process_outside_runs_kwh", "others_kwh", "idle_kwh")
    total = dict.fromkeys(keys, 0.0)
    summed = 0.0
    for cluster in groups:
        for k, v in cluster_split(cluster).items():
            total[k] += v
        summed += sum(s.machine_kwh for s in cluster)
    return {"sessions": sum(len(c) for c in groups), "clusters": len(groups), **total,
            "overlap_kwh": max(0.0, summed - total["machine_kwh"])}
