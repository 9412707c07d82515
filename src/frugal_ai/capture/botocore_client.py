"""Capture for AWS Bedrock through boto3 / botocore: the wrapper put around `BaseClient._make_api_call`.

Every botocore client call goes through `_make_api_call`; clients made before
`instrument()` (the usual case: a module-level `boto3.client("bedrock-runtime")`) included,
which handlers registered on a session's event system would miss. Calls of other services,
and Bedrock operations that are not inference, go straight through after one set and one
dict look-up. Bedrock's four inference operations are followed:

  Converse                        the parsed `usage`, at once
  InvokeModel                     the `X-Amzn-Bedrock-*-Token-Count` response headers when
                                  Bedrock sends them; otherwise the body, read as the caller
                                  reads it (its `StreamingBody`'s class swapped for a subclass)
  ConverseStream,
  InvokeModelWithResponseStream   each event as the caller iterates the `EventStream` (its
                                  class swapped likewise): the `metadata` event, or the last
                                  chunk's `amazon-bedrock-invocationMetrics`

The provider is `aws`; the host is the client's regional Bedrock endpoint, so that the
region stays on record whatever `endpoint_url` pointed at (a VPC endpoint, a proxy).
Nothing of the request is read but its `modelId`; of the response, only the counts.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from . import emit, transport
from .observe import CallObserver
from .parsers import bedrock_format, parser_for
from .patching import NOT_RECORDED, MethodPatch, Observed, observe_with, read_through, run_to_link
from .providers import Route

SERVICE = "bedrock-runtime"
# Operation -> the last part of its REST path.
OPERATIONS = {
    "InvokeModel": "invoke",
    "InvokeModelWithResponseStream": "invoke-with-response-stream",
    "Converse": "converse",
    "ConverseStream": "converse-stream",
}
ROUTE = Route("aws", "bedrock", False)

# client class -> whether it is a bedrock-runtime client (botocore makes one class per service).
_is_bedrock: dict[type, bool] = {}


def _bedrock_client(client: Any) -> bool:
    cls = type(client)
    found = _is_bedrock.get(cls)
    if found is None:
        found = _is_bedrock[cls] = client.meta.service_model.service_name == SERVICE
    return found


def regional_host(region: Any, endpoint_url: Any) -> str:
    """`bedrock-runtime.eu-west-3.amazonaws.com`: the endpoint's host when it is AWS's own, else
    the region's standard endpoint name."""
    host = str(endpoint_url or "").partition("://")[2].partition("/")[0].rpartition("@")[2].partition(":")[0]
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return host
    return f"{SERVICE}.{region or 'us-east-1'}.amazonaws.com"


def _observer_for(client: Any, operation: str, api_params: Any) -> CallObserver | None:
    try:
        frame = run_to_link()
        if frame is NOT_RECORDED:
            return None
        model = bedrock_format.model_from_id(api_params.get("modelId") if isinstance(api_params, dict) else None)
        meta = client.meta
        observer = CallObserver(ROUTE, regional_host(meta.region_name, meta.endpoint_url),
                                f"/model/{model or 'unknown'}/{OPERATIONS[operation]}", frame, None, parser_for("bedrock"))
        observer.usage.model = model
        return observer
    except Exception as exc:
        emit.warn_once(f"request not inspected ({type(exc).__name__})")
        return None


def _failed(observer: CallObserver, exc: Exception) -> None:
    response = getattr(exc, "response", None)  # botocore's ClientError carries the parsed error
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if isinstance(status, int):
            observer.http_status = status
    observer.finish("error")


def _follow(observer: CallObserver, operation: str, parsed: Any) -> None:
    try:
        meta = parsed.get("ResponseMetadata") or {}
        observer.http_status = meta.get("HTTPStatusCode")
        usage = observer.usage
        if operation == "Converse":
            bedrock_format.read_converse(parsed.get("usage"), usage)
            observer.finish("end")
        elif operation == "InvokeModel":
            bedrock_format.read_headers(meta.get("HTTPHeaders"), usage)
            body = parsed.get("body")
            if usage.complete or body is None:
                observer.finish("end")
            else:  # no count headers: read the body's counts as the caller reads it
                observer.start_response(observer.http_status or 200, str(parsed.get("contentType") or "").encode(), b"")
                observe_with(body, _ObservedBody, observer)
        else:
            stream = parsed.get("stream" if operation == "ConverseStream" else "body")
            observe_with(stream, _ObservedEvents, observer)
    except Exception as exc:
        observer.done = True
        emit.warn_once(f"response not followed ({type(exc).__name__})")


class _ObservedBody(Observed):
    """Mixin put before `StreamingBody`: the bytes the caller reads pass through unchanged."""

    def read(self, amt: int | None = None) -> bytes:
        chunk = read_through(self._frugal_ai_observer, super().read, amt)  # type: ignore[misc]
        length = self._content_length  # type: ignore[attr-defined]
        if amt is None or not chunk or (length is not None and self._amount_read >= int(length)):  # type: ignore[attr-defined]
            self._frugal_ai_observer.finish("end")
        return chunk  # type: ignore[no-any-return]

    def readinto(self, b: Any) -> int:
        observer = self._frugal_ai_observer
        try:
            count = super().readinto(b)  # type: ignore[misc]
        except BaseException:
            observer.finish("error")
            raise
        if count:
            observer.feed(bytes(memoryview(b)[:count]))
        else:
            observer.finish("end")
        return count  # type: ignore[no-any-return]


class _ObservedEvents(Observed):
    """Mixin put before `EventStream`: each event reaches the caller unchanged, and is read
    only when it can hold counts."""

    def __iter__(self) -> Any:
        observer = self._frugal_ai_observer
        usage = observer.usage
        try:
            for event in super().__iter__():  # type: ignore[misc]
                if not observer.done:
                    _read_event(event, usage, observer)
                yield event
        except GeneratorExit:
            observer.finish("closed")
            raise
        except BaseException:
            observer.finish("error")
            raise
        observer.finish("end")


def _read_event(event: Any, usage: Any, observer: CallObserver) -> None:
    try:
        if "metadata" in event:  # ConverseStream's last event
            bedrock_format.read_event(event, usage)
            return
        chunk = event.get("chunk")
        if chunk is None:
            return
        data = chunk.get("bytes")
        if type(data) is bytes and bedrock_format.MARKER in data:
            bedrock_format.read_event(json.loads(data), usage)
    except ValueError:
        pass  # not JSON: nothing to read in it
    except Exception as exc:
        observer.broken = True
        emit.warn_once(f"the bedrock parser failed ({type(exc).__name__})")


def wrap_make_api_call(original: Callable[..., Any]) -> Callable[..., Any]:
    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if not transport.ENABLED or operation_name not in OPERATIONS or not _bedrock_client(self):
            return original(self, operation_name, api_params)
        observer = _observer_for(self, operation_name, api_params)
        if observer is None:
            return original(self, operation_name, api_params)
        try:
            parsed = original(self, operation_name, api_params)
        except Exception as exc:
            _failed(observer, exc)
            raise
        _follow(observer, operation_name, parsed)
        return parsed

    return _make_api_call


# -- switching on and off (instrument.py) ---------------------------------------------------
_patch = MethodPatch(wrap_make_api_call)


def patch(module: Any) -> bool:
    """Wrap `botocore.client.BaseClient._make_api_call`."""
    from botocore.client import BaseClient

    return _patch.patch(BaseClient, "_make_api_call")


unpatch = _patch.unpatch
