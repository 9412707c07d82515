"""`frugal-ai doctor`: what this machine measures with, the config and its origins, the ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from frugal_ai.ledger.schema import SCHEMA_VERSION
from frugal_ai.cli import main


def test_doctor_json_reports_meters_config_origins_and_ledger(ledger_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGAL_AI_COUNTRY", "FR")
    Path("frugal-ai.toml").write_text('project = "invoices"\n')
    result = CliRunner().invoke(main, ["doctor", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    m = report["measurement"]
    assert isinstance(m["rapl"], bool) and isinstance(m["nvml"], bool)
    assert m["method"] != "" and m["tracker_error"] is None
    # RAPL as this machine really has it (worked out independently): no branch that checks nothing
    rapl = any(os.access(f, os.R_OK) for f in Path("/sys/class/powercap/intel-rapl").glob("intel-rapl:*/energy_uj"))
    assert m["rapl"] is rapl and (m["method"].split("+")[0] == "rapl") is rapl, m
    assert report["config"]["country"] == {"value": "FR", "origin": "environment"}
    assert report["config"]["project"]["value"] == "invoices"
    assert report["config"]["project"]["origin"].endswith("frugal-ai.toml")
    assert report["config"]["pue"]["origin"] == "default"
    assert report["ledger"]["path"] == str(ledger_path) and report["ledger"]["exists"] is False
    assert report["ledger"]["schema_version"] == SCHEMA_VERSION  # 3 since API-call rows carry a request count


def test_doctor_table(ledger_path: Path) -> None:
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    for words in ("RAPL", "NVML", "runs will be recorded with", "Configuration", "[default]", str(ledger_path),
                  "schema version"):
        assert words in result.output


def test_doctor_on_an_existing_ledger_gives_its_size_and_counts(ledger_path: Path) -> None:
    import time

    import frugal_ai.ledger as ledger
    from frugal_ai.ledger import RunRecord

    now = time.time()
    ledger.submit(RunRecord(id="a", name="job", start=now - 2, end=now - 1, status="failed"))
    ledger.submit(RunRecord(id="b", name="job.step", start=now - 2, end=now - 1.5, parent_id="a"))
    ledger.flush()
    result = CliRunner().invoke(main, ["doctor", "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)["ledger"]
    assert facts["exists"] is True and facts["status"] == "ok" and facts["writable"] is True
    assert facts["size_bytes"] == ledger_path.stat().st_size > 0  # the file's real size (DESIGN: path and size)
    assert (facts["runs"], facts["root_runs"], facts["failed_runs"]) == (2, 1, 1)


def test_doctor_says_how_a_process_share_of_the_machine_is_found_per_component(ledger_path: Path) -> None:
    """This machine has /proc and no NVIDIA GPU here (worked out independently of frugal-ai):
    CPU by /proc CPU time, RAM by RSS, the GPU part says there is none and why."""
    from frugal_ai.measure.capabilities import _nvml

    m = json.loads(CliRunner().invoke(main, ["doctor", "--format", "json"]).output)["measurement"]
    has_proc = Path("/proc/self/stat").exists() and Path("/proc/stat").exists()
    nvml, gpus, _ = _nvml()
    if not has_proc:
        assert m["share_method"] == "machine" and set(m["share_methods"].values()) == {"whole_machine"}
        return
    assert m["share_methods"]["cpu"] == "proc_cpu_time" and m["share_methods"]["ram"] == "rss"
    if not (nvml and gpus):
        assert m["share_method"] == "proc" and m["share_methods"]["gpu"] == "no_gpu"
    else:
        assert m["share_methods"]["gpu"] in ("nvml_process", "whole_device")
    for lang, words in (("en", ("this process's share of the machine", "its CPU time over the machine's",
                                "its resident memory over the installed memory")),
                        ("fr", ("part de la machine imputée à ce processus", "son temps CPU rapporté",
                                "sa mémoire résidente rapportée"))):
        table = CliRunner().invoke(main, ["doctor", "--lang", lang]).output
        assert all(w in table for w in words), (lang, table)
        gpu_line = next(line for line in table.splitlines() if line.strip().startswith("GPU "))
        assert ("NVIDIA" in gpu_line) if m["share_methods"]["gpu"] == "no_gpu" else ("NVML" in gpu_line), gpu_line


def test_a_gpu_nvml_cannot_split_is_shown_whole_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MIG-like GPU (no per-process samples): the share says the whole device, and why."""
    from frugal_ai.measure import process_share as ps
    from test_measure_process_share import FakeNvml

    monkeypatch.setattr(ps, "process_share", lambda: ps.ProcShare(gpu=ps.NvmlProcessShare(FakeNvml(2, supported=False))))
    method, why = ps.share_in_force()
    assert method == "proc+gpu_whole" and ps.share_methods(method)["gpu"] == "whole_device"
    assert why == "2 GPU(s), no per-process utilisation from NVML"
    monkeypatch.setattr(ps, "process_share", lambda: ps.ProcShare(gpu=ps.NvmlProcessShare(FakeNvml(1))))
    assert ps.share_in_force() == ("proc+nvml_process", "")


def test_the_share_reasons_are_keys_said_in_each_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """share_found gives a key and its values; doctor says them in French, share_in_force in English."""
    from frugal_ai.lang import texts
    from frugal_ai.measure import process_share as ps
    from test_measure_process_share import FakeNvml

    monkeypatch.setattr(ps, "process_share", lambda: ps.ProcShare(gpu=ps.NvmlProcessShare(FakeNvml(3, supported=False))))
    assert ps.share_found() == ("proc+gpu_whole", "gpu_whole", {"gpus": 3})

    class Unstartable(ps.MachineShare):
        def start(self) -> None:
            raise OSError("no counters")

    monkeypatch.setattr(ps, "process_share", Unstartable)
    assert ps.share_found() == ("machine", "failed", {"error": "OSError: no counters"})
    assert ps.share_in_force() == ("machine", "OSError: no counters")
    table = CliRunner().invoke(main, ["doctor", "--lang", "fr"]).output
    cpu_line = next(line for line in table.splitlines() if line.strip().startswith("CPU "))
    said = texts("fr")("doctor.share_reason.failed", error="OSError: no counters")
    assert said in cpu_line and "la part n'a pas pu démarrer" in said, cpu_line
