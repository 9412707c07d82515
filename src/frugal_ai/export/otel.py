"""OpenTelemetry export: runs and API calls as spans and metrics, sent over OTLP/HTTP.

Off by default: nothing is imported or sent unless `otel_endpoint` is set in the config
(or `FRUGAL_AI_OTEL_ENDPOINT`) or the standard `OTEL_EXPORTER_OTLP_ENDPOINT` variable is
set. The endpoint is the collector's base URL; spans go to `<base>/v1/traces`, metrics to
`<base>/v1/metrics`.

The ledger writer hands each batch it wrote to `hand_over(records)` (through
`_hooks.records_written`): the records are put in a bounded queue (no I/O, never blocks;
when the queue is full a record is dropped and counted in `dropped()`), and one daemon
thread turns them into spans and metric points. The OpenTelemetry SDK's own batch
processor and metric reader send them from their threads. A failed send gives one
warning; nothing reaches the caller. The extra missing while configured: one warning
saying how to install it.

What it costs is kept small by design (docs/team.md gives the figures): metrics are summed
in-process (`_otel_metrics.MetricSums`: a record adds to a few sums, priced once per group
when the SDK collects, every `OTEL_METRIC_EXPORT_INTERVAL`), so they always count every
record; spans, the expensive part (the SDK's span objects, their OTLP encoding), can be
sampled: `otel_sample_ratio` (default 1: every run and API call) keeps that share of runs,
each with its API calls, decided by a hash of the run's id; a record not kept costs only its
sums.

Spans follow the GenAI semantic conventions (`gen_ai.operation.name`,
`gen_ai.request.model`, `gen_ai.provider.name` and the older `gen_ai.system`,
`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`) with our figures under
`frugal_ai.` (`frugal_ai.energy_kwh.low/central/high`, `frugal_ai.co2e_kg.*`,
`frugal_ai.water_l.*`, `frugal_ai.method`, `frugal_ai.workload`, ...). An API call's figures
are the estimator's; a run's are its measured energy, its CO2e priced with the run's zone.
Metrics are cumulative counters (`frugal_ai.energy`, `frugal_ai.co2e`, `frugal_ai.water`:
central values, root runs only since a run's energy includes its nested runs';
`frugal_ai.tokens` by `gen_ai.token.type`) by workload, model and method. Only activity
data leaves: never a prompt, a response, a key, a header or a tag.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any, Iterable

from ..config import on_reset, settings_in_force
from ..ledger.notice import warn_once
from ..ledger.records import ApiCallRecord, Record, RunRecord
from ._otel_metrics import MetricSums

# Records waiting for the export thread; beyond, new ones are dropped and counted.
MAX_QUEUED = 10_000
# What the SDK keeps of finished spans while a send is under way (its own drop-when-full).
SPAN_QUEUE = 10_000
# How long one send may take, and how long exit waits for what is still queued.
SEND_TIMEOUT_S = 2.0
EXIT_WAIT_S = 2.0
ENV_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
INSTALL_HINT = "pip install 'frugal-ai[otel]'"
_STOP = object()


def endpoint_in_force() -> str | None:
    """The collector's base URL: `otel_endpoint` from the settings, else the standard variable; None: off."""
    try:
        configured = settings_in_force().otel_endpoint
    except Exception:  # a bad configuration is reported by whoever else reads it
        configured = None
    return configured or os.environ.get(ENV_ENDPOINT) or None


