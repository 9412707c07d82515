"""What automatic capture adds to each GenAI API call, with the real openai SDK.

Run:  python benchmarks/bench_capture.py [--calls 2000] [--chunks 200] [--rounds 7]

The openai SDK (3.x, over httpx2) talks to a real `httpx2.HTTPTransport` whose connection
pool answers in-process with canned bytes (a chat completion, or an SSE stream of
`--chunks` deltas plus a usage chunk), so no network time drowns the figure. Capture wraps
`HTTPTransport.handle_request`, so the transport must be the real one: `httpx2.MockTransport`
replaces `handle_request` altogether and would not be captured. Only the pool under it is
replaced here.

Capture off and on run in alternating rounds in the same process, timed in CPU seconds of
the process (all threads: the ledger's background writer is counted; a temporary ledger is
used); the figure is the median over the off/on pairs of the difference. Streaming
overhead is given per chunk.
Because one SDK call costs about a millisecond and this machine is shared, the same
comparison is also made one level down, on `httpx2.Client.post` / `.stream` over the same
transport, where the capture's microseconds are less lost in the SDK's noise.

Baseline from another tool: EcoLogits' openai tracer, measured the same way (off rounds,
then `EcoLogits.init(providers=["openai"])`, then on rounds: it cannot be switched off)
in the separate venv /work/ecologits-venv (ecologits needs openai < 3, so there the SDK is
openai 2.x over httpx with `httpx.MockTransport`, which EcoLogits, patching the SDK
methods, does see). Skipped, and said so, if that venv is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ECOLOGITS_PYTHON = Path("/work/ecologits-venv/bin/python")

_MODEL = "gpt-4o-mini"
_USAGE = {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
          "completion_tokens_details": {"reasoning_tokens": 0}}


def chat_body() -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1741569952, "model": _MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there, world."},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": _USAGE,
    }).encode()


def stream_events(chunks: int) -> list[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        doc = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1741569952, "model": _MODEL,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": None}
        return b"data: " + json.dumps(doc).encode() + b"\n\n"

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f" word{i}"}) for i in range(chunks)]
    events.append(chunk({}, "stop"))
    last = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1741569952, "model": _MODEL,
            "choices": [], "usage": _USAGE}
    events.append(b"data: " + json.dumps(last).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


class _Pool:
    """Stands in for httpcore2's connection pool under a real httpx2.HTTPTransport."""

    def __init__(self, chunks: int) -> None:
        import httpcore2

        self._core = httpcore2
        self._plain = chat_body()
        self._events = stream_events(chunks)

    def handle_request(self, request: Any) -> Any:
        if json.loads(b"".join(request.stream)).get("stream"):
            return self._core.Response(200, headers=[(b"content-type", b"text/event-stream")],
                                       content=iter(self._events))
        return self._core.Response(200, headers=[(b"content-type", b"application/json")], content=[self._plain])

    def close(self) -> None:
        pass


def make_client(chunks: int) -> Any:
    import httpx2
    import openai

    transport = httpx2.HTTPTransport()
    transport._pool = _Pool(chunks)
    return openai.OpenAI(api_key="sk-bench", base_url="https://api.openai.com/v1", max_retries=0,
                         http_client=httpx2.Client(transport=transport))


def per_call_s(fn: Callable[[], Any], n: int) -> float:
    """CPU seconds of this process per call (all its threads: the ledger writer's included).

    CPU time, not wall time: on a shared machine wall time mostly measures the neighbours."""
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def compare(fn: Callable[[], Any], n: int, rounds: int) -> tuple[float, float, float, float]:
    """(off, on, added, added_min) seconds per call: the medians over `rounds` back-to-back
    pairs of a round with capture off and one with it on, `added` the median of the pairs'
    differences, `added_min` the difference of the fastest rounds (on a loaded machine the
    least disturbed rounds are the fastest: the figure least inflated by the neighbours)."""
    import frugal_ai

    off: list[float] = []
    on: list[float] = []
    fn()  # warm up imports and pools
    for _ in range(rounds):
        frugal_ai.uninstrument()
        off.append(per_call_s(fn, n))
        frugal_ai.instrument()
        on.append(per_call_s(fn, n))
    frugal_ai.uninstrument()
    added = statistics.median(b - a for a, b in zip(off, on))
    return statistics.median(off), statistics.median(on), added, min(on) - min(off)


_ECOLOGITS_SCRIPT = r"""
import json, sys, time, httpx, openai
n, rounds = int(sys.argv[1]), int(sys.argv[2])
body = json.loads(sys.argv[3])
def handler(request):
    return httpx.Response(200, json=body)
client = openai.OpenAI(api_key="sk-bench", base_url="https://api.openai.com/v1", max_retries=0,
                       http_client=httpx.Client(transport=httpx.MockTransport(handler)))
def call():
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
def per_call(k):
    t = time.process_time()
    for _ in range(k):
        call()
    return (time.process_time() - t) / k
call()
off = [per_call(n) for _ in range(rounds)]
from ecologits import EcoLogits
EcoLogits.init(providers=["openai"])
r = call()
assert getattr(r, "impacts", None) is not None, "EcoLogits did not trace the call"
on = [per_call(n) for _ in range(rounds)]
import ecologits
import statistics
print(json.dumps({"off": statistics.median(off), "on": statistics.median(on), "version": ecologits.__version__,
                  "openai": openai.__version__}))
"""


