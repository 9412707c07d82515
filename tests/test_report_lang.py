"""Translations: both languages say everything, with the same placeholders, in their own formats."""

from __future__ import annotations

import re
import string

from frugal_ai.footprint import Range
from frugal_ai.lang import LANGS, texts


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_english_and_french_have_the_same_keys() -> None:
    en, fr = LANGS["en"], LANGS["fr"]
    assert set(en) - set(fr) == set(), "keys missing in French"
    assert set(fr) - set(en) == set(), "keys missing in English"


def test_every_sentence_has_the_same_placeholders_in_both_languages() -> None:
    en, fr = LANGS["en"], LANGS["fr"]
    for key in en:
        assert _fields(en[key]) == _fields(fr[key]), key


def test_french_numbers_dates_and_percentages() -> None:
    t = texts("fr")
    assert t.count(1234567) == "1\u202f234\u202f567"
    assert t.date("2026-07-01") == "1er juillet 2026"
    assert t.date("2026-08-15") == "15 août 2026"
    assert t.month("2026-12") == "décembre 2026"
    assert t.percent(0.4234) == "42\u00a0%"
    assert t.range(Range.of(1200.0, 2500.0, 3100.5), "energy_kwh") == "2,5\u00a0MWh (1,2–3,1)"


def test_english_numbers_dates_and_percentages() -> None:
    t = texts("en")
    assert t.count(1234567) == "1,234,567"
    assert t.date("2026-07-01") == "1 July 2026"
    assert t.percent(0.04234) == "4.2%"
    assert t.range(Range.of(1200.0, 2500.0, 3100.5), "energy_kwh") == "2.5 MWh (1.2–3.1)"


def test_french_text_has_no_english_leftovers() -> None:
    """A crude guard: common English words must not appear in French sentences."""
    english = re.compile(r"\b(the|and|of|with|from|which|is|are)\b")
    for key, text in LANGS["fr"].items():
        if key.startswith("csv."):
            continue
        assert not english.search(text), (key, text)


# --- whole French reports, as rendered: no English beyond proper names and cited sources -------

# English words that have no place in a French report's prose or labels. Proper names and
# terms French disclosure uses as they are (GHG Protocol, Scope, ESRS, VSME) are not in the list; neither are identifiers (factor fields such as
# co2e_kg_per_kwh, zone codes, model names).
_ENGLISH_ONLY = re.compile(
    r"\b(the|and|of|with|from|which|is|are|all|about|over|per|one|each|first|then|driven|thermal|"
    r"recalled|records|period|produced|report|source of|comparison|electricity|data centre|"
    r"true|false|yes|no|average|rows?|lines?|hash is|made|energy|water|"
    r"measured|estimated|workload|requests?|runs?|tokens?|month|none|unknown|fallback)\b",
    re.IGNORECASE,
)


def _french_text_without_citations(text: str) -> str:
    """The text minus the sources table (citations are quoted as published) and HTML markup."""
    import html as html_module

    if text.lstrip().startswith("<!DOCTYPE html>"):
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "\n", text)
        text = html_module.unescape(text)
    kept, skipping = [], False
    for line in text.splitlines():
        if re.match(r"^\s*(#+\s*)?Sources\s*$", line):
            skipping = True  # until the next heading
            continue
        if skipping and re.match(r"^\s*(#+\s*)?(Versions et reproductibilité|Notes de méthode)\s*$", line):
            skipping = False
        if not skipping:
            kept.append(line)
    # Identifiers (source ids, factor fields, file names, model names) hold English words legitimately.
    text = re.sub(r"`[^`\n]*`", " ", "\n".join(kept))  # commands and config keys, quoted as code
    text = re.sub(r"\b\w+ = ", " ", text)  # a factor's field names, as in the factor base
    return re.sub(r"[\w.]*[-_/:][\w.:/-]*", " ", text)


def _french_reports(tmp_path) -> dict[str, str]:
    from golden.fixed_ledger import GAINS, build, settings

    from frugal_ai.report import build_report, parse_period, render

    ledger = build(tmp_path / "ledger.sqlite")
    out = {}
    for label in ("2026-Q3", "2025"):  # a full period, and an empty one with the gains balance
        report = build_report(ledger, parse_period(label), settings=settings(ledger), gains_path=GAINS)
        for fmt in ("table", "md", "html", "csv"):
            out[f"{label}.{fmt}"] = render(report, fmt, "fr")
    from frugal_ai.report.period import Period

    report = build_report(ledger, Period(label="all"), settings=settings(ledger))  # no --period
    for fmt in ("table", "md", "html"):
        out[f"all.{fmt}"] = render(report, fmt, "fr")
    return out


