"""`frugal-ai demo`, end to end: measure, record, weigh the gains, write the report.

The demo keeps everything in its output folder: its own ledger (`ledger.sqlite`), its
own settings (country FR, no config file read), the example gains file. The user's real
ledger is never opened: the tracked workload writes to the demo ledger because
`FRUGAL_AI_LEDGER` points there while it runs (with `FRUGAL_AI_COUNTRY` and
`FRUGAL_AI_PROJECT`, so its runs are recorded in zone FR, project "demo"), and the previous
values are put back after.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..report import Report, build_report, render
from ..errors import InputError
from ..lang import texts
from ..report.formats import render_output
from ..report.output import make_folder, write_text
from ..report.period import Period
from .api_calls import simulated_api_calls
from .ledger_file import write_records
from .workload import train_small_classifier

DEFAULT_OUT = Path("frugal-ai-demo")
WORKLOAD = "demo-train-classifier"
DEMO_COUNTRY = "FR"
DEMO_PROJECT = "demo"


@dataclass
class DemoResult:
    out_dir: Path
    ledger: Path
    files: dict[str, Path]
    report: Report
    accuracy: float
    api_calls: int
    timings_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # a format that could not be written, and why


def gains_example_text() -> str:
    """The example gains file shipped with the demo."""
    return files("frugal_ai.demo").joinpath("gains.toml").read_text(encoding="utf-8")


def run_demo(
    out_dir: str | Path = DEFAULT_OUT,
    *,
    lang: str = "en",
    now: datetime | None = None,
    train_s: float = 3.0,
    say: Callable[[str], None] = lambda msg: None,
) -> DemoResult:
    """Run the demo into `out_dir` and return what it wrote. Offline; about 10 s."""
    out = make_folder(out_dir)
    ledger = out / "ledger.sqlite"
    for stale in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        stale.unlink(missing_ok=True)  # the demo's own ledger, rebuilt on each run
    now = now or datetime.now(timezone.utc)
    timings: dict[str, float] = {}

    t = texts(lang)
    say(t("demo.step1"))
    t0 = time.perf_counter()
    accuracy = _measure_workload(ledger, train_s)
    timings["measure"] = time.perf_counter() - t0

    say(t("demo.step2"))
    t0 = time.perf_counter()
    calls = simulated_api_calls(now)
    write_records(ledger, calls)
    timings["record"] = time.perf_counter() - t0

    say(t("demo.step3"))
    t0 = time.perf_counter()
    gains = out / "gains.toml"
    write_text(gains, gains_example_text())
    settings = Settings(country=DEMO_COUNTRY, ledger=ledger, project=DEMO_PROJECT)
    since = (now - timedelta(days=30)).date()
    period = Period(label=f"{since.isoformat()}/{now.date().isoformat()}", since=since, until=now.date() + timedelta(days=1))
    report = build_report(ledger, period, settings=settings, gains_path=gains)
    timings["report"] = time.perf_counter() - t0

    say(t("demo.step4"))
    written = {}
    notes: list[str] = []
    for fmt in ("html", "md", "json", "xlsx", "pdf"):
        try:
            data = render_output(report, fmt, lang, project=DEMO_PROJECT)
        except InputError as e:  # an optional extra missing (pdf, xlsx): the other reports still come out
            notes.append(t("demo.format_missing", name=f"report.{fmt}", reason=str(e)))
            continue
        written[fmt] = write_text(out / f"report.{fmt}", data)
    return DemoResult(out, ledger, written, report, accuracy, len(calls), timings, notes)


def _measure_workload(ledger: Path, train_s: float) -> float:
    """Run the training inside `track`, with the ledger in force pointed at the demo's."""
    import frugal_ai

    from .. import ledger as ledger_module
    from .. import measure

    # The demo's own settings while it tracks: its ledger, its example country (so its runs
    # carry zone FR in the ledger, and any report of that ledger gives the same numbers) and
    # its project name (the same as its API calls'). The user's values are put back after.
    env = {"FRUGAL_AI_LEDGER": str(ledger.resolve()), "FRUGAL_AI_COUNTRY": DEMO_COUNTRY,
           "FRUGAL_AI_PROJECT": DEMO_PROJECT}
    previous = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with frugal_ai.track(WORKLOAD, tags={"demo": "true", "team": "data"}):
            accuracy = train_small_classifier(train_s)
        # Stop the tracker while the demo ledger is still in force: its last measurements and
        # its session record must land there, not in the user's ledger at exit.
        measure.settle()
        measure.reset()
        ledger_module.flush()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return accuracy
