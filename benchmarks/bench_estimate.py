"""Throughput of `estimate_llm`, against the same estimate without its caches.

Run:  python benchmarks/bench_estimate.py [--calls 100000]

Prints, from one run:
  - the cost of loading the factor base and of the first (uncached) estimate;
  - estimates/s once the per-(model, provider, zone) coefficients are cached (target >= 50,000/s),
    over a realistic mix of models, zones and token counts;
  - baseline 1: estimates/s when the coefficients are rebuilt on every call (what the cache saves);
  - baseline 2: estimates/s with a naive model lookup that scans the catalogue and its aliases
    on every call, instead of the dict index (what indexing saves);
  - per request kind (text, text with its latency cross-check, image, audio, embedding): estimates/s over 5 repeats, median and
    min-max, against the same kind with its per-unit coefficients rebuilt on every call; a row
    says "too noisy to decide" when its spread straddles the 50,000/s target.
"""

from __future__ import annotations

import argparse
import itertools
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    from frugal_ai.config import load_settings
    from frugal_ai.estimate import clear_caches, estimate_llm
    from frugal_ai.estimate._coefficients import build_coefficients
    from frugal_ai.factors import factor_set

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    fs = factor_set()
    t_load = time.perf_counter() - t0
    settings = load_settings()

    mix = [
        ("gpt-4o-mini", None, "FR"),
        ("gpt-4o-2024-08-06", None, None),
        ("claude-sonnet-4-5", None, None),
        ("mistral-large-latest", "scaleway", None),
        ("llama-3.1-8b", "local", "DE"),
        ("gemini-2.5-flash", None, "US"),
    ]
    tokens = [(500, 300, 0), (2000, 800, 0), (120, 40, 600), (10_000, 500, 0)]
    calls = list(itertools.islice(itertools.cycle([(m, p, z, i, o, r) for (m, p, z) in mix for (i, o, r) in tokens]), args.calls))

    clear_caches()
    t0 = time.perf_counter()
    estimate_llm("gpt-4o-mini", 500, 300, zone="FR", settings=settings)
    t_first = time.perf_counter() - t0

    for m, p, z, i, o, r in calls[:1000]:  # warm every (model, provider, zone) of the mix
        estimate_llm(m, i, o, provider=p, zone=z, reasoning_tokens=r, settings=settings)
    t0 = time.perf_counter()
    for m, p, z, i, o, r in calls:
        estimate_llm(m, i, o, provider=p, zone=z, reasoning_tokens=r, settings=settings)
    cached = len(calls) / (time.perf_counter() - t0)

    # Baseline 1: no coefficient cache (the formulas evaluated on every call).
    n_uncached = max(1000, len(calls) // 50)
    t0 = time.perf_counter()
    for m, p, z, i, o, r in calls[:n_uncached]:
        clear_caches()
        estimate_llm(m, i, o, provider=p, zone=z, reasoning_tokens=r, settings=settings)
    uncached = n_uncached / (time.perf_counter() - t0)

    # Baseline 2: the coefficient cache, but the model found by scanning the catalogue.
    models = fs.models()

    def scan(name: str):
        from frugal_ai.factors._names import candidates

        for candidate in candidates(name):
            for entry in models:
                if candidate == entry.id or candidate in entry.aliases:
                    return entry
        raise KeyError(name)

    by_scan: dict = {}
    t0 = time.perf_counter()
    for m, p, z, i, o, r in calls[:n_uncached]:
        entry = scan(m)
        key = (entry.id, p, z)
        if key not in by_scan:
            by_scan[key] = build_coefficients(fs, entry, p, z, local_zone=settings.country)
        estimate_llm(m, i, o, provider=p, zone=z, reasoning_tokens=r, settings=settings)
    scanned = n_uncached / (time.perf_counter() - t0)

    print(f"import frugal_ai.estimate:         {t_import * 1e3:8.1f} ms")
    print(f"load + validate the factor base:   {t_load * 1e3:8.1f} ms ({len(models)} models, {len(fs.zones())} zones)")
    print(f"first estimate (builds its cache): {t_first * 1e3:8.2f} ms")
    print(f"cached estimate_llm:               {cached:10,.0f} estimates/s over {len(calls):,} calls (target >= 50,000/s)")
    print(f"baseline, coefficients rebuilt:    {uncached:10,.0f} estimates/s ({cached / uncached:.0f}x slower)")
    print(f"baseline, catalogue scanned:       {scanned:10,.0f} estimates/s ({cached / scanned:.1f}x slower)")
    per_kind(settings, max(2000, args.calls // 10))


def per_kind(settings, calls: int) -> None:  # type: ignore[no-untyped-def]
    """Estimates/s per request kind, cached against rebuilt, with the spread of 5 repeats."""
    import statistics

    from frugal_ai.estimate import clear_caches, estimate_audio, estimate_embedding, estimate_image, estimate_llm

    kinds = {
        "text": lambda i: estimate_llm("gpt-4o-mini", 500 + i % 7, 300, settings=settings),
        # The same with its duration: the time-based estimate, the spanning range, the check.
        "text+latency": lambda i: estimate_llm("gpt-4o-mini", 500 + i % 7, 300, settings=settings, latency_s=2.0 + i % 5),
        "image": lambda i: estimate_image("gpt-image-1", 1 + i % 3, size="1024x1536", quality="high", settings=settings),
        "audio": lambda i: estimate_audio("whisper-1", 60.0 + i % 5, settings=settings),
        "embedding": lambda i: estimate_embedding("text-embedding-3-small", 800 + i % 9, settings=settings),
    }
    target = 50_000
    print(f"per request kind, {calls:,} calls x 5 repeats (target >= {target:,}/s):")
    for kind, call in kinds.items():
        call(0)
        rates = []
        for _ in range(5):
            t0 = time.perf_counter()
            for i in range(calls):
                call(i)
            rates.append(calls / (time.perf_counter() - t0))
        n_base = max(200, calls // 50)
        t0 = time.perf_counter()
        for i in range(n_base):
            clear_caches()
            call(i)
        rebuilt = n_base / (time.perf_counter() - t0)
        low, mid, high = min(rates), statistics.median(rates), max(rates)
        verdict = "meets the target" if low >= target else ("below the target" if high < target else "too noisy to decide")
        print(f"  {kind:12s} {mid:10,.0f}/s (min {low:,.0f}, max {high:,.0f}); rebuilt every call {rebuilt:,.0f}/s: {verdict}")


if __name__ == "__main__":
    main()
