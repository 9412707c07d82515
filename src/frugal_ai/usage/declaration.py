"""Read and validate a declaration file: the AI tools no code records (web assistants, SaaS).

Every problem is one `DeclarationError` naming the file, the line and the key
(`tool[2].users`), raised before anything is written. See docs/usage.md for the keys.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..gains.locate import line_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_WORKING_DAYS = 21
"""Working days per month when a tool does not say (about 252 a year)."""

# Keys a [[tool]] may hold, and a per-unit spelling of requests_per_month for a product of that unit.
TOOL_KEYS = ("name", "product", "model", "provider", "users", "prompts_per_user_per_day", "working_days_per_month",
             "requests_per_month", "pages_per_month", "images_per_month", "audio_minutes_per_month",
             "spend_eur_per_month", "input_tokens", "output_tokens", "reasoning_tokens", "start", "end")
UNIT_KEYS = {"pages_per_month": "page", "images_per_month": "image", "audio_minutes_per_month": "audio_minute"}


class DeclarationError(InputError):
    """A declaration file that cannot be used (nothing was written)."""


@dataclass(frozen=True)
class DeclaredTool:
    """One [[tool]] of a declaration file, validated."""

    index: int  # 0-based position in the file
    name: str
    product: str | None  # a products.csv key
    model: str  # the catalogue model (or modality model) the requests run on
    provider: str  # '' for a model declared without one: its catalogue host serves it
    kind: str  # text, image, transcription
    requests_per_month: float  # a full month's requests (prompts, pages, images, audio minutes)
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    start: date | None
    end: date | None  # inclusive
    assumed_profile: bool  # the product's prompt profile is an assumption (products.csv)
    spend_eur_per_month: float | None = None  # declared by spend: requests from constants.toml spend.requests_per_eur


def _where(path: Path, text: str, index: int | None, key: str | None) -> str:
    keypath: tuple[str | int, ...] = () if index is None else ("tool", index) + ((key,) if key else ())
    line = line_of(text, keypath) if keypath else None
    return f"{path}:{line}" if line else str(path)


def load_declaration(path: str | Path) -> list[DeclaredTool]:
    """The tools of the declaration file at `path`; `DeclarationError` at the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DeclarationError(f"cannot read the declaration file ({e})", where=str(path)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DeclarationError(f"not valid TOML ({e})", where=str(path)) from None

    def fail(index: int | None, key: str | None, message: str) -> DeclarationError:
        label = f"tool[{index + 1}].{key}" if index is not None and key else (f"tool[{index + 1}]" if index is not None else key or "")
        return DeclarationError(f"{label}: {message}" if label else message, where=_where(path, text, index, key))

    unknown = [k for k in doc if k != "tool"]
    if unknown:
        raise fail(None, unknown[0], "unknown key (a declaration file holds [[tool]] tables; see `frugal-ai usage template`)")
    tools = doc.get("tool")
    if not isinstance(tools, list) or not tools or not all(isinstance(t, dict) for t in tools):
        raise fail(None, "tool", "no [[tool]] table: declare at least one tool (see `frugal-ai usage template`)")
    out: list[DeclaredTool] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(tools):
        tool = _tool(i, raw, fail)
        if tool.name in seen:
            raise fail(i, "name", f"{tool.name!r} is already the name of tool[{seen[tool.name] + 1}]: names must differ")
        seen[tool.name] = i
        out.append(tool)
    return out


def _tool(i: int, t: dict[str, Any], fail: Any) -> DeclaredTool:
    from ..factors import factor_set
    from ..factors.products import find_product, product as product_of

    for key in t:
        if key not in TOOL_KEYS:
            raise fail(i, key, f"unknown key (known: {', '.join(TOOL_KEYS)})")
    name = t.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(i, "name", "give the tool a name (it is the workload name in the report)")
    fs = factor_set()
    if "product" in t and "model" in t:
        raise fail(i, "product", "give either product (see `frugal-ai products list`) or model, not both")
    if "product" not in t and "model" not in t and "spend_eur_per_month" not in t:
        raise fail(i, "product", "give product (see `frugal-ai products list`) or model (or, where nothing else is "
                                 "known, spend_eur_per_month)")
    p = None
    spend_only = "product" not in t and "model" not in t
    if spend_only:
        # Known by its spend alone: the request the requests-per-euro factor assumes.
        model, provider, kind = fs.default("spend_model"), "", "text"
        tokens = (int(float(fs.constant("spend.input_tokens_per_request"))),
                  int(float(fs.constant("spend.output_tokens_per_request"))), 0)
    elif "product" in t:
        if not isinstance(t["product"], str) or find_product(t["product"]) is None:
            try:
                product_of(str(t["product"]))
            except InputError as e:
                raise fail(i, "product", str(e)) from None
        p = product_of(t["product"])
        model, provider, kind = p.model, p.provider, p.kind
        tokens = (p.input_tokens[1], p.output_tokens[1], p.reasoning_tokens)
    else:
        if not isinstance(t["model"], str) or not t["model"].strip():
            raise fail(i, "model", "expected a model name (see `frugal-ai models list`)")
        try:
            m = fs.model(t["model"])
        except InputError as e:
            raise fail(i, "model", str(e)) from None
        model, provider, kind = m.id, "", "text"  # no provider: the report finds the model's host
        tokens = (0, 0, 0)
    if "provider" in t:
        if not isinstance(t["provider"], str):
            raise fail(i, "provider", "expected a provider name")
        try:
            provider = fs.require_provider(t["provider"])
        except InputError as e:
            raise fail(i, "provider", str(e)) from None
    counts = []
    for j, key in enumerate(("input_tokens", "output_tokens", "reasoning_tokens")):
        if key in t:
            if kind != "text":
                raise fail(i, key, f"a {kind} product has no tokens: its unit is what a request is")
            counts.append(_int(t[key], i, key, fail, minimum=0))
        else:
            counts.append(tokens[j])
    if kind == "text" and p is None and not spend_only and not ("input_tokens" in t and "output_tokens" in t):
        raise fail(i, "input_tokens" if "input_tokens" not in t else "output_tokens",
                   "with a model, give input_tokens and output_tokens per request (or use a product)")
    per_month = _requests_per_month(i, t, p.unit if p else "prompt", fail)
    spend = _number(t["spend_eur_per_month"], i, "spend_eur_per_month", fail) if "spend_eur_per_month" in t else None
    start, end = _day(t.get("start"), i, "start", fail), _day(t.get("end"), i, "end", fail)
    if start and end and end < start:
        raise fail(i, "end", f"{end} is before start {start}")
    return DeclaredTool(i, name.strip(), p.key if p else None, model, provider, kind, per_month, *counts, start, end,
                        bool(p and p.assumed and not ("input_tokens" in t and "output_tokens" in t)), spend)


def _requests_per_month(i: int, t: dict[str, Any], unit: str, fail: Any) -> float:
    direct = [k for k in ("requests_per_month", "spend_eur_per_month", *UNIT_KEYS) if k in t]
    per_user = [k for k in ("users", "prompts_per_user_per_day") if k in t]
    if len(direct) > 1:
        raise fail(i, direct[1], f"give one of {', '.join(direct)}")
    if direct and per_user:
        raise fail(i, per_user[0], f"give either {direct[0]} or users and prompts_per_user_per_day, not both")
    if direct:
        key = direct[0]
        if key in UNIT_KEYS and UNIT_KEYS[key] != unit:
            raise fail(i, key, f"this product counts {unit.replace('_', ' ')}s: use requests_per_month")
        if key == "spend_eur_per_month":
            if unit != "prompt":
                raise fail(i, key, f"this product counts {unit.replace('_', ' ')}s: declare them "
                                   "(spend converts to prompts only)")
            from ..factors import factor_set

            # A spend-declared tool's central requests; the report widens by the factor's bounds.
            return _number(t[key], i, key, fail) * float(factor_set().constant("spend.requests_per_eur"))
        return _number(t[key], i, key, fail)
    if len(per_user) < 2:
        missing = "prompts_per_user_per_day" if "users" in t else "users"
        raise fail(i, missing, "give users and prompts_per_user_per_day (or requests_per_month)")
    days = _number(t.get("working_days_per_month", DEFAULT_WORKING_DAYS), i, "working_days_per_month", fail)
    if days > 31:
        raise fail(i, "working_days_per_month", f"{days:g} is more days than a month has")
    users = _int(t["users"], i, "users", fail, minimum=0)
    return users * _number(t["prompts_per_user_per_day"], i, "prompts_per_user_per_day", fail) * days


def _int(value: Any, i: int, key: str, fail: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise fail(i, key, f"expected a whole number >= {minimum}, got {value!r}")
    return value


def _number(value: Any, i: int, key: str, fail: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise fail(i, key, f"expected a non-negative number, got {value!r}")
    return float(value)


def _day(value: Any, i: int, key: str, fail: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(i, key, f"expected a date such as 2026-01-01, got {value!r}")
