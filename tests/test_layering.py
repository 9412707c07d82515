"""Imports inside frugal_ai run one way: down the layers that docs/architecture.md describes.

Every module's imports are read with `ast` (imports inside functions and under TYPE_CHECKING
too: a deferred import is still a dependency) and each one is mapped to the package it lands in.

    cli, demo                         on top: may use anything below
    report                            inventory, gains, advise, ledger, estimate, bottom
    usage                             gains (its TOML line finder), ledger, bottom (declared usage -> ledger rows)
    gains, advise                     inventory, ledger, estimate, bottom
    inventory                         ledger, estimate, bottom
    imports                           ledger, estimate, bottom (ledger import: usage files -> ledger facts)
    export                            ledger, estimate, bottom (written records -> OpenTelemetry; the ledger
                                      writer reaches it through _hooks, which the package sets)
    capture                           measure (the current run, from measure.context), ledger, bottom
    measure                           ledger, estimate (measured kWh priced by estimate.measured), bottom
                                      (never capture: track switches capture on through _hooks,
                                      which the package sets)
    ledger, estimate                  bottom
    bottom: config -> factors -> lang -> units -> footprint -> errors (and _environ, _hooks, ids, untrusted)

Back-edges would be listed in ALLOW_LIST; issue 9 brought that list to zero and it stays
empty: move the code down, or the import up. An entry that no import needs fails the test too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "frugal_ai"

BOTTOM = {"errors", "_environ", "_hooks", "ids", "untrusted", "footprint", "units", "lang", "factors", "config"}
BELOW_TOP = BOTTOM | {"estimate", "ledger", "measure", "capture", "inventory", "gains", "advise", "report", "imports",
                      "usage", "export"}
# package -> the packages it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_environ": set(),
    "_hooks": set(),
    "ids": set(),
    "untrusted": set(),
    "footprint": {"errors"},
    "units": {"errors", "footprint"},
    # The translation tables are words, no accounting, so that gains, the report and the CLI share them.
    "lang": {"errors", "footprint", "units"},
    "factors": {"errors", "footprint", "units"},
    "config": {"errors", "_environ", "footprint", "units", "factors"},
    "estimate": BOTTOM,
    "ledger": BOTTOM,
    "measure": BOTTOM | {"ledger", "estimate"},
    "capture": BOTTOM | {"ledger", "measure"},
    "imports": BOTTOM | {"ledger", "estimate"},
    "inventory": BOTTOM | {"ledger", "estimate"},
    "gains": BOTTOM | {"ledger", "estimate", "inventory"},
    # Declared usage: a declaration file read (with gains' TOML line finder) into ledger rows.
    "usage": BOTTOM | {"ledger", "gains"},
    # The OpenTelemetry export: written records priced (estimate) and sent.
    "export": BOTTOM | {"ledger", "estimate"},
    "advise": BOTTOM | {"ledger", "estimate", "inventory"},
    "report": BOTTOM | {"ledger", "estimate", "inventory", "gains", "advise"},
    "demo": BELOW_TOP | {"<public>"},
    "cli": BELOW_TOP | {"demo"},
    "<public>": BELOW_TOP,  # frugal_ai/__init__.py: the facade re-exporting the public names
    "__main__": {"cli"},
}
# (importing module, imported module): back-edges tolerated for now. Issue 9 brought it to zero.
ALLOW_LIST: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _imports(path: Path, source: str | None = None) -> set[str]:
    """The frugal_ai modules `path` imports (its text, or `source`), as absolute dotted names."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from pkg import submodule` depends on the submodule
                sub = f"{module}.{alias.name}"
                found.add(sub if _is_module(sub) else module)
    return {m for m in found if m == "frugal_ai" or m.startswith("frugal_ai.")}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<public>"


def _edges() -> set[tuple[str, str]]:
    return {(_module_name(p), target) for p in sorted(PACKAGE.rglob("*.py")) for target in _imports(p)}


def _violates(importer: str, target: str) -> bool:
    src, dst = _unit(importer), _unit(target)
    if src == dst:
        return False
    return dst not in ALLOWED[src]


def test_every_module_belongs_to_a_known_layer() -> None:
    units = {_unit(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    unknown = units - set(ALLOWED)
    assert not unknown, f"new top-level modules {sorted(unknown)}: give them a row in ALLOWED"


def test_imports_follow_the_layers() -> None:
    back = sorted(e for e in _edges() if _violates(*e) and e not in ALLOW_LIST)
    assert not back, "imports against the layers (move the code down, or the import up):\n" + "\n".join(
        f"  {a} -> {b}" for a, b in back)


def test_allow_list_only_shrinks() -> None:
    """An allow-listed back-edge that no module takes any more must leave the list."""
    needed = {e for e in _edges() if _violates(*e)}
    stale = sorted(ALLOW_LIST - needed)
    assert not stale, "no longer needed, delete from ALLOW_LIST:\n" + "\n".join(f"  {a} -> {b}" for a, b in stale)


@pytest.mark.parametrize("source, expected", [
    ("from ..measure.ids import new_id\n", {"frugal_ai.measure.ids"}),
    ("def f():\n    from ..report.lang import texts\n", {"frugal_ai.report.lang"}),
    ("from . import writer\n", {"frugal_ai.ledger.writer"}),
    ("import frugal_ai.capture.instrument\n", {"frugal_ai.capture.instrument"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..config import Settings\n", {"frugal_ai.config"}),
])
def test_the_reader_sees_every_kind_of_import(source: str, expected: set[str]) -> None:
    probe = PACKAGE / "ledger" / "_layering_probe.py"  # read as if it lived in frugal_ai.ledger
    assert _imports(probe, source) == expected


def test_a_back_edge_is_caught() -> None:
    assert _violates("frugal_ai.ledger.writer", "frugal_ai.report")
    assert _violates("frugal_ai.lang", "frugal_ai.gains.wording")
    assert _violates("frugal_ai.lang", "frugal_ai.inventory")
    assert not _violates("frugal_ai.report.model", "frugal_ai.lang")
    assert not _violates("frugal_ai.gains.wording", "frugal_ai.lang")
    assert not _violates("frugal_ai.cli.report", "frugal_ai.report")
