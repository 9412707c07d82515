"""A progress bar on stderr that shows itself only when the work takes more than a second.

Call the bar with `(stage, fraction)` as work advances; a background thread draws it once
`delay_s` has passed, so quick reports print nothing extra. `close()` erases it. A bar that
is not `enabled` (the command line's stderr is not a terminal: a pipe, a log file, a test
runner) draws nothing, so a redirected error stays one clean line.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

_SPIN = "|/-\\"


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, delay_s: float = 1.0, width: int = 28, interval_s: float = 0.1,
                 enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.delay_s = delay_s
        self.width = width
        self.interval_s = interval_s
        self.stage = ""
        self.fraction = 0.0
        self.shown = False
        self._start = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frugal-ai-progress", daemon=True)
        if enabled:
            self._thread.start()

    def __call__(self, stage: str, fraction: float) -> None:
        self.stage, self.fraction = stage, min(max(fraction, 0.0), 1.0)

    def _run(self) -> None:
        if self._done.wait(self.delay_s):
            return
        tick = 0
        while not self._done.is_set():
            self._draw(tick)
            tick += 1
            self._done.wait(self.interval_s)

    def _draw(self, tick: int) -> None:
        filled = int(self.fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self._start
        try:
            self.stream.write(f"\r{_SPIN[tick % 4]} [{bar}] {self.fraction * 100:3.0f}% {self.stage:<10} {elapsed:4.1f} s")
            self.stream.flush()
            self.shown = True
        except Exception:  # a closed stderr must not break the report
            self._done.set()

    def close(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1.0)
        if self.shown:
            try:
                self.stream.write("\r" + " " * (self.width + 40) + "\r")
                self.stream.flush()
            except Exception:
                pass

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
