"""AWS Bedrock Runtime as documented: InvokeModel, InvokeModelWithResponseStream, Converse,
ConverseStream, answered per model family, streams in the `application/vnd.amazon.eventstream`
binary framing.

Written from the public AWS documentation:
- Bedrock API reference: InvokeModel (the `X-Amzn-Bedrock-Input-Token-Count` /
  `X-Amzn-Bedrock-Output-Token-Count` / `X-Amzn-Bedrock-Invocation-Latency` response
  headers), InvokeModelWithResponseStream (`chunk` events, a `PayloadPart` whose `bytes`
  travel base64-encoded in a JSON payload), Converse and ConverseStream (`messageStart`,
  `contentBlockDelta`, `contentBlockStop`, `messageStop`, `metadata` with `TokenUsage` and
  `ConverseStreamMetrics`), TokenUsage.
- Bedrock user guide, inference parameters per family: Anthropic Claude Messages API,
  Meta Llama, Amazon Titan Text, Amazon Titan Text Embeddings, Amazon Nova, Mistral AI,
  Cohere Command R; and "amazon-bedrock-invocationMetrics" in the last streamed chunk.
- "Event stream encoding" (AWS SDKs and Tools reference): each message is a prelude (total
  length and headers length, big-endian uint32) and its CRC32, the headers (name length
  byte, name, value type 7 = string, uint16 length, value), the payload, and the CRC32 of
  all that precedes it. botocore checks both CRCs.

Knobs ride in the modelId, as for the other fakes: "fail-500", "fail-400", "noheaders"
(InvokeModel without the token-count headers, so the body is what tells the counts).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any, Iterator
from urllib.parse import unquote

from . import replies
from .server import _CANARY, _Handler

# The counts each family's replay reports (tests assert the ledger against them).
TOKENS: dict[str, tuple[int, int]] = {
    "anthropic": (21, 9),
    "meta": (17, 11),
    "titan": (8, 14),
    "titan-embed": (6, 0),
    "nova": (23, 13),
    "mistral": (16, 7),
    "cohere": (31, 5),
    "converse": (25, 12),
}


def family(model_id: str) -> str:
    """The replay of a modelId (region prefixes such as `eu.` and ARNs allowed)."""
    name = model_id.rpartition("/")[2]
    for prefix, fam in (("anthropic.", "anthropic"), ("meta.", "meta"), ("amazon.titan-embed", "titan-embed"),
                        ("amazon.titan-text", "titan"), ("amazon.nova", "nova"), ("mistral.", "mistral"),
                        ("cohere.", "cohere")):
        if prefix in name:
            return fam
    return "anthropic"


# -- the event stream framing -------------------------------------------------------------
def event_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One `vnd.amazon.eventstream` message with string headers."""
    head = b"".join(
        struct.pack(">B", len(name)) + name.encode() + struct.pack(">BH", 7, len(value.encode())) + value.encode()
        for name, value in headers.items()
    )
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + head + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _event(event_type: str, doc: dict[str, Any]) -> bytes:
    return event_message({":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
                         json.dumps(doc).encode())


def _chunk(doc: dict[str, Any]) -> bytes:
    return _event("chunk", {"bytes": base64.b64encode(json.dumps(doc).encode()).decode()})


def _metrics(fam: str) -> dict[str, Any]:
    tokens_in, tokens_out = TOKENS[fam]
    return {"inputTokenCount": tokens_in, "outputTokenCount": tokens_out, "invocationLatency": 512,
            "firstByteLatency": 128}


# -- InvokeModel bodies, per family ---------------------------------------------------------
def invoke_body(fam: str, model: str, echo: str) -> dict[str, Any]:
    tokens_in, tokens_out = TOKENS[fam]
    text = "".join(replies.text_deltas(model, echo))
    if fam == "anthropic":
        return {"id": "msg_bdrk_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
                "model": "claude-3-haiku-20240307", "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}}
    if fam == "meta":
        return {"generation": text, "prompt_token_count": tokens_in, "generation_token_count": tokens_out,
                "stop_reason": "stop"}
    if fam == "titan":
        return {"inputTextTokenCount": tokens_in,
                "results": [{"tokenCount": tokens_out, "outputText": text, "completionReason": "FINISH"}]}
    if fam == "titan-embed":
        return {"embedding": [0.0123, -0.0456, 0.0789], "inputTextTokenCount": tokens_in}
    if fam == "nova":
        return {"output": {"message": {"content": [{"text": text}], "role": "assistant"}}, "stopReason": "end_turn",
                "usage": {"inputTokens": tokens_in, "outputTokens": tokens_out, "totalTokens": tokens_in + tokens_out}}
    if fam == "mistral":
        return {"outputs": [{"text": text, "stop_reason": "stop"}]}
    return {"response_id": "3c4b8a2e-1f0d-4d6b-9e58-1a2b3c4d5e6f", "text": text,
            "generation_id": "7d8e9f0a-1b2c-3d4e-5f6a-7b8c9d0e1f2a", "chat_history": [], "finish_reason": "COMPLETE"}


def invoke_stream(fam: str, model: str, echo: str) -> Iterator[bytes]:
    tokens_in, tokens_out = TOKENS[fam]
    deltas = replies.text_deltas(model, echo)
    if fam == "anthropic":
        yield _chunk({"type": "message_start", "message": {
            "id": "msg_bdrk_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
            "model": "claude-3-haiku-20240307", "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": 1}}})
        yield _chunk({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
        for text in deltas:
            yield _chunk({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}})
        yield _chunk({"type": "content_block_stop", "index": 0})
        yield _chunk({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                      "usage": {"output_tokens": tokens_out}})
        yield _chunk({"type": "message_stop", "amazon-bedrock-invocationMetrics": _metrics(fam)})
    elif fam == "meta":
        for i, text in enumerate(deltas):
            last = i == len(deltas) - 1
            doc: dict[str, Any] = {"generation": text, "prompt_token_count": tokens_in if i == 0 else None,
                                   "generation_token_count": i + 1, "stop_reason": "stop" if last else None}
            if last:
                doc["amazon-bedrock-invocationMetrics"] = _metrics(fam)
            yield _chunk(doc)
    elif fam == "titan":
        for i, text in enumerate(deltas):
            last = i == len(deltas) - 1
            doc = {"outputText": text, "index": 0, "totalOutputTextTokenCount": i + 1,
                   "completionReason": "FINISH" if last else None, "inputTextTokenCount": tokens_in}
            if last:
                doc["amazon-bedrock-invocationMetrics"] = _metrics(fam)
            yield _chunk(doc)
    else:  # mistral
        for i, text in enumerate(deltas):
            last = i == len(deltas) - 1
            doc = {"outputs": [{"text": text, "stop_reason": "stop" if last else None}]}
            if last:
                doc["amazon-bedrock-invocationMetrics"] = _metrics(fam)
            yield _chunk(doc)


# -- Converse ---------------------------------------------------------------------------------
def _converse_usage() -> dict[str, int]:
    tokens_in, tokens_out = TOKENS["converse"]
    return {"inputTokens": tokens_in, "outputTokens": tokens_out, "totalTokens": tokens_in + tokens_out}


def converse_body(model: str, echo: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": [{"text": "".join(replies.text_deltas(model, echo))}]}},
            "stopReason": "end_turn", "usage": _converse_usage(), "metrics": {"latencyMs": 412}}


def converse_stream(model: str, echo: str) -> Iterator[bytes]:
    yield _event("messageStart", {"role": "assistant"})
    for text in replies.text_deltas(model, echo):
        yield _event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}})
    yield _event("contentBlockStop", {"contentBlockIndex": 0})
    yield _event("messageStop", {"stopReason": "end_turn"})
    yield _event("metadata", {"usage": _converse_usage(), "metrics": {"latencyMs": 412}})


