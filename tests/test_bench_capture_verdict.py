"""benchmarks/bench_capture.py's verdict: read from the spread of the pairs, never from one median alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
bench = pytest.importorskip("bench_capture")


def _comparison(added_us: list[float]) -> "bench.Comparison":
    """Pairs of rounds whose caller latency differs by `added_us` (the off rounds all at 100 us)."""
    off = [bench.Round(100e-6, 100e-6, 0.0, 0.0) for _ in added_us]
    on = [bench.Round((100 + a) * 1e-6, 100e-6, 0.0, 0.0) for a in added_us]
    return bench.Comparison(off, on)


def test_met_when_the_middle_half_lies_under_the_target() -> None:
    assert bench.verdict(_comparison([10, 11, 12, 13, 14, 15, 30]), "wall_mean", 20) == "MET"


def test_not_met_when_the_middle_half_lies_over_it() -> None:
    assert bench.verdict(_comparison([5, 25, 26, 27, 28, 29]), "wall_mean", 20) == "NOT MET"


def test_a_low_median_with_a_wide_spread_is_too_noisy_to_decide() -> None:
    """The case the issue found: an SDK-level median far under the target, its spread across it."""
    c = _comparison([-900, -600, -464, -300, 200, 500, 800])
    assert c.added("wall_mean") * 1e6 < 20
    assert bench.verdict(c, "wall_mean", 20) == "too noisy to decide"


def test_the_verdict_comes_from_the_httpx2_level() -> None:
    assert {t.label for t in bench.TARGETS} == {"httpx2 post"}
    assert "wall_mean" in {t.attr for t in bench.TARGETS}
    assert not hasattr(bench, "ECOLOGITS_PYTHON"), "the baseline must not depend on one machine's path"