class Exporter:
    """The queue, the thread and the OpenTelemetry providers for one endpoint."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=MAX_QUEUED)
        self.dropped = 0
        self.sums = MetricSums()
        self._tracer_provider: Any = None
        self._meter_provider: Any = None
        self._thread = threading.Thread(target=self._loop, name="frugal-ai-otel", daemon=True)
        self._thread.start()

    # -- the writer's side: never blocks --------------------------------------------------
    def put(self, records: Iterable[Record]) -> None:
        for r in records:
            if r.kind == "session":
                continue
            try:
                self.queue.put_nowait(r)
            except queue.Full:
                self.dropped += 1
                warn_once(f"otel-dropped:{self.endpoint}",
                          f"OpenTelemetry export to {self.endpoint} is not keeping up; records dropped (not from the ledger)")

    # -- the export thread ----------------------------------------------------------------
    def _loop(self) -> None:
        try:
            self._start_providers()
        except Exception as e:
            warn_once(f"otel-start:{self.endpoint}", f"OpenTelemetry export to {self.endpoint} could not start ({e})")
            self._drain_forever()
            return
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):  # a flush marker
                item.set()
                continue
            try:
                self._export(item)
            except Exception as e:  # never let one record stop the thread
                warn_once(f"otel-record:{self.endpoint}", f"a record could not be exported to OpenTelemetry ({e})")

    def _drain_forever(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()

    def _start_providers(self) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from ._otel_sdk import warning_metric_exporter, warning_span_exporter

        # The SDK logs each failed send; our one warning says it instead (a user's own
        # handlers still receive the records: only Python's last-resort printing is avoided).
        logging.getLogger("opentelemetry.exporter.otlp").addHandler(logging.NullHandler())
        logging.getLogger("opentelemetry.sdk").addHandler(logging.NullHandler())
        # Not Resource.create: it runs its detectors on a thread pool, which cannot start once
        # the interpreter exits (a short program's records are sent by the exit handler).
        resource = OTELResourceDetector().detect().merge(
            Resource({"service.name": os.environ.get("OTEL_SERVICE_NAME", "frugal-ai")}))
        spans = warning_span_exporter(OTLPSpanExporter(endpoint=f"{self.endpoint}/v1/traces", timeout=SEND_TIMEOUT_S),
                                      self.endpoint)
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        tracer_provider.add_span_processor(BatchSpanProcessor(spans, max_queue_size=SPAN_QUEUE))
        metrics = warning_metric_exporter(
            OTLPMetricExporter(endpoint=f"{self.endpoint}/v1/metrics", timeout=SEND_TIMEOUT_S), self.endpoint)
        reader = PeriodicExportingMetricReader(metrics, export_timeout_millis=SEND_TIMEOUT_S * 1000)
        meter_provider = MeterProvider(metric_readers=[reader], resource=resource, shutdown_on_exit=False)
        meter = meter_provider.get_meter("frugal_ai")
        self._tracer = tracer_provider.get_tracer("frugal_ai")
        # Observable: the SDK reads our sums when it collects; a record never calls it.
        for counter, unit, description in (
            ("energy", "kWh", "Energy (central estimate)"),
            ("co2e", "kg", "Greenhouse gases, kg CO2e (central)"),
            ("water", "L", "Water consumed (central)"),
            ("tokens", "{token}", "Tokens of GenAI API calls"),
        ):
            meter.create_observable_counter(f"frugal_ai.{counter}", callbacks=[self._observer(counter)], unit=unit,
                                            description=description)
        self._tracer_provider, self._meter_provider = tracer_provider, meter_provider

    def _observer(self, counter: str) -> Any:
        from opentelemetry.metrics import Observation

        def observe(_options: Any) -> list[Any]:
            try:
                points = self.sums.points(settings_in_force())
            except Exception as e:  # never let pricing break the SDK's reader
                warn_once(f"otel-metrics:{self.endpoint}", f"OpenTelemetry metrics could not be priced ({e})")
                return []
            return [Observation(value, dict(attributes)) for (name, attributes), value in points.items()
                    if name == counter]

        return observe

    def _export(self, record: Record) -> None:
        from ._otel_attributes import call_attributes, run_attributes, sampled

        if not isinstance(record, (RunRecord, ApiCallRecord)):
            return
        self.sums.add(record)  # metrics count every record
        ratio = settings_in_force().otel_sample_ratio
        if not sampled(record, ratio):
            return
        if isinstance(record, RunRecord):
            name, attributes, _ = run_attributes(record)
        else:
            name, attributes, _ = call_attributes(record)
        if ratio < 1.0:
            attributes["frugal_ai.sample_ratio"] = ratio  # a collector may scale counts of spans by 1/ratio
        from opentelemetry.trace import SpanKind, Status, StatusCode

        kind = SpanKind.CLIENT if isinstance(record, ApiCallRecord) else SpanKind.INTERNAL
        span = self._tracer.start_span(name, kind=kind, attributes=attributes, start_time=int(record.start * 1e9))
        if record.status != "ok":
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=int(max(record.end, record.start) * 1e9))

    # -- flushing and stopping ---------------------------------------------------------------
    def flush(self, timeout_s: float = EXIT_WAIT_S, *, metrics: bool = True) -> bool:
        """Wait (up to about `timeout_s`) until what is queued now is turned into spans, then send them."""
        deadline = time.monotonic() + timeout_s
        marker = threading.Event()
        try:
            self.queue.put(marker, timeout=timeout_s)
        except queue.Full:
            return False
        done = marker.wait(_left(deadline))
        if self._tracer_provider is not None:
            done = self._tracer_provider.force_flush(int(_left(deadline) * 1000)) and done
        if metrics and self._meter_provider is not None:
            done = self._meter_provider.force_flush(int(_left(deadline) * 1000)) and done
        return bool(done)

    def close(self, timeout_s: float = EXIT_WAIT_S) -> None:
        """Send what is queued and stop. A collector that never answers holds this for at most
        about `timeout_s` + 2 x `SEND_TIMEOUT_S` (the last metrics, and a span batch in flight)."""
        deadline = time.monotonic() + timeout_s
        self.flush(timeout_s, metrics=False)  # the metrics go once, with the meter's shutdown
        try:
            self.queue.put(_STOP, timeout=_left(deadline))
        except queue.Full:
            pass
        self._thread.join(_left(deadline))
        for provider in (self._meter_provider, self._tracer_provider):
            if provider is None:
                continue
            try:
                if provider is self._meter_provider:
                    provider.shutdown(timeout_millis=_left(deadline) * 1000)
                else:
                    provider.shutdown()
            except Exception:
                pass


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


_exporter: Exporter | None = None
_lock = threading.Lock()
_missing_extra = False


def hand_over(records: list[Record]) -> None:
    """What the ledger writer calls with each batch it wrote. Never blocks, never raises."""
    try:
        exporter = _exporter_for(endpoint_in_force())
        if exporter is not None:
            exporter.put(records)
    except Exception as e:  # never break the writer over the export
        warn_once("otel-error", f"OpenTelemetry export error ({e})")


def _exporter_for(endpoint: str | None) -> Exporter | None:
    global _exporter, _missing_extra
    if endpoint is None:
        return None
    current = _exporter
    if current is not None and current.endpoint == endpoint.rstrip("/"):
        return current
    with _lock:
        if _exporter is not None and _exporter.endpoint == endpoint.rstrip("/"):
            return _exporter
        if _missing_extra:
            return None
        try:
            import opentelemetry.exporter.otlp.proto.http  # noqa: F401
            import opentelemetry.sdk  # noqa: F401
            # The SDK's providers need this, and it cannot be imported once the interpreter
            # has begun to exit: imported here, not in the export thread, which may start late.
            import concurrent.futures.thread  # noqa: F401
        except RuntimeError:  # the interpreter is exiting: the SDK cannot start any more
            warn_once("otel-late", "the program ended before the OpenTelemetry export could start; its records "
                                   "are in the ledger but were not exported")
            return None
        except ImportError:
            _missing_extra = True
            warn_once("otel-missing", f"OpenTelemetry export is configured ({endpoint}) but its packages are not "
                                      f"installed; nothing is exported (install them: {INSTALL_HINT})")
            return None
        old, _exporter = _exporter, Exporter(endpoint)
    if old is not None:
        threading.Thread(target=old.close, daemon=True).start()  # an endpoint changed: the old one finishes apart
    return _exporter


def flush(timeout_s: float = EXIT_WAIT_S) -> bool:
    """Send what is waiting now (tests, exit). True when everything went out in time."""
    exporter = _exporter
    return True if exporter is None else exporter.flush(timeout_s)


def dropped() -> int:
    """Records dropped because the export queue was full (since this process started exporting)."""
    exporter = _exporter
    return 0 if exporter is None else exporter.dropped


def shutdown(timeout_s: float = EXIT_WAIT_S) -> None:
    """Send what is waiting (up to `timeout_s`), stop the thread and forget the exporter."""
    global _exporter, _missing_extra
    if _exporter is not None:
        from ..ledger import flush as flush_ledger

        flush_ledger()  # what the ledger still holds is handed over first (its own exit handler runs after this one)
    with _lock:
        exporter, _exporter = _exporter, None
        _missing_extra = False
    if exporter is not None:
        exporter.close(timeout_s)


def _after_fork_in_child() -> None:
    global _exporter, _lock
    _exporter = None  # the parent's thread does not exist here; a new one starts on the next batch
    _lock = threading.Lock()


on_reset(shutdown)
atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
