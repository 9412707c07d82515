"""`frugal-ai demo`, end to end: measure, record, weigh the gains, write the report.

The demo keeps everything in its output folder: its own ledger (`ledger.sqlite`), its
own settings (country FR, no config file read), the example gains file. The user's real
ledger is never opened: the tracked workload writes to the demo ledger because
`FRUGAL_AI_LEDGER` points there while it runs, and the previous value is put back after.
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
from ..errors import InputError
from ..report import Report, build_report, render
from ..report.period import Period
from .api_calls import simulated_api_calls
from .ledger_file import write_records
from .workload import train_small_classifier

DEFAULT_OUT = Path("frugal-ai-demo")
WORKLOAD = "demo-train-classifier"
DEMO_COUNTRY = "FR"


@dataclass
class DemoResult:
    out_dir: Path
    ledger: Path
    files: dict[str, Path]
    report: Report
    accuracy: float
    api_calls: int
    timings_s: dict[str, float] = field(default_factory=dict)


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
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", where=str(out))
    out.mkdir(parents=True, exist_ok=True)
    ledger = out / "ledger.sqlite"
    for stale in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        stale.unlink(missing_ok=True)  # the demo's own ledger, rebuilt on each run
    now = now or datetime.now(timezone.utc)
    timings: dict[str, float] = {}

    say("1/4 measuring a real local workload (training a small neural network with numpy)…")
    t0 = time.perf_counter()
    accuracy = _measure_workload(ledger, train_s)
    timings["measure"] = time.perf_counter() - t0

    say("2/4 recording a month of simulated API calls (support chatbot, invoice extraction)…")
    t0 = time.perf_counter()
    calls = simulated_api_calls(now)
    write_records(ledger, calls)
    timings["record"] = time.perf_counter() - t0

    say("3/4 weighing the example gains and building the report…")
    t0 = time.perf_counter()
    gains = out / "gains.toml"
    gains.write_text(gains_example_text(), encoding="utf-8")
    settings = Settings(country=DEMO_COUNTRY, ledger=ledger, project="demo")
    since = (now - timedelta(days=30)).date()
    period = Period(label=f"{since.isoformat()}/{now.date().isoformat()}", since=since, until=now.date() + timedelta(days=1))
    report = build_report(ledger, period, settings=settings, gains_path=gains, lang=lang)
    timings["report"] = time.perf_counter() - t0

    say("4/4 writing report.html, report.md and report.json…")
    written = {}
    for fmt, name in (("html", "report.html"), ("md", "report.md"), ("json", "report.json")):
        path = out / name
        path.write_text(render(report, fmt, lang), encoding="utf-8")
        written[fmt] = path
    return DemoResult(out, ledger, written, report, accuracy, len(calls), timings)


def _measure_workload(ledger: Path, train_s: float) -> float:
    """Run the training inside `track`, with the ledger in force pointed at the demo's."""
    import frugal_ai

    from .. import ledger as ledger_module
    from .. import measure

    previous = os.environ.get("FRUGAL_AI_LEDGER")
    os.environ["FRUGAL_AI_LEDGER"] = str(ledger.resolve())
    try:
        with frugal_ai.track(WORKLOAD, tags={"demo": "true", "team": "data"}):
            accuracy = train_small_classifier(train_s)
        # Stop the tracker while the demo ledger is still in force: its last measurements and
        # its session record must land there, not in the user's ledger at exit.
        measure.settle()
        measure.reset()
        ledger_module.flush()
    finally:
        if previous is None:
            os.environ.pop("FRUGAL_AI_LEDGER", None)
        else:
            os.environ["FRUGAL_AI_LEDGER"] = previous
    return accuracy
