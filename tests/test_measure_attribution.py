"""The attribution rule: each interval's energy shared among overlapping runs, conserved."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frugal_ai.measure.attribution import Span, attribute, union_length_s

E = (0.001, 0.002, 0.0005)  # kWh measured over the interval, per component


def _total(s: Span) -> float:
    return s.cpu_kwh + s.gpu_kwh + s.ram_kwh


def test_a_single_run_gets_its_overlap_share_and_the_rest_is_unattributed() -> None:
    run = Span("r", start_pc=10.25, end_pc=10.75)
    left = attribute([run], 10.0, 11.0, E)
    assert (run.cpu_kwh, run.gpu_kwh, run.ram_kwh) == pytest.approx((0.0005, 0.001, 0.00025))
    assert left == pytest.approx((0.0005, 0.001, 0.00025))
    assert run.covered_s == pytest.approx(0.5)


def test_a_10_ms_call_gets_1_percent_of_a_1_s_interval() -> None:
    call = Span("c", start_pc=0.5, end_pc=0.51)
    attribute([call], 0.0, 1.0, E)
    assert _total(call) == pytest.approx(sum(E) * 0.01)


def test_concurrent_runs_split_the_busy_time_by_overlap() -> None:
    a = Span("a", 0.0, 1.0)  # the whole interval
    b = Span("b", 0.5, 1.0)  # half of it, at the same time as a
    left = attribute([a, b], 0.0, 1.0, E)
    assert left == pytest.approx((0, 0, 0))  # someone was running all the time
    assert _total(a) == pytest.approx(sum(E) * 2 / 3)
    assert _total(b) == pytest.approx(sum(E) * 1 / 3)


def test_children_share_their_parents_energy_and_never_exceed_it() -> None:
    parent = Span("p", 0.0, 1.0)
    c1 = Span("c1", 0.0, 0.8, parent=parent)
    c2 = Span("c2", 0.0, 0.8, parent=parent)  # concurrent children (asyncio.gather)
    parent.children = [c1, c2]
    attribute([parent], 0.0, 1.0, E)
    assert _total(parent) == pytest.approx(sum(E))
    assert _total(c1) + _total(c2) == pytest.approx(sum(E) * 0.8)
    assert _total(c1) == pytest.approx(_total(c2))


def test_a_run_still_in_progress_is_charged_up_to_the_interval_end() -> None:
    run = Span("r", start_pc=0.5)
    attribute([run], 0.0, 1.0, E)
    attribute([run], 1.0, 2.0, E)
    assert _total(run) == pytest.approx(sum(E) * 1.5)


def test_extrapolated_energy_is_marked_and_not_coverage() -> None:
    run = Span("r", 0.0, 0.2)
    attribute([run], 0.0, 1.0, E, measured=False)
    assert run.covered_s == 0 and run.extrapolated_kwh == pytest.approx(sum(E) * 0.2)


def test_union_length() -> None:
    assert union_length_s([(0, 1), (0.5, 2), (3, 4)]) == pytest.approx(3.0)
    assert union_length_s([]) == 0.0


spans = st.lists(st.tuples(st.floats(-1, 3), st.floats(0, 2), st.booleans()), min_size=0, max_size=8)


@settings(max_examples=200, deadline=None)
@given(roots=spans, nested=st.lists(st.tuples(st.integers(0, 7), st.floats(0, 1), st.floats(0, 1)), max_size=8),
       interval=st.tuples(st.floats(0, 2), st.floats(0.001, 2)))
def test_energy_is_conserved_and_children_stay_within_parents(roots: list, nested: list, interval: tuple) -> None:
    a, length = interval
    b = a + length
    made = [Span(str(i), s, None if open_ else s + d) for i, (s, d, open_) in enumerate(roots)]
    for j, (k, f0, f1) in enumerate(nested):
        if not made:
            break
        p = made[k % len(made)]
        end = p.end_pc if p.end_pc is not None else b
        lo, hi = sorted((f0, f1))
        child = Span(f"c{j}", p.start_pc + lo * (end - p.start_pc), p.start_pc + hi * (end - p.start_pc), parent=p)
        p.children.append(child)
    left = attribute(made, a, b, E)
    for comp in range(3):
        given_ = sum((s.cpu_kwh, s.gpu_kwh, s.ram_kwh)[comp] for s in made)
        assert math.isclose(given_ + left[comp], E[comp], rel_tol=1e-9, abs_tol=1e-15)
        assert left[comp] >= -1e-15
    for p in made:
        assert sum(_total(c) for c in p.children) <= _total(p) * (1 + 1e-9) + 1e-15
        # a run that does not overlap the interval gets none of its energy (conservation alone
        # would pass if energy went to the wrong run)
        end = p.end_pc if p.end_pc is not None else b
        if end <= a or p.start_pc >= b:
            assert _total(p) == 0, (p.start_pc, end, a, b)
