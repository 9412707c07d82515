"""The inventory: aggregation of a real SQLite ledger, period and workload filters, content hash."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from frugal_ai.demo.ledger_file import write_records
from frugal_ai.errors import InputError
from frugal_ai.ledger.query import NO_WORKLOAD, Selection, call_groups, content_hash, run_groups
from frugal_ai.ledger import query
from frugal_ai.ledger.records import ApiCallRecord, RunRecord


def ts(y: int, m: int, d: int, h: int = 12) -> float:
    return datetime(y, m, d, h, tzinfo=timezone.utc).timestamp()


def fixed_records() -> list[RunRecord | ApiCallRecord]:
    """Two months of a small company's activity, with nesting, a local server and tags."""
    return [
        # July: a root run with a nested child (the child's energy is inside the parent's).
        RunRecord(id="r1", name="train", start=ts(2026, 7, 3), end=ts(2026, 7, 3) + 60, zone="FR",
                  method="rapl+ram_model", cpu_kwh=0.010, ram_kwh=0.002, tags={"team": "data"}),
        RunRecord(id="r1a", parent_id="r1", name="train-step", start=ts(2026, 7, 3) + 1, end=ts(2026, 7, 3) + 30,
                  zone="FR", method="rapl+ram_model", cpu_kwh=0.006, ram_kwh=0.001),
        RunRecord(id="r2", name="train", start=ts(2026, 7, 20), end=ts(2026, 7, 20) + 60, zone="FR",
                  method="rapl+ram_model", cpu_kwh=0.020, ram_kwh=0.004, tags={"team": "data"}),
        # An orphan: its parent never reached the ledger, so it counts as a root.
        RunRecord(id="r3", parent_id="lost", name="ocr", start=ts(2026, 8, 2), end=ts(2026, 8, 2) + 5,
                  zone=None, method="tdp_fallback+ram_model", cpu_kwh=0.001, gpu_kwh=0.0, ram_kwh=0.0005),
        ApiCallRecord(id="c1", provider="openai", model="gpt-4o-mini", start=ts(2026, 7, 4), end=ts(2026, 7, 4) + 1,
                      input_tokens=500, output_tokens=200, name="chatbot", tags={"team": "support"}),
        ApiCallRecord(id="c2", provider="openai", model="gpt-4o-mini", start=ts(2026, 7, 5), end=ts(2026, 7, 5) + 1,
                      input_tokens=700, output_tokens=100, reasoning_tokens=50, name="chatbot",
                      tags={"team": "support"}),
        ApiCallRecord(id="c3", provider="anthropic", model="claude-3-5-haiku", start=ts(2026, 8, 1),
                      end=ts(2026, 8, 1) + 1, input_tokens=1000, output_tokens=300, name=None),
        ApiCallRecord(id="c4", provider="ollama", model="llama3.1:8b", start=ts(2026, 8, 3), end=ts(2026, 8, 3) + 2,
                      input_tokens=50, output_tokens=80, name="ocr", local=True),
    ]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    write_records(path, fixed_records())
    return path


