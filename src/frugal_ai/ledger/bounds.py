"""What the ledger accepts: plausibility bounds on a record's values, in one place.

A record outside them is not written with the facts: it is stored in the `rejected` table
with its reason (never summed), the writer warns once, and the report's data-quality
section counts it. Its neighbours in the same batch are written as usual. See
docs/ledger.md ("What the ledger refuses").

Token counts are per request. The bound is the largest context window any catalogued
provider publishes (10 million tokens: Meta's Llama 4 Scout, April 2025), which no single
request's input, output or reasoning can exceed; a count above it is a broken or hostile
server's `usage`, not a request.
"""

from __future__ import annotations

import math
from typing import Any

from .kinds import CHAT, MAX_UNITS_PER_REQUEST, REQUEST_KINDS, UNIT_OF_KIND
from .records import ApiCallRecord, Record, RunRecord, SessionRecord

MAX_TOKENS_PER_REQUEST = 10_000_000
"""Largest plausible input, output or reasoning token count of one request."""

# API calls whose token counts lie within the bounds, as SQL: the only ones summed. A ledger
# written before the bounds may hold others; they are counted as rejected (ledger/query.py).
PLAUSIBLE_CALL_SQL = " AND ".join(f"{c} BETWEEN 0 AND {MAX_TOKENS_PER_REQUEST}"
                                  for c in ("input_tokens", "output_tokens", "reasoning_tokens"))

MAX_REQUESTS_PER_ROW = 1_000_000_000
"""Largest request count one API-call row may stand for (a year of a large company's usage
is far below it; above, a token sum could overflow SQLite's 64-bit integers)."""

# SQLite stores integers in 64 bits: anything wider cannot be written at all.
_INT64_MAX = 2**63 - 1

_TOKEN_FIELDS = ("input_tokens", "output_tokens", "reasoning_tokens")
_RUN_FLOATS = ("start", "end", "cpu_kwh", "gpu_kwh", "ram_kwh", "coverage")
_SESSION_FLOATS = ("start", "end", "cpu_kwh", "gpu_kwh", "ram_kwh", "unattributed_cpu_kwh", "unattributed_gpu_kwh",
                   "unattributed_ram_kwh", "extrapolated_kwh", "others_cpu_kwh", "others_gpu_kwh", "others_ram_kwh",
                   "idle_cpu_kwh", "idle_gpu_kwh", "idle_ram_kwh")


_M = MAX_TOKENS_PER_REQUEST
_isfinite = math.isfinite


def problem(record: Record) -> str | None:
    """Why `record` cannot be counted, in a few words naming the field; None when it can."""
    if type(record) is ApiCallRecord:
        # The writer thread checks every captured call: the usual, valid case in one expression.
        i, o, r, lat, status, n = (record.input_tokens, record.output_tokens, record.reasoning_tokens,
                                   record.latency_s, record.http_status, record.requests)
        if (type(i) is int and type(o) is int and type(r) is int and 0 <= i <= _M and 0 <= o <= _M and 0 <= r <= _M
                and type(n) is int and 1 <= n <= MAX_REQUESTS_PER_ROW
                and type(record.start) is float and type(record.end) is float
                and _isfinite(record.start) and _isfinite(record.end)
                and (lat is None or (type(lat) is float and 0.0 <= lat and _isfinite(lat)))
                and (status is None or (type(status) is int and 0 <= status < 1000))
                and ((record.request_kind == CHAT and record.units == 0) or _kind_ok(record))):
            return None
    return _explained(record)


def _explained(record: Record) -> str | None:
    if isinstance(record, ApiCallRecord):
        for name in _TOKEN_FIELDS:
            value = getattr(record, name)
            if type(value) is not int:
                return f"{name} is not an integer ({type(value).__name__})"
            if value < 0:
                return f"{name} is negative ({value})"
            if value > MAX_TOKENS_PER_REQUEST:
                return f"{name} above {MAX_TOKENS_PER_REQUEST:,} per request ({value:.3g})"
        n = record.requests
        if type(n) is not int:
            return f"requests is not an integer ({type(n).__name__})"
        if not 1 <= n <= MAX_REQUESTS_PER_ROW:
            return f"requests outside 1..{MAX_REQUESTS_PER_ROW:,} ({n:.3g})"
        return _finite(record, ("start", "end")) or _optional_number(record, "latency_s") \
            or _int64(record, "http_status") or _kind_problem(record)
    if isinstance(record, RunRecord):
        return _finite(record, _RUN_FLOATS, non_negative=_RUN_FLOATS[2:]) or _int64(record, "pid")
    if isinstance(record, SessionRecord):
        return _finite(record, _SESSION_FLOATS, non_negative=_SESSION_FLOATS[2:]) or _int64(record, "pid")
    return f"not a ledger record ({type(record).__name__})"


def _kind_ok(record: ApiCallRecord) -> bool:
    return _kind_problem(record) is None


def _kind_problem(record: ApiCallRecord) -> str | None:
    """Why a call's request kind, units or image attributes cannot be stored; None when they can."""
    kind, units = record.request_kind, record.units
    if kind not in REQUEST_KINDS:
        return f"request kind is not one of {', '.join(REQUEST_KINDS)} ({str(kind)[:40]!r})"
    if isinstance(units, bool) or not isinstance(units, (int, float)) or not math.isfinite(units):
        return f"units is not a finite number ({units!r})"
    if not 0 <= units <= MAX_UNITS_PER_REQUEST:
        return f"units outside 0..{MAX_UNITS_PER_REQUEST:,.0f} per request ({units:.3g})"
    if units and UNIT_OF_KIND[kind] is None:
        return f"units of a {kind} call must be 0: its tokens are the token counts ({units:.3g})"
    for name in ("image_size", "image_quality"):
        value = getattr(record, name)
        if not isinstance(value, str) or len(value) > 40:
            return f"{name} is not a short string ({str(value)[:40]!r})"
    return None


def _finite(record: Any, names: tuple[str, ...], non_negative: tuple[str, ...] = ()) -> str | None:
    for name in names:
        value = getattr(record, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} is not a number ({type(value).__name__})"
        if not math.isfinite(value):
            return f"{name} is not finite ({value})"
        if name in non_negative and value < 0:
            return f"{name} is negative ({value})"
    return None


def _optional_number(record: Any, name: str) -> str | None:
    value = getattr(record, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return f"{name} is not a non-negative number ({value!r})"
    return None


def _int64(record: Any, name: str) -> str | None:
    value = getattr(record, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64_MAX <= value <= _INT64_MAX:
        return f"{name} is not a 64-bit integer ({value!r})"
    return None
