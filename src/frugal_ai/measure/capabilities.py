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
    # The same findings as a key and its values, so that `doctor` can say them in any language
    # (the details above are their English wording): rapl_reason one of missing, no_counters,
    # unreadable, readable; nvml_reason one of not_installed, unavailable, found.
    rapl_reason: str = ""
    rapl_values: dict[str, Any] = field(default_factory=dict)
    nvml_reason: str = ""
    nvml_values: dict[str, Any] = field(default_factory=dict)
    method: str = "unavailable"  # what runs will be recorded with, e.g. "cpu_load+ram_model"
    cpu_model: str | None = None
    tracker_error: str | None = None
    # How a tracked process's share of the machine is found (process_share.py): the method,
    # per component (cpu, ram, gpu), and what decided it where it fell back.
    share_method: str = "machine"
    share_methods: dict[str, str] = field(default_factory=dict)
    share_detail: str = ""
    share_reason: str = ""  # the detail's key: '', gpu_whole or failed (process_share.share_found)
    share_values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rapl() -> tuple[bool, str, dict[str, Any]]:
    """Whether RAPL counters can be read, and why: (found, reason key, its values)."""
    path = str(_RAPL_DIR)
    if not _RAPL_DIR.exists():
        return False, "missing", {"path": path}
    files = sorted(_RAPL_DIR.glob("intel-rapl:*/energy_uj"))
    readable = [f for f in files if os.access(f, os.R_OK)]
    if not files:
        return False, "no_counters", {"path": path}
    if not readable:
        return False, "unreadable", {"path": path, "n": len(files)}
    return True, "readable", {"path": path, "n": len(readable)}


def _nvml() -> tuple[bool, list[str], str]:
    """Whether NVML answers, the GPUs' names, and why in English: (found, names, detail)."""
    from ..lang import texts

    found, names, reason, values = _nvml_probe()
    return found, names, texts("en")(f"doctor.nvml_reason.{reason}", **values)


def _nvml_probe() -> tuple[bool, list[str], str, dict[str, Any]]:
    """Whether NVML answers, the GPUs' names, and why: (found, names, reason key, its values)."""
    try:
        import pynvml
    except ImportError:
        return False, [], "not_installed", {}
    try:
        pynvml.nvmlInit()
    except Exception as e:
        return False, [], "unavailable", {"error": f"{type(e).__name__}: {e}"}
    try:
        names = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(i))
            names.append(name.decode() if isinstance(name, bytes) else str(name))
        return True, names, "found", {"n": len(names)}
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def detect(settings: Any) -> Capabilities:
    """Probe the meters and ask codecarbon which it would use (about 1.5 s: its hardware detection)."""
    rapl, rapl_reason, rapl_values = _rapl()
    nvml, gpus, nvml_reason, nvml_values = _nvml_probe()
    from ..lang import texts

    en = texts("en")  # the details in English; `doctor` says them in its language from the reasons
    caps = Capabilities(rapl=rapl, rapl_detail=en(f"doctor.rapl_reason.{rapl_reason}", **rapl_values), nvml=nvml,
                        gpus=gpus, nvml_detail=en(f"doctor.nvml_reason.{nvml_reason}", **nvml_values),
                        rapl_reason=rapl_reason, rapl_values=rapl_values, nvml_reason=nvml_reason,
                        nvml_values=nvml_values)
    from .process_share import share_found, share_methods

    caps.share_method, caps.share_reason, caps.share_values = share_found()
    caps.share_detail = en(f"doctor.share_reason.{caps.share_reason}", **caps.share_values) if caps.share_reason else ""
    caps.share_methods = share_methods(caps.share_method)
    try:
        from .codecarbon_source import detect as detect_hardware

        caps.method, info = detect_hardware(settings.country)
        caps.cpu_model = info.get("cpu_model")
    except Exception as e:
        caps.tracker_error = f"{type(e).__name__}: {e}"
    return caps
