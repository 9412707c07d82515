"""A threaded HTTP/1.1 server on 127.0.0.1 that routes each POST to a provider's replay.

Behaviour knobs ride in the model name (or, for Gemini, the model in the path):
  "...fail-500..."   answer HTTP 500 with the provider's error body
  "...fail-400..."   answer HTTP 400 (for providers that bill tokens on errors, with usage)
  "...slow..."       wait 2 s before answering (client timeouts)
  "...long..."       stream 200 text deltas instead of 4 (abandoned streams)
  "...gzip..."       gzip the body (plain) or the stream (sync-flushed per event)
  "...html..."       answer 200 with an HTML page (a proxy's page: an unknown shape)
  "...drop..."       close the connection after 3 stream events (a broken stream)
The server echoes any "CANARY-..." word found in the request into its reply text, as a
model repeating its prompt would, so privacy tests see it on the wire.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

from . import replies

TOKENS = replies.TOKENS

_CANARY = re.compile(rb"CANARY-[A-Za-z0-9]+")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._send_json(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.requests.append((self.path, dict(self.headers)))
        ctype = self.headers.get("content-type") or ""
        if ctype.startswith("multipart/form-data"):
            body = _form_fields(raw)  # an audio upload: its plain fields (model, response_format)
        else:
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {}
        canary = _CANARY.search(raw)
        echo = canary.group(0).decode() if canary else ""
        path = self.path.split("?", 1)[0]
        model = str(body.get("model") or replies.model_in_path(path) or "")
        if "slow" in model:
            time.sleep(2.0)
        if "html" in model:  # a proxy's error page: not the provider's shape at all
            self._send_html(f"<html><body>Bad gateway {echo}</body></html>")
            return
        answer = replies.answer(path, body, model, echo)
        if answer is None:
            self._send_json(404, {"error": {"message": f"no fake route for {path}"}})
            return
        kind, status, payload = answer
        gzip = "gzip" in model
        self.server.current_model = model
        if kind == "json":
            self._send_json(status, payload, gzip=gzip)
        elif kind in ("text", "audio"):
            self._send_bytes(status, payload, "text/plain; charset=utf-8" if kind == "text" else "audio/mpeg")
        else:
            self._send_stream(status, kind, payload, gzip=gzip)

    def _send_json(self, status: int, doc: Any, *, gzip: bool = False) -> None:
        data = json.dumps(doc).encode()
        if gzip:
            comp = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
            data = comp.compress(data) + comp.flush()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        if gzip:
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def _send_bytes(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_html(self, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, status: int, kind: str, events: Iterable[bytes], *, gzip: bool) -> None:
        ctype = "text/event-stream" if kind == "sse" else "application/x-ndjson"
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("transfer-encoding", "chunked")
        if gzip:
            self.send_header("content-encoding", "gzip")
        self.end_headers()
        comp = zlib.compressobj(wbits=zlib.MAX_WBITS | 16) if gzip else None
        try:
            drop = "drop" in self.server.current_model
            for i, event in enumerate(events):
                if drop and i == 3:
                    # The connection dies mid-stream: no terminating chunk.
                    self.close_connection = True
                    return
                if comp is not None:
                    event = comp.compress(event) + comp.flush(zlib.Z_SYNC_FLUSH)
                self._chunk(event)
            if comp is not None:
                self._chunk(comp.flush())
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client walked away: an abandoned stream

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()


_FORM_FIELD = re.compile(rb'Content-Disposition: form-data; name="([A-Za-z_]+)"\r\n\r\n([^\r]{0,200})\r\n')


def _form_fields(raw: bytes) -> dict[str, str]:
    """The plain (non-file) fields of a multipart/form-data body."""
    return {m.group(1).decode(): m.group(2).decode("utf-8", "replace") for m in _FORM_FIELD.finditer(raw)}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    requests: list[tuple[str, dict[str, str]]]
    current_model = ""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-reply is part of the tests, not an error


class FakeAPIServer:
    """Start with `with FakeAPIServer() as srv:`; `srv.port`, `srv.url`, `srv.requests`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler] = _Handler) -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.requests = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.requests

    def start(self) -> "FakeAPIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeAPIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

