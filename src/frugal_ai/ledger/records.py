"""The two kinds of fact the ledger holds: runs (measured local compute) and API calls.

Activity data only: never a prompt, a response, a key or a header. Times are UTC seconds
since the epoch (float). These are plain slotted dataclasses because they are built on
the decorator's and the capture's hot paths. Their fields are keyword-only: a record is
always built with named fields, so a reordered field can never swap two integer columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RunStatus = Literal["ok", "failed"]
CallStatus = Literal["ok", "failed", "partial"]


@dataclass(slots=True, kw_only=True)
class RunRecord:
    """One tracked run of local compute.

    Energies are inclusive: a run's figures contain those of the runs nested in it
    (`parent_id`), so totals sum over root runs only (`parent_id is None`).
    `method` says how the energy was obtained: a '+'-joined set of what was measured,
    e.g. "rapl+nvml+ram_model", "tdp_fallback+ram_model", or "unavailable".
    `coverage` is the fraction of the run's duration that the tracker's measured intervals
    covered; the rest of its energy was extrapolated from the power measured next (a call
    that ended before the tracker was ready has coverage 0). See docs/measurement.md.
    """

    id: str
    name: str
    start: float
    end: float
    status: RunStatus = "ok"
    parent_id: str | None = None
    project: str = "default"
    tags: dict[str, str] = field(default_factory=dict)
    host: str = ""
    pid: int = 0
    zone: str | None = None
    method: str = "unavailable"
    cpu_kwh: float = 0.0
    gpu_kwh: float = 0.0
    ram_kwh: float = 0.0
    coverage: float = 1.0

    @property
    def energy_kwh(self) -> float:
        return self.cpu_kwh + self.gpu_kwh + self.ram_kwh

    kind: Literal["run"] = "run"


@dataclass(slots=True, kw_only=True)
class ApiCallRecord:
    """One call to a GenAI API (or to a local inference server when `local`).

    `name` is the name of the innermost enclosing run (None when the call was made outside
    any run), `run_id` its id. `path` never carries a query string. `source` says where the
    record came from: "capture" (HTTP instrumentation), "manual" (`record_llm_call`),
    "declared" (`frugal-ai ledger declare`: a declared tool's month) or "demo".
    `requests` is how many identical requests the row stands for: its token counts are per
    request, and every aggregate counts the row `requests` times (a month of usage loaded as
    one row is `requests` requests of that size, never one giant request). Calls with `local=True` ran on this host: their energy is already in the
    measured runs, so no API estimate is added for them.

    `request_kind` (column `api_calls.kind`) is what was asked for: "chat" (text generation,
    the default), "embedding", "image", "transcription" or "speech" (`ledger.kinds`). `units`
    is that kind's quantity per request, in the unit `ledger.kinds.UNIT_OF_KIND` names: images
    (image), seconds of audio (transcription), characters of text (speech); 0 for chat and
    embedding, whose tokens are the token counts. `image_size` (`WIDTHxHEIGHT`) and
    `image_quality` (the provider's level: low, medium, high, standard, hd) are the image
    request's; empty when not given (the estimator's reference then applies).
    """

    id: str
    provider: str
    model: str
    start: float
    end: float
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    latency_s: float | None = None
    status: CallStatus = "ok"
    run_id: str | None = None
    name: str | None = None
    project: str = "default"
    tags: dict[str, str] = field(default_factory=dict)
    host: str = ""
    path: str = ""
    http_status: int | None = None
    local: bool = False
    source: str = "capture"
    requests: int = 1
    request_kind: str = "chat"
    units: float = 0.0
    image_size: str = ""
    image_quality: str = ""

    kind: Literal["api_call"] = "api_call"


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    """What one process's tracker measured of the machine in total, and the part no run was charged.

    Energy conservation, per component: sum over the session's root runs of their measured
    (not extrapolated) energy + `unattributed_*_kwh` = `*_kwh` (the machine's). Of the
    unattributed part, `others_*_kwh` is other processes' share of the machine and `idle_*_kwh`
    nobody's (idle CPU time, memory not in use); the remainder is this process's own time
    outside every run. `share_method` says how this process's share was found
    (process_share.py: "proc", "proc+nvml_process", "proc+gpu_whole", "machine"; '' for a
    session from before the split was recorded, whose others and idle are unknown, not zero).
    `extrapolated_kwh` is the energy given to runs for time before the tracker was ready
    (not in the totals).
    """

    id: str
    start: float
    end: float
    project: str = "default"
    host: str = ""
    pid: int = 0
    zone: str | None = None
    method: str = "unavailable"
    cpu_kwh: float = 0.0
    gpu_kwh: float = 0.0
    ram_kwh: float = 0.0
    unattributed_cpu_kwh: float = 0.0
    unattributed_gpu_kwh: float = 0.0
    unattributed_ram_kwh: float = 0.0
    extrapolated_kwh: float = 0.0
    others_cpu_kwh: float = 0.0
    others_gpu_kwh: float = 0.0
    others_ram_kwh: float = 0.0
    idle_cpu_kwh: float = 0.0
    idle_gpu_kwh: float = 0.0
    idle_ram_kwh: float = 0.0
    share_method: str = ""

    kind: Literal["session"] = "session"


Record = RunRecord | ApiCallRecord | SessionRecord
