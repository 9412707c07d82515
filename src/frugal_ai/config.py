"""Settings: built-in defaults < `[tool.frugal-ai]` in the nearest pyproject.toml or a
frugal-ai.toml < `FRUGAL_AI_*` environment variables < explicit arguments.

`load_settings()` reads every layer and validates them. Everything in frugal-ai that needs
the settings in force (track, capture, the ledger, `estimate_llm`, the CLI) asks
`settings_in_force()`, the one cached accessor: it loads again when a `FRUGAL_AI_*`
variable changes (seen at the next call) or the config file changes (path, mtime, size:
seen within `RECHECK_S`). `reset()` forgets this and every other piece of process state
(for tests). Each value remembers where it came from (`Settings.origins`), which
`frugal-ai doctor` prints.

Size: the settings model with its validation (every key, with the file and key in each error),
the layers' loading and the one in-force cache live together because the cache's key is the
loading's input (the config file's identity and the variables); a `config/` package with
load and in-force modules is the split to make if it grows further.

Example:
    >>> s = load_settings(overrides={"country": "FR"})
    >>> s.country, s.origins["country"]
    ('FR', 'argument')
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._environ import ENV_ITEMS, env_pairs, env_size
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILENAME = "frugal-ai.toml"
ENV_PREFIX = "FRUGAL_AI_"
# Environment variables that are not settings but are ours all the same.
_ENV_NOT_SETTINGS = {"FRUGAL_AI_CONFIG", "FRUGAL_AI_DEBUG", "FRUGAL_AI_DISABLE"}


def default_ledger_path() -> Path:
    """`$XDG_DATA_HOME/frugal-ai/ledger.sqlite`, i.e. `~/.local/share/frugal-ai/ledger.sqlite` by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "frugal-ai" / "ledger.sqlite"


class PostgresURL(str):
    """A `postgresql://` ledger URL, held without its password: the text is the URL with no
    password in it (so it can be printed, logged or stored anywhere), and the password, when
    the URL had one, is kept apart (`password`) for the connection alone.

    >>> u = PostgresURL.parse("postgresql://ops:s3cret@db.internal:5432/frugal")
    >>> str(u), u.password
    ('postgresql://ops@db.internal:5432/frugal', 's3cret')
    """

    password: str | None

    @classmethod
    def parse(cls, text: str) -> "PostgresURL":
        """Raises ValueError (no secret in its text) for anything but a postgresql:// URL with a host or socket."""
        from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

        raw = text.strip()
        if not is_postgres_url(raw):
            raise ValueError("must be a file path or a postgresql:// URL")
        try:
            parts = urlsplit(raw)
            port = parts.port
        except ValueError:
            raise ValueError("not a valid postgresql:// URL (postgresql://USER@HOST:PORT/DATABASE)") from None
        password = unquote(parts.password) if parts.password is not None else None
        query = parse_qsl(parts.query, keep_blank_values=True)
        for k, v in query:
            if k == "password":
                password = v
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 address
            netloc = f"[{netloc}]"
        if port is not None:
            netloc = f"{netloc}:{port}"
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        if not parts.hostname and not any(k == "host" for k, _ in query):
            raise ValueError("a postgresql:// URL needs a host (postgresql://USER@HOST:PORT/DATABASE)")
        rest = urlencode([(k, v) for k, v in query if k != "password"])
        url = cls(f"postgresql://{netloc}{parts.path}" + (f"?{rest}" if rest else ""))
        # The URL's text travels (an inventory's ledger_path, a child process's argument) and
        # is parsed again: the password it had in this process stays with it.
        if password is not None:
            _PASSWORDS[str(url)] = password
        url.password = _PASSWORDS.get(str(url))
        return url


_PASSWORDS: dict[str, str] = {}


def is_postgres_url(value: object) -> bool:
    """Whether a `ledger` value names a PostgreSQL database rather than a SQLite file."""
    return isinstance(value, str) and value.strip().lower().startswith(("postgresql://", "postgres://"))


