"""Tracker sessions that ran at once on one host count the machine once (ledger/overlap.py)."""

from __future__ import annotations

import pytest

from frugal_ai.ledger.overlap import SessionSplit, clusters, split_once


def _worker(host: str, start: float, end: float, machine: float = 1.0, runs: float = 0.2, idle: float = 0.2,
            own: float = 0.0) -> SessionSplit:
    """A session that measured `machine` kWh of which its runs took `runs` and its own time
    outside runs `own`: the rest is idle and other processes."""
    return SessionSplit(host, start, end, machine, machine - runs, machine - runs - idle - own, idle)


def test_workers_started_together_count_the_machine_once() -> None:
    # Four web workers, each measuring the whole machine (1 kWh) over the same hour: each ran
    # 0.2 kWh of requests and counted the three others' 0.6 among "other processes".
    split = split_once([_worker("web1", 0.0, 3600.0) for _ in range(4)])
    assert split is not None
    assert split["machine_kwh"] == pytest.approx(1.0)  # summed: 4.0
    assert split["runs_kwh"] == pytest.approx(0.8)
    assert split["idle_kwh"] == pytest.approx(0.2)  # summed: 0.8
    assert split["others_kwh"] == pytest.approx(0.0)  # the "others" were the workers themselves
    assert split["overlap_kwh"] == pytest.approx(3.0)
    assert (split["sessions"], split["clusters"]) == (4, 1)


def test_sessions_one_after_the_other_and_on_other_hosts_add_up() -> None:
    sessions = [_worker("a", 0.0, 100.0, own=0.1), _worker("a", 100.0, 200.0, own=0.1), _worker("b", 0.0, 200.0, own=0.1)]
    split = split_once(sessions)
    assert split is not None and split["clusters"] == 3 and split["overlap_kwh"] == 0.0
    assert split["machine_kwh"] == pytest.approx(3.0)
    assert split["others_kwh"] == pytest.approx(3 * 0.5)  # each session's own split, as before
    assert split["process_outside_runs_kwh"] == pytest.approx(0.3)
    parts = ("runs_kwh", "process_outside_runs_kwh", "others_kwh", "idle_kwh")
    assert sum(split[k] for k in parts) == pytest.approx(split["machine_kwh"])


def test_a_partial_overlap_scales_the_longest_session_over_the_span() -> None:
    # 100 s and 50 s sessions overlapping by 25 s: the span is 125 s; the 100 s session's
    # machine energy (1 kWh) at the same mean power over 125 s is 1.25 kWh.
    split = split_once([_worker("h", 0.0, 100.0, idle=0.4), _worker("h", 75.0, 125.0, machine=0.5, runs=0.1, idle=0.2)])
    assert split is not None and split["clusters"] == 1
    assert split["machine_kwh"] == pytest.approx(1.25)
    assert split["idle_kwh"] == pytest.approx(0.5)
    assert split["runs_kwh"] == pytest.approx(0.3)
    assert split["others_kwh"] == pytest.approx(1.25 - 0.3 - 0.5)
    assert split["overlap_kwh"] == pytest.approx(1.5 - 1.25)


def test_parts_above_the_scaled_machine_make_the_machine() -> None:
    # Two sessions whose runs alone exceed what the longest one saw: others cannot go negative.
    split = split_once([_worker("h", 0.0, 10.0, machine=1.0, runs=0.9, idle=0.05),
                        _worker("h", 1.0, 9.0, machine=1.0, runs=0.9, idle=0.05)])
    assert split is not None
    assert split["others_kwh"] == 0.0
    assert split["machine_kwh"] == pytest.approx(1.8 + 0.05)


def test_clusters_chain_through_overlapping_lives_per_host() -> None:
    a, b, c, d = (_worker("h", 0, 10), _worker("h", 5, 20), _worker("h", 19, 30), _worker("h", 30, 40))
    other = _worker("g", 5, 20)
    groups = clusters([d, c, other, b, a])
    assert [[(s.host, s.start_s) for s in g] for g in groups] == [[("g", 5)], [("h", 0), ("h", 5), ("h", 19)], [("h", 30)]]
    assert split_once([]) is None
