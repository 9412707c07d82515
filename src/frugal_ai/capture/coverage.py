"""Which HTTP clients the capture covers in this environment (what `frugal-ai doctor` lists).

Read from the installed distributions' metadata only: nothing is imported, so asking costs
no import time and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True, slots=True)
class ClientCoverage:
    """One HTTP client library: installed or not, and whether its calls are captured, how."""

    client: str
    version: str | None
    covered: bool
    how: str
    # `how` as a key and its values, for `doctor` to say it in any language: 'wrapped' (the
    # language tables' `doctor.capture_how.<client>`), 'too_old' (with `oldest`) or 'record_manually'.
    reason: str = "wrapped"
    oldest: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"client": self.client, "version": self.version, "covered": self.covered, "how": self.how}


# The oldest major version captured of each client module that instrument() patches. What is
# wrapped in each is said in the language tables (`doctor.capture_how.<module>`); the SDKs built
# on each are in docs/capture.md's support table.
_OLDEST: dict[str, int] = {"httpx": 0, "httpx2": 0, "urllib3": 2, "botocore": 0, "aiohttp": 3}
# Other HTTP clients GenAI SDKs use: listed when installed and not captured.
_OTHERS = ("grpcio", "websockets")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def clients_covered() -> list[ClientCoverage]:
    """Every HTTP client the capture knows of that is installed here, covered or not."""
    from ..lang import texts
    from .instrument import CLIENT_MODULES, OTHER_STACKS

    en = texts("en")  # `how` in English; `doctor` says it in its language from `reason`
    wrapped = list(CLIENT_MODULES) + [module for module, _ in OTHER_STACKS]
    found = []
    for module in wrapped:
        version = _version(module)
        if version is None:
            continue
        oldest = _OLDEST.get(module, 0)
        major = version.split(".")[0]
        if major.isdigit() and int(major) < oldest:
            found.append(ClientCoverage(module, version, False, en("doctor.capture_too_old", oldest=oldest), "too_old", oldest))
        else:
            key = f"doctor.capture_how.{module}"
            found.append(ClientCoverage(module, version, True, en(key) if en.has(key) else en("doctor.capture_wrapped")))
    for module in _OTHERS:
        version = _version(module)
        if version is not None and module not in wrapped:
            found.append(ClientCoverage(module, version, False, en("doctor.capture_record_manually"), "record_manually"))
    return found
