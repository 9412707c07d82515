"""What counting characters per writing system costs the capture of a stream without usage.

Run:  python benchmarks/bench_approximate.py [--mb 2] [--repeat 9]

A stream made without `include_usage` has the characters of its text deltas counted as they
pass (capture/approximate.py `text_chars`). Since factor set 2026.12.13 they are counted per
writing system (Latin and the rest, Greek, Cyrillic, CJK, Arabic/Hebrew, Indic). This times,
in the same run and on the same bytes (an OpenAI-style SSE stream of `--mb` MB, 4-word
deltas), the plain count (`text_chars(pattern, data, end)`: the counter as it was, its
baseline) and the count per writing system (`text_chars(..., counts)`), for English, Greek,
Russian, Japanese and mixed text, one call per SSE event (a stream read one event at a time,
the costliest case: the per-call work is paid per delta). Each figure: the median of `--repeat` runs in ms per MB of
stream, with the fastest and slowest run; "too noisy to decide" when the two spreads overlap
and the target (per writing system at most 10 ms/MB more than the plain count) is not clear.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

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


def timed(fn, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    from frugal_ai.capture import approximate
    from frugal_ai.capture.parsers import parser_for

    pattern = parser_for("openai").text_pattern
    assert pattern is not None
    print(f"{'text':<10} {'plain count (baseline)':>26} {'per writing system':>26} {'added':>9}  verdict")
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

        plain = [t / mb * 1000 for t in timed(plain_count, args.repeat)]
        per = [t / mb * 1000 for t in timed(per_script, args.repeat)]
        p, q = statistics.median(plain), statistics.median(per)
        if q - p <= TARGET_MS_PER_MB and max(per) - min(plain) <= TARGET_MS_PER_MB:
            verdict = "within target"
        elif q - p > TARGET_MS_PER_MB and min(per) - max(plain) > TARGET_MS_PER_MB:
            verdict = "over target"
        else:
            verdict = "too noisy to decide"
        print(f"{name:<10} {p:8.2f} ms/MB ({min(plain):.2f}-{max(plain):.2f}) {q:8.2f} ms/MB ({min(per):.2f}-{max(per):.2f})"
              f" {q - p:+7.2f}  {verdict}")


if __name__ == "__main__":
    main()