def test_french_reports_have_no_english_words(tmp_path) -> None:
    reports = _french_reports(tmp_path)
    for name, text in reports.items():
        body = _french_text_without_citations(text)
        hits = sorted({m.group(0) for m in _ENGLISH_ONLY.finditer(body)})
        # Show each offending line, so the failure says where.
        lines = [ln for ln in body.splitlines() if _ENGLISH_ONLY.search(ln)][:5]
        assert not hits, (name, hits, lines)
    assert "Rapport d'empreinte de l'IA — tous les enregistrements" in reports["all.md"]


def test_datapoint_values_are_rounded_as_a_form_takes_them_never_a_false_zero() -> None:
    """Issue 14: the official unit to 0.001 and three significant figures; below it, "< 0.001"."""
    from frugal_ai.report.layout import datapoint_text

    en, fr = texts("en"), texts("fr")
    assert datapoint_text(1.815e-9, "MWh", en) == "< 0.001 MWh"  # a tiny demo figure: not "0.000000001815", not "0"
    assert datapoint_text(0.0004514, "tCO2e", fr) == "< 0,001 tCO2e"
    assert datapoint_text(0.0005, "MWh", en) == "0.001 MWh"
    assert datapoint_text(0.003238, "MWh", en) == "0.003 MWh"
    assert datapoint_text(0.01189, "m³", fr) == "0,012 m³"
    assert datapoint_text(1.23456, "tCO2e", en) == "1.23 tCO2e"
    assert datapoint_text(12345.678, "MWh", en) == "12,346 MWh" and datapoint_text(12345.678, "MWh", fr) == "12\u202f346 MWh"
    assert datapoint_text(0.0, "m³", en) == "0 m³"


# --- the ESRS French terms, and no raw key shown to a reader --------------------------------------

def test_french_reports_use_the_esrs_terms_and_show_no_raw_keys(tmp_path) -> None:
    reports = _french_reports(tmp_path)
    md = reports["2026-Q3.md"]
    assert "Rapport d'empreinte de l'IA — 3e trimestre 2026" in md
    assert "Émissions brutes de GES de scope 2 fondées sur la localisation" in md
    assert "Émissions brutes de GES de scope 2 fondées sur le marché" in md
    assert "Scope 2, méthode fondée sur la localisation" in md
    for name, text in reports.items():
        if "Versions et reproductibilité" in text:  # the sources are quoted in their own language
            text = text[:text.rfind("Sources")] + text[text.rfind("Versions et reproductibilité"):]
        for raw in ("location-based", "market-based", "on-premises", "hash)", "co2e_kg_per_kwh", "wue_l_per_kwh",
                    "params_estimated", "2026-Q3", " = "):
            assert raw not in text.replace("`", ""), (name, raw)


def test_period_labels_in_words() -> None:
    from frugal_ai.lang import texts
    from frugal_ai.report.layout import period_label_words

    fr, en = texts("fr"), texts("en")
    assert period_label_words("2026-Q4", fr) == "4e trimestre 2026"
    assert period_label_words("2026-Q1", fr) == "1er trimestre 2026"
    assert period_label_words("2026-09", fr) == "septembre 2026"
    assert period_label_words("2026", fr) == "2026"
    assert period_label_words("2026-Q4", en) == "2026-Q4" and period_label_words("2026-09", en) == "2026-09"


# --- the command line speaks the report's language --------------------------------------------------

