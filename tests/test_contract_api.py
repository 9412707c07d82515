"""The Python contract of `import frugal_ai`, pinned so that reshaping the code cannot move it.

What a caller relies on: the names in `frugal_ai.__all__`, each public function's parameters
(name, kind, default, order) and the fields of the value types. A change that keeps every
existing call working is allowed: a new parameter must be keyword-only with a default. Removing,
renaming, reordering or re-defaulting a parameter, or a field, fails here; if that is meant, it
is a change of the public contract (docs/ and the changelog), and this table changes with it.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import frugal_ai

EMPTY = inspect.Parameter.empty
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
KW = inspect.Parameter.KEYWORD_ONLY

PUBLIC_NAMES = ["track", "record_llm_call", "record_call", "estimate_llm", "instrument", "uninstrument", "Footprint", "Range", "Impacts"]

# name -> [(parameter, kind, default, annotation as written)] in order; EMPTY = no default.
SIGNATURES: dict[str, list[tuple[str, inspect._ParameterKind, object, str]]] = {
    "track": [
        ("name", POS, None, "Any"),
        ("tags", KW, None, "dict[str, str] | None"),
        ("capture_api", KW, True, "bool"),
    ],
    "record_llm_call": [
        ("model", POS, EMPTY, "str"),
        ("input_tokens", POS, EMPTY, "int"),
        ("output_tokens", POS, EMPTY, "int"),
        ("provider", KW, None, "str | None"),
        ("latency_s", KW, None, "float | None"),
        ("tags", KW, None, "dict[str, str] | None"),
        ("reasoning_tokens", KW, 0, "int"),
        ("at", KW, None, "datetime | None"),
        ("requests", KW, 1, "int"),
    ],
    "record_call": [
        ("kind", POS, EMPTY, "str"),
        ("model", POS, EMPTY, "str"),
        ("input_tokens", KW, 0, "int"),
        ("output_tokens", KW, 0, "int"),
        ("reasoning_tokens", KW, 0, "int"),
        ("images", KW, 0, "int"),
        ("size", KW, None, "str | None"),
        ("quality", KW, None, "str | None"),
        ("audio_seconds", KW, 0.0, "float"),
        ("characters", KW, 0, "int"),
        ("provider", KW, None, "str | None"),
        ("latency_s", KW, None, "float | None"),
        ("tags", KW, None, "dict[str, str] | None"),
        ("at", KW, None, "datetime | None"),
        ("requests", KW, 1, "int"),
    ],
    "estimate_llm": [
        ("model", POS, EMPTY, "str"),
        ("input_tokens", POS, 0, "int"),
        ("output_tokens", POS, 0, "int"),
        ("provider", KW, None, "str | None"),
        ("zone", KW, None, "str | None"),
        ("reasoning_tokens", KW, 0, "int"),
        ("requests", KW, 1, "int"),
        ("settings", KW, None, "Settings | None"),
    ],
    "instrument": [],
    "uninstrument": [],
}

# model -> {field: annotation} (the JSON a Footprint serialises to depends on these).
FIELDS: dict[str, dict[str, str]] = {
    "Range": {"low": "float", "central": "float", "high": "float"},
    "Impacts": {"energy_kwh": "Range", "co2e_kg": "Range", "water_l": "Range"},
    "Footprint": {
        "energy_kwh": "Range", "co2e_kg": "Range", "water_l": "Range",
        "method": "Literal['measured', 'estimated', 'declared']",
        "usage": "Impacts", "embodied": "Impacts", "warnings": "list[str]",
    },
}


def _annotation(p: inspect.Parameter) -> str:
    a = p.annotation
    text = a if isinstance(a, str) else inspect.formatannotation(a)
    return text.strip("'\"")


def _type_text(t: object) -> str:
    text = t.__name__ if isinstance(t, type) else str(t)
    return text.replace("typing.", "")


def test_all_lists_exactly_the_public_names() -> None:
    assert frugal_ai.__all__ == PUBLIC_NAMES
    assert sorted(dir(frugal_ai)) == sorted(PUBLIC_NAMES)


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(frugal_ai, name) is not None
    assert name in vars(frugal_ai), "the lazy import did not cache the name"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        frugal_ai.no_such_thing  # noqa: B018


def test_import_frugal_ai_stays_cheap() -> None:
    """`import frugal_ai` loads neither codecarbon nor an HTTP client nor the ledger (names resolve lazily)."""
    code = ("import sys, frugal_ai; heavy = [m for m in ('codecarbon', 'httpx', 'httpx2', 'openai', "
            "'frugal_ai.measure', 'frugal_ai.ledger') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_public_function_keeps_its_parameters(name: str) -> None:
    params = list(inspect.signature(getattr(frugal_ai, name)).parameters.values())
    pinned = SIGNATURES[name]
    pinned_names = [p[0] for p in pinned]
    present = [p for p in params if p.name in pinned_names]
    assert [p.name for p in present] == pinned_names, f"{name}: a parameter was removed, renamed or moved"
    for p, (pname, kind, default, annotation) in zip(present, pinned):
        assert p.kind == kind, f"{name}({pname}): was {kind.description}, now {p.kind.description}"
        assert p.default == default and type(p.default) is type(default), f"{name}({pname}): default {default!r} became {p.default!r}"
        assert _annotation(p) == annotation, f"{name}({pname}): annotation {annotation!r} became {_annotation(p)!r}"
    for p in params:
        if p.name not in pinned_names:  # an addition must not break an existing call
            assert p.kind == KW and p.default is not EMPTY, f"{name}: new parameter {p.name!r} must be keyword-only with a default"


@pytest.mark.parametrize("name", list(FIELDS))
def test_value_type_keeps_its_fields(name: str) -> None:
    model = getattr(frugal_ai, name)
    fields = {k: _type_text(v.annotation) for k, v in model.model_fields.items()}
    assert fields == FIELDS[name]


def test_a_footprint_round_trips_through_its_json_keys() -> None:
    fp = frugal_ai.estimate_llm("gpt-4o-mini", input_tokens=500, output_tokens=300, zone="FR")
    data = fp.model_dump()
    assert set(data) == set(FIELDS["Footprint"])
    assert set(data["energy_kwh"]) == {"low", "central", "high"}
    assert data["method"] == "estimated"
    assert frugal_ai.Footprint.model_validate(data) == fp


def test_range_still_rejects_an_unordered_triple() -> None:
    with pytest.raises(ValueError, match="low <= central <= high"):
        frugal_ai.Range(low=2.0, central=1.0, high=3.0)
