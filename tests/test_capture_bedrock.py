"""Capture of AWS Bedrock through boto3: InvokeModel (each model family, with and without the
token-count headers), InvokeModelWithResponseStream, Converse and ConverseStream, against a
local endpoint speaking Bedrock's wire format (event streams in their binary framing, which
botocore checks), with fake credentials and no network. In and out of `track()`."""

from __future__ import annotations

import gc
import json
import logging
import secrets
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

import frugal_ai
from frugal_ai.capture import botocore_client
from frugal_ai.capture.parsers import Usage, bedrock_format
from frugal_ai.ledger.notice import FrugalAIWarning

from fakeservers.bedrock_api import TOKENS, BedrockHandler, event_message
from fakeservers.fixtures import ledger_rows
from fakeservers.server import FakeAPIServer

REGION = "eu-west-3"
HOST = "bedrock-runtime.eu-west-3.amazonaws.com"
MESSAGES = [{"role": "user", "content": [{"text": "Say hello."}]}]


@pytest.fixture(scope="module")
def bedrock_server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(BedrockHandler) as server:
        yield server


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    frugal_ai.uninstrument()
    yield
    frugal_ai.uninstrument()


def client(server: FakeAPIServer, region: str = REGION, key: str = "AKIDEXAMPLE") -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("bedrock-runtime", region_name=region, endpoint_url=server.url,
                        aws_access_key_id=key, aws_secret_access_key="fake-secret",
                        config=Config(retries={"total_max_attempts": 1}))


def _tokens(row: dict[str, Any]) -> tuple[int, int]:
    return row["input_tokens"], row["output_tokens"]


def _one_row(ledger_path: Path) -> dict[str, Any]:
    gc.collect()
    (row,) = ledger_rows(ledger_path)
    assert (row["provider"], row["host"], row["local"], row["source"]) == ("aws", HOST, 0, "capture")
    return row


# modelId -> the family replay that answers it
INVOKE_MODELS = {
    "anthropic.claude-3-haiku-20240307-v1:0": "anthropic",
    "meta.llama3-1-8b-instruct-v1:0": "meta",
    "amazon.titan-text-express-v1": "titan",
    "amazon.titan-embed-text-v2:0": "titan-embed",
    "eu.amazon.nova-lite-v1:0": "nova",
    "mistral.mistral-7b-instruct-v0:2": "mistral",
    "cohere.command-r-v1:0": "cohere",
}
# Families whose body carries no counts: only the response headers tell them.
HEADERS_ONLY = {"mistral", "cohere"}