def _cli_french_outputs(tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner
    from golden.fixed_ledger import GAINS, build

    from frugal_ai.cli import main

    ledger = build(tmp_path / "ledger.sqlite")
    env = {"FRUGAL_AI_LEDGER": str(ledger), "FRUGAL_AI_COUNTRY": "FR", "LANG": "fr_FR.UTF-8", "LC_ALL": ""}
    runner = CliRunner()
    out = {}
    for name, args in {
        "gains check": ["gains", "check", str(GAINS), "--since", "2026-07-01", "--until", "2026-09-30"],
        "advise": ["advise", "--since", "2026-07-01", "--until", "2026-09-30"],
        "doctor": ["doctor"],
        "report": ["report", "--period", "2026-Q3"],
        "demo": ["demo", "--out", str(tmp_path / "demo")],
    }.items():
        result = runner.invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, (name, result.output)
        out[name] = result.stdout
    return out


def test_french_command_line_has_no_english_words(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no config file of the repository's
    outputs = _cli_french_outputs(tmp_path)
    # doctor again on a machine with two MIG-like GPUs (NVML without per-process utilisation): the
    # GPU share line gives its reason too (the fake NVML of the process-share tests)
    from click.testing import CliRunner
    from test_measure_process_share import FakeNvml

    from frugal_ai.cli import main
    from frugal_ai.measure import process_share as ps

    monkeypatch.setattr(ps, "process_share", lambda: ps.ProcShare(gpu=ps.NvmlProcessShare(FakeNvml(2, supported=False))))
    gpu_doctor = CliRunner().invoke(main, ["doctor", "--lang", "fr"], catch_exceptions=False).stdout
    outputs["doctor (GPU without per-process use)"] = gpu_doctor
    for name, text in outputs.items():
        body = text
        if name.startswith("doctor"):
            # Every detail is ours and in French; only a library's own message (NVML's error, a
            # database's) is quoted as it came, after the words that say so.
            body = re.sub(r"message de la bibliothèque\s?:[^)\n]*", " ", text)
            body = body.replace("(requests,", "(")  # the Python package of that name, in urllib3's client list
        body = _french_text_without_citations(body)
        hits = sorted({m.group(0) for m in _ENGLISH_ONLY.finditer(body)})
        lines = [ln for ln in body.splitlines() if _ENGLISH_ONLY.search(ln)][:5]
        assert not hits, (name, hits, lines)
    gpu_line = next(line for line in gpu_doctor.splitlines() if line.strip().startswith("GPU "))
    assert "tout le GPU est imputé" in gpu_line and "2 GPU, pas d'utilisation par processus" in gpu_line, gpu_line
    assert "cas d'usage" in outputs["gains check"] and "jamais déduites" in outputs["gains check"]
    assert "Registre" in outputs["doctor"] and "Mesure" in outputs["doctor"]
    assert "intercepté" in outputs["doctor"] and ("n'existe pas" in outputs["doctor"] or "lisible" in outputs["doctor"])
    assert "Rapport (html)" in outputs["demo"]


def test_lang_defaults_from_the_config_then_the_locale(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from frugal_ai.cli.lang import lang_from_locale

    assert lang_from_locale({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert lang_from_locale({"LC_ALL": "fr_BE", "LANG": "en_GB.UTF-8"}) == "fr"
    assert lang_from_locale({"LC_ALL": "", "LANG": "en_US.UTF-8"}) == "en"
    assert lang_from_locale({"LANG": "de_DE.UTF-8"}) is None and lang_from_locale({}) is None
    from click.testing import CliRunner

    from frugal_ai.cli import main

    monkeypatch.chdir(tmp_path)
    env = {"FRUGAL_AI_LEDGER": str(tmp_path / "l.sqlite"), "LANG": "en_US.UTF-8", "LC_ALL": ""}
    assert "Registre" not in CliRunner().invoke(main, ["doctor"], env=env).stdout
    (tmp_path / "frugal-ai.toml").write_text('lang = "fr"\n', encoding="utf-8")
    assert "Registre" in CliRunner().invoke(main, ["doctor"], env=env).stdout  # the config wins over LANG
    assert "Ledger" in CliRunner().invoke(main, ["doctor", "--lang", "en"], env=env).stdout  # the option over both


def test_zones_are_written_one_way_everywhere_a_reader_sees_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Country name and ISO alpha-2 code in the by-zone table, the factors, the fallbacks and the
    settings; never the alpha-3 codes the factor base keys on."""
    from golden.fixed_ledger import build, settings

    from frugal_ai.report import build_report, parse_period, render

    ledger = build(tmp_path / "ledger.sqlite")
    report = build_report(ledger, parse_period("2026-Q3"), settings=settings(ledger))
    for lang, france, us in (("en", "France (FR)", "United States (US)"), ("fr", "France (FR)", "États-Unis (US)")):
        for fmt in ("md", "html", "table"):
            text = render(report, fmt, lang)
            assert france in text and us in text, (lang, fmt)
            assert not re.search(r"\b(FRA|USA)\b", text), (lang, fmt, re.findall(r".{40}\b(?:FRA|USA)\b.{20}", text)[:3])
