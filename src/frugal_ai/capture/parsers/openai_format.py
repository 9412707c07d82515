"""OpenAI's wire format: chat completions, completions, responses and embeddings.

Also spoken by Azure OpenAI, Mistral's chat and embeddings endpoints, Ollama's /v1 and
every OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, LiteLLM proxy).

Shapes read:
  chat / completions  {"model", "usage": {"prompt_tokens", "completion_tokens",
                       "completion_tokens_details": {"reasoning_tokens"}}}
  responses           {"model", "usage": {"input_tokens", "output_tokens",
                       "output_tokens_details": {"reasoning_tokens"}}}
  embeddings          {"model", "usage": {"prompt_tokens"}}
  streamed chat       chunks {"model", ...}; the last carries "usage" only when the request
                       asked for it (stream_options.include_usage); without it the call's
                       tokens are approximated from its characters (capture/approximate.py)
  streamed responses  events {"type": "response.created" | "response.completed" | ...,
                       "response": {...as above}}
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, as_int


def read_body(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    model = doc.get("model")
    if type(model) is str and 0 < len(model) <= 200:  # as_model, inline: this runs on every call
        usage.model = model
    block = doc.get("usage")
    if not isinstance(block, dict):
        return
    if "prompt_tokens" in block or "completion_tokens" in block:
        usage.input_tokens = as_int(block.get("prompt_tokens"))
        usage.output_tokens = as_int(block.get("completion_tokens"))
        details = block.get("completion_tokens_details")
    elif "input_tokens" in block or "output_tokens" in block:
        usage.input_tokens = as_int(block.get("input_tokens"))
        usage.output_tokens = as_int(block.get("output_tokens"))
        details = block.get("output_tokens_details")
    else:
        return
    # OpenAI counts reasoning inside the output; the ledger keeps them apart.
    reasoning = as_int(details.get("reasoning_tokens")) if isinstance(details, dict) else 0
    reasoning = min(reasoning, usage.output_tokens)
    usage.output_tokens -= reasoning
    usage.reasoning_tokens = reasoning
    usage.complete = True


def read_event(doc: Any, usage: Usage) -> None:
    if not isinstance(doc, dict):
        return
    inner = doc.get("response")
    if isinstance(inner, dict) and isinstance(doc.get("type"), str):
        # Responses API event: the response object rides inside.
        read_body(inner, usage)
    else:
        read_body(doc, usage)


# Every usage block has a key ending in _tokens; content deltas cannot hold `_tokens"`
# unescaped, so other events are skipped without decoding.
WIRE_FORMAT = WireFormat(
    name="openai", read_body=read_body, read_event=read_event, marker=b'_tokens"',
    usage_keys=("usage",), model_key="model",
    # Chat's message and delta content, tool-call arguments, the Responses API's text deltas,
    # legacy completions' text: what a reply without usage is approximated from.
    text_keys=("content", "delta", "arguments", "text", "refusal"),
)
