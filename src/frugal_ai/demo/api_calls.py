"""A realistic month of GenAI API calls for a small company, simulated with a fixed seed.

Two use cases of a 40-person SME: a customer-support chatbot (multi-turn conversations,
so input tokens grow with the history) and the extraction of supplier invoices (long OCR
text in, a short JSON out). Calls happen on working days, in office hours. About one
extraction call in fifty first hits the provider's rate limit (HTTP 429, no tokens) and is
retried, as real SDKs do: the report counts those failed calls. Every record
is marked `source="demo"` and tagged `demo=true`: the report says it is example data.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from datetime import datetime, timedelta, timezone

from ..ledger.records import ApiCallRecord

SEED = 2026
CHATBOT = "support-chatbot"
EXTRACTION = "invoice-extraction"
CHATBOT_MODEL = ("openai", "gpt-4o-mini")
EXTRACTION_MODEL = ("openai", "gpt-4o")
RATE_LIMITED_SHARE = 0.02


def simulated_api_calls(end: datetime, days: int = 30, seed: int = SEED) -> list[ApiCallRecord]:
    """About six thousand calls over the `days` days before `end` (UTC), deterministic for a seed."""
    rng = random.Random(seed)
    ids = random.Random(seed + 1)
    limits = random.Random(seed + 2)  # its own stream: the 429s leave every other call as it was
    end = end.astimezone(timezone.utc)
    start_day = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    calls: list[ApiCallRecord] = []

    def call(workload: str, provider: str, model: str, t: float, inp: int, out: int, team: str) -> ApiCallRecord:
        latency = 0.4 + out / 90.0 * rng.uniform(0.8, 1.3)  # tokens per second of a hosted model, roughly
        return ApiCallRecord(
            id=str(uuid.UUID(int=ids.getrandbits(128), version=4)),
            provider=provider,
            model=model,
            start=t,
            end=t + latency,
            input_tokens=inp,
            output_tokens=out,
            latency_s=round(latency, 3),
            name=workload,
            project="demo",
            tags={"demo": "true", "team": team},
            host="demo",
            path="/v1/chat/completions",
            http_status=200,
            source="demo",
        )

    for d in range(days + 1):
        day = start_day + timedelta(days=d)
        if day.weekday() >= 5:  # the office is closed at weekends
            continue
        # Support chatbot: 45 to 75 conversations a day, 2 to 6 turns each.
        for _ in range(rng.randint(45, 75)):
            t = _office_time(rng, day)
            if t >= end.timestamp():
                continue
            history = 650  # system prompt and the help-centre excerpt
            for _turn in range(rng.randint(2, 6)):
                question = rng.randint(20, 120)
                answer = max(40, int(rng.gauss(220, 70)))
                history += question
                calls.append(call(CHATBOT, *CHATBOT_MODEL, t, history, answer, "support"))
                history += answer
                t += rng.uniform(30, 180)
        # Invoice extraction: 25 to 55 invoices a day, OCR text in, JSON out.
        for _ in range(rng.randint(25, 55)):
            t = _office_time(rng, day)
            if t >= end.timestamp():
                continue
            calls.append(call(EXTRACTION, *EXTRACTION_MODEL, t, rng.randint(1200, 4200), rng.randint(250, 600),
                              "accounting"))
            if limits.random() < RATE_LIMITED_SHARE:
                calls.append(_rate_limited(calls[-1], limits))
    calls.sort(key=lambda c: c.start)
    return calls


def _rate_limited(retried: ApiCallRecord, rng: random.Random) -> ApiCallRecord:
    """The failed first attempt of `retried`: a 429 a moment before it, with no tokens."""
    t = retried.start - rng.uniform(1.0, 4.0)
    return dataclasses.replace(
        retried, id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), start=t, end=t + 0.15, latency_s=0.15,
        input_tokens=0, output_tokens=0, status="failed", http_status=429,
    )


def _office_time(rng: random.Random, day: datetime) -> float:
    """A moment between 08:00 and 18:00 UTC on `day`."""
    return (day + timedelta(hours=8) + timedelta(seconds=rng.uniform(0, 10 * 3600))).timestamp()
