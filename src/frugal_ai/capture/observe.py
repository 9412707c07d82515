"""Follow one captured call from request to last byte, and record it once.

A `CallObserver` is fed the response body chunk by chunk as the caller reads it, and
never holds the caller up: it reads the bytes, it does not change or delay them.
- Event streams (SSE `text/event-stream`, NDJSON) are cut into lines as they pass; after
  the first event, only events holding the parser's marker (the usage block) are decoded.
  Only the unfinished last line is kept between chunks; of a line longer than
  `LINE_LIMIT_BYTES` (a final event repeating a huge reply) only its head and tail, where
  its usage is read as in a plain body.
- Plain JSON bodies are kept until the end; then only the usage object (found from the
  end, where providers put it) and the model string are decoded, not the reply. If they
  are not found so, the whole body is decoded once. Past `BODY_LIMIT_BYTES` only the head
  (for the model) and the tail (for the usage) are kept.
- A reply that carries no usage (an OpenAI-style stream without include_usage): the
  characters of its text values (the parser's `text_keys`) are counted as they pass, and at the
  end those of the request's messages, per writing system; the tokens are approximated from
  them (approximate.py) and the row's source is `approximated[:<scripts>]` (ledger/scripts.py).
Nothing read here is logged or stored except the model name and token counts.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from ..ledger.records import ApiCallRecord
from . import approximate, emit
from .decoding import Decoder, decoder_for
from .kinds import ItemCounter, audio_seconds, image_request, speech_characters
from .parsers import Usage, WireFormat, as_model, parser_for
from .providers import Route

log = logging.getLogger("frugal_ai.capture")

BODY_LIMIT_BYTES = 4 * 1024 * 1024
HEAD_BYTES = 4 * 1024
TAIL_BYTES = 64 * 1024
# The longest usage object looked for: far above any real one.
USAGE_MAX_BYTES = 8 * 1024
LINE_LIMIT_BYTES = 1024 * 1024

# The `model` key of a request body, read only when the response does not name the model.
# Only an identifier-like value is taken (model names have no spaces): should the first
# "model" key be one nested in the request (a tool's schema), no free text is picked up.
_REQUEST_MODEL = re.compile(rb'"model"\s*:\s*"([A-Za-z0-9._:/@+-]{1,128})"')
_COLON = re.compile(rb'\s*:\s*')
_JSON_START = re.compile(rb'\s*[\[{]')
_decode_json = json.JSONDecoder().raw_decode
_new_record = object.__new__


def _object_after(area: bytes, needle: bytes) -> dict[str, Any] | None:
    """The JSON object that is the value of the last key `needle` (quoted) in `area`, or None.
    A nested key of that name may come later than the one wanted: up to four are tried."""
    end = len(area)
    for _ in range(4):
        at = area.rfind(needle, 0, end)
        if at < 0:
            return None
        start = at + len(needle)
        after = area[start : start + 3]
        if after[:2] == b":{":  # the usual spellings, without the regular expression
            start += 1
        elif after == b": {":
            start += 2
        else:
            colon = _COLON.match(area, start)
            start = -1 if colon is None else colon.end()
        if start >= 0:
            try:
                value = _decode_json(area[start : start + USAGE_MAX_BYTES].decode("utf-8", "ignore"))[0]
            except ValueError:
                value = None
            if type(value) is dict:
                return value
        end = at
    return None


class CallObserver:
    """The state of one call. `feed` and `finish` never raise.

    Class attributes hold the defaults, so that creating one (on every captured request)
    sets only what differs.
    """

    http_status: int | None = None
    streaming = False
    decoder: Decoder | None = None
    size = 0
    head = b""
    tail: bytes | None = None
    pending = b""
    # An over-long stream line being read: its head, and its last TAIL_BYTES so far.
    line_head = b""
    line_tail: bytes | None = None
    # A plain body: its first chunk in `body` (most bodies come in one), later ones in `chunks`.
    body: bytes | None = None
    chunks: list[bytes] | None = None
    first_seen = False
    done = False
    broken = False
    # A stream that may end without usage (its parser has `text_keys`, its request did not ask
    # for usage): the pattern its text is counted with, the characters seen so far, and
    # whether its end marker ([DONE]) passed (SDKs close a stream there, before its last byte).
    count_text: re.Pattern[bytes] | None = None
    text_chars: list[int] | None = None  # per writing system (ledger/scripts.SCRIPTS), once counting
    stream_done = False
    # Another request kind than chat (capture/kinds.py): its units, and what reads them.
    kind = "chat"
    items: ItemCounter | None = None
    request_model: str | None = None

    def __init__(self, route: Route, host: str, path: str, frame: Any, request_body: bytes | None,
                 parser: WireFormat | None = None) -> None:
        self.route = route
        self.host = host
        self.path = path
        self.frame = frame
        self.request_body = request_body
        self.start = time.time()
        self.start_perf = time.perf_counter()
        self.usage = Usage()
        # The transport passes the parser it looked up with the route (remembered per target).
        self.parser = parser if parser is not None else parser_for(route.wire_format)
        if route.kind != "chat":
            self.kind = route.kind
            if route.kind == "image":
                self.items = ItemCounter()
            elif route.kind == "speech":
                # The reply is the audio itself: nothing in it to read, nothing kept.
                self.broken = True

    # -- response headers -------------------------------------------------------------
    def start_response(self, status_code: int, content_type: bytes, content_encoding: bytes) -> None:
        self.http_status = status_code
        ctype = content_type.lower()
        self.streaming = b"event-stream" in ctype or b"ndjson" in ctype or b"jsonl" in ctype
        if self.streaming and self.parser.text_pattern is not None and not approximate.asks_usage(self.request_body):
            # A stream that may end without usage: count its text as it passes, and have the
            # conversion factor ready by its end.
            self.count_text = self.parser.text_pattern
            self.text_chars = approximate.new_counts()
            approximate.warm()
        if content_encoding:
            try:
                self.decoder = decoder_for(content_encoding.decode("latin-1"))
            except ValueError as exc:
                log.debug("capture: %s; tokens of this call are not read", exc)
                self.broken = True

    # -- body -------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        if self.broken or self.done:
            return
        try:
            if self.decoder is not None:
                chunk = self.decoder.decode(chunk)
            if self.items is not None:
                self.items.feed(chunk)
            if self.streaming:
                self._feed_lines(chunk)
            elif self.body is None and self.tail is None:
                # The usual plain reply: one chunk. Kept as is (no copy) until the end.
                self.size = len(chunk)
                self.body = chunk
                if self.size > BODY_LIMIT_BYTES:
                    self.body = None
                    self.size = 0
                    self._feed_body(chunk)
            else:
                self._feed_body(chunk)
        except Exception as exc:
            log.debug("capture: response not readable (%s); tokens of this call are not read", type(exc).__name__)
            self.broken = True

    def _feed_body(self, chunk: bytes) -> None:
        if self.tail is None:
            self.size += len(chunk)
            if self.body is None:
                self.body = chunk
            elif self.chunks is None:
                self.chunks = [self.body, chunk]
            else:
                self.chunks.append(chunk)
            if self.size > BODY_LIMIT_BYTES:
                whole = self._whole_body()
                self.head, self.tail = whole[:HEAD_BYTES], whole[-TAIL_BYTES:]
                self.body = self.chunks = None
        else:
            self.size += len(chunk)
            self.tail = (self.tail + chunk)[-TAIL_BYTES:]

    def _whole_body(self) -> bytes:
        return self.body if self.chunks is None else b"".join(self.chunks)  # type: ignore[return-value]

    def _feed_lines(self, chunk: bytes) -> None:
        if self.line_tail is not None:
            end = chunk.find(b"\n")
            if end < 0:
                self.line_tail = (self.line_tail + chunk)[-TAIL_BYTES:]
                return
            self._long_line(chunk[:end])
            chunk = chunk[end + 1 :]
        data = self.pending + chunk if self.pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > LINE_LIMIT_BYTES:
                self.line_head, self.line_tail, self.pending = data[:HEAD_BYTES], data[-TAIL_BYTES:], b""
            else:
                self.pending = data
            return
        self.pending = data[cut + 1 :]
        text = self.count_text
        if text is not None:
            approximate.text_chars(text, data, cut, self.text_chars)
            if data.find(b"[DONE]", 0, cut) >= 0:
                self.stream_done = True
        # The fast path of a stream: most chunks hold text deltas only, skipped undecoded
        # (and uncopied: the marker is looked for in place).
        if self.first_seen and data.find(self.parser.marker, 0, cut) < 0:
            return
        for line in data[:cut].split(b"\n"):
            self._line(line)

    def _line(self, line: bytes) -> None:
        line = line.strip()
        if line.startswith(b"data:"):
            payload = line[5:].lstrip()
        elif line.startswith(b"{"):
            payload = line  # NDJSON
        else:
            return  # SSE field other than data, comment, or blank line
        if not payload or payload == b"[DONE]":
            return
        if self.first_seen and self.parser.marker not in payload:
            return
        try:
            doc = json.loads(payload)
        except ValueError:
            log.debug("capture: a stream event was not JSON; skipped")
            return
        self.first_seen = True
        self._parse(self.parser.read_event, doc)

    def _long_line(self, last: bytes) -> None:
        """The end of an over-long line: read its usage from its tail, its model from its head."""
        tail = (self.line_tail + last)[-TAIL_BYTES:] if last else self.line_tail
        head = self.line_head.lstrip()
        self.line_head, self.line_tail = b"", None
        if head.startswith(b"data:"):
            head = head[5:].lstrip()
        if tail is not None and self.parser.marker in tail:
            self._read_keys(tail, head)
        self.first_seen = True

    def _parse(self, read: Any, doc: Any) -> None:
        # Parsers do not raise on odd shapes; an exception here is a bug of ours: warn once.
        try:
            read(doc, self.usage)
        except Exception as exc:
            emit.warn_once(f"the {self.route.wire_format} parser failed ({type(exc).__name__})")
            self.broken = True

    # -- end --------------------------------------------------------------------------
    def finish(self, outcome: str) -> None:
        """Record the call once. `outcome`: 'end' (body read to its end), 'closed' (closed
        before its end: abandoned), 'error' (the transport raised)."""
        if self.done:
            return
        self.done = True
        try:
            self._finish(outcome)
        except Exception as exc:
            emit.warn_once(f"capture failed at the end of a call ({type(exc).__name__})")
        finally:
            self.body = self.chunks = None
            self.tail = self.line_tail = None
            self.pending = self.line_head = b""
            self.request_body = None

    def _finish(self, outcome: str) -> None:
        end_perf = time.perf_counter()
        readable = not self.broken
        if readable and self.decoder is not None:
            try:
                rest = self.decoder.flush()
            except Exception:
                rest, readable = b"", False
            if rest:
                self.feed(rest)
                readable = not self.broken
        if readable and self.streaming:
            if self.line_tail is not None:
                self._long_line(b"")
            elif self.pending:
                if self.count_text is not None:
                    approximate.text_chars(self.count_text, self.pending, len(self.pending), self.text_chars)
                self._line(self.pending)
            readable = not self.broken
        elif readable and self.body and outcome == "end":
            body = self.body if self.chunks is None else b"".join(self.chunks)
            if not self._read_keys(body, body):
                # The usage block was not found where it is expected: decode the whole body.
                try:
                    doc = json.loads(body)
                except ValueError:
                    readable = False
                else:
                    self._parse(self.parser.read_body, doc)
            readable = readable and not self.broken
        elif readable and self.tail is not None and outcome == "end":
            self._read_keys(self.tail, self.head)

        failed = outcome == "error" or (self.http_status is not None and self.http_status >= 400)
        units, size, quality = (0.0, "", "") if self.kind == "chat" else self._kind_units(outcome, failed)
        if not failed and (self.kind == "speech" or (self.kind == "transcription" and outcome == "end")):
            # The reply is the audio itself, or a transcript that may be plain text: recorded
            # whether or not it held counts (a transcription without them is counted, unpriced).
            readable = True
        if not readable and not failed:
            # An unknown shape on a successful call: skip it rather than record a guess.
            log.debug("capture: unknown response shape from %s; call not recorded", self.route.provider)
            return
        usage = self.usage
        if self.route.by_path and not failed and not usage.complete and usage.model is None and not units:
            # Recognised by its path alone, and the reply shows neither usage nor a model:
            # not taken for a GenAI call.
            log.debug("capture: a reply from a %s-shaped path had no usage; not recorded", self.route.wire_format)
            return
        # Tokens from characters for a reply without usage: text and embeddings only (an image,
        # audio or speech call is priced by its units, not by tokens).
        approximated = (self._approximate(outcome) if not failed and not usage.complete
                        and self.kind in ("chat", "embedding") else None)
        if failed:
            status = "failed"
        elif approximated:
            # Tokens from characters: a reply read to its end (or its end marker) is a whole call.
            status = "ok" if outcome == "end" or self.stream_done else "partial"
        elif units:
            status = "ok"  # the kind's units were read: all its price needs
        elif not usage.complete:
            # No final usage: the stream was abandoned, or never carried usage. A stream
            # closed after its usage arrived (SDKs stop reading at [DONE]) is complete.
            status = "partial"
        else:
            status = "ok"
        latency_s = end_perf - self.start_perf
        frame = self.frame
        if frame is None:
            run_id = name = None
            project = emit.default_project()
            tags: dict[str, str] = {}
        else:
            # The frame's own dict, not a copy: a run's tags are fixed when it starts, and
            # the writer encodes each distinct tags dict once.
            run_id, name, project, tags = frame.id, frame.name, frame.project, frame.tags
        route = self.route
        start = self.start
        # Every field set by name, without the dataclass's __init__: matching 20 keyword
        # arguments costs more than the rest of this method (tests/test_capture.py checks that
        # no field is left out). The id is left empty: the ledger's writer thread gives it one.
        record = _new_record(ApiCallRecord)
        record.id = ""
        record.kind = "api_call"
        record.source = approximated or "capture"
        record.requests = 1
        record.request_kind = self.kind
        record.units = units
        record.image_size = size
        record.image_quality = quality
        record.provider = route.provider
        record.model = usage.model or self._model_from_request() or "unknown"
        record.start = start
        record.end = start + latency_s
        record.input_tokens = usage.input_tokens
        record.output_tokens = usage.output_tokens
        record.reasoning_tokens = usage.reasoning_tokens
        record.latency_s = latency_s
        record.status = status
        record.run_id = run_id
        record.name = name
        record.project = project
        record.tags = tags
        record.host = self.host
        record.path = self.path
        record.http_status = self.http_status
        record.local = route.local
        (emit._submit or emit.submit)(record)

    def _approximate(self, outcome: str) -> str | None:
        """Set the tokens of a reply without usage from the characters that passed; the row's
        source when set (`approximated[:<scripts>]`, ledger/scripts.py), else None."""
        text = self.parser.text_pattern
        if text is None:
            return None
        if self.streaming:
            if self.count_text is None or self.text_chars is None:
                return None  # usage was asked for and never came: abandoned, partial as it is
            out_chars = self.text_chars
        elif self.body is not None and outcome == "end":
            body = self._whole_body()
            out_chars = approximate.new_counts()
            approximate.text_chars(text, body, len(body), out_chars)
        elif self.tail is not None and outcome == "end":
            # Over the body limit, and no usage at its end: its size stands for its text (the
            # JSON around a reply of several MB is small beside it), counted as the default
            # writing system (its text was not read).
            out_chars = approximate.new_counts()
            out_chars[0] = self.size
        else:
            return None
        in_chars = approximate.new_counts()
        approximate.request_chars(self.request_body, in_chars)
        if not any(in_chars) and not any(out_chars):
            return None
        per_token = approximate.chars_per_token()
        if per_token is None:
            return None
        usage = self.usage
        usage.input_tokens = approximate.tokens_of_scripts(in_chars, per_token)
        usage.output_tokens = approximate.tokens_of_scripts(out_chars, per_token)
        usage.reasoning_tokens = 0
        return approximate.source_for([a + b for a, b in zip(in_chars, out_chars)])

    def _kind_units(self, outcome: str, failed: bool) -> tuple[float, str, str]:
        """(units per request, image size, image quality) of a call of another kind than chat
        (capture/kinds.py): read from the request and the reply, never kept."""
        kind = self.kind
        if kind == "image":
            n, size, quality = image_request(self.request_body)
            if failed:
                return 0.0, size, quality
            counted = self.items.count if self.items is not None and outcome == "end" else 0
            return float(counted or n or 1), size, quality
        if kind == "speech":
            return (0.0 if failed else speech_characters(self.request_body)), "", ""
        if kind == "transcription" and not failed and outcome == "end":
            if self.body is not None:
                return audio_seconds(self._whole_body()), "", ""
            if self.tail is not None:  # a reply too large to keep: its usage, at the end
                usage = _object_after(self.tail, b'"usage"')
                return (audio_seconds(json.dumps({"usage": usage}).encode()) if usage else 0.0), "", ""
        return 0.0, "", ""

    def _read_keys(self, usage_area: bytes, model_area: bytes) -> bool:
        """Read only the usage object and the model string of a JSON body, without decoding
        the rest (which holds the reply). True when the counts were found."""
        parser = self.parser
        # Only a JSON object's keys are looked for; the body's head says whether it is one.
        if not parser.usage_needles or (model_area[:1] != b"{" and _JSON_START.match(model_area) is None):
            return False
        for key, needle in parser.usage_needles:
            value = _object_after(usage_area, needle)
            if value is not None:
                break
        else:
            return False
        doc: dict[str, Any] = {key: value}
        pattern = parser.model_pattern
        if pattern is not None:
            found = pattern.search(model_area)
            if found is not None:
                doc[parser.model_key] = found.group(1).decode("utf-8", "replace")
        try:
            parser.read_body(doc, self.usage)
        except Exception as exc:  # as in _parse (inline here: every plain reply comes this way)
            emit.warn_once(f"the {self.route.wire_format} parser failed ({type(exc).__name__})")
            self.broken = True
        return self.usage.complete

    def _model_from_request(self) -> str | None:
        if self.request_model is not None:
            return self.request_model
        if self.route.wire_format == "google":
            from .parsers.google_format import model_from_path

            found = model_from_path(self.path)
            if found:
                return found
        body = self.request_body
        if not body:
            return None
        match = _REQUEST_MODEL.search(body)
        if match is None:
            return None
        try:
            return as_model(match.group(1).decode("utf-8"))
        except UnicodeDecodeError:
            return None
