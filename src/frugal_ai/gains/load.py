"""Read and validate a gains file; every problem names the file, the line and the key.

Problems are collected, not stopped at, so one run of `frugal-ai gains check` lists them
all. Keys are written `use_case[1].gain[2].unit`, counting entries from 1 in the order they
appear in the file. Lines come from a light scan of the text (see `locate.py`): for a key
written inside an inline table, the line given is that of the enclosing table.

Example:
    >>> gf = load_gains("gains.toml")  # doctest: +SKIP
    >>> [uc.name for uc in gf.use_case]  # doctest: +SKIP
    ['Route optimisation']
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from ..errors import InputError
from .locate import line_of
from .lookup import avoided_factor, hardware_co2e_kg, known_activities, unit_scale
from .spec import CUSTOM, GainsFile, KeyPath, cross_field_problems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a gains file."""

    file: str
    line: int | None
    key: str
    message: str

    @property
    def where(self) -> str:
        """The file, and the line when known."""
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def detail(self) -> str:
        """The key, when there is one, and the message."""
        return f"{self.key}: {self.message}" if self.key else self.message

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


class GainsError(InputError):
    """A gains file that cannot be used. `problems` lists every problem found; the message names the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(first.detail + suffix, where=first.where)


def key_text(loc: KeyPath) -> str:
    """`("use_case", 0, "gain", 1, "unit")` -> `use_case[1].gain[2].unit` (entries counted from 1)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_gains(path: str | Path, *, factors: Any = None) -> GainsFile:
    """Read and validate the gains file at `path`. Raises `GainsError` (an `InputError`) listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GainsError([Problem(str(path), None, "", "no such gains file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise GainsError([Problem(str(path), None, "", f"cannot read the file: {e}")]) from None
    return parse_gains(text, str(path), factors=factors)


def parse_gains(text: str, file: str = "<gains>", *, factors: Any = None) -> GainsFile:
    """Validate gains given as TOML text; `file` names it in messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # tomllib's message ends with "(at line N, column M)": keep it, it is the position.
        raise GainsError([Problem(file, _decode_line(str(e)), "", f"not valid TOML: {e}")]) from None

    def problem(loc: KeyPath, message: str) -> Problem:
        return Problem(file, line_of(text, loc), key_text(loc), message)

    try:
        gf = GainsFile.model_validate(doc)
    except ValidationError as e:
        raise GainsError([problem(tuple(err["loc"]), _pydantic_message(err)) for err in e.errors()]) from None
    gf._path = file

    problems = [problem(loc, msg) for loc, msg in cross_field_problems(gf)]
    problems += [problem(loc, msg) for loc, msg in factor_problems(gf, factors)]
    if problems:
        raise GainsError(problems)
    return gf


def factor_problems(gf: GainsFile, factors: Any = None) -> list[tuple[KeyPath, str]]:
    """Problems that need the factor base: unknown activity, model or hardware; a unit that does not fit."""
    if factors is None:
        from ..factors import factor_set

        factors = factor_set()
    problems: list[tuple[KeyPath, str]] = []
    for i, uc in enumerate(gf.use_case):
        for j, g in enumerate(uc.gain):
            at: KeyPath = ("use_case", i, "gain", j)
            problems.extend(_gain_problems(at, g, factors))
        if uc.expected_usage is not None:
            eu = uc.expected_usage
            try:
                factors.model(eu.model, provider=eu.provider)
            except InputError as e:
                problems.append((("use_case", i, "expected_usage", "model"), str(e)))
            if eu.zone is not None:
                problems.extend(_zone_problems(("use_case", i, "expected_usage", "zone"), eu.zone, factors))
        for j, h in enumerate(uc.hardware):
            if h.item is not None:
                try:
                    hardware_co2e_kg(factors, h.item)
                except (InputError, KeyError, LookupError) as e:
                    problems.append((("use_case", i, "hardware", j, "item"), _lookup_message("hardware", h.item, e)))
    return problems


def _gain_problems(at: KeyPath, g: Any, factors: Any) -> list[tuple[KeyPath, str]]:
    if g.activity == CUSTOM:
        missing = [k for k in ("factor_kg_per_unit", "source") if getattr(g, k) is None]
        return [((*at, k), f"activity = 'custom' needs {k}") for k in missing]
    problems: list[tuple[KeyPath, str]] = []
    if g.zone is not None:
        problems.extend(_zone_problems((*at, "zone"), g.zone, factors))
        if problems:
            return problems
    try:
        factor = avoided_factor(factors, g.activity, zone=g.zone)
    except InputError:
        known = [*known_activities(factors), CUSTOM]
        close = difflib.get_close_matches(g.activity, known, n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else f"; known: {', '.join(known)}"
        return [((*at, "activity"), f"unknown activity {g.activity!r}{hint}")]
    if g.zone is not None and not factor.zone_dependent:
        problems.append(((*at, "zone"), f"zone is only for activities that use the grid's factor, not {g.activity!r}"))
    if unit_scale(g.unit, factor) is None:
        accepted = ", ".join(factor.allowed_units)
        problems.append(((*at, "unit"), f"unit {g.unit!r} does not fit activity {g.activity!r} (accepted: {accepted})"))
    return problems


def _zone_problems(at: KeyPath, zone: str, factors: Any) -> list[tuple[KeyPath, str]]:
    try:
        factors.electricity(zone)
    except (InputError, KeyError, LookupError) as e:
        return [(at, _lookup_message("zone", zone, e))]
    return []


def _lookup_message(kind: str, key: str, e: Exception) -> str:
    return str(e) if isinstance(e, InputError) else f"unknown {kind} {key!r}"


def _pydantic_message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "missing (required)"
    return str(err["msg"])


def _decode_line(message: str) -> int | None:
    import re

    m = re.search(r"at line (\d+)", message)
    return int(m.group(1)) if m else None
