"""What automatic capture adds to each GenAI API call, with the real openai SDK.

Run:  python benchmarks/bench_capture.py [--calls 1000] [--chunks 200] [--rounds 15] [--no-ecologits]
      (about two minutes on a 2-core machine)

The openai SDK (3.x, over httpx2) talks to a real `httpx2.HTTPTransport` whose connection
pool answers in-process with canned bytes (a chat completion, or an SSE stream of
`--chunks` deltas plus a usage chunk), so no network time drowns the figure. Capture wraps
`HTTPTransport.handle_request`, so the transport must be the real one: `httpx2.MockTransport`
replaces `handle_request` altogether and would not be captured. Only the pool under it is
replaced here.

The requests rows (`requests post` / `requests stream`) send the same request bodies through
a real `requests.Session`, its adapter and urllib3's own connection pool (whose `urlopen` the
capture wraps) and http.client's response parsing; only the socket under the connection is
canned (the same reply bytes, chunked for the stream). Their off rounds are their own
baseline, in the same run.

Capture off and on run in alternating rounds in the same process (a temporary ledger is
used). Two figures come from the same rounds:
- caller latency: the wall time of each call on the calling thread, what the user's code
  waits. This is the issue's "overhead per call". Besides the round's mean, the median
  call ("typical call", blind to the odd preemption by a neighbour) and the CPU time of
  the calling thread alone are shown.
- total CPU: the CPU time of the whole process, every thread: the ledger's background
  writer is counted, and each round ends with a flush (outside the latency window) so the
  rows its calls queued are written, and paid for, within that round.
Each figure is the median over the off/on pairs of the difference, printed with the middle
half of the pairs' differences (first to third quartile): the spread the machine put on it.
Streaming overhead is also given per chunk.

The verdict: one SDK call costs about a millisecond, and on a shared machine its figure
moves by more than the whole target between runs, so the SDK lines are printed but carry
no verdict. The same comparison made one level down, on `httpx2.Client.post` / `.stream`
over the same transport, is the same capture without the SDK around it: TARGETS names the
figures a verdict is read from (httpx2 post: caller latency and the calling thread's CPU time,
each <= 20 us, and total CPU, the ledger's writer included, <= 30 us; the streamed, requests
and aiohttp rows are printed against their own baselines, without a verdict). A verdict is
MET when the whole middle half of the pairs lies under the target, NOT MET when it lies
above, and "too noisy to decide" when the spread covers the target.

Baseline from another tool: EcoLogits' openai tracer, in a child process of this same
Python (EcoLogits cannot be switched off once on), over the same SDK client and transport:
off rounds, then `EcoLogits.init(providers=["openai"])`, then on rounds. Skipped, and said
so, when ecologits is not installed here (it is in the project's `test` extra) or does not
trace the call.

To add a figure: a `Case` in `cases()`; to judge one, a `Target` in TARGETS.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

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


class _CannedSocket:
    """A socket for urllib3's real HTTPConnection: what is sent is dropped, each response read
    is the canned reply to the last request (chunked SSE when it asked for a stream)."""

    def __init__(self, plain: bytes, stream: bytes) -> None:
        self._plain, self._stream, self._sent = plain, stream, b""

    def sendall(self, data: bytes) -> None:
        self._sent = data if data.startswith((b"POST", b"GET")) else self._sent + data

    def makefile(self, mode: str) -> Any:
        import io

        return io.BytesIO(self._stream if b'"stream": true' in self._sent else self._plain)

    def settimeout(self, timeout: Any) -> None:
        pass

    def setsockopt(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass


def make_requests_session(chunks: int) -> Any:
    """A requests Session whose urllib3 pools are the real ones; only the socket is canned."""
    import requests
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool

    body = chat_body()
    plain = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)) + body
    stream = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    stream += b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in stream_events(chunks)) + b"0\r\n\r\n"

    class CannedConnection(HTTPConnection):
        def connect(self) -> None:
            self.sock = _CannedSocket(plain, stream)

        @property
        def is_connected(self) -> bool:
            return self.sock is not None

    class CannedPool(HTTPConnectionPool):
        ConnectionCls = CannedConnection

    session = requests.Session()
    session.get_adapter("http://").poolmanager.pool_classes_by_scheme = {"http": CannedPool}
    return session


class Round:
    """One timed round of `n` calls: per-call figures in seconds."""

    __slots__ = ("wall_mean", "wall_median", "caller_cpu", "total_cpu")

    def __init__(self, wall_mean: float, wall_median: float, caller_cpu: float, total_cpu: float) -> None:
        self.wall_mean = wall_mean      # the caller's wall time per call, all calls of the round
        self.wall_median = wall_median  # the typical call's wall time (ignores rare hiccups)
        self.caller_cpu = caller_cpu    # CPU time of the calling thread only
        self.total_cpu = total_cpu      # CPU time of the whole process: writer thread included


def timed_round(fn: Callable[[], Any], n: int, settle: Callable[[], Any]) -> Round:
    """Call `fn` `n` times, each timed on the calling thread; then `settle()` (the ledger
    flush) inside the process-CPU window only, so that every record this round queued is
    written, and paid for, within the round whose calls queued it."""
    clock = time.perf_counter_ns
    walls = [0] * n
    cpu0, thread0 = time.process_time_ns(), time.thread_time_ns()
    for i in range(n):
        t0 = clock()
        fn()
        walls[i] = clock() - t0
    thread1 = time.thread_time_ns()
    settle()
    cpu1 = time.process_time_ns()
    return Round(sum(walls) / n * 1e-9, statistics.median(walls) * 1e-9,
                 (thread1 - thread0) / n * 1e-9, (cpu1 - cpu0) / n * 1e-9)


class Comparison:
    """Capture off vs on over back-to-back pairs of rounds; each figure is the median over
    the pairs of (on - off), so a neighbour's burst that hits one pair moves one sample."""

    def __init__(self, off: list[Round], on: list[Round]) -> None:
        self.off, self.on = off, on

    def added(self, attr: str) -> float:
        return statistics.median(getattr(b, attr) - getattr(a, attr) for a, b in zip(self.off, self.on))

    def spread(self, attr: str) -> tuple[float, float]:
        """The first and third quartiles of the pairs' differences: how much the machine moved them."""
        q1, _, q3 = statistics.quantiles((getattr(b, attr) - getattr(a, attr) for a, b in zip(self.off, self.on)),
                                         n=4, method="inclusive")
        return q1, q3

    def base(self, attr: str) -> float:
        return statistics.median(getattr(a, attr) for a in self.off)


