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

    def as_dict(self) -> dict[str, object]:
        return {"client": self.client, "version": self.version, "covered": self.covered, "how": self.how}


# What is wrapped in each client module that instrument() patches, and the oldest major
# version captured. The SDKs built on each are in docs/capture.md's support table.
_HOW: dict[str, tuple[str, int]] = {
    "httpx": ("HTTPTransport / AsyncHTTPTransport wrapped (openai, anthropic, cohere, ollama, litellm...)", 0),
    "httpx2": ("HTTPTransport / AsyncHTTPTransport wrapped (openai, anthropic, mistralai, google-genai...)", 0),
    "urllib3": ("HTTPConnectionPool.urlopen wrapped (requests, and every client built on it)", 2),
    "botocore": ("BaseClient._make_api_call wrapped: Bedrock Runtime InvokeModel and Converse, plain and streamed", 0),
    "aiohttp": ("ClientSession._request wrapped (litellm acompletion, google-genai's async client...)", 3),
}
# Other HTTP clients GenAI SDKs use: listed when installed and not captured.
_OTHERS = ("grpcio", "websockets")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def clients_covered() -> list[ClientCoverage]:
    """Every HTTP client the capture knows of that is installed here, covered or not."""
    from .instrument import CLIENT_MODULES, OTHER_STACKS

    wrapped = list(CLIENT_MODULES) + [module for module, _ in OTHER_STACKS]
    found = []
    for module in wrapped:
        version = _version(module)
        if version is None:
            continue
        how, oldest = _HOW.get(module, ("wrapped", 0))
        major = version.split(".")[0]
        if major.isdigit() and int(major) < oldest:
            found.append(ClientCoverage(module, version, False, f"not captured before version {oldest}"))
        else:
            found.append(ClientCoverage(module, version, True, how))
    for module in _OTHERS:
        version = _version(module)
        if version is not None and module not in wrapped:
            found.append(ClientCoverage(module, version, False, "record its calls with record_llm_call"))
    return found
