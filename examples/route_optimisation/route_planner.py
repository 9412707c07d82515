"""A delivery SME that calls an LLM API every night: does each AI use case pay back?

Transports Lemaire (an example company) runs two AI use cases:
- its route planner sends each van's delivery notes and constraints to `gpt-4o-mini`
  (about 100 requests a night) and saves diesel;
- its customer-notice writer asks the reasoning model `o3` for a personalised e-mail for
  each delivery notice (about 250 a day) and saves a few printed cards.

In production the calls are captured as they happen:

    import frugal_ai
    frugal_ai.instrument()                       # capture the OpenAI SDK's calls

    @frugal_ai.track("route-planner")
    def plan_routes(vans): ...                   # calls client.chat.completions.create(...)

This script cannot call the API (it runs offline), so it writes six months of the same
records, January to June 2026, into its own ledger: SIMULATED history, with token counts
drawn around the use cases' typical sizes and no durations (captured calls have theirs). Then it does what the company would do:

    frugal-ai gains check gains.toml --since 2026-01-01 --until 2026-06-30
    frugal-ai advise --since 2026-01-01 --until 2026-06-30

Run:  python examples/route_optimisation/route_planner.py [--out DIR] [--format table|json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

from frugal_ai.advise import BATCHING_NOT_OFFERED, QUALITY_CAVEAT, Advice, advise
from frugal_ai.cli.advise import render_table as advice_table
from frugal_ai.cli.gains import render_table as balance_table
from frugal_ai.config import Settings, load_settings
from frugal_ai.demo.ledger_file import write_records
from frugal_ai.gains import Balance, LedgerUsage, balance, load_gains
from frugal_ai.gains.wording import balance_dict
from frugal_ai.inventory import load_inventory
from frugal_ai.ledger.records import ApiCallRecord

HERE = Path(__file__).resolve().parent
SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 7, 1)

# (workload, model, requests a day, mean input, output, reasoning tokens per request)
DAILY_USE = [
    ("route-planner", "gpt-4o-mini", 100, 2000, 600, 0),
    ("customer-notices", "o3", 250, 3000, 800, 3000),
]


def simulated_calls(seed: int = 2026) -> Iterator[ApiCallRecord]:
    """Six months of the two workloads' API calls (simulated: see the module docstring)."""
    rng = random.Random(seed)
    day = SINCE
    while day < UNTIL:
        night = dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.timezone.utc).timestamp()
        for workload, model, per_day, mean_in, mean_out, mean_reasoning in DAILY_USE:
            for i in range(per_day):
                start = night + i * 7.0
                # No duration: a simulated one would be priced by the time-based cross-check
                # (docs/methodology.md § 3.10) as if it had been measured.
                yield ApiCallRecord(
                    id=uuid.UUID(int=rng.getrandbits(128)).hex,
                    provider="openai",
                    model=model,
                    start=start,
                    end=start,
                    input_tokens=max(1, int(rng.gauss(mean_in, mean_in * 0.25))),
                    output_tokens=max(1, int(rng.gauss(mean_out, mean_out * 0.25))),
                    reasoning_tokens=max(0, int(rng.gauss(mean_reasoning, mean_reasoning * 0.25))),
                    name=workload,
                    tags={"simulated": "true"},
                    source="example",
                )
        day += dt.timedelta(days=1)


def main(out: Path) -> tuple[Balance, list[Advice], Settings]:
    """Write the simulated ledger into `out`, then weigh the gains and list the advice."""
    ledger = out / "ledger.sqlite"
    if ledger.exists():
        ledger.unlink()
    write_records(ledger, simulated_calls())
    # The company is in France; its own settings only (no config file or environment read).
    settings = load_settings(start=out, env={}, overrides={"country": "FR", "ledger": str(ledger)})
    result = balance(
        load_gains(HERE / "gains.toml"), LedgerUsage(ledger, settings),
        since=SINCE, until=UNTIL, settings=settings, today=UNTIL,
    )
    advice = advise(load_inventory(ledger, since=SINCE, until=UNTIL, settings=settings), settings)
    return result, advice, settings


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the simulated ledger (default: a temporary one)")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        result, advice, _ = main(out)
        if args.format == "json":
            print(json.dumps({"balance": balance_dict(result),
                              "advice": [a.model_dump(mode="json") for a in advice]}, indent=2, ensure_ascii=False))
        else:
            print("Balance of Transports Lemaire's AI use cases, January to June 2026 (simulated ledger)\n")
            print(balance_table(result))
            print("\nWhat would cut the footprint most\n")
            print(advice_table(advice[:5], QUALITY_CAVEAT + "\n" + BATCHING_NOT_OFFERED))