def ecologits_baseline(n: int, rounds: int) -> dict[str, Any] | str:
    if not ECOLOGITS_PYTHON.exists():
        return f"not measured: {ECOLOGITS_PYTHON} does not exist"
    proc = subprocess.run(
        [str(ECOLOGITS_PYTHON), "-c", _ECOLOGITS_SCRIPT, str(n), str(rounds), chat_body().decode()],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return f"not measured: the EcoLogits run failed ({last})"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per round (plain)")
    parser.add_argument("--chunks", type=int, default=200, help="text deltas per streamed reply")
    parser.add_argument("--rounds", type=int, default=21, help="off/on pairs of rounds")
    parser.add_argument("--no-ecologits", action="store_true")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="frugal-bench-")
    os.environ["FRUGAL_AI_LEDGER"] = str(Path(tmp) / "ledger.sqlite")

    import httpx2
    import openai

    client = make_client(args.chunks)
    messages = [{"role": "user", "content": "hi"}]

    def plain() -> Any:
        return client.chat.completions.create(model=_MODEL, messages=messages)

    def streamed() -> Any:
        for _ in client.chat.completions.create(model=_MODEL, messages=messages, stream=True,
                                                stream_options={"include_usage": True}):
            pass

    http = client._client  # the httpx2.Client under the SDK
    body = json.dumps({"model": _MODEL, "messages": messages}).encode()

    def raw_post() -> Any:
        return http.post("https://api.openai.com/v1/chat/completions", content=body).content

    stream_body = json.dumps({"model": _MODEL, "messages": messages, "stream": True}).encode()

    def raw_stream() -> Any:
        with http.stream("POST", "https://api.openai.com/v1/chat/completions", content=stream_body) as resp:
            for _ in resp.iter_raw():
                pass

    print(f"openai {openai.__version__}, httpx2 {httpx2.__version__}, Python {sys.version.split()[0]}; "
          f"process CPU time per call, medians of {args.rounds} off/on pairs of rounds")
    h_off, h_on, h_added, h_min = compare(raw_post, args.calls, args.rounds)
    print(f"httpx2 post    capture off {h_off * 1e6:8.1f} us/call   on {h_on * 1e6:8.1f} us/call   "
          f"added {h_added * 1e6:6.1f} us/call (fastest rounds: {h_min * 1e6:5.1f})")
    n_chunks = args.chunks + 4
    r_off, r_on, r_added, _ = compare(raw_stream, max(args.calls // 10, 10), args.rounds)
    print(f"httpx2 stream  capture off {r_off * 1e6:8.1f} us/call   on {r_on * 1e6:8.1f} us/call   "
          f"added {r_added * 1e6:6.1f} us/call = {r_added / n_chunks * 1e6:5.2f} us per chunk ({n_chunks} chunks)")
    off, on, added, added_min = compare(plain, args.calls, args.rounds)
    print(f"openai SDK     capture off {off * 1e6:8.1f} us/call   on {on * 1e6:8.1f} us/call   "
          f"added {added * 1e6:6.1f} us/call (fastest rounds: {added_min * 1e6:5.1f}; target <= 20)")
    stream_calls = max(args.calls // 20, 10)
    s_off, s_on, s_added, _ = compare(streamed, stream_calls, args.rounds)
    print(f"SDK stream     capture off {s_off * 1e6:8.1f} us/call   on {s_on * 1e6:8.1f} us/call   "
          f"added {s_added * 1e6:6.1f} us/call = {s_added / n_chunks * 1e6:5.2f} us per chunk "
          f"({n_chunks} chunks; the SDK alone spends {s_off / n_chunks * 1e6:5.1f} us per chunk)")

    import frugal_ai.ledger as ledger

    written = ledger.flush()
    conn = ledger.connect()
    rows = conn.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM api_calls").fetchone()
    print(f"ledger check   {rows[0]} calls recorded ({written} in the last flush), "
          f"tokens in/out {rows[1]}/{rows[2]}")

    if args.no_ecologits:
        print("EcoLogits      not measured (--no-ecologits)")
        return
    eco = ecologits_baseline(args.calls, args.rounds)
    if isinstance(eco, str):
        print(f"EcoLogits      {eco}")
    else:
        added_eco, added_ours = (eco["on"] - eco["off"]) * 1e6, added
        print(f"EcoLogits {eco['version']} (openai {eco['openai']}, httpx MockTransport, separate venv): "
              f"off {eco['off'] * 1e6:8.1f} us/call   on {eco['on'] * 1e6:8.1f} us/call   added {added_eco:6.1f} us/call")
        print(f"ratio          frugal-ai capture adds {added_ours * 1e6:.1f} us/call vs EcoLogits {added_eco:.1f} us/call")


if __name__ == "__main__":
    main()
