"""What counting characters per writing system costs the capture of a stream without usage.

Run:  python benchmarks/bench_approximate.py [--mb 2] [--repeat 9]

A stream made without `include_usage` has the characters of its text deltas counted as they
pass (capture/approximate.py `text_chars`). Since factor set 2026.12.13 they are counted per
writing system (Latin and the rest, Greek, Cyrillic, CJK, Arabic/Hebrew, Indic). This times,
in the same run and on the same bytes (an OpenAI-style SSE stream of `--mb` MB, 4-word
deltas), the plain count (`text_chars(pattern, data, end)`: the counter as it was, its
baseline) and the count per writing system (`text_chars(..., counts)`), for English, Greek,
Russian, Japanese and mixed text, one call per SSE event (a stream read one event at a time,
the costliest case: the per-call work is paid per delta). The two run alternately `--repeat`
times; each figure is a median in ms per MB of stream, and the cost added is the median of the
pairs' differences with its first and third quartiles: "within target" when the third
quartile is at most 10 ms/MB, "over target" when the first is above it, else "too noisy to
decide".
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Callable

TEXTS = {
    "English": "The quick brown fox jumps over the lazy dog while the committee reviews the annual report. ",
    "Greek": "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο ενώ η επιτροπή εξετάζει την έκθεση. ",
    "Russian": "Быстрая коричневая лиса прыгает через ленивую собаку, пока комиссия изучает годовой отчёт. ",
    "Japanese": "素早い茶色の狐が怠け者の犬を飛び越える間に、委員会は年次報告書を検討している。",
    "mixed": "Le rapport annuel — годовой отчёт — 年次報告書 — η ετήσια έκθεση (2026). ",
}
TARGET_MS_PER_MB = 10.0


def stream_of(text: str, mb: float) -> list[bytes]:
    """The events of an OpenAI-style SSE stream of about `mb` MB whose deltas carry `text` four
    words at a time."""
    words = text.split(" ") if " " in text.strip() else list(text)
    step = 4
    deltas = [" ".join(words[i:i + step]) + " " for i in range(0, len(words), step)]
    out: list[bytes] = []
    size = 0
    i = 0
    while size < mb * 1_000_000:
        chunk = {"id": "c", "object": "chat.completion.chunk", "model": "m",
                 "choices": [{"index": 0, "delta": {"content": deltas[i % len(deltas)]}}]}
        line = b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"
        out.append(line)
        size += len(line)
        i += 1
    return out


def timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    from frugal_ai.capture import approximate
    from frugal_ai.capture.parsers import parser_for

    pattern = parser_for("openai").text_pattern
    assert pattern is not None
    print(f"{'text':<10} {'plain count':>14} {'per script':>14} {'added, median [quartiles]':>28}  verdict")
    for name, text in TEXTS.items():
        events = stream_of(text, args.mb)
        mb = sum(len(e) for e in events) / 1_000_000
        count = approximate.text_chars

        def plain_count() -> None:
            for e in events:
                count(pattern, e, len(e))

        def per_script() -> None:
            counts = approximate.new_counts()
            for e in events:
                count(pattern, e, len(e), counts)

        plain, per = [], []
        for _ in range(args.repeat):  # alternated, so that a change of the machine's load hits both
            plain.append(timed(plain_count) / mb * 1000)
            per.append(timed(per_script) / mb * 1000)
        added = sorted(q - p for p, q in zip(plain, per))
        mid, lo, hi = statistics.median(added), added[len(added) // 4], added[(3 * len(added)) // 4]
        if hi <= TARGET_MS_PER_MB:
            verdict = "within target"
        elif lo > TARGET_MS_PER_MB:
            verdict = "over target"
        else:
            verdict = "too noisy to decide"
        print(f"{name:<10} {statistics.median(plain):8.2f} ms/MB {statistics.median(per):8.2f} ms/MB"
              f" {mid:+8.2f} [{lo:+.2f} to {hi:+.2f}]  {verdict}")


if __name__ == "__main__":
    main()
