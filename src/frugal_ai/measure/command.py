"""Measuring a whole command, like `time`: the library behind `frugal-ai run`.

The command runs as a child process inside one tracked run (the machine's energy while it
runs is attributed to it, as for any run). Ctrl-C: the child, in the same process group,
gets the terminal's SIGINT itself; we wait for it, forward one SIGINT after a second if it
is still running, terminate it at a second Ctrl-C and kill it at a third, and always record
the run. SIGTERM to us is passed on to the child. The command starts at once: the tracker
starts beside it, and the part of the command before it is ready (1-2 s on a small machine)
is extrapolated from the power measured next, as for a decorated function's first run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import InputError
from ..ledger.records import RunRecord


@dataclass
class CommandResult:
    """The child's exit status (shell style: 128+N when killed by signal N) and its run record."""

    returncode: int
    record: RunRecord | None
    interrupted: bool


def run_command(argv: Sequence[str], *, name: str | None = None, tags: dict[str, str] | None = None) -> CommandResult:
    """Run `argv`, measured and recorded as one run; return when its record is final."""
    from . import settle
    from .meter import meter
    from .track import _current_settings, track

    if not argv:
        raise InputError("no command given: frugal-ai run [--name NAME] -- COMMAND...")
    interrupts = {"count": 0}
    child: dict[str, Any] = {}

    def on_sigint(signum: int, frame: Any) -> None:
        interrupts["count"] += 1
        proc = child.get("proc")
        if proc is None or proc.poll() is not None:
            return
        if interrupts["count"] == 1:
            # A terminal Ctrl-C already reached the child; forward one only if it did not stop.
            def forward() -> None:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)

            t = threading.Timer(1.0, forward)
            t.daemon = True
            t.start()
        elif interrupts["count"] == 2:
            proc.terminate()
        else:
            proc.kill()

    def on_sigterm(signum: int, frame: Any) -> None:
        interrupts["count"] += 1
        proc = child.get("proc")
        if proc is not None and proc.poll() is None:
            proc.terminate()

    main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if main_thread:
        previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_sigint),
                    signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm)}
    try:
        # The command starts at once, while the tracker starts in the background (codecarbon's
        # hardware detection takes 1-2 s on a small machine): its first part is attributed
        # as for any run that begins before the meter is ready, from the power measured next
        # (coverage < 1, extrapolated; docs/measurement.md), instead of delaying the user.
        # A command that cannot start is bad input, not a run: refuse it before recording anything.
        if shutil.which(argv[0]) is None:
            reason = "not executable" if os.path.exists(argv[0]) else "not found"
            raise InputError(f"command {reason}: {argv[0]}")
        meter().ensure_started(_current_settings())
        tracker = track(name or os.path.basename(argv[0]), tags=tags, capture_api=False)
        with tracker as frame:
            # The run's record: written here until the run ends, then by the meter (final after settle()).
            record = frame.span.record if frame is not None and frame.span is not None else None
            try:
                proc = subprocess.Popen(list(argv))
            except FileNotFoundError:
                raise InputError(f"command not found: {argv[0]}") from None
            except PermissionError:
                raise InputError(f"command not executable: {argv[0]}") from None
            child["proc"] = proc
            rc = proc.wait()
            if rc != 0 and record is not None:
                record.status = "failed"
        settle()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    returncode = rc if rc >= 0 else 128 - rc
    return CommandResult(returncode, record, interrupts["count"] > 0)
