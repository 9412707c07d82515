"""Which provider, and which wire format, an HTTP request goes to: decided from host and path only.

The decision runs on every request an instrumented client sends, so it is a few dict and
string look-ups over precomputed tables, remembered per (host, port, path). Nothing in the
request body or headers is read here.

Provider names are the factor base's provider keys: openai, azure, anthropic, mistral,
google, cohere, ollama, openai-compatible.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field, replace
from typing import Literal

from .kinds import kind_of_path

WireFormat = Literal["openai", "anthropic", "google", "cohere", "ollama", "bedrock"]

OLLAMA_DEFAULT_PORT = 11434


@dataclass(slots=True, frozen=True)
class Route:
    """Where a captured request goes: the provider key, the parser to use, and whether it stays on this host."""

    provider: str
    wire_format: WireFormat
    local: bool
    # Recognised by its path alone, on a host that is not a known provider's: the reply must
    # confirm it (a usage block or a model name) before a successful call is recorded.
    by_path: bool = field(default=False, compare=False)
    # The request kind its path names (capture/kinds.py): chat, embedding, image, transcription, speech.
    kind: str = field(default="chat", compare=False, repr=False)


# Exact hosts of the public APIs.
_HOSTS: dict[str, str] = {
    "api.openai.com": "openai",
    "api.anthropic.com": "anthropic",
    "api.mistral.ai": "mistral",
    "codestral.mistral.ai": "mistral",
    "generativelanguage.googleapis.com": "google",
    "aiplatform.googleapis.com": "google",
    "api.cohere.com": "cohere",
    "api.cohere.ai": "cohere",
    "ollama.com": "ollama",
}
# Host suffixes: Azure resources and Vertex AI's regional endpoints.
_HOST_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".openai.azure.com", "azure"),
    (".cognitiveservices.azure.com", "azure"),
    (".services.ai.azure.com", "azure"),
    ("-aiplatform.googleapis.com", "google"),
)

# OpenAI's wire format: any path ending so on a known host; on an unknown host only the
# /v1/ forms (vLLM, llama.cpp server, LM Studio, LiteLLM proxy...).
_OPENAI_TAILS = ("/chat/completions", "/completions", "/responses", "/embeddings", "/images/generations",
                 "/audio/transcriptions", "/audio/translations", "/audio/speech")
_OPENAI_V1_TAILS = tuple("/v1" + t for t in _OPENAI_TAILS)
_OLLAMA_PATHS = frozenset({"/api/chat", "/api/generate", "/api/embed", "/api/embeddings"})
_COHERE_TAILS = ("/v1/chat", "/v2/chat", "/v1/embed", "/v2/embed")
# Mistral's own OpenAI-shaped endpoints, and Azure OpenAI's deployment paths (behind a gateway).
_MISTRAL_V1_TAILS = ("/v1/fim/completions", "/v1/agents/completions")
_AZURE_DEPLOYMENTS = "/openai/deployments/"
_GOOGLE_METHODS = (":generateContent", ":streamGenerateContent", ":embedContent", ":batchEmbedContents")

_LOCAL_NAMES = {"localhost", "::1", "0.0.0.0", "::", "ip6-localhost", "ip6-loopback"}


def _own_host_names() -> set[str]:
    # gethostname() reads a kernel value: no DNS, no network.
    try:
        name = socket.gethostname().lower()
    except OSError:  # pragma: no cover
        return set()
    return {name, name.split(".")[0]} if name else set()


_LOCAL_NAMES |= _own_host_names()

_cache: dict[tuple[str, int | None, str], Route | None] = {}
_CACHE_MAX = 2048


def is_local_host(host: str) -> bool:
    """True for a server on this machine: localhost, 127.0.0.0/8, ::1 or this machine's own name."""
    host = host.lower().strip("[]")
    return host in _LOCAL_NAMES or host.startswith("127.") or host.endswith(".localhost")


def provider_for_host(host: str) -> str | None:
    """The provider key of a known API host, or None."""
    found = _HOSTS.get(host)
    if found is not None:
        return found
    for suffix, provider in _HOST_SUFFIXES:
        if host.endswith(suffix):
            return provider
    return None


