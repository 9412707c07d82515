"""OpenTelemetry export: spans and metrics reach a real OTLP/HTTP receiver on 127.0.0.1 with
the GenAI attributes and our figures; nothing is sent unless configured; a dead endpoint
neither blocks nor raises; a full queue drops and counts; the missing extra is one warning."""

from __future__ import annotations

import socket
import sqlite3
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

import frugal_ai
from frugal_ai import config, ledger, measure
from frugal_ai.export import otel
from frugal_ai.ledger.notice import FrugalAIWarning
from frugal_ai.ledger.records import ApiCallRecord
from frugal_ai.estimate.measured import measured_footprint

from fakeservers.otlp_receiver import OtlpReceiver

CANARY = "CANARY-otel-tag-7f3a"


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver()
    yield r
    otel.shutdown()
    r.close()


def _wait_for(predicate, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _send_everything() -> None:
    measure.settle()
    ledger.flush()
    assert otel.flush(10.0)


def _last_points(receiver: OtlpReceiver) -> dict[tuple[str, tuple], float]:
    """Cumulative counters: the latest value of each (metric, attributes)."""
    last: dict[tuple[str, tuple], float] = {}
    for name, _unit, value, attrs in receiver.metric_points():
        last[(name, tuple(sorted(attrs.items())))] = value
    return last


def test_runs_and_api_calls_arrive_as_spans_and_metrics(receiver: OtlpReceiver, ledger_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_OTEL_ENDPOINT", receiver.url)
    monkeypatch.setenv("FRUGAL_AI_COUNTRY", "FR")
    with frugal_ai.track("summarise", tags={"secret": CANARY}):
        frugal_ai.record_llm_call("gpt-4o-mini", 500, 300, provider="openai", tags={"secret": CANARY})
        sum(i * i for i in range(200_000))
    _send_everything()
    assert _wait_for(lambda: len(receiver.spans()) >= 2)

    spans = {attrs["frugal_ai.kind"]: (name, attrs, s) for name, attrs, s in receiver.spans()}
    name, call, call_span = spans["api_call"]
    assert name == "chat gpt-4o-mini"
    assert call["gen_ai.operation.name"] == "chat"
    assert call["gen_ai.request.model"] == "gpt-4o-mini"
    assert call["gen_ai.provider.name"] == call["gen_ai.system"] == "openai"
    assert (call["gen_ai.usage.input_tokens"], call["gen_ai.usage.output_tokens"]) == (500, 300)
    assert call["frugal_ai.workload"] == "summarise" and call["frugal_ai.method"] == "estimated"
    expected = frugal_ai.estimate_llm("gpt-4o-mini", 500, 300, provider="openai")
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        r = getattr(expected, q)
        assert [call[f"frugal_ai.{q}.{b}"] for b in ("low", "central", "high")] == pytest.approx([r.low, r.central, r.high])
    assert expected.energy_kwh.central > 0

    name, run, run_span = spans["run"]
    assert name == "run summarise" and run["frugal_ai.method"] == "measured" and run["frugal_ai.zone"] == "FR"
    row = sqlite3.connect(ledger_path).execute(
        "SELECT id, cpu_kwh, gpu_kwh, ram_kwh, method, zone, coverage FROM runs").fetchone()
    assert run["frugal_ai.id"] == row[0] == call["frugal_ai.run_id"]
    fp = measured_footprint(row[1], row[2], row[3], row[4], row[5], config.settings_in_force(), coverage=row[6])
    assert run["frugal_ai.co2e_kg.central"] == pytest.approx(fp.co2e_kg.central)
    assert run["frugal_ai.energy_kwh.high"] == pytest.approx(fp.energy_kwh.high)
    assert run_span.end_time_unix_nano > run_span.start_time_unix_nano

    assert _wait_for(lambda: any(k[0] == "frugal_ai.tokens" for k in _last_points(receiver)))
    points = _last_points(receiver)
    by = {(n, dict(a).get("gen_ai.token.type"), dict(a).get("frugal_ai.method")): v for (n, a), v in points.items()}
    assert by[("frugal_ai.tokens", "input", "estimated")] == 500
    assert by[("frugal_ai.tokens", "output", "estimated")] == 300
    assert by[("frugal_ai.co2e", None, "estimated")] == pytest.approx(expected.co2e_kg.central)
    assert by[("frugal_ai.energy", None, "measured")] == pytest.approx(fp.energy_kwh.central)
    assert {dict(a)["frugal_ai.workload"] for (_n, a) in points} == {"summarise"}
    # Activity data only: no tag (the user's words) on the wire.
    assert not any(CANARY.encode() in body for body in receiver.raw)


def test_the_standard_variable_turns_it_on_too(receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url + "/")
    frugal_ai.record_llm_call("text-embedding-3-small", 40, 0, provider="openai")
    _send_everything()
    assert _wait_for(lambda: receiver.spans())
    name, attrs, _ = receiver.spans()[0]
    assert attrs["gen_ai.request.model"] == "text-embedding-3-small" and "frugal_ai.workload" not in attrs


def test_nothing_is_sent_or_started_when_not_configured(receiver: OtlpReceiver) -> None:
    with frugal_ai.track("quiet"):
        frugal_ai.record_llm_call("gpt-4o-mini", 500, 300, provider="openai")
    _send_everything()
    assert ledger.flush() == 0 and ledger_rows_written() == 2
    assert otel._exporter is None
    assert not [t for t in threading.enumerate() if t.name == "frugal-ai-otel"]
    time.sleep(0.3)
    assert receiver.received == []


def ledger_rows_written() -> int:
    path = ledger.ledger_path()
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM api_calls)").fetchone()[0]


def _dead_url() -> str:
    """A loopback port nobody listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_a_dead_endpoint_neither_blocks_nor_raises(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    silent = None
    if kind == "refused":
        url = _dead_url()
    else:  # accepts connections and never answers
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    monkeypatch.setenv("FRUGAL_AI_OTEL_ENDPOINT", url)
    monkeypatch.setattr(otel, "SEND_TIMEOUT_S", 0.5)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(50):
                assert frugal_ai.record_llm_call("gpt-4o-mini", 100 + i, 50, provider="openai").input_tokens == 100 + i
            ledger.flush()
            otel.flush(3.0)
            assert _wait_for(lambda: any("could not send" in str(w.message) for w in caught), 20.0)
            t0 = time.monotonic()
            otel.shutdown(1.0)
            assert time.monotonic() - t0 < 15.0  # exit is not held up by the collector
        ours = [w for w in caught if issubclass(w.category, FrugalAIWarning)]
        assert len([w for w in ours if "could not send" in str(w.message)]) == 1
        assert ledger_rows_written() == 50
    finally:
        if silent is not None:
            silent.close()


def test_a_full_queue_drops_and_counts_without_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(otel, "MAX_QUEUED", 10)
    gate = threading.Event()
    real_loop = otel.Exporter._loop
    monkeypatch.setattr(otel.Exporter, "_loop", lambda self: (gate.wait(10), real_loop(self)))  # a slow collector
    exporter = otel.Exporter(_dead_url())
    records = [ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o-mini", start=1.0, end=2.0) for i in range(25)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exporter.put(records)
    assert exporter.dropped == 15 and exporter.queue.qsize() == 10
    assert len([w for w in caught if "not keeping up" in str(w.message)]) == 1
    gate.set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the records left go to a dead endpoint
        exporter.close(1.0)


def test_the_missing_extra_is_one_warning_saying_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_OTEL_ENDPOINT", _dead_url())
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk", None)  # import fails as if not installed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            frugal_ai.record_llm_call("gpt-4o-mini", 10, 10, provider="openai")
            ledger.flush()
    hints = [w for w in caught if otel.INSTALL_HINT in str(w.message)]
    assert len(hints) == 1 and otel._exporter is None
    assert ledger_rows_written() == 3


@pytest.mark.parametrize("value", ["localhost:4318", "ftp://collector", "http://"])
def test_a_bad_endpoint_is_a_config_error_naming_the_key(value: str, tmp_path: Path) -> None:
    (tmp_path / "work" / "frugal-ai.toml").write_text(f'otel_endpoint = "{value}"\n')
    with pytest.raises(config.ConfigError, match="otel_endpoint"):
        config.load_settings()


def test_sampled_spans_come_with_their_api_calls_and_metrics_count_every_record(
        receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_OTEL_ENDPOINT", receiver.url)
    monkeypatch.setenv("FRUGAL_AI_OTEL_SAMPLE_RATIO", "0.3")
    for i in range(40):
        with frugal_ai.track("sampled"):
            frugal_ai.record_llm_call("gpt-4o-mini", 100 + i, 50, provider="openai")
    _send_everything()
    assert _wait_for(lambda: any(k[0] == "frugal_ai.tokens" for k in _last_points(receiver)))
    spans = receiver.spans()
    runs = {attrs["frugal_ai.id"] for _n, attrs, _s in spans if attrs["frugal_ai.kind"] == "run"}
    calls = [attrs for _n, attrs, _s in spans if attrs["frugal_ai.kind"] == "api_call"]
    assert 0 < len(runs) < 40  # about 12 of 40 (CRC-32 of random ids)
    assert {c["frugal_ai.run_id"] for c in calls} == runs and len(calls) == len(runs)  # each kept run with its call
    assert all(attrs["frugal_ai.sample_ratio"] == pytest.approx(0.3) for _n, attrs, _s in spans)
    by = {(n, dict(a).get("gen_ai.token.type"), dict(a)["frugal_ai.method"]): v
          for (n, a), v in _last_points(receiver).items()}
    assert by[("frugal_ai.tokens", "input", "estimated")] == sum(100 + i for i in range(40))  # sampled or not
    expected = sum(frugal_ai.estimate_llm("gpt-4o-mini", 100 + i, 50, provider="openai").co2e_kg.central
                   for i in range(40))
    assert by[("frugal_ai.co2e", None, "estimated")] == pytest.approx(expected)


def test_a_ratio_of_zero_sends_metrics_only(receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_OTEL_ENDPOINT", receiver.url)
    monkeypatch.setenv("FRUGAL_AI_OTEL_SAMPLE_RATIO", "0")
    with frugal_ai.track("metrics-only"):
        frugal_ai.record_llm_call("gpt-4o-mini", 500, 300, provider="openai")
    _send_everything()
    assert _wait_for(lambda: any(k[0] == "frugal_ai.energy" for k in _last_points(receiver)))
    assert receiver.spans() == []
    methods = {dict(a)["frugal_ai.method"] for (n, a) in _last_points(receiver) if n == "frugal_ai.energy"}
    assert methods == {"estimated", "measured"}


def test_metric_sums_price_a_group_as_the_sum_of_its_calls() -> None:
    """The estimate has a term in input²: summing tokens alone would misprice a mixed group."""
    from frugal_ai.export._otel_metrics import MetricSums

    sums = MetricSums()
    sizes = [(10, 20, 1), (4000, 300, 3), (120_000, 50, 1)]
    for i, (tin, tout, n) in enumerate(sizes):
        sums.add(ApiCallRecord(id=f"c{i}", provider="openai", model="gpt-4o", start=1.0, end=2.0, input_tokens=tin,
                               output_tokens=tout, requests=n, name="mixed"))
    points = {(c, dict(a).get("gen_ai.token.type")): v for (c, a), v in sums.points(config.settings_in_force()).items()}
    expected = [frugal_ai.estimate_llm("gpt-4o", tin, tout, provider="openai", requests=n) for tin, tout, n in sizes]
    assert points[("energy", None)] == pytest.approx(sum(e.energy_kwh.central for e in expected), rel=1e-9)
    assert points[("water", None)] == pytest.approx(sum(e.water_l.central for e in expected), rel=1e-9)
    assert points[("tokens", "input")] == 10 + 4000 * 3 + 120_000


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_a_sample_ratio_outside_0_1_is_a_config_error_naming_the_key(value: str, tmp_path: Path) -> None:
    (tmp_path / "work" / "frugal-ai.toml").write_text(f"otel_sample_ratio = {value}\n")
    with pytest.raises(config.ConfigError, match="otel_sample_ratio"):
        config.load_settings()