@pytest.mark.parametrize("model_id,headers", [
    (model_id, headers) for model_id, family in INVOKE_MODELS.items() for headers in (True, False)
    if headers or family not in HEADERS_ONLY
])
def test_invoke_model_each_family(model_id: str, headers: bool, bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    family = INVOKE_MODELS[model_id]
    frugal_ai.instrument()
    model = model_id if headers else model_id + "-noheaders"
    response = client(bedrock_server).invoke_model(modelId=model, body=json.dumps({"prompt": "Say hello."}))
    body = json.loads(response["body"].read())
    assert body  # the caller got the model's reply through the capture
    row = _one_row(ledger_path)
    assert (row["model"], row["status"], row["http_status"]) == (model, "ok", 200)
    assert _tokens(row) == TOKENS[family]
    assert row["path"] == f"/model/{model}/invoke"


@pytest.mark.parametrize("model_id", ["anthropic.claude-3-haiku-20240307-v1:0", "meta.llama3-1-8b-instruct-v1:0",
                                      "amazon.titan-text-express-v1", "mistral.mistral-7b-instruct-v0:2"])
def test_invoke_model_with_response_stream_each_family(model_id: str, bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    frugal_ai.instrument()
    response = client(bedrock_server).invoke_model_with_response_stream(modelId=model_id, body=b"{}")
    chunks = [json.loads(event["chunk"]["bytes"]) for event in response["body"]]
    assert bedrock_format.INVOCATION_METRICS in chunks[-1]
    row = _one_row(ledger_path)
    assert (row["model"], row["status"]) == (model_id, "ok")
    assert _tokens(row) == TOKENS[INVOKE_MODELS[model_id]]
    assert row["path"] == f"/model/{model_id}/invoke-with-response-stream"


def test_converse_and_converse_stream(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    frugal_ai.instrument()
    bedrock = client(bedrock_server)
    reply = bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)
    assert reply["output"]["message"]["content"][0]["text"].startswith("Hello there")
    events = list(bedrock.converse_stream(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)["stream"])
    assert [next(iter(e)) for e in events][-2:] == ["messageStop", "metadata"]
    gc.collect()
    rows = ledger_rows(ledger_path)
    assert [(r["model"], _tokens(r), r["status"], r["path"]) for r in rows] == [
        ("eu.amazon.nova-lite-v1:0", TOKENS["converse"], "ok", "/model/eu.amazon.nova-lite-v1:0/converse"),
        ("eu.amazon.nova-lite-v1:0", TOKENS["converse"], "ok", "/model/eu.amazon.nova-lite-v1:0/converse-stream"),
    ]


def _all_four(bedrock: Any) -> list[Any]:
    """InvokeModel and Converse, plain and streamed: what the caller gets of each."""
    out: list[Any] = [bedrock.invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0", body=b"{}")["body"].read()]
    out.append([e["chunk"]["bytes"] for e in bedrock.invoke_model_with_response_stream(
        modelId="anthropic.claude-3-haiku-20240307-v1:0", body=b"{}")["body"]])
    reply = bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)
    out.append({k: v for k, v in reply.items() if k != "ResponseMetadata"})
    out.append(list(bedrock.converse_stream(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)["stream"]))
    return out


def test_the_caller_sees_the_same_replies_and_no_warning(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    bedrock = client(bedrock_server)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frugal_ai.instrument()
        captured = _all_four(bedrock)
        frugal_ai.uninstrument()
        plain = _all_four(bedrock)
        gc.collect()
    assert captured == plain
    assert len(ledger_rows(ledger_path)) == 4


def test_inside_track_only_with_track_alone(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    bedrock = client(bedrock_server)  # made before capture is on, as a module-level client is
    bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)  # not recorded
    with frugal_ai.track("bedrock-job"):
        bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)
        list(bedrock.invoke_model_with_response_stream(modelId="meta.llama3-1-8b-instruct-v1:0", body=b"{}")["body"])
    bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)  # not recorded
    gc.collect()
    rows = [r for r in ledger_rows(ledger_path) if r.get("provider")]
    assert [(r["name"], _tokens(r)) for r in rows] == [("bedrock-job", TOKENS["converse"]), ("bedrock-job", TOKENS["meta"])]
    assert rows[0]["run_id"] and rows[0]["run_id"] == rows[1]["run_id"]


@pytest.mark.parametrize("model_id,status", [("anthropic.claude-fail-500", 500), ("anthropic.claude-fail-400", 400)])
def test_errors_are_failed_and_reach_the_caller_unchanged(
    model_id: str, status: int, bedrock_server: FakeAPIServer, ledger_path: Path
) -> None:
    from botocore.exceptions import ClientError

    bedrock = client(bedrock_server)
    caught: list[tuple[type, str]] = []
    for on in (True, False):
        if on:
            frugal_ai.instrument()
        else:
            frugal_ai.uninstrument()
        with pytest.raises(ClientError) as error:
            bedrock.converse(modelId=model_id, messages=MESSAGES)
        caught.append((type(error.value), str(error.value)))
    assert caught[0] == caught[1]
    row = _one_row(ledger_path)
    assert (row["status"], row["http_status"], row["model"]) == ("failed", status, model_id)


def test_unreachable_endpoint_is_failed_and_reraised(ledger_path: Path) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import EndpointConnectionError

    frugal_ai.instrument()
    bedrock = boto3.client("bedrock-runtime", region_name=REGION, endpoint_url="http://127.0.0.1:9",
                           aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="fake-secret",
                           config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(EndpointConnectionError):
        bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)
    row = _one_row(ledger_path)
    assert (row["status"], row["http_status"]) == ("failed", None)


def test_abandoned_stream_is_partial_with_what_was_seen(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    frugal_ai.instrument()
    stream = client(bedrock_server).invoke_model_with_response_stream(
        modelId="anthropic.claude-long", body=b"{}")["body"]
    for i, _ in enumerate(stream):
        if i == 2:
            break
    del stream
    row = _one_row(ledger_path)
    # message_start was seen (input 21, placeholder output 1); the invocation metrics never came.
    assert (row["status"], row["input_tokens"]) == ("partial", TOKENS["anthropic"][0])
    assert row["output_tokens"] <= 1


def test_region_and_arn(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    frugal_ai.instrument()
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"
    client(bedrock_server, region="us-east-1").converse(modelId=arn, messages=MESSAGES)
    gc.collect()
    (row,) = ledger_rows(ledger_path)
    assert (row["host"], row["model"]) == ("bedrock-runtime.us-east-1.amazonaws.com", "us.anthropic.claude-3-haiku-20240307-v1:0")
    assert "123456789012" not in json.dumps(row)  # the account number is not kept


def test_regional_host() -> None:
    assert botocore_client.regional_host("eu-west-1", "https://bedrock-runtime.eu-west-1.amazonaws.com") == \
        "bedrock-runtime.eu-west-1.amazonaws.com"
    vpce = "https://vpce-0a1b-x1y2.bedrock-runtime.eu-west-1.vpce.amazonaws.com"
    assert botocore_client.regional_host("eu-west-1", vpce) == "vpce-0a1b-x1y2.bedrock-runtime.eu-west-1.vpce.amazonaws.com"
    assert botocore_client.regional_host("eu-central-1", "http://127.0.0.1:8000") == "bedrock-runtime.eu-central-1.amazonaws.com"


def test_other_services_and_operations_pass_untouched(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    import boto3
    from botocore.exceptions import ClientError

    frugal_ai.instrument()
    from botocore.config import Config

    control = boto3.client("bedrock", region_name=REGION, endpoint_url=bedrock_server.url,
                           aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="fake-secret",
                           config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError):
        control.list_foundation_models()  # the fake answers 404 to whatever is not inference
    with pytest.raises(ClientError):
        client(bedrock_server).count_tokens(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                            input={"converse": {"messages": MESSAGES}})
    assert ledger_rows(ledger_path) == []


def test_an_internal_error_is_one_warning_and_the_call_goes_on(
    bedrock_server: FakeAPIServer, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("bug")

    from frugal_ai.capture import emit

    monkeypatch.setattr(emit, "_warned", False)
    monkeypatch.setattr(bedrock_format, "read_converse", broken)
    frugal_ai.instrument()
    bedrock = client(bedrock_server)
    with pytest.warns(FrugalAIWarning, match="capture degraded") as seen:
        for _ in range(3):
            reply = bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=MESSAGES)
            assert reply["usage"]["inputTokens"] == TOKENS["converse"][0]
    assert len([w for w in seen if issubclass(w.category, FrugalAIWarning)]) == 1


def test_prompt_key_and_reply_never_reach_the_ledger_or_logs(
    bedrock_server: FakeAPIServer, ledger_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "CANARY-" + secrets.token_hex(8)
    caplog.set_level(logging.DEBUG)
    frugal_ai.instrument()
    bedrock = client(bedrock_server, key=f"AKID{canary[7:].upper()}")
    messages = [{"role": "user", "content": [{"text": f"Summarise {canary}"}]}]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert canary in bedrock.converse(modelId="eu.amazon.nova-lite-v1:0", messages=messages)[
            "output"]["message"]["content"][0]["text"]
        list(bedrock.converse_stream(modelId="eu.amazon.nova-lite-v1:0", messages=messages)["stream"])
        bedrock.invoke_model(modelId="meta.llama3-1-8b-instruct-v1:0-noheaders",
                             body=json.dumps({"prompt": canary}))["body"].read()
        list(bedrock.invoke_model_with_response_stream(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                                       body=json.dumps({"prompt": canary}))["body"])
        gc.collect()
        assert len(ledger_rows(ledger_path)) == 4
    hex_part = canary.split("-", 1)[1]
    for path in ledger_path.parent.glob(ledger_path.name + "*"):
        data = path.read_bytes()
        assert hex_part.encode() not in data and hex_part.upper().encode() not in data, path.name
    assert all(hex_part not in r.getMessage() for r in caplog.records if r.name.startswith("frugal_ai"))
    assert all(hex_part not in str(w.message) for w in seen)


# -- the parser, alone ------------------------------------------------------------------------
def test_converse_usage_counts_cached_prompt_tokens_as_input() -> None:
    usage = Usage()
    bedrock_format.read_converse({"inputTokens": 14, "outputTokens": 7, "cacheReadInputTokens": 2000,
                                  "cacheWriteInputTokens": 30}, usage)
    assert (usage.input_tokens, usage.output_tokens, usage.complete) == (2044, 7, True)


@pytest.mark.parametrize("doc", [None, [], "x", {"usage": "x"}, {"usage": {"inputTokens": "many"}},
                                 {"results": "x", "inputTextTokenCount": True}, {"meta": []},
                                 {bedrock_format.INVOCATION_METRICS: []}, {"type": 3}, {"metadata": "x"}])
def test_odd_shapes_never_raise_nor_invent_counts(doc: Any) -> None:
    for read in (bedrock_format.read_body, bedrock_format.read_event):
        usage = Usage()
        read(doc, usage)
        assert (usage.input_tokens, usage.output_tokens) == (0, 0)


def test_headers_need_both_counts_and_integers() -> None:
    for headers in ({}, {bedrock_format.INPUT_TOKENS_HEADER: "12"},
                    {bedrock_format.INPUT_TOKENS_HEADER: "x", bedrock_format.OUTPUT_TOKENS_HEADER: "3"}):
        usage = Usage()
        bedrock_format.read_headers(headers, usage)
        assert not usage.complete
    usage = Usage()
    bedrock_format.read_headers({bedrock_format.INPUT_TOKENS_HEADER: "12", bedrock_format.OUTPUT_TOKENS_HEADER: "3"}, usage)
    assert (usage.input_tokens, usage.output_tokens, usage.complete) == (12, 3, True)


def test_event_stream_framing_is_what_botocore_reads() -> None:
    from botocore.eventstream import EventStreamBuffer

    buffer = EventStreamBuffer()
    buffer.add_data(event_message({":event-type": "chunk", ":message-type": "event"}, b'{"a": 1}'))
    (message,) = list(buffer)
    assert message.headers == {":event-type": "chunk", ":message-type": "event"}
    assert message.payload == b'{"a": 1}'


def test_uninstrument_restores_make_api_call() -> None:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    frugal_ai.instrument()
    frugal_ai.instrument()
    assert BaseClient._make_api_call is not original and BaseClient._make_api_call.__wrapped__ is original
    frugal_ai.uninstrument()
    assert BaseClient._make_api_call is original


def test_invoke_model_body_read_into_a_buffer(bedrock_server: FakeAPIServer, ledger_path: Path) -> None:
    frugal_ai.instrument()
    body = client(bedrock_server).invoke_model(modelId="meta.llama3-1-8b-instruct-v1:0-noheaders", body=b"{}")["body"]
    buffer = bytearray(4096)
    parts = []
    while count := body.readinto(buffer):
        parts.append(bytes(buffer[:count]))
    assert json.loads(b"".join(parts))["generation"].startswith("Hello there")
    row = _one_row(ledger_path)
    assert (_tokens(row), row["status"]) == (TOKENS["meta"], "ok")


def test_instrument_does_not_import_botocore_but_patches_it_when_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys, frugal_ai\n"
        "frugal_ai.instrument()\n"
        "assert 'botocore' not in sys.modules and 'urllib3' not in sys.modules, 'imported by instrument()'\n"
        "import boto3\n"
        "from botocore.client import BaseClient\n"
        "from urllib3.connectionpool import HTTPConnectionPool\n"
        "assert getattr(BaseClient._make_api_call, '__frugal_ai__', False)\n"
        "assert getattr(HTTPConnectionPool.urlopen, '__frugal_ai__', False)\n"
        "frugal_ai.uninstrument()\n"
        "assert not getattr(BaseClient._make_api_call, '__frugal_ai__', False)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