class ProviderOverride(BaseModel):
    """Per-provider override of where its data centres are and how efficient they are."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    zone: str | None = None
    pue: float | None = Field(default=None, ge=1.0, le=3.0)
    wue: float | None = Field(default=None, ge=0.0, le=20.0)

    @field_validator("zone")
    @classmethod
    def _zone_code(cls, v: str | None) -> str | None:
        return _zone_code(v)


class Settings(BaseModel):
    """All settings, validated. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    country: str | None = Field(
        default=None, description="Electricity zone (ISO 3166 alpha-2 or alpha-3) where local compute runs."
    )
    pue: float | None = Field(
        default=None, ge=1.0, le=3.0, description="PUE of the local machines' room; default from the factor base (on-premises)."
    )
    wue: float | None = Field(
        default=None, ge=0.0, le=20.0, description="On-site WUE (L per kWh of IT energy) of the local machines' room."
    )
    accelerator: str | None = Field(
        default=None,
        description="Accelerator of the local machines that serve models (hardware.csv key, e.g. 'rtx_4090_24gb'); default from the factor base.",
    )
    ledger: Path | PostgresURL = Field(
        default_factory=default_ledger_path,
        description="Path of the SQLite ledger, or a postgresql:// URL of a shared ledger (docs/team.md).")
    ledger_password_file: Path | None = Field(
        default=None, description="File holding the password of a postgresql:// ledger (instead of PGPASSWORD or ~/.pgpass).")
    project: str = Field(default="default", min_length=1, max_length=200, description="Project name stored with each run.")
    market_factor_kg_per_kwh: float | None = Field(
        default=None, ge=0.0, le=2.0, description="Contractual (market-based) emission factor for Scope 2, if any."
    )
    lang: str | None = Field(default=None, pattern="^(en|fr)$",
                             description="Language of the report and the command line (en, fr); default from LANG/LC_ALL.")
    measure_interval_s: float = Field(default=1.0, gt=0.0, le=60.0, description="How often local power is sampled.")
    providers: dict[str, ProviderOverride] = Field(default_factory=dict, description="Per-provider data-centre overrides.")
    model_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Model names a provider or gateway uses (Azure deployments, LiteLLM aliases) -> catalogue models.",
    )
    otel_endpoint: str | None = Field(
        default=None, max_length=2000,
        description="OpenTelemetry collector (OTLP/HTTP base URL, e.g. 'http://localhost:4318'): export runs and API calls as spans and metrics; off when unset.",
    )
    otel_sample_ratio: float = Field(
        default=1.0, ge=0.0, le=1.0,
        description="Share of runs (each with its API calls) exported as spans (0-1; default 1: all); metrics always count every record.",
    )

    origins: dict[str, str] = Field(default_factory=dict, exclude=True, description="Where each value came from.")

    @field_validator("ledger", mode="plain")
    @classmethod
    def _ledger_location(cls, v: Any) -> Path | PostgresURL:
        if isinstance(v, PostgresURL):
            return v
        if is_postgres_url(v):
            return PostgresURL.parse(v)
        if isinstance(v, (str, os.PathLike)) and str(v).strip():
            return Path(v)
        raise ValueError("must be a file path or a postgresql:// URL")

    @field_validator("country")
    @classmethod
    def _country_code(cls, v: str | None) -> str | None:
        return _zone_code(v)

    @field_validator("otel_endpoint")
    @classmethod
    def _otel_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        url = v.strip()
        if not url.lower().startswith(("http://", "https://")) or len(url.split("://", 1)[1].strip("/")) == 0:
            raise ValueError("must be an http:// or https:// URL such as 'http://localhost:4318'")
        return url

    @field_validator("model_aliases")
    @classmethod
    def _alias_names(cls, v: dict[str, str]) -> dict[str, str]:
        if any(not k.strip() or not t.strip() for k, t in v.items()):
            raise ValueError("an alias and the model it names must both be non-empty")
        return {k.strip().lower(): t.strip() for k, t in v.items()}

    @field_validator("providers")
    @classmethod
    def _lower_providers(cls, v: dict[str, ProviderOverride]) -> dict[str, ProviderOverride]:
        return {k.lower(): o for k, o in v.items()}


