"""AWS Bedrock's wire formats: InvokeModel bodies per model family, Converse, and their streams.

Shapes read (from the Bedrock user guide's model parameter pages and API reference):
  Converse / ConverseStream `metadata`   {"usage": {"inputTokens", "outputTokens",
                                          "cacheReadInputTokens", "cacheWriteInputTokens"}}
  InvokeModel, Anthropic Claude           {"usage": {"input_tokens", "output_tokens", cache_*}}
  InvokeModel, Amazon Nova                {"usage": {"inputTokens", "outputTokens",
                                          "cacheReadInputTokenCount", "cacheWriteInputTokenCount"}}
  InvokeModel, Meta Llama                 {"prompt_token_count", "generation_token_count"}
  InvokeModel, Amazon Titan Text          {"inputTextTokenCount", "results": [{"tokenCount"}]}
  InvokeModel, Titan embeddings           {"inputTextTokenCount"}
  InvokeModel, OpenAI-style bodies        {"usage": {"prompt_tokens", "completion_tokens"}}
                                          (Mistral Large 2, AI21 Jamba, gpt-oss)
  InvokeModel, Cohere                     {"meta": {"billed_units" | "tokens": {...}}}
  Mistral's older text models and Cohere Command R carry no counts in their bodies: their
  InvokeModel counts come from the `X-Amzn-Bedrock-Input-Token-Count` /
  `X-Amzn-Bedrock-Output-Token-Count` response headers (only these two are read).
  InvokeModelWithResponseStream chunks   the family's stream events; the last chunk of every
                                          family carries "amazon-bedrock-invocationMetrics":
                                          {"inputTokenCount", "outputTokenCount"}, the call's counts.
As for Anthropic's own API, cached prompt tokens are added to the input, so that input counts
every prompt token processed. The model comes from the request's `modelId`, not the body.
"""

from __future__ import annotations

from typing import Any

from . import Usage, WireFormat, anthropic_format, as_int, as_model, cohere_format, openai_format

# Every event or body holding counts has "Token" or "_token" in a key: others are skipped
# undecoded (a reply text saying "token" is decoded for nothing, and harmlessly).
MARKER: bytes = b"oken"

INVOCATION_METRICS = "amazon-bedrock-invocationMetrics"
INPUT_TOKENS_HEADER = "x-amzn-bedrock-input-token-count"
OUTPUT_TOKENS_HEADER = "x-amzn-bedrock-output-token-count"

_CACHE_KEYS = ("cacheReadInputTokens", "cacheWriteInputTokens", "cacheReadInputTokenCount", "cacheWriteInputTokenCount")


def read_converse(block: Any, usage: Usage) -> None:
    """A Converse `usage` block (also Nova's InvokeModel usage, and ConverseStream's metadata's)."""
    if not isinstance(block, dict) or not ("inputTokens" in block or "outputTokens" in block):
        return
    usage.input_tokens = as_int(block.get("inputTokens")) + sum(as_int(block.get(k)) for k in _CACHE_KEYS)
    usage.output_tokens = as_int(block.get("outputTokens"))
    usage.complete = True


def read_headers(headers: Any, usage: Usage) -> None:
    """InvokeModel's token-count response headers (lower-cased names, as botocore gives them)."""
    if not isinstance(headers, dict):
        return
    found_in, found_out = headers.get(INPUT_TOKENS_HEADER), headers.get(OUTPUT_TOKENS_HEADER)
    if found_in is None or found_out is None:
        return
    try:
        usage.input_tokens, usage.output_tokens = max(int(found_in), 0), max(int(found_out), 0)
    except (TypeError, ValueError):
        return
    usage.complete = True


def _read_metrics(doc: dict[str, Any], usage: Usage) -> None:
    metrics = doc.get(INVOCATION_METRICS)
    if isinstance(metrics, dict) and ("inputTokenCount" in metrics or "outputTokenCount" in metrics):
        usage.input_tokens = as_int(metrics.get("inputTokenCount"))
        usage.output_tokens = as_int(metrics.get("outputTokenCount"))
        usage.complete = True


def read_body(doc: Any, usage: Usage) -> None:
    """A whole InvokeModel response body, whichever the model family."""
    if not isinstance(doc, dict):
        return
    block = doc.get("usage")
    if isinstance(block, dict):
        if "inputTokens" in block or "outputTokens" in block:
            read_converse(block, usage)
        elif "input_tokens" in block or "output_tokens" in block:
            anthropic_format._read_usage(block, usage)
        elif "prompt_tokens" in block or "completion_tokens" in block:
            model = usage.model
            openai_format.read_body(doc, usage)
            usage.model = model  # the modelId names the model, not the body
    elif "prompt_token_count" in doc or "generation_token_count" in doc:
        usage.input_tokens = as_int(doc.get("prompt_token_count"))
        usage.output_tokens = as_int(doc.get("generation_token_count"))
        usage.complete = True
    elif "inputTextTokenCount" in doc:
        usage.input_tokens = as_int(doc.get("inputTextTokenCount"))
        results = doc.get("results")
        if isinstance(results, list):
            usage.output_tokens = sum(as_int(r.get("tokenCount")) for r in results if isinstance(r, dict))
        usage.complete = True
    elif isinstance(doc.get("meta"), dict):
        cohere_format.read_body(doc, usage)
    _read_metrics(doc, usage)


def read_event(doc: Any, usage: Usage) -> None:
    """One streamed event: an InvokeModelWithResponseStream chunk (decoded), or a ConverseStream event."""
    if not isinstance(doc, dict):
        return
    if "metadata" in doc:  # ConverseStream, and Nova's InvokeModel stream
        meta = doc.get("metadata")
        if isinstance(meta, dict):
            read_converse(meta.get("usage"), usage)
    elif isinstance(doc.get("type"), str):  # Anthropic's events
        model = usage.model
        anthropic_format.read_event(doc, usage)
        usage.model = model
    else:
        # Llama (prompt count on the first chunk, cumulative generation count) and Titan
        # (input count, cumulative output count): counts so far, complete only at the end.
        if as_int(doc.get("prompt_token_count")) or as_int(doc.get("inputTextTokenCount")):
            usage.input_tokens = as_int(doc.get("prompt_token_count")) or as_int(doc.get("inputTextTokenCount"))
        for key in ("generation_token_count", "totalOutputTextTokenCount"):
            if key in doc:
                usage.output_tokens = as_int(doc.get(key))
    _read_metrics(doc, usage)


def model_from_id(model_id: Any) -> str | None:
    """The model of a `modelId`: an id as it is (`anthropic.claude-3-haiku-20240307-v1:0`,
    `eu.amazon.nova-lite-v1:0`), or an ARN's last part, without its account number."""
    if not isinstance(model_id, str):
        return None
    if model_id.startswith("arn:"):
        model_id = model_id.rpartition("/")[2]
    return as_model(model_id)


# Plain bodies: the "usage" object alone is decoded when there is one (Anthropic, Nova,
# OpenAI-style); the other families' bodies are decoded whole. The model is the modelId's.
WIRE_FORMAT = WireFormat(
    name="bedrock", read_body=read_body, read_event=read_event, marker=MARKER,
    usage_keys=("usage",), model_key=None,
)
