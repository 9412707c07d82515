"""One chat call per SDK, plain or streamed, sync or async, against a fake server.

`base(host, port)` names the server: a provider's real host name (resolved to loopback by
`resolver.resolve_to_loopback`, so capture takes its remote path) or 127.0.0.1 itself.
Every function returns the reply text it read, so a test can check the SDK really worked.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

PROMPT = "Say hello."


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- openai -----------------------------------------------------------------------------
def openai_chat(base: str, *, stream: bool, use_async: bool, key: str = "sk-test", model: str = "gpt-4o-mini",
                prompt: str = PROMPT, headers: dict[str, str] | None = None, include_usage: bool = True) -> str:
    import openai

    kwargs: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    if stream:
        kwargs["stream"] = True
        if include_usage:
            kwargs["stream_options"] = {"include_usage": True}
    opts = {"base_url": f"{base}/v1", "api_key": key, "max_retries": 0, "default_headers": headers}
    if not use_async:
        client = openai.OpenAI(**opts)
        with client:
            if not stream:
                return client.chat.completions.create(**kwargs).choices[0].message.content or ""
            return "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(**kwargs) if c.choices)

    async def main() -> str:
        async with openai.AsyncOpenAI(**opts) as client:
            if not stream:
                return (await client.chat.completions.create(**kwargs)).choices[0].message.content or ""
            parts = []
            async for c in await client.chat.completions.create(**kwargs):
                if c.choices:
                    parts.append(c.choices[0].delta.content or "")
            return "".join(parts)

    return _run(main())


# -- anthropic --------------------------------------------------------------------------
def anthropic_chat(base: str, *, stream: bool, use_async: bool, key: str = "sk-ant-test",
                   model: str = "claude-haiku-4-5", prompt: str = PROMPT,
                   headers: dict[str, str] | None = None) -> str:
    import anthropic

    kwargs: dict[str, Any] = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": prompt}]}
    opts = {"base_url": base, "api_key": key, "max_retries": 0, "default_headers": headers}
    if not use_async:
        with anthropic.Anthropic(**opts) as client:
            if not stream:
                return client.messages.create(**kwargs).content[0].text
            with client.messages.stream(**kwargs) as s:
                return "".join(s.text_stream)

    async def main() -> str:
        async with anthropic.AsyncAnthropic(**opts) as client:
            if not stream:
                return (await client.messages.create(**kwargs)).content[0].text
            parts = []
            async for event in await client.messages.create(stream=True, **kwargs):
                if event.type == "content_block_delta":
                    parts.append(event.delta.text)
            return "".join(parts)

    return _run(main())


# -- mistralai --------------------------------------------------------------------------
def mistral_chat(base: str, *, stream: bool, use_async: bool, key: str = "mistral-test",
                 model: str = "mistral-small-latest", prompt: str = PROMPT,
                 headers: dict[str, str] | None = None) -> str:
    from mistralai.client import Mistral

    messages = [{"role": "user", "content": prompt}]
    extra = {"http_headers": headers} if headers else {}

    def text_of(event: Any) -> str:
        return event.data.choices[0].delta.content or ""

    if not use_async:
        with Mistral(api_key=key, server_url=base) as client:
            if not stream:
                return client.chat.complete(model=model, messages=messages, **extra).choices[0].message.content
            return "".join(text_of(e) for e in client.chat.stream(model=model, messages=messages, **extra))

    async def main() -> str:
        async with Mistral(api_key=key, server_url=base) as client:
            if not stream:
                res = await client.chat.complete_async(model=model, messages=messages, **extra)
                return res.choices[0].message.content
            parts = []
            async for e in await client.chat.stream_async(model=model, messages=messages, **extra):
                parts.append(text_of(e))
            return "".join(parts)

    return _run(main())


# -- google-genai -----------------------------------------------------------------------
def google_chat(base: str, *, stream: bool, use_async: bool, key: str = "AIza-test",
                model: str = "gemini-2.5-flash", prompt: str = PROMPT,
                headers: dict[str, str] | None = None) -> str:
    from google import genai
    from google.genai import types

    # Closed when done, as a user should: an open client's aiohttp session and sockets are
    # left to the garbage collector, whose "unclosed transport" ResourceWarning then surfaces
    # in whatever test happens to run when it collects them.
    client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=base, headers=headers or {}))
    if not use_async:
        with client:
            if not stream:
                return client.models.generate_content(model=model, contents=prompt).text or ""
            return "".join(c.text or "" for c in client.models.generate_content_stream(model=model, contents=prompt))

    async def main() -> str:
        try:
            if not stream:
                return (await client.aio.models.generate_content(model=model, contents=prompt)).text or ""
            parts = []
            async for c in await client.aio.models.generate_content_stream(model=model, contents=prompt):
                parts.append(c.text or "")
            return "".join(parts)
        finally:
            await client.aio.aclose()

    return _run(main())


# -- cohere -----------------------------------------------------------------------------
def cohere_chat(base: str, *, stream: bool, use_async: bool, key: str = "co-test",
                model: str = "command-a-03-2025", prompt: str = PROMPT,
                headers: dict[str, str] | None = None) -> str:
    import cohere

    messages = [{"role": "user", "content": prompt}]
    opts: dict[str, Any] = {"api_key": key, "base_url": base}
    request_options = {"additional_headers": headers, "max_retries": 0} if headers else {"max_retries": 0}
    if not use_async:
        with cohere.ClientV2(**opts) as client:  # closed: see google_chat
            if not stream:
                return client.chat(model=model, messages=messages, request_options=request_options).message.content[0].text
            return "".join(
                e.delta.message.content.text
                for e in client.chat_stream(model=model, messages=messages, request_options=request_options)
                if e.type == "content-delta"
            )

    async def main() -> str:
        async with cohere.AsyncClientV2(**opts) as client:
            if not stream:
                res = await client.chat(model=model, messages=messages, request_options=request_options)
                return res.message.content[0].text
            parts = []
            async for e in client.chat_stream(model=model, messages=messages, request_options=request_options):
                if e.type == "content-delta":
                    parts.append(e.delta.message.content.text)
            return "".join(parts)

    return _run(main())


# -- ollama -----------------------------------------------------------------------------
def ollama_chat(base: str, *, stream: bool, use_async: bool, key: str | None = None, model: str = "llama3.2",
                prompt: str = PROMPT, headers: dict[str, str] | None = None) -> str:
    import ollama

    hdrs = dict(headers or {})
    if key:
        hdrs["Authorization"] = f"Bearer {key}"
    messages = [{"role": "user", "content": prompt}]
    if not use_async:
        with ollama.Client(host=base, headers=hdrs) as client:  # closed: see google_chat
            if not stream:
                return client.chat(model=model, messages=messages).message.content or ""
            return "".join(p.message.content or "" for p in client.chat(model=model, messages=messages, stream=True))

    async def main() -> str:
        async with ollama.AsyncClient(host=base, headers=hdrs) as client:
            if not stream:
                return (await client.chat(model=model, messages=messages)).message.content or ""
            parts = []
            async for p in await client.chat(model=model, messages=messages, stream=True):
                parts.append(p.message.content or "")
            return "".join(parts)

    return _run(main())


SDK_CALLS: dict[str, Callable[..., str]] = {
    "openai": openai_chat,
    "anthropic": anthropic_chat,
    "mistralai": mistral_chat,
    "google-genai": google_chat,
    "cohere": cohere_chat,
    "ollama": ollama_chat,
}


def openai_responses(base: str, *, stream: bool, use_async: bool, key: str = "sk-test",
                     model: str = "gpt-4.1-mini", prompt: str = PROMPT, headers: dict[str, str] | None = None) -> str:
    """The Responses API: plain, or streamed through the SDK's `responses.stream()` helper."""
    import openai

    opts = {"base_url": f"{base}/v1", "api_key": key, "max_retries": 0, "default_headers": headers}
    if not use_async:
        with openai.OpenAI(**opts) as client:
            if not stream:
                return client.responses.create(model=model, input=prompt).output_text
            with client.responses.stream(model=model, input=prompt) as events:
                return "".join(e.delta for e in events if e.type == "response.output_text.delta")

    async def main() -> str:
        async with openai.AsyncOpenAI(**opts) as client:
            if not stream:
                return (await client.responses.create(model=model, input=prompt)).output_text
            parts = []
            async with client.responses.stream(model=model, input=prompt) as events:
                async for e in events:
                    if e.type == "response.output_text.delta":
                        parts.append(e.delta)
            return "".join(parts)

    return _run(main())
