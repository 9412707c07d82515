"""Cold start of the command line, against the interpreter's own start-up.

Run:  python benchmarks/bench_cli_start.py [--runs 10]

Each command runs in a fresh process (`python -m frugal_ai ...`, what the `frugal-ai`
script does) from a temporary directory, alternating with the baseline `python -c pass`,
and the median wall time of each is printed with its ratio to the baseline. The heaviest
imports of `estimate` are listed from `-X importtime`, to show that neither codecarbon nor
pandas nor any provider SDK is loaded on these paths.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "python -c pass (baseline)": ["-c", "pass"],
    "frugal-ai --help": ["-m", "frugal_ai", "--help"],
    "frugal-ai estimate": ["-m", "frugal_ai", "estimate", "--model", "gpt-4o-mini", "--input-tokens", "500",
                           "--output-tokens", "300", "--requests", "10000", "--zone", "FR"],
    "frugal-ai models list": ["-m", "frugal_ai", "models", "list"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(args.runs):
            for name, argv in COMMANDS.items():
                t0 = time.perf_counter()
                subprocess.run([sys.executable, *argv], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(times["python -c pass (baseline)"])
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"{name:28s} median {med * 1e3:7.1f} ms  ({med / base:4.1f}x baseline, {med * 1e3 - base * 1e3:6.1f} ms over it)")
        trace = subprocess.run([sys.executable, "-X", "importtime", *COMMANDS["frugal-ai estimate"]], cwd=cwd, env=env,
                               capture_output=True, text=True, check=True).stderr
    rows = []
    for line in trace.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|", 2)
        rows.append((int(cumulative_us), name[1:]))  # one space after the bar; more means nested
    top = [r for r in sorted(rows, reverse=True) if not r[1].startswith(" ")][:8]
    print("heaviest top-level imports of `estimate` (cumulative):")
    for us, name in top:
        print(f"  {us / 1e3:7.1f} ms  {name.strip()}")
    loaded = {name.strip().split(".")[0] for _, name in rows}
    heavy = sorted(loaded & {"codecarbon", "pandas", "numpy", "openai", "anthropic", "mistralai", "cohere", "ollama", "httpx", "httpx2"})
    print(f"heavy packages imported by `estimate`: {heavy or 'none'}")


if __name__ == "__main__":
    main()