def compare(fn: Callable[[], Any], n: int, rounds: int) -> Comparison:
    import frugal_ai
    import frugal_ai.ledger as ledger

    off: list[Round] = []
    on: list[Round] = []
    for _ in range(3):  # warm up imports, pools, the ledger file and its writer thread
        frugal_ai.instrument()
        fn()
        frugal_ai.uninstrument()
        fn()
    ledger.flush()
    for _ in range(rounds):
        frugal_ai.uninstrument()
        off.append(timed_round(fn, n, ledger.flush))
        frugal_ai.instrument()
        on.append(timed_round(fn, n, ledger.flush))
    frugal_ai.uninstrument()
    return Comparison(off, on)


def _spread_text(c: Comparison, attr: str, per: int = 1) -> str:
    q1, q3 = (q / per * 1e6 for q in c.spread(attr))
    return f"[{q1:+.1f} to {q3:+.1f}]" if per == 1 else f"[{q1:+.2f} to {q3:+.2f}]"


def show(label: str, c: Comparison, chunks: int | None = None) -> None:
    """Two lines per case: caller latency and total CPU added, each with its spread over the pairs."""
    us = 1e6
    per = f" = {c.added('wall_mean') / chunks * us:5.2f} us/chunk {_spread_text(c, 'wall_mean', chunks)}" if chunks else ""
    typical = c.added("wall_median") * us
    typical_text = f"{typical:+.1f}" + (f" = {typical / chunks:+.2f} us/chunk" if chunks else "")
    print(f"{label:<14} caller latency: off {c.base('wall_mean') * us:8.1f} us/call, "
          f"added {c.added('wall_mean') * us:6.1f} us/call {_spread_text(c, 'wall_mean')}{per} "
          f"(typical call {typical_text}, caller-thread CPU {c.added('caller_cpu') * us:+.1f} "
          f"{_spread_text(c, 'caller_cpu')})")
    per = f" = {c.added('total_cpu') / chunks * us:5.2f} us/chunk" if chunks else ""
    print(f"{'':<14} total CPU:      off {c.base('total_cpu') * us:8.1f} us/call, "
          f"added {c.added('total_cpu') * us:6.1f} us/call {_spread_text(c, 'total_cpu')}{per} "
          f"(all threads, ledger writes included)")


@dataclass(frozen=True)
class Case:
    """One compared workload: `fn` called `calls` times a round, capture off then on."""

    label: str
    fn: Callable[[], Any]
    calls: int
    chunks: int | None = None  # chunks a streamed reply: figures are also given per chunk


@dataclass(frozen=True)
class Target:
    """A figure a verdict is read from: the `attr` of case `label`, added per call, against `limit_us`."""

    label: str
    attr: str
    what: str
    limit_us: float


