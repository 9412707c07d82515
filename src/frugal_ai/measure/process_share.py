"""This process's share of the machine's energy, interval by interval.

The energy source measures the whole machine. Before the meter shares an interval's energy
among runs, it keeps only this process's part of it: a `ProcessShare` says, for the interval
since its previous reading, which fraction of the machine's CPU, GPU and RAM energy is this
process's (with its descendants: `frugal-ai run`'s command is a child). The rest is other
processes' or idle energy, never charged to runs (the session's unattributed remainder);
each `Shares` also says which part of that rest is idle, so that the session records the
machine's energy as this process's + other processes' + idle. docs/measurement.md gives the
method and its limits.

  * CPU: this process tree's CPU time (utime + stime of /proc/<pid>/stat, every thread,
    every descendant) over the machine's CPU time, busy and idle (every field of the `cpu`
    line of /proc/stat), in the same interval. Four busy processes on two cores get about
    a quarter each; the idle time (idle + iowait) is nobody's: idle energy.
  * RAM: the tree's resident memory (RSS, /proc/<pid>/statm) over the machine's installed
    memory (MemTotal), at the end of the interval. Over MemTotal rather than over the memory
    in use: the free memory's share is idle, like idle CPU time, and the denominator is a
    constant, so the shares of several processes add up to at most the whole. Idle: the
    memory not in use (MemAvailable) over MemTotal.
  * GPU: NVML's per-process SM utilisation samples (nvmlDeviceGetProcessUtilization): our
    processes' utilisation over all processes' on each device, averaged over the devices.
    Where NVML cannot tell processes apart (no NVML, MIG, a GPU or driver without
    per-process samples) the whole device's energy stays ours, as before, and
    `gpu_per_process` is False. No GPU energy is called idle: per-process samples split a
    device's energy among the processes that used it (an interval nobody used it in goes by
    the last split), and a whole device is ours.

Reading costs a few small /proc files (the `python benchmarks/bench_track.py` figures are
unchanged; the meter reads once per interval, in its own thread).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..ledger.notice import warn_once


@dataclass(frozen=True, slots=True)
class Shares:
    """This process's fraction (0–1) of the machine's CPU, GPU and RAM energy in one interval,
    and the idle fraction of each (nobody's: idle CPU time, memory not in use). The rest,
    1 − share − idle, is other processes'."""

    cpu: float
    gpu: float
    ram: float
    gpu_per_process: bool = True  # False: the GPU share is the whole device (NVML cannot tell processes apart)
    cpu_idle: float = 0.0
    gpu_idle: float = 0.0
    ram_idle: float = 0.0


WHOLE = Shares(1.0, 1.0, 1.0, gpu_per_process=False)

# How each component's share is found, by `ProcessShare.method` (stored with each session,
# shown by `frugal-ai doctor`; docs/measurement.md describes each).
_COMPONENT_METHODS: dict[str, dict[str, str]] = {
    "proc": {"cpu": "proc_cpu_time", "ram": "rss", "gpu": "no_gpu"},
    "proc+nvml_process": {"cpu": "proc_cpu_time", "ram": "rss", "gpu": "nvml_process"},
    "proc+gpu_whole": {"cpu": "proc_cpu_time", "ram": "rss", "gpu": "whole_device"},
    "machine": {"cpu": "whole_machine", "ram": "whole_machine", "gpu": "whole_machine"},
}


def share_methods(method: str) -> dict[str, str]:
    """What each component's share (cpu, ram, gpu) comes from, for a `ProcessShare.method`;
    "unknown" for a method this version does not know (or '' : a session from before the split)."""
    return dict(_COMPONENT_METHODS.get(method, {"cpu": "unknown", "ram": "unknown", "gpu": "unknown"}))


class ProcessShare(Protocol):
    """What the meter needs to keep only this process's part of each interval.

    `start()` sets the baseline (called once, off the caller's path, right after the energy
    source started); `read()` returns the shares of the interval since the previous call.
    `method` names what the shares come from: "proc" (CPU time and resident memory from
    /proc, no NVIDIA GPU), "proc+nvml_process" (and the GPU by NVML's per-process
    utilisation), "proc+gpu_whole" (a GPU whose processes NVML cannot tell apart: the whole
    device is ours), "machine" (no /proc: the whole machine is ours); `share_methods(method)`
    spells it per component. Calls come from the meter's thread, one at a time.
    """

    @property
    def method(self) -> str: ...

    def start(self) -> None: ...

    def read(self) -> Shares: ...


ShareFactory = Callable[[], ProcessShare]


class MachineShare:
    """The whole machine is this process's (where /proc is missing): frugal-ai's former rule."""

    method = "machine"

    def start(self) -> None:
        return None

    def read(self) -> Shares:
        return WHOLE


# -- /proc ---------------------------------------------------------------------------------------
def machine_jiffies(stat_text: str) -> int:
    """The machine's CPU time in clock ticks, busy and idle: the sum of /proc/stat's `cpu` line.

    Its fields are user nice system idle iowait irq softirq steal guest guest_nice; guest time
    is already counted in user (and guest_nice in nice), so only the first eight are summed.
    """
    first = stat_text.split("\n", 1)[0].split()
    if not first or first[0] != "cpu":
        raise ValueError("/proc/stat does not start with the 'cpu' line")
    return sum(int(x) for x in first[1:9])


def machine_idle_jiffies(stat_text: str) -> int:
    """The machine's idle CPU time in clock ticks: idle + iowait of /proc/stat's `cpu` line
    (a CPU waiting for I/O runs nothing)."""
    first = stat_text.split("\n", 1)[0].split()
    if not first or first[0] != "cpu":
        raise ValueError("/proc/stat does not start with the 'cpu' line")
    return int(first[4]) + (int(first[5]) if len(first) > 5 else 0)


def process_jiffies(stat_text: str) -> tuple[int, int]:
    """(utime + stime, starttime) of one /proc/<pid>/stat, in clock ticks (all its threads)."""
    rest = stat_text[stat_text.rindex(")") + 2:].split()  # the name may hold spaces and parentheses
    return int(rest[11]) + int(rest[12]), int(rest[19])


def cpu_share(tree_ticks: int, machine_ticks: int) -> float:
    """The tree's CPU time over the machine's in one interval, clamped to [0, 1]."""
    if machine_ticks <= 0:
        return 0.0
    return min(1.0, max(0.0, tree_ticks / machine_ticks))


def idle_share(idle: float, ours: float) -> float:
    """An idle fraction clamped to what our share leaves ([0, 1 − ours]): the two are read a
    few microseconds apart, so they may overlap by a tick."""
    return min(max(0.0, 1.0 - ours), max(0.0, idle))


def _read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("ascii", "replace")


class ProcShare:
    """Shares from Linux's /proc (CPU, RAM) and NVML's per-process utilisation (GPU)."""

    def __init__(self, pid: int | None = None, *, gpu: "NvmlProcessShare | None" = None,
                 proc: str = "/proc") -> None:
        self.pid = os.getpid() if pid is None else pid
        self._proc = proc
        self.gpu = gpu
        self._ticks: dict[int, tuple[int, int]] = {}  # pid -> (its CPU ticks, its starttime) at the last read
        self._machine = 0
        self._idle = 0
        self._page_b = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._mem_total_b = 0

    @property
    def method(self) -> str:
        if self.gpu is None:
            return "proc"
        return "proc+nvml_process" if self.gpu.per_process else "proc+gpu_whole"

    def start(self) -> None:
        self._mem_total_b = self._mem_total()
        stat = _read(f"{self._proc}/stat")
        self._machine, self._idle = machine_jiffies(stat), machine_idle_jiffies(stat)
        self._ticks = self._tree_ticks()
        if self.gpu is not None:
            self.gpu.start()

    def read(self) -> Shares:
        stat = _read(f"{self._proc}/stat")
        machine, idle = machine_jiffies(stat), machine_idle_jiffies(stat)
        ticks = self._tree_ticks()
        used = 0
        for pid, (t, started) in ticks.items():
            before = self._ticks.get(pid)
            if before is None or before[1] != started:  # new since the last read (or a reused pid)
                used += t
            else:
                used += max(0, t - before[0])
        cpu = cpu_share(used, machine - self._machine)
        cpu_idle = idle_share(cpu_share(idle - self._idle, machine - self._machine), cpu)
        self._machine, self._idle, self._ticks = machine, idle, ticks
        ram, ram_idle = 1.0, 0.0
        if self._mem_total_b > 0:
            ram = min(1.0, self._rss_b(ticks) / self._mem_total_b)
            ram_idle = idle_share(self._mem_available_b() / self._mem_total_b, ram)
        if self.gpu is None:
            return Shares(cpu, 1.0, ram, gpu_per_process=False, cpu_idle=cpu_idle, ram_idle=ram_idle)
        gpu, per_process = self.gpu.read(set(ticks))
        return Shares(cpu, gpu, ram, gpu_per_process=per_process, cpu_idle=cpu_idle, ram_idle=ram_idle)

    def _tree(self) -> list[int]:
        """This process and its descendants (from each thread's `children` file)."""
        pids, stack = [], [self.pid]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            try:
                tids = os.listdir(f"{self._proc}/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    stack.extend(int(c) for c in _read(f"{self._proc}/{pid}/task/{tid}/children").split())
                except (OSError, ValueError):
                    continue
        return pids

    def _tree_ticks(self) -> dict[int, tuple[int, int]]:
        ticks = {}
        for pid in self._tree():
            try:
                ticks[pid] = process_jiffies(_read(f"{self._proc}/{pid}/stat"))
            except (OSError, ValueError, IndexError):
                continue  # it ended meanwhile: its last partial interval is lost
        return ticks

    def _rss_b(self, ticks: dict[int, tuple[int, int]]) -> int:
        total = 0
        for pid in ticks:
            try:
                total += int(_read(f"{self._proc}/{pid}/statm").split()[1]) * self._page_b
            except (OSError, ValueError, IndexError):
                continue
        return total

    def _mem_total(self) -> int:
        return _meminfo_b(_read(f"{self._proc}/meminfo"), "MemTotal:")

    def _mem_available_b(self) -> int:
        """Memory not in use (MemAvailable: free, and caches the kernel can drop); 0 if unreadable."""
        try:
            return _meminfo_b(_read(f"{self._proc}/meminfo"), "MemAvailable:")
        except (OSError, ValueError, IndexError):
            return 0


def _meminfo_b(text: str, key: str) -> int:
    """One line of /proc/meminfo in bytes (0 where it is missing)."""
    for line in text.splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


# -- NVML ----------------------------------------------------------------------------------------
def gpu_share(ours: list[float], everyone: list[float]) -> float | None:
    """Our processes' SM utilisation over every process's on one device; None if nobody used it."""
    total = sum(everyone)
    if total <= 0:
        return None
    return min(1.0, sum(ours) / total)


class NvmlProcessShare:
    """Per-process GPU utilisation from NVML (pynvml, which codecarbon brings).

    A device on which NVML gives no per-process samples (MIG, or not supported) counts as
    whole (share 1, `per_process` False). An interval in which no process ran on a device
    keeps that device's previous share (1 at the start): its energy is idle power, charged
    as the process's last use of it was.
    """

    def __init__(self, nvml: Any = None) -> None:
        self._nvml = nvml
        self._handles: list[Any] = []
        self._seen: list[int] = []
        self._last: list[float] = []
        self.per_process = False

    @property
    def device_count(self) -> int:
        return len(self._handles)

    def start(self) -> None:
        if self._nvml is None:
            import pynvml  # comes with codecarbon

            self._nvml = pynvml
        nvml = self._nvml
        nvml.nvmlInit()
        self._handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        self._seen = [0] * len(self._handles)
        self._last = [1.0] * len(self._handles)
        self.per_process = bool(self._handles) and all(self._supported(h) for h in self._handles)

    def _supported(self, handle: Any) -> bool:
        try:
            self._nvml.nvmlDeviceGetProcessUtilization(handle, 0)
            return True
        except Exception as e:  # NotFound: no sample yet, which is fine; NotSupported (MIG...): not
            return "not found" in str(e).lower()

    def read(self, pids: set[int]) -> tuple[float, bool]:
        if not self.per_process:
            return 1.0, False
        shares = []
        for i, handle in enumerate(self._handles):
            try:
                samples = self._nvml.nvmlDeviceGetProcessUtilization(handle, self._seen[i])
            except Exception:
                samples = []  # NotFound: no process ran on it since the last read
            if samples:
                self._seen[i] = max(int(s.timeStamp) for s in samples)
                share = gpu_share([float(s.smUtil) for s in samples if int(s.pid) in pids],
                                  [float(s.smUtil) for s in samples])
                if share is not None:
                    self._last[i] = share
            shares.append(self._last[i])
        return (sum(shares) / len(shares) if shares else 1.0), True


def share_in_force() -> tuple[str, str]:
    """(method, why) of the share this machine gives a tracked process, found as the meter finds
    it (`frugal-ai doctor`): the share is made and started, its `method` read; `why` says what
    decided the GPU's part ("" where nothing needs saying), in English (`share_found` gives its key)."""
    from ..lang import texts

    method, reason, values = share_found()
    return method, texts("en")(f"doctor.share_reason.{reason}", **values) if reason else ""


def share_found() -> tuple[str, str, dict[str, Any]]:
    """(method, reason key, its values) of the share in force: reason '' where nothing needs
    saying, `gpu_whole` (values: gpus) where NVML gives no per-process utilisation, `failed`
    (values: error) where the share could not start. `doctor` says the reason in its language."""
    import warnings

    from ..ledger.notice import FrugalAIWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrugalAIWarning)  # doctor says it in its own words
        share = process_share()
    try:
        share.start()
    except Exception as e:
        return "machine", "failed", {"error": f"{type(e).__name__}: {e}"}
    gpu = share.gpu if isinstance(share, ProcShare) else None
    if share.method == "proc+gpu_whole" and gpu is not None:
        return share.method, "gpu_whole", {"gpus": gpu.device_count}
    return share.method, "", {}


def process_share() -> ProcessShare:
    """The share for this machine: /proc where there is one (with NVML's per-process GPU
    utilisation where it works), else the whole machine, after one warning."""
    if not os.path.exists("/proc/self/stat") or not os.path.exists("/proc/stat"):
        warn_once("process-share", "cannot tell this process's share of the machine here (no /proc): "
                                   "runs are charged the whole machine's energy")
        return MachineShare()
    gpu: NvmlProcessShare | None = None
    try:
        import pynvml

        pynvml.nvmlInit()
        if pynvml.nvmlDeviceGetCount() > 0:
            gpu = NvmlProcessShare(pynvml)
    except Exception:
        gpu = None  # no NVIDIA GPU or no NVML: the energy source measures no GPU either
    return ProcShare(gpu=gpu)
