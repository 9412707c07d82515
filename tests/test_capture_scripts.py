"""Text in other writing systems than Latin, captured without usage, is converted to tokens with
its own characters per token (capture/approximate.py, ledger/scripts.py): Greek, Cyrillic
(Russian, Bulgarian), Japanese and mixed text through the real openai SDK streaming without
include_usage against the fake server; the report widens such rows by their scripts' ranges.

The expected figures come from the factor base and from an independent reading of the text
(`unicodedata` character names), never from the capture's own table."""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.replies import TEXT_IN, text_deltas
from fakeservers.sdk_calls import openai_chat
from fakeservers.server import FakeAPIServer

PROMPTS = {
    "en": "Write two hundred words about the weather, please.",
    "el": "Γράψε μια σύντομη απάντηση για τον καιρό, παρακαλώ.",
    "ru": "Напиши короткий ответ о погоде, пожалуйста.",
    "bg": "Напиши кратък отговор за времето, моля.",
    "ja": "天気について短く答えてください。",
    "mixed": "Résume ce texte: годовой отчёт, 年次報告書, η έκθεση.",
}
# The name prefixes of the characters of each writing system in the Unicode character database.
_NAMES = {"greek": ("GREEK",), "cyrillic": ("CYRILLIC",),
          "cjk": ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH")}


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for script, prefixes in _NAMES.items():
        if name.startswith(prefixes):
            return script
    return "default"


def _chars(strings: list[str]) -> dict[str, int]:
    """Characters per writing system; each string's spaces go with the script it holds most of."""
    total: dict[str, int] = {}
    for s in strings:
        own: dict[str, int] = {}
        for ch in s:
            own[_script(ch)] = own.get(_script(ch), 0) + 1
        others = {k: v for k, v in own.items() if k != "default"}
        if others:
            top = max(others, key=lambda k: others[k])
            own[top] += s.count(" ")
            own["default"] = own.get("default", 0) - s.count(" ")
        for k, v in own.items():
            total[k] = total.get(k, 0) + v
    return total


def _range(script: str) -> tuple[float, float, float]:
    from frugal_ai.factors import factor_set

    key = "approximation.chars_per_token" + ("" if script == "default" else f"_{script}")
    r = factor_set().constant(key).range
    return r.low, r.central, r.high


def _tokens(chars: dict[str, int], at: int) -> float:
    """Tokens of `chars` at the low (0), central (1) or high (2) characters per token."""
    return sum(n / _range(script)[at] for script, n in chars.items() if n)


@pytest.mark.parametrize("lang", ["en", "el", "ru", "bg", "ja", "mixed"])
def test_streamed_text_without_usage_is_converted_per_writing_system(
    lang: str, capture: None, fake_server: FakeAPIServer, ledger_path: Path
) -> None:
    model = f"gpt-4o-lang-{lang}"
    text = openai_chat(remote("api.openai.com", fake_server), stream=True, use_async=False, include_usage=False,
                       model=model, prompt=PROMPTS[lang])
    deltas = text_deltas(model, "")
    assert text == "".join(deltas)  # the caller got the whole reply, unchanged
    (row,) = ledger_rows(ledger_path)
    chars_in, chars_out = _chars([PROMPTS[lang]]), _chars(deltas)
    held = sorted({k for c in (chars_in, chars_out) for k, v in c.items() if v and k != "default"},
                  key=["greek", "cyrillic", "cjk"].index)
    assert row["source"] == ("approximated:" + "+".join(held) if held else "approximated")
    assert (lang == "en") == (not held)
    for column, chars in (("input_tokens", chars_in), ("output_tokens", chars_out)):
        tokens = row[column]
        assert tokens == max(1, round(_tokens(chars, 1)))
        # Within the writing systems' ranges: more characters per token (high) gives fewer tokens.
        assert math.floor(_tokens(chars, 2)) <= tokens <= math.ceil(_tokens(chars, 0))
        if lang != "en":
            # Not the Latin-script figure every character was taken at before (4 per token, central).
            latin = round(sum(chars.values()) / _range("default")[1])
            assert tokens > latin


def test_english_text_keeps_the_latin_figure_and_plain_source(capture: None, fake_server: FakeAPIServer,
                                                              ledger_path: Path) -> None:
    text = openai_chat(remote("api.openai.com", fake_server), stream=True, use_async=False, include_usage=False,
                       model="gpt-4o-long", prompt=PROMPTS["en"])
    (row,) = ledger_rows(ledger_path)
    cpt = _range("default")[1]
    assert (row["source"], row["input_tokens"], row["output_tokens"]) == (
        "approximated", round(len(PROMPTS["en"]) / cpt), round(len(text) / cpt))


def test_counts_per_writing_system_read_escapes_and_other_scripts() -> None:
    import json

    from frugal_ai.capture import approximate
    from frugal_ai.capture.parsers import parser_for
    from frugal_ai.ledger.scripts import SCRIPTS

    pattern = parser_for("openai").text_pattern
    assert pattern is not None
    deltas = ["Привет", " мир", "Καλημέρα", "こんにちは", "مرحبا", "नमस्ते", "😀 ok"]
    for ensure_ascii in (False, True):  # raw UTF-8, and \\u escapes as some servers send
        data = "".join("data: " + json.dumps({"choices": [{"delta": {"content": d}}]}, ensure_ascii=ensure_ascii)
                       + "\n\n" for d in deltas).encode()
        counts = approximate.new_counts()
        assert approximate.text_chars(pattern, data, len(data), counts) == sum(len(d) for d in deltas)
        by = dict(zip(SCRIPTS, counts))
        # The text other than ASCII is read in one pass: its two spaces count with Cyrillic, of
        # which it holds the most; the emoji and "ok" are the default writing system.
        assert by == {"default": 3, "greek": 8, "cyrillic": 6 + 3 + 2, "cjk": 5, "arabic": 5,
                      "brahmic": len("नमस्ते")}


JULY = datetime(2026, 7, 15, 9, tzinfo=timezone.utc).timestamp()


def test_the_report_widens_a_row_by_the_ranges_of_the_scripts_it_held(tmp_path: Path) -> None:
    from frugal_ai.demo.ledger_file import write_records
    from frugal_ai.estimate.group import group_estimate
    from frugal_ai.inventory import load_inventory
    from frugal_ai.ledger.records import ApiCallRecord
    from frugal_ai.report import build_report, parse_period

    def call(id: str, source: str, name: str) -> ApiCallRecord:
        return ApiCallRecord(id=id, provider="openai", model="gpt-4o", start=JULY, end=JULY + 1, input_tokens=800,
                             output_tokens=300, name=name, source=source, requests=10)

    path = tmp_path / "l.sqlite"
    write_records(path, [call("a", "approximated", "latin"), call("b", "approximated:greek+cjk", "greek_cjk")])
    rows = {r.workload: r for r in load_inventory(path).rows}
    latin, other = rows["latin"].footprint, rows["greek_cjk"].footprint
    assert latin is not None and other is not None
    assert other.energy_kwh.central == pytest.approx(latin.energy_kwh.central, rel=1e-9)
    assert rows["greek_cjk"].fallbacks.approximated

    def at(k: float) -> float:
        return group_estimate("gpt-4o", "openai", requests=10, input_tokens=8000 * k, input_tokens_sq=10 * (800 * k) ** 2,
                              output_tokens=3000 * k, reasoning_tokens=0).energy_kwh

    spans = [_range(s) for s in ("default", "greek", "cjk")]
    high_k = max(c / lo for lo, c, _ in spans)
    low_k = min(c / hi for _, c, hi in spans)
    assert other.energy_kwh.high == pytest.approx(at(high_k).high, rel=1e-9)
    assert other.energy_kwh.low == pytest.approx(at(low_k).low, rel=1e-9)
    assert other.energy_kwh.high > latin.energy_kwh.high and other.energy_kwh.low < latin.energy_kwh.low
    # Both count as approximated calls in the report's data quality.
    assert build_report(path, parse_period("2026-07")).methodology.approximated_requests == 20