# Only figures whose spread on a shared machine is well under the target can carry a verdict.
# The caller's latency is the target's own figure; on a loaded machine the scheduler spreads it
# (then it says so), while the calling thread's CPU time is the capture's work alone. Total CPU
# (the ledger's writer thread included) is what the machine pays.
# The streamed and aiohttp figures are printed against their own baselines, without a verdict.
TARGETS = [
    Target("httpx2 post", "wall_mean", "caller latency", 20.0),
    Target("httpx2 post", "caller_cpu", "calling thread's CPU", 20.0),
    Target("httpx2 post", "total_cpu", "total CPU, ledger write included", 30.0),
]


def verdict(c: Comparison, attr: str, limit_us: float) -> str:
    """MET / NOT MET when the middle half of the pairs lies on one side of the target, else too noisy."""
    q1, q3 = (q * 1e6 for q in c.spread(attr))
    if q3 < limit_us:
        return "MET"
    if q1 > limit_us:
        return "NOT MET"
    return "too noisy to decide"


def cases(client: Any, args: argparse.Namespace) -> list[Case]:
    """The workloads compared, lowest level first."""
    messages = [{"role": "user", "content": "hi"}]
    http = client._client  # the httpx2.Client under the SDK
    url = "https://api.openai.com/v1/chat/completions"
    body = json.dumps({"model": _MODEL, "messages": messages}).encode()
    stream_body = json.dumps({"model": _MODEL, "messages": messages, "stream": True}).encode()

    def raw_post() -> Any:
        return http.post(url, content=body).content

    def raw_stream() -> Any:
        with http.stream("POST", url, content=stream_body) as resp:
            for _ in resp.iter_raw():
                pass

    def plain() -> Any:
        return client.chat.completions.create(model=_MODEL, messages=messages)

    def streamed() -> Any:
        for _ in client.chat.completions.create(model=_MODEL, messages=messages, stream=True,
                                                stream_options={"include_usage": True}):
            pass

    session = make_requests_session(args.chunks)
    plain_url = "http://api.openai.com/v1/chat/completions"

    def requests_post() -> Any:
        return session.post(plain_url, data=body).content

    def requests_stream() -> Any:
        with session.post(plain_url, data=stream_body, stream=True) as resp:
            for _ in resp.iter_content(None):
                pass

    n_chunks = args.chunks + 4  # role chunk, text deltas, finish chunk, usage chunk, [DONE]
    found = [
        Case("httpx2 post", raw_post, args.calls * 3),
        Case("httpx2 stream", raw_stream, max(args.calls // 10, 10), n_chunks),
        Case("requests post", requests_post, args.calls * 3),
        Case("requests stream", requests_stream, max(args.calls // 10, 10), n_chunks),
        Case("openai SDK", plain, args.calls),
        Case("SDK stream", streamed, max(args.calls // 20, 10), n_chunks),
    ]
    aiohttp_post = aiohttp_case()
    if aiohttp_post is not None:
        found.append(Case("aiohttp post", aiohttp_post, args.calls))
    return found


_AIOHTTP_SERVER = r"""
import asyncio, sys
body = sys.stdin.buffer.read()
head = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body))
async def serve(reader, writer):
    while True:
        try:
            headers = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            break
        length = 0
        for line in headers.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        writer.write(head + body)
    writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def aiohttp_case() -> Callable[[], Any] | None:
    """An aiohttp `session.post` + `read()` of the same chat completion, served by a small
    HTTP/1.1 server in a child process (its CPU is not this process's), or None without aiohttp."""
    try:
        import aiohttp
    except ImportError:
        print("aiohttp post   skipped: aiohttp is not installed in this Python")
        return None
    import asyncio
    import atexit

    server = subprocess.Popen([sys.executable, "-c", _AIOHTTP_SERVER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(chat_body())
    server.stdin.close()
    port = int(server.stdout.readline())
    atexit.register(server.kill)
    loop = asyncio.new_event_loop()
    session = loop.run_until_complete(_aiohttp_session(aiohttp))
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    payload = json.dumps({"model": _MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()

    async def post() -> bytes:
        async with session.post(url, data=payload, headers={"content-type": "application/json"}) as resp:
            return await resp.read()

    atexit.register(lambda: loop.run_until_complete(session.close()))
    return lambda: loop.run_until_complete(post())


async def _aiohttp_session(aiohttp: Any) -> Any:
    return aiohttp.ClientSession()


_ECOLOGITS_SCRIPT = r"""
import json, statistics, sys
sys.path.insert(0, sys.argv[3])
from bench_capture import _MODEL, make_client, timed_round
n, rounds = int(sys.argv[1]), int(sys.argv[2])
client = make_client(1)
messages = [{"role": "user", "content": "hi"}]
def call():
    return client.chat.completions.create(model=_MODEL, messages=messages)
for _ in range(3):
    call()
off = [timed_round(call, n, lambda: None) for _ in range(rounds)]
import ecologits
from ecologits import EcoLogits
EcoLogits.init(providers=["openai"])
if getattr(call(), "impacts", None) is None:
    sys.exit("EcoLogits did not trace the call")
for _ in range(3):
    call()
on = [timed_round(call, n, lambda: None) for _ in range(rounds)]
med = statistics.median
import openai
print(json.dumps({"wall_off": med(r.wall_mean for r in off), "wall_on": med(r.wall_mean for r in on),
                  "cpu_off": med(r.total_cpu for r in off), "cpu_on": med(r.total_cpu for r in on),
                  "version": ecologits.__version__, "openai": openai.__version__}))
"""


def ecologits_baseline(n: int, rounds: int) -> dict[str, Any] | str:
    """EcoLogits' added latency and CPU per call over the same client, or why it was skipped."""
    import importlib.util

    if importlib.util.find_spec("ecologits") is None:
        return "skipped: ecologits is not installed in this Python (pip install ecologits, or the test extra)"
    proc = subprocess.run(
        [sys.executable, "-c", _ECOLOGITS_SCRIPT, str(n), str(rounds), str(Path(__file__).resolve().parent)],
        capture_output=True, text=True, timeout=900,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return f"skipped: the EcoLogits run failed ({last})"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per round (plain SDK; 3x that for httpx2)")
    parser.add_argument("--chunks", type=int, default=200, help="text deltas per streamed reply")
    parser.add_argument("--rounds", type=int, default=15, help="off/on pairs of rounds")
    parser.add_argument("--no-ecologits", action="store_true")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="frugal-bench-")
    os.environ["FRUGAL_AI_LEDGER"] = str(Path(tmp) / "ledger.sqlite")

    import httpx2
    import openai

    print(f"openai {openai.__version__}, httpx2 {httpx2.__version__}, Python {sys.version.split()[0]}; "
          f"medians over {args.rounds} back-to-back pairs of rounds, capture off then on,")
    print("[in brackets: first to third quartile of the pairs' differences, the run's spread]")
    print("caller latency: wall time of each call on the calling thread (what a user's code waits);")
    print("total CPU: CPU time of the whole process, the ledger's writer thread and the flush of the")
    print("round's records included (what the machine pays).")
    results: dict[str, Comparison] = {}
    for case in cases(make_client(args.chunks), args):
        results[case.label] = compare(case.fn, case.calls, args.rounds)
        show(case.label, results[case.label], case.chunks)
        if case.label == "SDK stream" and case.chunks:
            print(f"{'':<14} ({case.chunks} chunks a reply; the SDK alone spends "
                  f"{results[case.label].base('wall_mean') / case.chunks * 1e6:.1f} us per chunk)")

    import frugal_ai.ledger as ledger

    written = ledger.flush()
    conn = ledger.connect()
    rows = conn.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) FROM api_calls").fetchone()
    print(f"ledger check   {rows[0]} calls recorded ({written} in the last flush), "
          f"tokens in/out {rows[1]}/{rows[2]}")

    for t in TARGETS:
        c = results[t.label]
        print(f"VERDICT        {t.label}, {t.what}: capture adds {c.added(t.attr) * 1e6:.1f} us a call "
              f"{_spread_text(c, t.attr)} over {args.rounds} pairs; target <= {t.limit_us:g} us: "
              f"{verdict(c, t.attr, t.limit_us)}")
    sdk = results["openai SDK"]
    print(f"{'':<14} (no verdict from the SDK lines: their spread "
          f"{_spread_text(sdk, 'wall_mean')} us is the SDK's and the machine's noise, not the capture's)")

    if args.no_ecologits:
        print("EcoLogits      skipped (--no-ecologits)")
        return
    eco = ecologits_baseline(args.calls, args.rounds)
    if isinstance(eco, str):
        print(f"EcoLogits      {eco}")
        return
    latency_us, cpu_us = sdk.added("wall_mean") * 1e6, sdk.added("total_cpu") * 1e6
    eco_wall, eco_cpu = (eco["wall_on"] - eco["wall_off"]) * 1e6, (eco["cpu_on"] - eco["cpu_off"]) * 1e6
    print(f"EcoLogits {eco['version']} (openai {eco['openai']}, the same client and transport, a child process; "
          f"medians of {args.rounds} off rounds then {args.rounds} on rounds):")
    print(f"{'':<14} caller latency: off {eco['wall_off'] * 1e6:8.1f} us/call, added {eco_wall:6.1f} us/call; "
          f"total CPU added {eco_cpu:6.1f} us/call")
    print(f"ratio          openai SDK, caller latency added: frugal-ai {latency_us:.1f} us vs EcoLogits {eco_wall:.1f} us; "
          f"total CPU added: frugal-ai {cpu_us:.1f} us vs EcoLogits {eco_cpu:.1f} us")


if __name__ == "__main__":
    main()
