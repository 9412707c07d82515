"""The OTLP exporters wrapped so that a failed send is one warning, never an exception.

Imported only when the export is on (it needs the `otel` extra).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..ledger.notice import forget, warn_once


def _failed(endpoint: str, what: str, reason: str) -> None:
    warn_once(f"otel-send:{endpoint}", f"could not send {what} to the OpenTelemetry collector at {endpoint} ({reason}); "
                                       "the ledger is unaffected, and later sends are tried again")


def _checked(endpoint: str, what: str, send: Callable[[], Any], success: Any, failure: Any) -> Any:
    """`send()`'s result; an exception is a failure; a failure warns once per episode."""
    try:
        result = send()
    except Exception as e:
        _failed(endpoint, what, type(e).__name__)
        return failure
    if result is success:
        forget(f"otel-send:{endpoint}")  # a later failure is a new episode: warn again
    else:
        _failed(endpoint, what, "refused or unreachable")
    return result


class _WarningSpans(SpanExporter):
    def __init__(self, inner: SpanExporter, endpoint: str) -> None:
        self._inner, self._endpoint = inner, endpoint

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return _checked(self._endpoint, "spans", lambda: self._inner.export(spans),
                        SpanExportResult.SUCCESS, SpanExportResult.FAILURE)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


class _WarningMetrics(MetricExporter):
    def __init__(self, inner: MetricExporter, endpoint: str) -> None:
        super().__init__(preferred_temporality=inner._preferred_temporality,
                         preferred_aggregation=inner._preferred_aggregation)
        self._inner, self._endpoint = inner, endpoint

    def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        return _checked(self._endpoint, "metrics",
                        lambda: self._inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs),
                        MetricExportResult.SUCCESS, MetricExportResult.FAILURE)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._inner.shutdown(timeout_millis=timeout_millis, **kwargs)


def warning_span_exporter(inner: SpanExporter, endpoint: str) -> SpanExporter:
    return _WarningSpans(inner, endpoint)


def warning_metric_exporter(inner: MetricExporter, endpoint: str) -> MetricExporter:
    return _WarningMetrics(inner, endpoint)