def route(host: str, port: int | None, path: str) -> Route | None:
    """The route of a POST to host:port/path, or None when it is not a GenAI inference call.

    >>> route("api.openai.com", None, "/v1/chat/completions")
    Route(provider='openai', wire_format='openai', local=False)
    >>> route("127.0.0.1", 11434, "/api/chat")
    Route(provider='ollama', wire_format='ollama', local=True)
    """
    key = (host, port, path)
    try:
        return _cache[key]
    except KeyError:
        pass
    found = _decide(host.lower(), port, path)
    if found is not None:
        kind = kind_of_path(path.rstrip("/"))
        if kind != found.kind:
            found = replace(found, kind=kind)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[key] = found
    return found


def _decide(host: str, port: int | None, path: str) -> Route | None:
    known = provider_for_host(host)
    local = is_local_host(host)
    guess = known is None
    path = path.rstrip("/")
    if path in _OLLAMA_PATHS:
        return Route("ollama", "ollama", local, guess)
    if path.endswith(_GOOGLE_METHODS):
        # Gemini's own wire format: served by Google (directly or through a gateway).
        return Route(known or "google", "google", local, guess)
    if known == "cohere" or (guess and path.endswith(_COHERE_TAILS)):
        # Cohere's own paths; on another host, a gateway in front of Cohere (or a server speaking its API).
        return Route("cohere", "cohere", local, guess) if path.endswith(_COHERE_TAILS) else None
    if path.endswith("/v1/messages") or (known == "anthropic" and path.endswith("/messages")):
        # Anthropic's own wire format; on another host, a gateway in front of Anthropic.
        return Route(known or "anthropic", "anthropic", local, guess)
    if guess and path.endswith(_MISTRAL_V1_TAILS):
        return Route("mistral", "openai", local, guess)
    if guess and _AZURE_DEPLOYMENTS in path and path.endswith(_OPENAI_TAILS):
        return Route("azure", "openai", local, guess)
    if path.endswith(_OPENAI_V1_TAILS) or (known is not None and path.endswith(_OPENAI_TAILS)):
        if known is None:
            known = "ollama" if port == OLLAMA_DEFAULT_PORT else "openai-compatible"
        return Route(known, "openai", local, guess)
    return None


# The words of the known route templates, kept as they are in the stored path. A segment
# after one of the name slots is the name the template holds there (an Azure deployment, a
# model, Vertex's project, region and publisher), kept too. Any other segment is replaced
# by `*`: a gateway may carry a key in the path (/gw/<key>/v1/chat/completions).
_ROUTE_WORDS = frozenset({
    "api", "openai", "compatibility", "chat", "completions", "responses", "embeddings", "embed", "images", "generations",
    "audio", "transcriptions", "translations", "speech",
    "messages", "generate", "fim", "agents", "deployments", "models", "projects", "locations", "publishers",
})
_NAME_SLOTS = frozenset({"deployments", "models", "projects", "locations", "publishers"})
_VERSION = re.compile(r"v[0-9]{1,2}(?:(?:alpha|beta)[0-9]{0,2})?\Z")


def stored_path(path: str) -> str:
    """The path as the ledger keeps it: only what belongs to a known route template.

    >>> stored_path("/gw/sk-live-123/v1/chat/completions")
    '/*/*/v1/chat/completions'
    >>> stored_path("/v1beta/models/gemini-2.5-flash:generateContent")
    '/v1beta/models/gemini-2.5-flash:generateContent'
    """
    kept: list[str] = []
    slot = False
    for segment in path.strip("/").split("/"):
        if slot:
            kept.append(segment)
            slot = False
        elif segment in _ROUTE_WORDS or _VERSION.match(segment) is not None:
            kept.append(segment)
            slot = segment in _NAME_SLOTS
        else:
            kept.append("*")
    return "/" + "/".join(kept)


# Other caches derived from routes (the transport's, per raw URL target): cleared with ours.
dependent_caches: list[dict] = []  # type: ignore[type-arg]


def clear_cache() -> None:
    """Forget remembered routes (tests, or after the host tables change)."""
    _cache.clear()
    for cache in dependent_caches:
        cache.clear()