# -- the HTTP side ------------------------------------------------------------------------------
class BedrockHandler(_Handler):
    """POST /model/{modelId}/{invoke | invoke-with-response-stream | converse | converse-stream}."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.requests.append((self.path, dict(self.headers)))
        canary = _CANARY.search(raw)
        echo = canary.group(0).decode() if canary else ""
        parts = self.path.split("?", 1)[0].split("/")
        if len(parts) != 4 or parts[1] != "model":
            self._send(404, "application/json", json.dumps({"message": "not found"}).encode())
            return
        model_id, operation = unquote(parts[2]), parts[3]
        fam = family(model_id)
        if "fail-500" in model_id:
            self._send(500, "application/json", json.dumps({"message": "Internal server error"}).encode(),
                       {"x-amzn-ErrorType": "InternalServerException:http://internal.amazon.com/coral/com.amazon.bedrock/"})
            return
        if "fail-400" in model_id:
            self._send(400, "application/json", json.dumps({"message": "Malformed input request"}).encode(),
                       {"x-amzn-ErrorType": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"})
            return
        if operation == "invoke":
            tokens_in, tokens_out = TOKENS[fam]
            extra = {} if "noheaders" in model_id else {
                "X-Amzn-Bedrock-Input-Token-Count": str(tokens_in), "X-Amzn-Bedrock-Output-Token-Count": str(tokens_out)}
            extra["X-Amzn-Bedrock-Invocation-Latency"] = "512"
            self._send(200, "application/json", json.dumps(invoke_body(fam, model_id, echo)).encode(), extra)
        elif operation == "converse":
            self._send(200, "application/json", json.dumps(converse_body(model_id, echo)).encode())
        elif operation == "invoke-with-response-stream":
            self._send_events(invoke_stream(fam, model_id, echo), {"X-Amzn-Bedrock-Content-Type": "application/json"})
        elif operation == "converse-stream":
            self._send_events(converse_stream(model_id, echo), {})
        else:
            self._send(404, "application/json", json.dumps({"message": f"no fake operation {operation}"}).encode())

    def _send(self, status: int, ctype: str, data: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("x-amzn-RequestId", "4ea8c7a0-9f1e-4c5d-8b2a-0f1e2d3c4b5a")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_events(self, messages: Iterator[bytes], extra: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/vnd.amazon.eventstream")
        self.send_header("x-amzn-RequestId", "4ea8c7a0-9f1e-4c5d-8b2a-0f1e2d3c4b5a")
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for message in messages:
                self._chunk(message)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

