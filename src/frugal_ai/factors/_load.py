"""Find and read the files of data/emission_factors/, validating every row.

The files live in the wheel at `frugal_ai/_data/emission_factors` (pyproject force-includes
the repository's top-level `data/emission_factors` there); from a source tree or an
editable install they are read from the repository itself.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from ..footprint import Range
from ._schema import (
    AvoidedFactor,
    ChangelogEntry,
    Constant,
    Datacenter,
    ElectricityFactor,
    Equivalence,
    Hardware,
    LlmModel,
    ModalityModel,
    ModelOffer,
    OnPrem,
    Source,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T", bound=BaseModel)
WORLD = "WORLD"


def data_dir() -> Path:
    """The directory holding the factor files: inside the installed package, else the repository's."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_data" / "emission_factors"
    if installed.is_dir():
        return installed
    repository = package.parent.parent / "data" / "emission_factors"
    if repository.is_dir():
        return repository
    raise InputError(f"factor files not found in {installed} nor {repository}; reinstall frugal-ai")


class RawFactorSet(BaseModel):
    """Everything the files hold, validated, before indexing."""

    version: str
    changelog: list[ChangelogEntry]
    sources: list[Source]
    electricity: list[ElectricityFactor]
    datacenters: list[Datacenter]
    model_offers: list[ModelOffer]
    provider_aliases: dict[str, str]
    onprem: OnPrem
    models: list[LlmModel]
    modalities: list[ModalityModel]
    hardware: list[Hardware]
    avoided: list[AvoidedFactor]
    equivalences: list[Equivalence]
    constants: list[Constant]
    choices: dict[str, str]
    defaults: dict[str, str]


def load_raw(directory: Path) -> RawFactorSet:
    """Read and validate every file of `directory`. Raises InputError naming the file and row."""
    meta = _toml(directory / "meta.toml")
    world: dict[str, Any] = {}

    def electricity_row(row: dict[str, str]) -> dict[str, Any]:
        nonlocal world
        co2e_missing = not row["co2e_g_per_kwh"]
        water_missing = not row["water_l_per_kwh"]
        # The three bounds come together: a row with only some of them is an error, not a fallback.
        upstream_missing = not any(row[f"upstream_share_{b}"] for b in ("low", "central", "high"))
        if row["zone"] == WORLD:
            world = row
        if (co2e_missing or water_missing or upstream_missing) and not world:
            raise ValueError("the WORLD row must come first: other rows fall back to it")
        upstream = world if upstream_missing else row
        sources = _ids(row["co2e_source"] if not co2e_missing else world["co2e_source"])
        sources += _ids(row["water_source"] if not water_missing else world["water_source"])
        sources += _ids(upstream["upstream_source"])
        return {
            "zone": row["zone"],
            "alpha2": row["alpha2"],
            "name": row["name"],
            "co2e_kg_per_kwh": float(world["co2e_g_per_kwh"] if co2e_missing else row["co2e_g_per_kwh"]) / 1000.0,
            "water_l_per_kwh": float(world["water_l_per_kwh"] if water_missing else row["water_l_per_kwh"]),
            "upstream_share": _range(upstream, "upstream_share_"),
            "data_year": int(world["data_year"] if co2e_missing else row["data_year"]),
            "co2e_fallback": co2e_missing,
            "water_fallback": water_missing,
            "upstream_fallback": upstream_missing,
            "sources": tuple(dict.fromkeys(sources)),
        }

    constants_doc = _toml(directory / "constants.toml")
    onprem_doc = _toml(directory / "onprem.toml")
    raw = {
        "version": meta.get("version"),
        "changelog": meta.get("changelog", []),
        "sources": _csv(directory / "sources.csv", Source, lambda r: r),
        "electricity": _csv(directory / "electricity.csv", ElectricityFactor, electricity_row),
        "datacenters": _csv(directory / "datacenters.csv", Datacenter, _datacenter_row),
        "model_offers": _csv(directory / "model_offers.csv", ModelOffer, _offer_row),
        "provider_aliases": _toml(directory / "provider_aliases.toml").get("aliases", {}),
        "onprem": _validate(
            OnPrem,
            {
                "pue": _range(onprem_doc.get("pue", {})),
                "wue_l_per_kwh": _range(onprem_doc.get("wue", {})),
                "sources": tuple(
                    dict.fromkeys([*onprem_doc.get("pue", {}).get("sources", []), *onprem_doc.get("wue", {}).get("sources", [])])
                ),
            },
            "onprem.toml",
        ),
        "models": _csv(directory / "models.csv", LlmModel, _model_row),
        "modalities": _csv(directory / "modalities.csv", ModalityModel, _modality_row),
        "hardware": _csv(directory / "hardware.csv", Hardware, _hardware_row),
        "avoided": _csv(directory / "avoided.csv", AvoidedFactor, _avoided_row),
        "equivalences": _csv(directory / "equivalences.csv", Equivalence, lambda r: {**r, "sources": _ids(r["sources"])}),
        "constants": _constants(constants_doc, directory / "constants.toml"),
        "choices": constants_doc.get("choices", {}),
        "defaults": constants_doc.get("defaults", {}),
    }
    return _validate(RawFactorSet, raw, str(directory))


def _csv(path: Path, model: type[T], convert: Callable[[dict[str, str]], Any]) -> list[T]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"cannot read factor file: {e}", where=str(path)) from None
    out = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{path}:{line}"
        try:
            data = convert({k: (v or "").strip() for k, v in row.items() if k is not None})
        except (ValueError, KeyError) as e:
            raise InputError(f"bad row: {e}", where=where) from None
        out.append(_validate(model, data, where))
    return out


