"""The private parts of codecarbon that frugal-ai reads, checked against the installed codecarbon.

codecarbon_source.py reads a few private attributes (there is no public way); each read is one
function there. Every test here exercises one of them on a real tracker, so a codecarbon
release that moves one fails here, by name, rather than giving runs a silent zero.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import codecarbon
from frugal_ai.measure import codecarbon_source as cs
from frugal_ai.measure.energy_source import EnergySourceError

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def detected_tracker():
    tracker = cs.make_tracker(None)
    tracker.get_detected_hardware()
    return tracker


def test_the_installed_codecarbon_is_in_the_range_pyproject_pins() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "codecarbon"]
    assert req.specifier.contains(codecarbon.__version__), (req, codecarbon.__version__)
    assert any(s.operator == "<" for s in req.specifier), f"{req}: no upper bound"


def test_hardware_and_cpu_mode(detected_tracker) -> None:
    from codecarbon.external.hardware import CPU
    from codecarbon.external.ram import RAM

    hardware = cs.hardware_of(detected_tracker)
    assert any(isinstance(h, RAM) for h in hardware), hardware
    cpus = [h for h in hardware if isinstance(h, CPU)]
    assert cpus, hardware
    assert cs.cpu_mode(cpus[0]) in cs.CPU_MODES, cs.cpu_mode(cpus[0])
    method = cs.methods_of(detected_tracker)
    assert method.split("+")[0] in cs.CPU_MODES.values() and method.endswith("ram_model"), method


def test_start_time_says_whether_the_tracker_counts() -> None:
    tracker = cs.make_tracker(None)
    assert cs.is_started(tracker) is False
    tracker.start()
    try:
        assert cs.is_started(tracker) is True
    finally:
        tracker.stop()
    assert cs.is_started(tracker) is False


def test_readings_advance_with_the_instant_of_the_measurement() -> None:
    source = cs.CodecarbonSource(None)
    first = source.start()
    try:
        assert (first.cpu_kwh, first.gpu_kwh, first.ram_kwh) == (0.0, 0.0, 0.0)
        assert source.method != "unavailable"
        time.sleep(0.2)
        before = time.perf_counter()
        second = source.read()
        after = time.perf_counter()
        # _last_measured_time is the perf_counter instant of the measurement just made
        assert before <= second.at_pc <= after, (before, second.at_pc, after)
        assert second.cpu_kwh > 0 and second.ram_kwh > 0
        # The output hook and the private totals (the fallback) are the same quantity
        assert cs.totals_kwh(source._tracker) == pytest.approx((second.cpu_kwh, second.gpu_kwh, second.ram_kwh))
        time.sleep(0.1)
        third = source.read()
        assert third.at_pc > second.at_pc and third.cpu_kwh > second.cpu_kwh
    finally:
        last = source.stop()
    assert last is not None and last.cpu_kwh >= third.cpu_kwh and last.at_pc >= third.at_pc
    assert source.stop() is None  # stopped: nothing more to read


def test_the_private_totals_are_the_fallback_when_the_hook_does_not_report(monkeypatch) -> None:
    source = cs.CodecarbonSource(None)
    source.start()
    try:
        time.sleep(0.1)

        def failing_hook(total: object) -> None:  # as when codecarbon fails between measuring and out()
            raise ValueError("no output")

        monkeypatch.setattr(source, "_on_total", failing_hook)
        with pytest.warns(Warning, match="did not report"):
            reading = source.read()
        assert (reading.cpu_kwh, reading.gpu_kwh, reading.ram_kwh) == pytest.approx(cs.totals_kwh(source._tracker))
        assert reading.cpu_kwh > 0
    finally:
        source.stop()


def test_hardware_detection_goes_through_the_thread_pool_we_swap(tmp_path: Path) -> None:
    # A fresh process: codecarbon caches its hardware plan per process.
    code = textwrap.dedent("""
        from frugal_ai.measure import codecarbon_source as cs
        calls = []
        real = cs._InlineExecutor.submit
        def counting(self, fn, *a, **k):
            calls.append(fn.__name__)
            return real(self, fn, *a, **k)
        cs._InlineExecutor.submit = counting
        import codecarbon.core.resource_tracker as rt
        saved = rt.ThreadPoolExecutor
        with cs.inline_thread_pool():
            assert rt.ThreadPoolExecutor is cs._InlineExecutor
            tracker = cs.make_tracker(None)
            tracker.get_detected_hardware()
        assert rt.ThreadPoolExecutor is saved
        print(sorted(calls), cs.methods_of(tracker) != "unavailable")
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['set_CPU_tracking', 'set_GPU_tracking'] True", done.stdout


def test_the_logger_we_quiet_is_codecarbons() -> None:
    from codecarbon.external.logger import logger

    cs.make_tracker(None)
    assert logger.name == cs.LOGGER_NAME
    assert logging.getLogger(cs.LOGGER_NAME).level == logging.ERROR


@pytest.mark.parametrize("read", [cs.hardware_of, cs.is_started, cs.last_measured_pc, cs.totals_kwh])
def test_a_moved_attribute_fails_loudly_naming_it(read) -> None:
    class Tracker:  # a codecarbon release that renamed everything
        pass

    with pytest.raises(cs.CodecarbonContractError, match=r"codecarbon \S+ has no Tracker\._") as e:
        read(Tracker())
    assert isinstance(e.value, EnergySourceError)


def test_a_moved_cpu_mode_fails_loudly() -> None:
    class CPU:
        pass

    with pytest.raises(cs.CodecarbonContractError, match="has no CPU._mode"):
        cs.cpu_mode(CPU())


def test_no_other_module_of_the_package_imports_codecarbon() -> None:
    import ast

    importers = []
    for path in sorted((ROOT / "src" / "frugal_ai").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            if any(n == "codecarbon" or n.startswith("codecarbon.") for n in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["src/frugal_ai/measure/codecarbon_source.py"], importers
