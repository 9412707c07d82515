"""A local OTLP/HTTP receiver on 127.0.0.1: accepts /v1/traces and /v1/metrics protobuf bodies,
decodes them with the opentelemetry-proto classes and keeps them for the test to read."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

_KINDS = {
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse),
}


def _value(v: Any) -> Any:
    which = v.WhichOneof("value")
    return getattr(v, which) if which else None


def attributes(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "OtlpReceiver"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kinds = _KINDS.get(self.path)
        if kinds is None or self.headers.get("Content-Type") != "application/x-protobuf":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = kinds[0]()
        request.ParseFromString(body)
        with self.server.lock:
            self.server.raw.append(body)
            self.server.received.append((self.path, request))
        reply = kinds[1]().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class OtlpReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: list[tuple[str, Any]] = []
        self.raw: list[bytes] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def _requests(self, path: str) -> list[Any]:
        with self.lock:
            return [req for p, req in self.received if p == path]

    def spans(self) -> list[tuple[str, dict[str, Any], Any]]:
        """(name, attributes, span) of every span received."""
        return [(s.name, attributes(s.attributes), s)
                for req in self._requests("/v1/traces") for rs in req.resource_spans
                for ss in rs.scope_spans for s in ss.spans]

    def metric_points(self) -> list[tuple[str, str, float, dict[str, Any]]]:
        """(metric name, unit, value, attributes) of every sum data point received."""
        metrics = [m for req in self._requests("/v1/metrics") for rm in req.resource_metrics
                   for sm in rm.scope_metrics for m in sm.metrics if m.WhichOneof("data") == "sum"]
        return [(m.name, m.unit, p.as_double if p.WhichOneof("value") == "as_double" else p.as_int,
                 attributes(p.attributes)) for m in metrics for p in m.sum.data_points]

    def close(self) -> None:
        self.shutdown()
        self.server_close()
