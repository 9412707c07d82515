"""`frugal_ai.track`: transparent to the code it wraps, and every run lands in the ledger
with measured energy (real codecarbon, real SQLite)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frugal_ai
import frugal_ai.ledger as ledger
from frugal_ai import measure
from frugal_ai.measure.context import bind, current_run


def _runs(path: Path) -> list[dict[str, Any]]:
    measure.settle()
    conn = ledger.connect(path)
    conn.row_factory = __import__("sqlite3").Row
    return [dict(r) for r in conn.execute('SELECT * FROM runs ORDER BY start')]


@pytest.fixture(autouse=True)
def _settled() -> Any:
    yield
    measure.settle()  # finished runs go to this test's ledger, not the next one's


# --- transparency ----------------------------------------------------------------------------------

values = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=5),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(values, max_size=4), kwargs=st.dictionaries(st.sampled_from("abcxyz"), values, max_size=3))
def test_sync_result_and_arguments_pass_through_unchanged(args: list[Any], kwargs: dict[str, Any]) -> None:
    def f(*a: Any, **k: Any) -> tuple[Any, Any]:
        return a, k

    result = frugal_ai.track("echo")(f)(*args, **kwargs)
    assert result == (tuple(args), kwargs)
    # the very objects, not copies: a wrapper that copied or re-serialised them would fail here
    assert all(got is sent for got, sent in zip(result[0], args, strict=True))
    assert all(result[1][k] is v for k, v in kwargs.items())


class Boom(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exc_type=st.sampled_from([Boom, ValueError, KeyError, RuntimeError, StopIteration, KeyboardInterrupt, SystemExit]),
       message=st.text(max_size=10))
def test_exceptions_are_the_same_object_with_their_traceback(exc_type: type[BaseException], message: str) -> None:
    raised: list[BaseException] = []

    def f() -> None:
        e = exc_type(message)
        raised.append(e)
        raise e

    with pytest.raises(exc_type) as info:
        frugal_ai.track("boom")(f)()
    assert info.value is raised[0]
    frames = [fr.name for fr in __import__("traceback").extract_tb(info.value.__traceback__)]
    assert frames[-1] == "f"  # the innermost frame is still where it was raised


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(values, max_size=6), sent=st.lists(st.integers(), max_size=6), ret=values)
def test_generators_yield_receive_and_return_the_same(items: list[Any], sent: list[int], ret: Any) -> None:
    def gen() -> Any:
        got = []
        for it in items:
            got.append((yield it))
        return ret, got

    def drive(g: Any) -> tuple[list[Any], Any]:
        out = []
        try:
            out.append(next(g))
            for i in range(len(items)):
                out.append(g.send(sent[i] if i < len(sent) else None))
        except StopIteration as stop:
            return out, stop.value
        return out, None

    assert drive(frugal_ai.track("gen")(gen)()) == drive(gen())


def test_wraps_keeps_metadata_and_kind() -> None:
    def plain(x: int) -> int:
        """Doc."""
        return x

    async def coro() -> None: ...

    def gen() -> Any:
        yield 1

    async def agen() -> Any:
        yield 1

    w = frugal_ai.track()(plain)
    assert (w.__name__, w.__doc__, w.__wrapped__, inspect.signature(w)) == ("plain", "Doc.", plain, inspect.signature(plain))
    assert inspect.iscoroutinefunction(frugal_ai.track()(coro))
    assert inspect.isgeneratorfunction(frugal_ai.track()(gen))
    assert inspect.isasyncgenfunction(frugal_ai.track()(agen))
    assert frugal_ai.track(plain)(3) == 3  # bare @track


def test_async_result_exception_and_cancellation(ledger_path: Path) -> None:
    @frugal_ai.track("double")
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    @frugal_ai.track("fails")
    async def fails() -> None:
        raise Boom("x")

    @frugal_ai.track("slow")
    async def slow() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        assert await double(21) == 42
        with pytest.raises(Boom):
            await fails()
        task = asyncio.create_task(slow())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    asyncio.run(main())
    status = {r["name"]: r["status"] for r in _runs(ledger_path)}
    assert status == {"double": "ok", "fails": "failed", "slow": "failed"}


def test_async_generator_spans_the_iteration(ledger_path: Path) -> None:
    @frugal_ai.track("stream")
    async def stream(n: int) -> Any:
        for i in range(n):
            assert current_run() is not None and current_run().name == "stream"
            await asyncio.sleep(0.01)
            yield i

    async def main() -> list[int]:
        out = []
        async for i in stream(5):
            assert current_run() is None  # the consumer is not inside the run
            out.append(i)
        return out

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    (run,) = _runs(ledger_path)
    assert run["name"] == "stream" and run["status"] == "ok"
    assert run["end"] - run["start"] >= 0.05


def test_generator_closed_early_is_ok_and_raising_is_failed(ledger_path: Path) -> None:
    @frugal_ai.track("g")
    def g() -> Any:
        yield 1
        yield 2

    @frugal_ai.track("bad")
    def bad() -> Any:
        yield 1
        raise Boom()

    it = g()
    assert next(it) == 1
    it.close()
    with pytest.raises(Boom):
        list(bad())
    assert {r["name"]: r["status"] for r in _runs(ledger_path)} == {"g": "ok", "bad": "failed"}


# --- runs in the ledger ------------------------------------------------------------------------------

def test_context_manager_nesting_and_inclusive_energy(ledger_path: Path) -> None:
    with frugal_ai.track("outer", tags={"team": "ocr"}) as outer:
        assert current_run() is outer and outer.name == "outer"
        time.sleep(0.05)
        with frugal_ai.track("inner") as inner:
            assert current_run() is inner and inner.parent is outer
            sum(range(200_000))
        time.sleep(0.05)
    assert current_run() is None
    runs = {r["name"]: r for r in _runs(ledger_path)}
    assert runs["inner"]["parent_id"] == runs["outer"]["id"] and runs["outer"]["parent_id"] is None
    assert runs["outer"]["tags"] == '{"team": "ocr"}'
    for r in runs.values():
        assert r["method"] != "unavailable" and r["cpu_kwh"] + r["ram_kwh"] > 0
    for c in ("cpu_kwh", "gpu_kwh", "ram_kwh"):
        assert runs["inner"][c] <= runs["outer"][c]
    assert runs["inner"]["cpu_kwh"] < runs["outer"]["cpu_kwh"]


def test_failed_block_is_recorded_failed_and_exception_propagates(ledger_path: Path) -> None:
    with pytest.raises(Boom):
        with frugal_ai.track("block"):
            raise Boom()
    (run,) = _runs(ledger_path)
    assert run["status"] == "failed"


async def _a_block() -> str | None:
    async with frugal_ai.track("ablock") as frame:
        await asyncio.sleep(0.01)
        return frame.name if frame else None


def test_async_with(ledger_path: Path) -> None:
    assert asyncio.run(_a_block()) == "ablock"
    assert [r["name"] for r in _runs(ledger_path)] == ["ablock"]


def test_a_short_call_gets_a_share_not_zero_and_not_a_whole_interval(ledger_path: Path) -> None:
    from frugal_ai.measure.meter import meter

    with frugal_ai.track("warm-up"):
        pass
    assert meter().wait_ready(30)
    with frugal_ai.track("long"):
        time.sleep(1.2)
    with frugal_ai.track("short"):
        time.sleep(0.01)
    runs = {r["name"]: r for r in _runs(ledger_path)}
    long_kwh = runs["long"]["cpu_kwh"] + runs["long"]["ram_kwh"]
    short_kwh = runs["short"]["cpu_kwh"] + runs["short"]["ram_kwh"]
    assert runs["short"]["coverage"] == 1.0 and runs["short"]["method"] != "unavailable"
    assert 0 < short_kwh < long_kwh / 20  # ~1/120 of the long run's energy, at similar power


def test_asyncio_tasks_inherit_the_run_and_threads_need_bind() -> None:
    seen: dict[str, Any] = {}

    async def child() -> None:
        seen["task"] = current_run().name if current_run() else None

    async def main() -> None:
        async with frugal_ai.track("parent"):
            await asyncio.create_task(child())
            seen["to_thread"] = await asyncio.to_thread(lambda: current_run().name if current_run() else None)

    asyncio.run(main())
    with frugal_ai.track("threads"):
        def look(key: str) -> None:
            seen[key] = current_run().name if current_run() else None

        plain = threading.Thread(target=look, args=("plain",))
        bound = threading.Thread(target=bind(look), args=("bound",))
        plain.start(), bound.start()
        plain.join(), bound.join()
    assert seen == {"task": "parent", "to_thread": "parent", "plain": None, "bound": "threads"}


def test_default_name_is_the_qualified_name_and_project_comes_from_config(
        ledger_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_PROJECT", "invoices")
    monkeypatch.setenv("FRUGAL_AI_COUNTRY", "fra")

    class Job:
        @frugal_ai.track()
        def run(self) -> int:
            return 1

    assert Job().run() == 1
    (run,) = _runs(ledger_path)
    assert run["name"].endswith("Job.run") and run["project"] == "invoices"
    # the activity data the report needs (issue 3): where it ran, in the config's zone, normalised
    assert run["zone"] == "FR" and run["host"] == __import__("socket").gethostname()
    assert run["status"] == "ok" and run["parent_id"] is None and run["start"] <= run["end"]


def test_capture_api_flag_reaches_the_frame() -> None:
    with frugal_ai.track("a") as a:
        assert a.capture_api is True
    with frugal_ai.track("b", capture_api=False) as b:
        assert b.capture_api is False


def test_concurrent_threads_record_every_run(ledger_path: Path) -> None:
    @frugal_ai.track("work")
    def work(i: int) -> int:
        return i * i

    results: list[int] = []

    def loop() -> None:
        results.extend(work(i) for i in range(200))

    threads = [threading.Thread(target=loop) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == sorted(i * i for i in range(200) for _ in range(4))
    assert len(_runs(ledger_path)) == 800


def test_track_name_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        frugal_ai.track(123)  # type: ignore[arg-type]


def test_generator_throw_and_close_reach_the_wrapped_generator(ledger_path: Path) -> None:
    """`gen.throw()` and `gen.close()` go to the user's generator as without tracking: its
    except and finally clauses run, and what it yields back is what the caller gets."""
    def make(log: list[str]) -> Any:
        def gen() -> Any:
            try:
                while True:
                    try:
                        yield "value"
                    except Boom as e:
                        log.append(f"caught {e}")
                        yield "recovered"
            finally:
                log.append("finally")
        return gen

    def drive(g: Any) -> list[Any]:
        out = [next(g), g.throw(Boom("one")), next(g)]
        g.close()
        return out

    plain_log: list[str] = []
    tracked_log: list[str] = []
    assert drive(frugal_ai.track("thrown")(make(tracked_log))()) == drive(make(plain_log)()) \
        == ["value", "recovered", "value"]
    assert tracked_log == plain_log == ["caught one", "finally"]
    assert [(r["name"], r["status"]) for r in _runs(ledger_path)] == [("thrown", "ok")]


def test_async_generator_asend_and_athrow_pass_through() -> None:
    async def agen() -> Any:
        got = yield 1
        try:
            yield got * 10
        except Boom:
            yield "caught"

    async def drive(g: Any) -> list[Any]:
        return [await g.asend(None), await g.asend(4), await g.athrow(Boom())]

    assert asyncio.run(drive(frugal_ai.track("agen")(agen)())) == asyncio.run(drive(agen())) == [1, 40, "caught"]


def test_a_run_lands_in_the_ledger_in_force_when_it_started(
    ledger_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs are finalised later, by the meter's thread; pointing FRUGAL_AI_LEDGER elsewhere
    # in between (as the demo does) must not move a run that began under the first ledger.
    with frugal_ai.track("first"):
        time.sleep(0.01)
    other = tmp_path / "other.sqlite"
    monkeypatch.setenv("FRUGAL_AI_LEDGER", str(other))
    with frugal_ai.track("second"):
        time.sleep(0.01)
    measure.settle()
    assert [r["name"] for r in _runs(ledger_path)] == ["first"]
    assert [r["name"] for r in _runs(other)] == ["second"]


def _deepest(fn: Any) -> int:
    """The deepest `fn(n)` returns from here, by bisection."""
    lo, hi = 1, sys.getrecursionlimit() * 4
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            fn(mid)
            lo = mid
        except RecursionError:
            hi = mid - 1
    return lo


def test_tracking_does_not_shorten_the_recursion_depth(ledger_path: Path) -> None:
    """Issue 10 case 15: a tracked recursive function 500 deep raised RecursionError (each level
    is two frames: the wrapper's and the function's) and recorded 497 failed runs."""

    def plain(n: int) -> int:
        return 0 if n == 0 else 1 + plain(n - 1)

    @frugal_ai.track("deep", capture_api=False)
    def deep(n: int) -> int:
        return 0 if n == 0 else 1 + deep(n - 1)

    limit = sys.getrecursionlimit()
    deepest = _deepest(plain)
    assert deep(500) == 500
    assert deep(deepest) == deepest  # as deep as the untracked function goes from here
    assert sys.getrecursionlimit() == limit  # put back once the recursion has unwound
    with pytest.raises(RecursionError):  # and unbounded recursion still ends the same way
        deep(limit * 4)
    assert sys.getrecursionlimit() == limit
    statuses = [r["status"] for r in _runs(ledger_path)]
    assert statuses.count("ok") == 501 + deepest + 1, (statuses.count("ok"), deepest)
    assert statuses.count("failed") > deepest // 2


def test_a_program_that_sets_its_own_limit_inside_a_deep_run_keeps_it(ledger_path: Path) -> None:
    limit = sys.getrecursionlimit()

    @frugal_ai.track("deep", capture_api=False)
    def deep(n: int) -> int:
        if n == 0:
            sys.setrecursionlimit(limit + 5000)  # the program's own choice, made at the bottom
            return 0
        return 1 + deep(n - 1)

    try:
        assert deep(100) == 100
        assert sys.getrecursionlimit() == limit + 5000
    finally:
        sys.setrecursionlimit(limit)


def test_a_tracked_recursive_coroutine_goes_as_deep_as_the_untracked_one(ledger_path: Path) -> None:
    async def plain(n: int) -> int:
        return 0 if n == 0 else 1 + await plain(n - 1)

    @frugal_ai.track("adeep", capture_api=False)
    async def deep(n: int) -> int:
        return 0 if n == 0 else 1 + await deep(n - 1)

    limit = sys.getrecursionlimit()
    deepest = _deepest(lambda n: asyncio.run(plain(n)))
    assert deepest > 500
    assert asyncio.run(deep(deepest)) == deepest
    assert sys.getrecursionlimit() == limit