def _zone_code(v: str | None) -> str | None:
    if v is None:
        return None
    code = v.strip().upper()
    if not (code.isalpha() and 2 <= len(code) <= 5):
        raise ValueError("must be an ISO 3166 country code such as 'FR' or 'FRA' (or 'WORLD')")
    return code


def find_config_file(start: Path | None = None, env: Mapping[str, str] | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest frugal-ai.toml, or pyproject.toml with a [tool.frugal-ai] table, at or above `start`.

    Returns the file and its frugal-ai table, or None. `FRUGAL_AI_CONFIG` names a file directly.
    """
    explicit = (os.environ if env is None else env).get("FRUGAL_AI_CONFIG")
    if explicit:
        path = Path(explicit)
        return path, _read_table(path)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / CONFIG_FILENAME
        if own.is_file():
            return own, _read_table(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_table(pyproject)
            if table:
                return pyproject, table
    return None


def _read_table(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError("config file not found", where=str(path)) from None
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"not valid TOML: {e}", where=str(path)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"not valid TOML: not UTF-8 text (byte {e.start})", where=str(path)) from None
    nested = doc.get("tool", {}).get("frugal-ai") if isinstance(doc.get("tool"), dict) else None
    if path.name == "pyproject.toml":
        table = nested or {}
    elif nested is not None:
        stray = sorted(k for k in doc if k != "tool")
        if stray:
            raise ConfigError(
                f"{stray[0]}: settings go either at the top level or under [tool.frugal-ai], not both", where=str(path)
            )
        table = nested
    else:
        table = doc
    if not isinstance(table, dict):
        raise ConfigError("[tool.frugal-ai] must be a table", where=str(path))
    return table


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name in _ENV_NOT_SETTINGS:
            continue
        if raw == "":
            continue  # an empty variable is the same as an unset one
        key = name[len(ENV_PREFIX):].lower()
        if key.startswith("providers__"):
            # FRUGAL_AI_PROVIDERS__OPENAI__ZONE=SE
            parts = key.split("__")
            if len(parts) != 3:
                raise ConfigError(f"expected FRUGAL_AI_PROVIDERS__<PROVIDER>__<KEY>, got {name}", where="environment")
            values.setdefault("providers", {}).setdefault(parts[1], {})[parts[2]] = raw
        else:
            values[key] = raw
    return values


def load_settings(
    *, start: Path | None = None, env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Load and validate settings from every layer. Raises `ConfigError` naming the key and the file."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = []
    found = find_config_file(start, env)
    if found:
        layers.append((str(found[0]), found[1]))
    layers.append(("environment", _env_values(env)))
    layers.append(("argument", {k: v for k, v in (overrides or {}).items() if v is not None}))
    for origin, values in layers:
        # Validate each layer alone first, so an error names the layer that holds it.
        _validate(values, origin)
        for key, value in values.items():
            if key == "providers":
                for prov, table in value.items():
                    name = prov.lower()
                    merged.setdefault("providers", {}).setdefault(name, {}).update(table)
                    for field in table:
                        origins[f"providers.{name}.{field}"] = origin
                    _add_origin(origins, f"providers.{name}", origin)
                _add_origin(origins, "providers", origin)
            else:
                merged[key] = value
                origins[key] = origin
    settings = _validate(merged, "configuration")
    _check_zones(settings, origins)
    _check_accelerator(settings, origins)
    _check_model_aliases(settings, origins)
    for key in Settings.model_fields:
        if key != "origins":
            origins.setdefault(key, "default")
    settings.origins = origins
    return settings


def _add_origin(origins: dict[str, str], key: str, origin: str) -> None:
    """Origins of a table set by several layers: each layer once, lowest precedence first."""
    seen = origins[key].split(", ") if key in origins else []
    origins[key] = ", ".join(dict.fromkeys([*seen, origin]))


def _check_zones(settings: Settings, origins: dict[str, str]) -> None:
    """Zone codes must exist in the factor base: a typo caught here never reaches the ledger.

    Known codes are normalised to one spelling (alpha-2 where the country has one, so 'FRA'
    and 'FR' land in the ledger alike).
    """
    from .errors import UnknownZoneError
    from .factors import factor_set

    checks = [("country", settings.country, origins.get("country", "configuration"))]
    checks += [
        (f"providers.{name}.zone", o.zone, origins.get(f"providers.{name}", "configuration"))
        for name, o in settings.providers.items()
    ]
    for key, code, origin in checks:
        if code is None:
            continue
        try:
            factor = factor_set().electricity(code)
        except UnknownZoneError as e:
            if origin == "environment":
                key = ENV_PREFIX + key.upper().replace(".", "__")
            raise ConfigError(f"{key}: {e}", where=origin) from None
        canonical = factor.alpha2 or factor.zone
        if key == "country":
            settings.country = canonical
        else:
            settings.providers[key.split(".")[1]].zone = canonical


def _check_accelerator(settings: Settings, origins: dict[str, str]) -> None:
    """The local accelerator must be a hardware.csv key with what the estimator needs (memory, bandwidth, power)."""
    from .factors import factor_set

    if settings.accelerator is None:
        return
    fs = factor_set()
    usable = sorted(h.key for h in fs.hardware_items() if h.memory_bandwidth_tb_s and h.memory_gb and h.power_w)
    if settings.accelerator not in usable:
        origin = origins.get("accelerator", "configuration")
        key = ENV_PREFIX + "ACCELERATOR" if origin == "environment" else "accelerator"
        raise ConfigError(f"{key}: unknown accelerator {settings.accelerator!r} (known: {', '.join(usable)})", where=origin)


def _check_model_aliases(settings: Settings, origins: dict[str, str]) -> None:
    """Each alias must name a model of the catalogue (LLM, or image / audio / embedding model)."""
    from .errors import UnknownModelError
    from .factors import factor_set

    fs = factor_set()
    for alias, target in settings.model_aliases.items():
        if fs.find_modality(target) is not None:
            continue
        try:
            fs.model(target)
        except UnknownModelError as e:
            raise ConfigError(f"model_aliases.{alias}: {e}", where=origins.get("model_aliases", "configuration")) from None


def _validate(values: dict[str, Any], origin: str) -> Settings:
    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        if origin == "environment":
            key = ENV_PREFIX + key.upper().replace(".", "__")
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(f"{key}: {msg}", where=origin) from None


# --- the settings in force: one cached accessor ------------------------------------------------

# How often the hot paths look at the config file (a stat per folder up to the root). The
# FRUGAL_AI_* variables are compared at every call: a changed one is seen at once.
RECHECK_S = 0.5
# A config file modified this shortly before it was read may change again within the same
# mtime tick (coarse on some file systems): it is read again at each check until it is older.
_RACY_NS = 2_000_000_000
# Not FRUGAL_AI_*, but the defaults read them (default_ledger_path).
_DEFAULT_INPUTS = ("XDG_DATA_HOME", "HOME")


class _InForce:
    """The settings (or the error) loaded for one key, and how to tell that the key still holds."""

    __slots__ = ("settings", "error", "key", "loaded_ns", "env_pairs", "env_size", "checked_at")

    def __init__(self, settings: Settings | None, error: Exception | None, key: tuple[Any, ...], loaded_ns: int,
                 pairs: frozenset[tuple[Any, Any]], size: int) -> None:
        self.settings, self.error, self.key, self.loaded_ns = settings, error, key, loaded_ns
        self.env_pairs, self.env_size = pairs, size
        self.checked_at = time.perf_counter()


_in_force: _InForce | None = None
# The last load with a command's arguments: apart, so the hot paths never see them.
_with_arguments: _InForce | None = None
_in_force_lock = threading.Lock()
_clock = time.perf_counter


def settings_in_force(overrides: Mapping[str, Any] | None = None, *, recheck: bool = False) -> Settings:
    """The settings in force, cached: loaded again only when what they come from changes.

    The key is the `FRUGAL_AI_*` variables (and the `XDG_DATA_HOME`/`HOME` the defaults read),
    the config file's identity (path, mtime and size of each file that `find_config_file`
    could pick: the named one, or those from the working directory up) and `overrides` (a
    command's arguments). A changed variable counts from the next call; the files are looked at
    every `RECHECK_S` at most, or now with `recheck` (a command, which asks once). Raises
    `ConfigError` as `load_settings` does; the error is cached too, so a bad configuration
    costs one load, not one per call.
    """
    entry = _in_force
    if (
        entry is not None
        and overrides is None
        and not recheck
        and env_size() == entry.env_size
        and ENV_ITEMS >= entry.env_pairs
        and _clock() - entry.checked_at < RECHECK_S
    ):
        if entry.error is not None:
            raise entry.error.with_traceback(None)  # not a traceback that grows at each raise
        return entry.settings  # type: ignore[return-value]  # None only with an error
    return _recheck(overrides)


def _recheck(overrides: Mapping[str, Any] | None) -> Settings:
    global _in_force, _with_arguments
    with _in_force_lock:
        # The environment is read before the files and the load: a change made meanwhile is
        # seen at the next call.
        size = env_size()
        names = tuple(sorted(k for k in os.environ if k.startswith(ENV_PREFIX) or k in _DEFAULT_INPUTS))
        pairs = env_pairs(names)
        values = tuple(os.environ.get(n) for n in names)
        given = tuple(sorted((k, str(v)) for k, v in (overrides or {}).items() if v is not None))
        key = (names, values, given, _config_identity(os.environ))
        entry = _with_arguments if given else _in_force
        if entry is None or entry.key != key or _racy(entry):
            loaded_ns = time.time_ns()
            try:
                settings: Settings | None = load_settings(overrides=overrides)
                error: Exception | None = None
            except Exception as e:  # ConfigError mostly; a deleted working directory too
                settings, error = None, e
            if entry is not None and settings is not None and settings == entry.settings:
                settings = entry.settings  # the same values: keep the object, and what callers derived from it
            entry = _InForce(settings, error, key, loaded_ns, pairs, size)
        else:
            entry.env_pairs, entry.env_size, entry.checked_at = pairs, size, _clock()
        if given:
            _with_arguments = entry
        else:
            _in_force = entry
    if entry.error is not None:
        raise entry.error.with_traceback(None)
    return entry.settings  # type: ignore[return-value]


def _config_identity(env: Mapping[str, str]) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """What `find_config_file` would read: where it looks from, and (path, mtime, size) of every
    candidate that exists there (the named file, or each frugal-ai.toml and pyproject.toml
    from the working directory up)."""
    explicit = env.get("FRUGAL_AI_CONFIG")
    if explicit:
        candidates = [Path(explicit)]
        where = explicit
    else:
        try:
            here = Path.cwd()
        except OSError as e:  # the working directory was deleted: load_settings will say so
            return (repr(e), ())
        candidates = [folder / name for folder in (here, *here.parents) for name in (CONFIG_FILENAME, "pyproject.toml")]
        where = str(here)
    found = []
    for path in candidates:
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((str(path), st.st_mtime_ns, st.st_size))
    return (where, tuple(found))


def _racy(entry: _InForce) -> bool:
    """A config file modified too shortly before it was read to trust its mtime (a rewrite
    within the same tick of a coarse file-system clock would keep it): read it again."""
    return any(mtime_ns > entry.loaded_ns - _RACY_NS for _, mtime_ns, _ in entry.key[3][1])


# --- one reset for the whole process -----------------------------------------------------------

_forgetters: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> None:
    """Have `reset()` call `forget`: how a module that keeps process state forgets it."""
    _forgetters.append(forget)


def reset() -> None:
    """Forget this process's frugal-ai state: what tests call between tests.

    Every module that keeps some registered how to forget it with `on_reset`, on import; they
    are called in the reverse order (the upper layers first, as `atexit` does: the meter
    finalises its runs into the ledger before the ledger's writers close), then the settings
    in force are forgotten.
    """
    global _in_force, _with_arguments
    for forget in reversed(_forgetters):
        forget()
    with _in_force_lock:
        _in_force = _with_arguments = None
