"""A built wheel, installed outside the source tree, finds every factor file and estimates.

Builds with the project's own backend (hatchling, from the test extra) without build
isolation, so no network is needed; installs the wheel with --no-deps into a target
directory and runs it from a directory outside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytest.importorskip("hatchling", reason="hatchling (test extra) builds the wheel offline")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    dist, target = tmp / "dist", tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    wheels = list(dist.glob("frugal_ai-*.whl"))
    assert len(wheels) == 1
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheels[0])],
        check=True, capture_output=True, timeout=300,
    )
    return target


def _run(target: Path, *code_or_args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    # The wheel first on the path: the editable install of the source tree must not be used.
    env["PYTHONPATH"] = str(target)
    cmd = [sys.executable, "-m", "frugal_ai", *code_or_args] if module else [sys.executable, "-c", code_or_args[0]]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=target.parent, env=env, timeout=120)


def test_every_data_file_is_in_the_wheel_and_found(installed: Path) -> None:
    out = _run(
        installed,
        "import frugal_ai, json; from frugal_ai.factors import data_dir, factor_set;"
        "fs = factor_set(); print(json.dumps([frugal_ai.__file__, str(data_dir()), fs.version, len(fs.models())]))",
    )
    assert out.returncode == 0, out.stderr
    module_file, data, version, n_models = json.loads(out.stdout)
    assert Path(module_file).is_relative_to(installed)
    assert Path(data) == installed / "frugal_ai" / "_data" / "emission_factors"
    shipped = {p.relative_to(data).as_posix() for p in Path(data).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    source = REPO / "data" / "emission_factors"
    expected = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {"models.csv", "electricity.csv", "sources.csv", "avoided.csv"} <= expected  # the source list is real
    assert expected <= shipped
    assert n_models >= 60 and version


def test_estimate_command_works_from_the_wheel(installed: Path) -> None:
    out = _run(installed, "estimate", "--model", "gpt-4o-mini", "--input-tokens", "500", "--output-tokens", "300",
               "--requests", "10000", "--zone", "FR", "--format", "json", module=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == "gpt-4o-mini" and data["zone"] == "FR" and data["requests"] == 10000
    assert 0 < data["energy_kwh"]["low"] <= data["energy_kwh"]["central"] <= data["energy_kwh"]["high"]
    table = _run(installed, "factors", "show", "FR", module=True)
    assert table.returncode == 0 and "ADEME" in table.stdout
