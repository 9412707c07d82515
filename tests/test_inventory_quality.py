"""No silent zeros in the inventory: approximated calls, declared usage and unpriced kinds are
priced with their own uncertainty or counted, and the report's data quality says so."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from frugal_ai.demo.ledger_file import write_records
from frugal_ai.factors import factor_set
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.report import build_report, parse_period, render

JULY = datetime(2026, 7, 15, 9, tzinfo=timezone.utc).timestamp()


def _call(id: str, source: str, *, name: str, model: str = "gpt-4o", requests: int = 10,
          input_tokens: int = 800, output_tokens: int = 300) -> ApiCallRecord:
    return ApiCallRecord(id=id, provider="openai", model=model, start=JULY, end=JULY + 1, input_tokens=input_tokens,
                         output_tokens=output_tokens, name=name, source=source, requests=requests)


def _rows(path: Path) -> dict[str, object]:
    return {r.workload: r for r in load_inventory(path).rows}


def _ratio(constant: str) -> tuple[float, float]:
    r = factor_set().constant(constant).range
    return r.low / r.central, r.high / r.central


def test_an_approximated_call_keeps_its_centre_and_widens_by_the_characters_per_token(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [_call("a", "capture", name="exact"), _call("b", "approximated", name="approx")])
    rows = _rows(path)
    exact, approx = rows["exact"].footprint, rows["approx"].footprint  # type: ignore[attr-defined]
    assert approx.energy_kwh.central == pytest.approx(exact.energy_kwh.central, rel=1e-9)
    assert approx.energy_kwh.low < exact.energy_kwh.low and approx.energy_kwh.high > exact.energy_kwh.high
    assert rows["approx"].fallbacks.approximated and not rows["exact"].fallbacks.approximated  # type: ignore[attr-defined]
    # The high bound is the group re-estimated with its tokens scaled to the fewest characters per token.
    from frugal_ai.estimate.group import group_estimate

    c = factor_set().constant("approximation.chars_per_token").range
    k = c.central / c.low
    high = group_estimate("gpt-4o", "openai", requests=10, input_tokens=8000 * k, input_tokens_sq=10 * (800 * k) ** 2,
                          output_tokens=3000 * k, reasoning_tokens=0)
    assert approx.energy_kwh.high == pytest.approx(high.energy_kwh.high, rel=1e-9)


@pytest.mark.parametrize("lang, needle", [("en", "tokens approximated from characters"),
                                          ("fr", "jetons déduits des caractères")])
def test_the_report_counts_approximated_calls(tmp_path: Path, lang: str, needle: str) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [_call("a", "capture", name="exact"), _call("b", "approximated", name="approx", requests=7)])
    report = build_report(path, parse_period("2026-07"))
    assert report.methodology.approximated_requests == 7
    md = render(report, "md", lang)
    line = next(x for x in md.splitlines() if needle in x and x.startswith("|"))
    assert line.rstrip(" |").endswith("7")


def test_declared_usage_range_carries_the_declarations_own_uncertainty(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [_call("a", "manual", name="counted"), _call("b", "declared", name="declared")])
    rows = _rows(path)
    counted, declared = rows["counted"].footprint, rows["declared"].footprint  # type: ignore[attr-defined]
    lo, hi = _ratio("declared.requests_factor")
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        a, b = getattr(counted, q), getattr(declared, q)
        assert b.central == pytest.approx(a.central, rel=1e-9)
        assert b.low == pytest.approx(a.low * lo, rel=1e-9) and b.high == pytest.approx(a.high * hi, rel=1e-9)
    # The report's totals and JSON ranges follow (the declared method's range is the row's).
    report = build_report(path, parse_period("2026-07"))
    assert report.by_method["declared"].co2e_kg.high == pytest.approx(declared.co2e_kg.high, rel=1e-9)


def test_kinds_not_priced_are_counted_with_their_share_of_calls(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    write_records(path, [_call("a", "capture", name="chat", requests=30),
                         _call("t", "capture", name="minutes", model="whisper-1", requests=10, output_tokens=0)])
    report = build_report(path, parse_period("2026-07"))
    (u,) = report.methodology.unpriced_kinds
    assert (u.kind, u.requests, u.share_of_requests) == ("transcription", 10, pytest.approx(0.25))
    md_en, md_fr = render(report, "md", "en"), render(report, "md", "fr")
    assert "Calls of a kind not priced yet: transcription" in md_en and "10 (25" in md_en
    assert "Appels d'un type pas encore estimé : transcription" in md_fr


def test_kinds_recorded_without_their_units_are_counted_in_data_quality(tmp_path: Path) -> None:
    """Rows of the ledger's request kinds (api_calls.kind) that cannot be priced (a transcription
    whose reply gave no duration, an image model the catalogue does not know) are counted per
    kind with their share of calls, beside the priced chat calls."""
    path = tmp_path / "l.sqlite"
    chat = _call("a", "capture", name="chat", requests=20)
    audio = _call("t", "capture", name="minutes", model="whisper-1", requests=5, output_tokens=0)
    audio.request_kind, audio.units = "transcription", 0.0
    image = _call("i", "capture", name="pics", model="some-new-image-model", requests=15, output_tokens=0)
    image.request_kind, image.units = "image", 1.0
    write_records(path, [chat, audio, image])
    report = build_report(path, parse_period("2026-07"))
    got = {(u.kind, u.requests, round(u.share_of_requests, 3)) for u in report.methodology.unpriced_kinds}
    assert got == {("transcription", 5, 0.125), ("image", 15, 0.375)}
    assert "Appels d'un type pas encore estimé : image" in render(report, "md", "fr")