def _validate(model: type[T], data: Any, where: str) -> T:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(row)"
        raise InputError(f"{key}: {err['msg']}", where=where) from None


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"cannot read factor file: {e}", where=str(path)) from None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(";") if s.strip())


def _range(values: dict[str, Any], prefix: str = "") -> Range:
    # Validated construction: a file with low > central fails here, naming the file.
    return Range(low=float(values[f"{prefix}low"]), central=float(values[f"{prefix}central"]), high=float(values[f"{prefix}high"]))


def _datacenter_row(row: dict[str, str]) -> dict[str, Any]:
    return {
        "provider": row["provider"].lower(),
        "region": row["region"].lower() or None,
        "zone": row["zone"].upper(),
        "pue": _range(row, "pue_"),
        "wue_l_per_kwh": _range(row, "wue_"),
        "sources": _ids(row["sources"]),
        "note": row["note"],
    }


def _offer_row(row: dict[str, str]) -> dict[str, Any]:
    return {
        "provider": row["provider"].lower(),
        "model": row["model"].lower(),
        "regions": tuple(r.lower() for r in _ids(row["regions"])),
        "offer": row["offer"],
        "sources": _ids(row["sources"]),
        "note": row["note"],
    }


def _model_row(row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["id"].lower(),
        "provider": row["provider"],
        "host": row["host"],
        "family": row["family"],
        "tier": int(row["tier"]),
        "architecture": row["architecture"],
        "total_params_b": _range(row, "total_b_"),
        "active_params_b": _range(row, "active_b_"),
        "params_estimated": _bool(row["params_estimated"]),
        "output_tps": _number(row["output_tps"]),
        "aliases": tuple(a.lower() for a in _ids(row["aliases"])),
        "sources": _ids(row["sources"]),
        "note": row["note"],
        "reasoning": row.get("reasoning") or "no",
        "base": (row.get("base") or "").lower(),
        "distilled_from": (row.get("distilled_from") or "").lower(),
        "weight_bits": _number(row.get("weight_bits") or ""),
        "weight_bits_high": _number(row.get("weight_bits_high") or ""),
        "accelerator": row.get("accelerator") or "",
    }


def _modality_row(row: dict[str, str]) -> dict[str, Any]:
    factors = {}
    for part in _ids(row["quality_factors"]):
        quality, _, factor = part.partition("=")
        factors[quality.strip().lower()] = float(factor)
    return {
        "id": row["id"].lower(),
        "provider": row["provider"],
        "host": row["host"],
        "kind": row["kind"],
        "unit": row["unit"],
        "method": row["method"],
        "gpu_wh_per_unit": _range(row, "gpu_wh_") if row["gpu_wh_central"] else None,
        "text_model": row["text_model"].lower(),
        "input_tokens_per_unit": _number(row["input_tokens_per_unit"]) or 0.0,
        "output_tokens_per_unit": _number(row["output_tokens_per_unit"]) or 0.0,
        "params_b": _range(row, "params_b_") if row["params_b_central"] else None,
        "params_estimated": _bool(row["params_estimated"]),
        "reference_pixels": _number(row["reference_pixels"]),
        "reference_steps": _number(row["reference_steps"]),
        "quality_factors": factors,
        "aliases": tuple(a.lower() for a in _ids(row["aliases"])),
        "sources": _ids(row["sources"]),
        "note": row["note"],
    }


def _hardware_row(row: dict[str, str]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "description": row["description"],
        "embodied_co2e_kg": _range(row, "embodied_co2e_kg_"),
        "lifetime_years": _range(row, "lifetime_years_"),
        "memory_gb": _number(row["memory_gb"]),
        "memory_bandwidth_tb_s": _number(row.get("memory_bandwidth_tb_s") or ""),
        "power_w": _number(row["power_w"]),
        "peak_tflops_bf16": _number(row["peak_tflops_bf16"]),
        "decode_energy_ratio": _number(row.get("decode_energy_ratio") or ""),
        "gpus_per_server": int(row["gpus_per_server"]) if row["gpus_per_server"] else None,
        "sources": _ids(row["sources"]),
        "note": row["note"],
    }


def _avoided_row(row: dict[str, str]) -> dict[str, Any]:
    units = {}
    for part in _ids(row["allowed_units"]):
        unit, _, factor = part.partition("=")
        units[unit.strip()] = float(factor)
    return {
        "activity": row["activity"],
        "label": row["label"],
        "co2e_kg_per_unit": _number(row["co2e_kg_per_unit"]),
        "unit": row["unit"],
        "allowed_units": units,
        "zone_dependent": _bool(row["zone_dependent"]),
        "water_l_per_unit": _number(row["water_l_per_unit"]),
        "sources": _ids(row["sources"]),
        "note": row["note"],
    }


def _constants(doc: dict[str, Any], path: Path) -> list[Constant]:
    out = []
    for group, table in doc.items():
        if group in ("choices", "defaults"):
            continue
        for name, entry in table.items():
            key = f"{group}.{name}"
            if "value" in entry:
                low = central = high = entry["value"]
            else:
                low, central, high = entry.get("low"), entry.get("central"), entry.get("high")
            data = {"key": key, "low": low, "central": central, "high": high, "unit": entry.get("unit"), "sources": tuple(entry.get("sources", ()))}
            out.append(_validate(Constant, data, f"{path} [{key}]"))
    return out


def _number(text: str) -> float | None:
    """An optional number: an empty cell is None."""
    return float(text) if text else None


def _bool(text: str) -> bool:
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")