def _conn(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_runs_sum_roots_and_orphans_only(ledger: Path) -> None:
    sel = Selection.of(None, None, None)
    groups = {(g["workload"], g["month"]): g for g in run_groups(_conn(ledger), sel)}
    assert set(groups) == {("train", "2026-07"), ("ocr", "2026-08")}
    train = groups[("train", "2026-07")]
    assert train["runs"] == 2
    assert train["cpu_kwh"] == pytest.approx(0.030)  # r1 + r2, not r1a
    assert train["ram_kwh"] == pytest.approx(0.006)
    assert groups[("ocr", "2026-08")]["measurement"] == "tdp_fallback+ram_model"


def test_calls_grouped_with_summed_tokens_and_requests(ledger: Path) -> None:
    sel = Selection.of(None, None, None)
    groups = {(g["workload"], g["month"], g["model"]): g for g in call_groups(_conn(ledger), sel)}
    chat = groups[("chatbot", "2026-07", "gpt-4o-mini")]
    assert (chat["requests"], chat["input_tokens"], chat["output_tokens"], chat["reasoning_tokens"]) == (2, 1200, 300, 50)
    assert (NO_WORKLOAD, "2026-08", "claude-3-5-haiku") in groups
    assert groups[("ocr", "2026-08", "llama3.1:8b")]["local"] == 1


def test_period_filter_is_inclusive_exclusive(ledger: Path) -> None:
    sel = Selection.of(ts(2026, 7, 4), ts(2026, 8, 1), None)
    groups = call_groups(_conn(ledger), sel)
    assert sum(g["requests"] for g in groups) == 2  # c1 at the since bound is in; c3 at until is out


def test_workload_filter_by_name_and_tag(ledger: Path) -> None:
    sel = Selection.of(None, None, ["team=support"])
    assert {g["workload"] for g in call_groups(_conn(ledger), sel)} == {"chatbot"}
    sel = Selection.of(None, None, ["train-step", "ocr"])
    groups = run_groups(_conn(ledger), sel)
    # train-step's parent does not match the filter, so the child counts on its own.
    assert {g["workload"] for g in groups} == {"train-step", "ocr"}


def test_workload_filter_never_counts_a_run_inside_a_matching_run(ledger: Path) -> None:
    sel = Selection.of(None, None, ["train", "train-step"])
    groups = run_groups(_conn(ledger), sel)
    assert {g["workload"] for g in groups} == {"train"}
    assert sum(g["cpu_kwh"] for g in groups) == pytest.approx(0.030)


def test_content_hash_is_reproducible_and_changes_with_any_value(tmp_path: Path) -> None:
    recs = fixed_records()
    a, b, c = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    write_records(a, recs)
    write_records(b, fixed_records())
    changed = fixed_records()
    changed[4].output_tokens += 1
    write_records(c, changed)

    def digest(p: Path) -> str:
        sel = Selection.of(None, None, None)
        return content_hash(_conn(p), sel)

    assert digest(a) == digest(b)
    assert digest(a) != digest(c)
    assert digest(a).startswith("sha256:") and len(digest(a)) == 7 + 64


def test_bad_workload_filter_is_an_input_error() -> None:
    with pytest.raises(InputError):
        Selection.of(None, None, ["=x"])


# --- the whole inventory, with the real factor base, estimator and measured_footprint ----------


def test_load_inventory_joins_groups_with_footprints(ledger: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    inv = load_inventory(ledger, settings=load_settings(env={}, overrides={"country": "FR"}))
    assert inv.ledger_rows == 8
    measured = inv.totals_by_method["measured"]
    estimated = inv.totals_by_method["estimated"]
    assert measured.method == "measured" and estimated.method == "estimated"
    assert measured.energy_kwh.central >= 0.0375  # 0.036 + 0.0015 before PUE
    local = [r for r in inv.rows if r.local]
    assert len(local) == 1 and local[0].footprint is None and local[0].requests == 1
    ocr = next(r for r in inv.rows if r.workload == "ocr" and not r.local)
    assert ocr.fallbacks.tdp_fallback
    # r3 has no zone in the ledger: the world average, whatever country the settings say.
    assert ocr.fallbacks.world_average_zone and ocr.zone is None


def test_recorded_zone_not_the_reporters_country_decides_the_numbers(tmp_path: Path) -> None:
    """The same ledger gives the same numbers whoever runs the report (DESIGN)."""
    from frugal_ai.config import load_settings
    from frugal_ai.factors import factor_set
    from frugal_ai.inventory import load_inventory

    path = tmp_path / "ledger.sqlite"
    write_records(path, [
        RunRecord(id="a", name="no-zone", start=ts(2026, 7, 3), end=ts(2026, 7, 3) + 60, zone=None,
                  method="rapl+ram_model", cpu_kwh=0.010, ram_kwh=0.002),
        RunRecord(id="b", name="fr", start=ts(2026, 7, 3), end=ts(2026, 7, 3) + 60, zone="FR",
                  method="rapl+ram_model", cpu_kwh=0.010, ram_kwh=0.002),
    ])
    by_country = {}
    for country in (None, "FR", "US"):
        overrides = {"country": country} if country else {}
        inv = load_inventory(path, settings=load_settings(env={}, overrides=overrides))
        by_country[country] = {r.workload: (r.zone, r.footprint.co2e_kg.central, r.fallbacks.world_average_zone)
                               for r in inv.rows}
    assert by_country[None] == by_country["FR"] == by_country["US"]
    no_zone, fr = by_country[None]["no-zone"], by_country[None]["fr"]
    assert no_zone[0] is None and no_zone[2] is True and fr[2] is False
    # Same energy: the ratio of CO2e is the ratio of the WORLD and FRA factors.
    fs = factor_set()
    ratio = fs.electricity("WORLD").co2e_kg_per_kwh / fs.electricity("FR").co2e_kg_per_kwh
    assert no_zone[1] / fr[1] == pytest.approx(ratio)


def test_a_zone_unknown_to_the_factor_base_falls_back_to_the_world_and_is_named(tmp_path: Path) -> None:
    """An older ledger may hold a zone the factor base rejects: not an error, a flagged fallback."""
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    path = tmp_path / "ledger.sqlite"
    write_records(path, [
        RunRecord(id="a", name="old", start=ts(2026, 7, 3), end=ts(2026, 7, 3) + 60, zone="ZZ",
                  method="rapl+ram_model", cpu_kwh=0.010, ram_kwh=0.002),
        RunRecord(id="b", name="none", start=ts(2026, 7, 3), end=ts(2026, 7, 3) + 60, zone=None,
                  method="rapl+ram_model", cpu_kwh=0.010, ram_kwh=0.002),
    ])
    inv = load_inventory(path, settings=load_settings(env={}))
    rows = {r.workload: r for r in inv.rows}
    old, none = rows["old"], rows["none"]
    assert old.zone is None and old.fallbacks.world_average_zone and old.fallbacks.unknown_zone == "ZZ"
    assert old.footprint.co2e_kg.central == pytest.approx(none.footprint.co2e_kg.central)
    assert none.fallbacks.unknown_zone is None


def test_group_estimate_equals_the_sum_of_per_request_estimates() -> None:
    """The inventory estimates a group from its sums: exact only if the estimator keeps its form."""
    from frugal_ai.config import load_settings
    from frugal_ai.estimate import estimate_llm
    from frugal_ai.estimate.group import group_estimate

    s = load_settings(env={}, overrides={"country": "FR"})
    calls = [(200, 50, 0), (8000, 300, 0), (1500, 120, 400), (30000, 900, 0), (0, 10, 0)]
    expected = [estimate_llm("gpt-4o-mini", i, o, provider="openai", reasoning_tokens=r, settings=s) for i, o, r in calls]
    got = group_estimate(
        "gpt-4o-mini", "openai", requests=len(calls),
        input_tokens=sum(c[0] for c in calls), input_tokens_sq=sum(c[0] ** 2 for c in calls),
        output_tokens=sum(c[1] for c in calls), reasoning_tokens=sum(c[2] for c in calls), settings=s,
    )
    naive = estimate_llm("gpt-4o-mini", sum(c[0] for c in calls) // len(calls), sum(c[1] for c in calls) // len(calls),
                         provider="openai", requests=len(calls), settings=s)
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        for b in ("low", "central", "high"):
            total = sum(getattr(getattr(e, q), b) for e in expected)
            assert getattr(getattr(got, q), b) == pytest.approx(total, rel=1e-9), (q, b)
    # and the mean-length shortcut would indeed be wrong (the test above is not vacuous):
    assert naive.energy_kwh.central < 0.99 * sum(e.energy_kwh.central for e in expected)


def test_period_and_empty_ledger(ledger: Path, tmp_path: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    s = load_settings(env={}, overrides={"country": "FR"})
    july = load_inventory(ledger, since=date(2026, 7, 1), until=date(2026, 8, 1), settings=s)
    assert {r.month for r in july.rows} == {"2026-07"}
    assert july.ledger_rows == 5
    empty = tmp_path / "empty.sqlite"
    write_records(empty, [])
    inv = load_inventory(empty, settings=s)
    assert inv.empty and inv.rows == [] and inv.totals_by_method == {}


def test_foreign_ledger_is_an_input_error(tmp_path: Path) -> None:
    from frugal_ai.inventory import load_inventory

    foreign = tmp_path / "foreign.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(InputError):
        load_inventory(foreign)


def test_group_measured_equals_the_sum_of_per_run_footprints() -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory.priced import group_measured
    from frugal_ai.estimate.measured import measured_footprint

    s = load_settings(env={}, overrides={"country": "FR"})
    runs = [((0.02, 0.0, 0.003), 1.0), ((0.5, 0.0, 0.01), 0.4), ((0.001, 0.0, 0.0002), 0.0)]
    per_run = [measured_footprint(*kwh, "tdp_fallback+ram_model", "FR", s, coverage=c) for kwh, c in runs]
    kwh = tuple(sum(r[0][i] for r in runs) for i in range(3))
    covered = tuple(sum(r[0][i] * r[1] for r in runs) for i in range(3))
    got = group_measured(kwh, covered, "tdp_fallback+ram_model", "FR", s)  # type: ignore[arg-type]
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        for b in ("low", "central", "high"):
            assert getattr(getattr(got, q), b) == pytest.approx(sum(getattr(getattr(f, q), b) for f in per_run), rel=1e-9)
    # Extrapolation widens the range: the test would fail if coverage were ignored.
    plain = measured_footprint(*kwh, "tdp_fallback+ram_model", "FR", s)
    assert got.energy_kwh.high > plain.energy_kwh.high


def test_energy_measured_outside_runs_is_reported_apart(ledger: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    conn = sqlite3.connect(ledger)
    conn.execute("INSERT INTO sessions (id, project, start, \"end\", method, cpu_kwh, unattributed_cpu_kwh, "
                 "unattributed_ram_kwh) VALUES ('s1', 'p', ?, ?, 'rapl', 0.05, 0.004, 0.001)",
                 (ts(2026, 7, 3), ts(2026, 7, 3) + 600))
    conn.commit()
    conn.close()
    s = load_settings(env={}, overrides={"country": "FR"})
    inv = load_inventory(ledger, settings=s)
    assert inv.unattributed_kwh == pytest.approx(0.005)
    assert load_inventory(ledger, since=date(2026, 8, 1), settings=s).unattributed_kwh == 0.0


def test_extrapolated_runs_get_a_wider_range_through_the_ledger(tmp_path: Path) -> None:
    """Coverage (runs.coverage) reaches the footprint: same energy, same central, wider range."""
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    s = load_settings(env={}, overrides={"country": "FR"})

    def inventory(coverage: float, name: str):  # type: ignore[no-untyped-def]
        path = tmp_path / f"{name}.sqlite"
        write_records(path, [
            RunRecord(id=f"{name}{i}", name="job", start=ts(2026, 7, 3) + i, end=ts(2026, 7, 3) + i + 1, zone="FR",
                      method="rapl+ram_model", cpu_kwh=0.01, ram_kwh=0.001, coverage=c)
            for i, c in enumerate((1.0, coverage))
        ])
        return load_inventory(path, settings=s)

    full, part = inventory(1.0, "full"), inventory(0.25, "part")
    (a,), (b,) = full.rows, part.rows
    assert a.footprint is not None and b.footprint is not None
    assert b.energy_measured_kwh == a.energy_measured_kwh
    assert b.footprint.energy_kwh.central == pytest.approx(a.footprint.energy_kwh.central)
    assert b.footprint.energy_kwh.high > a.footprint.energy_kwh.high
    assert b.footprint.energy_kwh.low < a.footprint.energy_kwh.low
    assert b.fallbacks.extrapolated and not a.fallbacks.extrapolated


def test_failed_calls_are_counted_but_tokenless_ones_add_no_energy(tmp_path: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    s = load_settings(env={}, overrides={"country": "FR"})
    ok = [ApiCallRecord(id=f"ok{i}", provider="openai", model="gpt-4o-mini", start=ts(2026, 7, 4) + i,
                        end=ts(2026, 7, 4) + i + 1, input_tokens=400 + 100 * i, output_tokens=150, name="bot")
          for i in range(3)]
    failed = [ApiCallRecord(id=f"f{i}", provider="openai", model="gpt-4o-mini", start=ts(2026, 7, 5) + i,
                            end=ts(2026, 7, 5) + i + 1, status="failed", http_status=429, name="bot")
              for i in range(4)]
    write_records(tmp_path / "ok.sqlite", ok)
    write_records(tmp_path / "all.sqlite", ok + failed)
    only_ok = load_inventory(tmp_path / "ok.sqlite", settings=s)
    with_failed = load_inventory(tmp_path / "all.sqlite", settings=s)
    (a,), (b,) = only_ok.rows, with_failed.rows
    assert (b.requests, b.failed_requests) == (7, 4)
    assert (with_failed.failed_requests, with_failed.failed_tokenless) == (4, 4)
    assert only_ok.failed_requests == 0
    assert a.footprint is not None and b.footprint is not None
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        for bound in ("low", "central", "high"):
            assert getattr(getattr(b.footprint, q), bound) == pytest.approx(getattr(getattr(a.footprint, q), bound))


def test_call_groups_equal_a_plain_group_by(ledger: Path) -> None:
    """The aggregation (rollups for whole days, rows for the part-days) gives exactly what a
    GROUP BY over the rows gives."""
    conn = _conn(ledger)
    sel = Selection.of(ts(2026, 7, 1), None, None)
    got = sorted(tuple(r) for r in call_groups(conn, sel))
    where, params = sel.sql()
    conn.row_factory = None
    timed = f"(CASE WHEN {query.TIMED} THEN requests ELSE 0 END)"  # the requests recorded with a duration
    expected = sorted(conn.execute(f"""
        SELECT ifnull(name, ?), strftime('%Y-%m', start, 'unixepoch') AS month, provider, {query._REGION}, model, local,
               source IN ('declared', 'declared-spend'), {query._BASIS}, kind, image_size, image_quality,
               COUNT(*), SUM(requests),
               SUM(requests * input_tokens), SUM(requests * input_tokens * input_tokens), SUM(requests * output_tokens),
               SUM(requests * reasoning_tokens), SUM(requests * (source = 'demo')), SUM(requests * (status = 'failed')),
               SUM(requests * (status = 'failed' AND input_tokens + output_tokens + reasoning_tokens = 0)),
               TOTAL(requests * units),
               SUM({timed}), SUM({timed} * input_tokens), SUM({timed} * input_tokens * input_tokens),
               SUM({timed} * output_tokens), SUM({timed} * reasoning_tokens), TOTAL({timed} * ifnull(latency_s, 0.0)),
               SUM(requests * (kind IN ('image', 'transcription', 'speech') AND units = 0 AND input_tokens = 0
                               AND status != 'failed'))
        FROM api_calls WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, kind, image_size, image_quality""",
        [NO_WORKLOAD, *params]).fetchall())
    assert got == expected and len(got) == 3


def test_the_content_hash_is_computed_only_where_it_is_shown(ledger: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.inventory import load_inventory

    settings = load_settings(env={})
    full = load_inventory(ledger, settings=settings)
    assert full.content_hash.startswith("sha256:")
    # A workload-filtered inventory (the gains balance reads one per use case) skips the second read.
    assert load_inventory(ledger, settings=settings, workloads=["train"]).content_hash == ""
    assert load_inventory(ledger, settings=settings, workloads=["train"], with_hash=True).content_hash.startswith("sha256:")
    assert load_inventory(ledger, settings=settings, with_hash=False).content_hash == ""
