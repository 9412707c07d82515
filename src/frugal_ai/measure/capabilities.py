"""What this machine can measure, asked of codecarbon's own detection (for `frugal-ai doctor`)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_RAPL_DIR = Path("/sys/class/powercap/intel-rapl")


@dataclass
class Capabilities:
    """The meters found, and what codecarbon would measure each component with."""

    rapl: bool
    rapl_detail: str
    nvml: bool
    gpus: list[str] = field(default_factory=list)
    nvml_detail: str = ""
    method: str = "unavailable"  # what runs will be recorded with, e.g. "cpu_load+ram_model"
    cpu_model: str | None = None
    tracker_error: str | None = None
    # How a tracked process's share of the machine is found (process_share.py): the method,
    # per component (cpu, ram, gpu), and what decided it where it fell back.
    share_method: str = "machine"
    share_methods: dict[str, str] = field(default_factory=dict)
    share_detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rapl() -> tuple[bool, str]:
    if not _RAPL_DIR.exists():
        return False, f"{_RAPL_DIR} does not exist (no RAPL, or a VM that hides it)"
    files = sorted(_RAPL_DIR.glob("intel-rapl:*/energy_uj"))
    readable = [f for f in files if os.access(f, os.R_OK)]
    if not files:
        return False, f"no energy_uj counters under {_RAPL_DIR}"
    if not readable:
        return False, f"{len(files)} counters under {_RAPL_DIR}, none readable (run as root or chmod a+r energy_uj)"
    return True, f"{len(readable)} readable counters under {_RAPL_DIR}"


def _nvml() -> tuple[bool, list[str], str]:
    try:
        import pynvml
    except ImportError:
        return False, [], "nvidia-ml-py (pynvml) is not installed"
    try:
        pynvml.nvmlInit()
    except Exception as e:
        return False, [], f"NVML not available ({type(e).__name__}: {e})"
    try:
        names = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(i))
            names.append(name.decode() if isinstance(name, bytes) else str(name))
        return True, names, f"{len(names)} NVIDIA GPU(s)"
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def detect(settings: Any) -> Capabilities:
    """Probe the meters and ask codecarbon which it would use (about 1.5 s: its hardware detection)."""
    rapl, rapl_detail = _rapl()
    nvml, gpus, nvml_detail = _nvml()
    caps = Capabilities(rapl=rapl, rapl_detail=rapl_detail, nvml=nvml, gpus=gpus, nvml_detail=nvml_detail)
    from .process_share import share_in_force, share_methods

    caps.share_method, caps.share_detail = share_in_force()
    caps.share_methods = share_methods(caps.share_method)
    try:
        from .codecarbon_source import detect as detect_hardware

        caps.method, info = detect_hardware(settings.country)
        caps.cpu_model = info.get("cpu_model")
    except Exception as e:
        caps.tracker_error = f"{type(e).__name__}: {e}"
    return caps
