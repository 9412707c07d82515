"""Sharing a measured interval's energy among the runs that overlap it.

The rule (docs/measurement.md gives it with its error):

* An interval [a, b] measured E (per component: CPU, GPU, RAM). Let the root runs (no parent)
  overlap it for o_1..o_n seconds, and let U be the length of the union of those overlaps
  (the time in [a, b] when at least one root run was in progress).
* The busy part E·U/(b−a) goes to the root runs, each getting a share proportional to its
  overlap: E·(U/(b−a))·(o_i/Σo). The idle part E·(1 − U/(b−a)) is *unattributed*.
* Inside a run, its share is split among its children by the same rule, the parent's overlap
  playing the role of the interval: children get part of the parent's energy, never more,
  so energies are inclusive and totals sum over root runs only.

So one run alone is charged the interval's mean power times its overlap (a 10 ms call in a
1 s interval gets 1 % of it), concurrent runs split the busy time by overlap, and energy is
conserved: Σ root shares + unattributed = E, exactly.

Everything here is pure bookkeeping on `Span`s with `perf_counter` times; no clocks, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..ledger.records import RunRecord

Energy = tuple[float, float, float]  # (cpu_kwh, gpu_kwh, ram_kwh)
ZERO: Energy = (0.0, 0.0, 0.0)


@dataclass(slots=True, eq=False)
class Span:
    """A run as the attribution sees it: its time span, its children, and what it was given.

    `record` is written by the caller's thread until the run ends, then by the meter only
    (meter.py says who writes what).
    """

    id: str
    start_pc: float
    end_pc: float | None = None  # None while the run is in progress
    parent: "Span | None" = field(default=None, repr=False)
    children: list["Span"] = field(default_factory=list, repr=False)
    cpu_kwh: float = 0.0
    gpu_kwh: float = 0.0
    ram_kwh: float = 0.0
    covered_s: float = 0.0  # time of this run inside measured intervals
    extrapolated_kwh: float = 0.0
    record: RunRecord | None = None  # None only in the attribution's own tests
    depth: int = 1  # 1 for a root run, its parent's + 1 for a nested one
    final: bool = False  # its record has been finalised (no provisional copy may follow)
    ledger: Path | None = None  # the ledger in force when the run began (None: the one in force at the end)

    def overlap_s(self, a: float, b: float) -> float:
        end = b if self.end_pc is None else min(self.end_pc, b)
        return max(0.0, end - max(self.start_pc, a))

    def add(self, energy: Energy, k: float) -> None:
        self.cpu_kwh += energy[0] * k
        self.gpu_kwh += energy[1] * k
        self.ram_kwh += energy[2] * k


def union_length_s(spans: list[tuple[float, float]]) -> float:
    """Total length of the union of intervals (start, end)."""
    total, cur_start, cur_end = 0.0, None, None
    for s, e in sorted(spans):
        if cur_end is None or s > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start  # type: ignore[operator]
            cur_start, cur_end = s, e
        else:
            cur_end = max(cur_end, e)
    if cur_end is not None:
        total += cur_end - cur_start  # type: ignore[operator]
    return total


# Work left for nested runs: (children, interval start, interval end, their parent's share).
_Nested = list[tuple[list[Span], float, float, Energy]]


def _share(spans: list[Span], a: float, b: float, energy: Energy, measured: bool, nested: _Nested) -> float:
    """Give `energy`, measured over [a, b], to `spans` by the rule; return the fraction given.
    Each span's own share, to split among its children, is left in `nested`."""
    length = b - a
    if length <= 0:
        return 0.0
    overlapping = []
    for s in spans:
        o = s.overlap_s(a, b)
        if o > 0:
            overlapping.append((s, o))
    if not overlapping:
        return 0.0
    clipped = [(max(s.start_pc, a), b if s.end_pc is None else min(s.end_pc, b)) for s, _ in overlapping]
    busy = min(1.0, union_length_s(clipped) / length)
    total_overlap = sum(o for _, o in overlapping)
    for s, o in overlapping:
        k = busy * o / total_overlap
        s.add(energy, k)
        if measured:
            s.covered_s += o
        else:
            s.extrapolated_kwh += (energy[0] + energy[1] + energy[2]) * k
        if s.children:
            # The parent's overlap is the children's "interval"; their energy is part of its own.
            lo, hi = max(s.start_pc, a), (b if s.end_pc is None else min(s.end_pc, b))
            nested.append((s.children, lo, hi, (energy[0] * k, energy[1] * k, energy[2] * k)))
    return busy


def attribute(roots: list[Span], a: float, b: float, energy: Energy, *, measured: bool = True) -> Energy:
    """Share `energy` measured over [a, b] among `roots` (and their children); return the unattributed part.

    Level by level with a work list, not by recursion: a tracked recursive function nests
    runs as deep as the program's recursion goes, and this runs in the meter's thread.
    """
    nested: _Nested = []
    given = _share(roots, a, b, energy, measured, nested)
    while nested:
        spans, lo, hi, share = nested.pop()
        _share(spans, lo, hi, share, measured, nested)
    return (energy[0] * (1 - given), energy[1] * (1 - given), energy[2] * (1 - given))
