"""examples/route_optimisation: one use case pays back, one does not, and the advice says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "route_optimisation" / "route_planner.py"


def test_one_use_case_pays_back_and_one_does_not(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path), "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    cases = {uc["name"]: uc for uc in out["balance"]["use_cases"]}
    assert {name: uc["verdict"] for name, uc in cases.items()} == {
        "Route optimisation": "pays_back",
        "Personalised delivery notices": "does_not_pay_back",
    }
    assert cases["Route optimisation"]["payback"]["date"] == "2026-01-01"
    assert cases["Personalised delivery notices"]["payback"]["date"] is None
    assert "never subtracted" in out["balance"]["statement"]
    # the largest saving is a smaller model for the use case that does not pay back
    top = out["advice"][0]
    assert (top["workload"], top["kind"], top["model"]) == ("customer-notices", "smaller_model", "o3")
    assert "A/B-test" in top["caveat"]
    assert (tmp_path / "ledger.sqlite").is_file()
