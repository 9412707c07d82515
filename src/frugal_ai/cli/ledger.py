"""`frugal-ai ledger stats | export | import | declare | rebuild-rollups`: a thin door onto frugal_ai.ledger, frugal_ai.imports and frugal_ai.usage."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

if TYPE_CHECKING:  # pragma: no cover
    from ..config import PostgresURL


@click.group()
def ledger() -> None:
    """Inspect and export the ledger of runs and API calls."""


def _path(path: str | None) -> "Path | PostgresURL":
    # Unlike the recording path (which degrades to one warning), a command refuses a bad
    # configuration: ConfigError -> one line naming the file and key, exit 2.
    from ..config import settings_in_force
    from ..ledger import location

    return location(path) if path else location(settings_in_force(recheck=True).ledger)


@contextmanager
def _postgresql_failures_are_bad_input(p: "Path | PostgresURL") -> Iterator[None]:
    """A command that writes (import, declare): a PostgreSQL ledger it cannot reach, or that
    fails mid-way (its one transaction rolled back), is the user's to fix: one line naming the
    URL without its password, exit 2."""
    from ..config import PostgresURL
    from ..errors import InputError, LedgerError

    try:
        yield
    except LedgerError as e:
        if not isinstance(p, PostgresURL):
            raise
        raise InputError(str(e)) from None


@ledger.command()
@click.option("--ledger", "path", metavar="FILE", default=None, help="Ledger file (default: the one in force).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(path: str | None, fmt: str) -> None:
    """Row counts, time span and measured energy of the ledger."""
    import json

    from ..ledger import connect
    from ..ledger.query import ledger_stats

    from ..ledger.health import require_intact

    from ..config import PostgresURL

    p = _path(path)
    if isinstance(p, PostgresURL):
        from ..ledger.postgres import size_bytes

        conn = connect(p)
        try:
            facts = {"path": str(p), "exists": True, "size_bytes": size_bytes(conn), **ledger_stats(conn)}  # type: ignore[arg-type]
        finally:
            conn.close()
    else:
        require_intact(p)  # damage in pages the counts below do not read would go unseen otherwise
        facts = {"path": str(p), "exists": p.exists(), "size_bytes": p.stat().st_size if p.exists() else 0,
                 **ledger_stats(connect(p, readonly=True))}
    if fmt == "json":
        click.echo(json.dumps(facts, indent=2))
        return
    from ..units import format_quantity

    energy = facts["measured_cpu_kwh"] + facts["measured_gpu_kwh"] + facts["measured_ram_kwh"]
    lines = [
        ("ledger", f"{p}" + ("" if facts["exists"] else " (does not exist yet)")),
        ("size", f"{facts['size_bytes']:,} bytes, schema version {facts['schema_version']}"),
        ("runs", f"{facts['runs']:,} ({facts['root_runs']:,} top-level, {facts['failed_runs']:,} failed, "
                 f"{facts['unmeasured_runs']:,} unmeasured)"),
        ("API calls", f"{facts['api_calls']:,} ({facts['input_tokens']:,} input, {facts['output_tokens']:,} output, "
                      f"{facts['reasoning_tokens']:,} reasoning tokens)"),
        ("period", f"{facts['first'] or '-'} .. {facts['last'] or '-'}"),
        ("measured IT energy", f"{format_quantity(energy, 'energy_kwh')} in top-level runs "
                               f"(CPU {format_quantity(facts['measured_cpu_kwh'], 'energy_kwh')}, "
                               f"GPU {format_quantity(facts['measured_gpu_kwh'], 'energy_kwh')}, "
                               f"RAM {format_quantity(facts['measured_ram_kwh'], 'energy_kwh')})"),
        ("trackers", f"{facts['sessions']:,} sessions measured {format_quantity(facts['tracker_total_kwh'], 'energy_kwh')}, "
                     f"of which {format_quantity(facts['unattributed_kwh'], 'energy_kwh')} outside any run"),
    ]
    split = facts["machine_split"]
    if split is not None:
        q = lambda key: format_quantity(split[key], "energy_kwh")  # noqa: E731
        lines.append(("machine energy", f"{q('machine_kwh')} = runs {q('runs_kwh')} + tracked processes outside runs "
                                        f"{q('process_outside_runs_kwh')} + other processes {q('others_kwh')} + idle "
                                        f"{q('idle_kwh')} (tracker sessions: {split['sessions']:,})"))
    width = max(len(k) for k, _ in lines)
    for k, v in lines:
        click.echo(f"{k:<{width}}  {v}")


@ledger.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", metavar="DATE", default=None, help="First day included (YYYY-MM-DD, UTC).")
@click.option("--until", metavar="DATE", default=None, help="Last day included (YYYY-MM-DD, UTC).")
@click.option("--ledger", "path", metavar="FILE", default=None, help="Ledger file (default: the one in force).")
@click.option("--out", metavar="FILE", default=None, help="Write here instead of standard output.")
def export(fmt: str, since: str | None, until: str | None, path: str | None, out: str | None) -> None:
    """One record a line: runs and API calls, every key on every record (listed in docs/measurement.md)."""
    from ..errors import InputError
    from ..ledger import connect
    from ..ledger.export import parse_day, write_csv, write_jsonl
    from ..ledger.query import iter_records

    since_s = parse_day(since, option="--since") if since else None
    until_s = parse_day(until, option="--until", end_of_day=True) if until else None
    if since_s is not None and until_s is not None and until_s <= since_s:
        raise InputError(f"--until ({until}) is before --since ({since})")
    records = iter_records(connect(_path(path), readonly=True), since_s, until_s)
    write = write_csv if fmt == "csv" else write_jsonl
    if out:
        with open(out, "w", encoding="utf-8", newline="") as f:
            n = write(records, f)
        click.echo(f"{n} records written to {out}", err=True)
    else:
        write(records, sys.stdout)


# The format names, spelt here so that `frugal-ai ledger --help` imports no reader
# (tests/test_cli_ledger_import.py checks they are frugal_ai.imports.FORMATS).
IMPORT_FORMATS = ("csv", "openai-usage", "anthropic-usage", "otlp-json", "litellm", "langfuse", "azure-metrics")


@ledger.command("import")
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["auto", *IMPORT_FORMATS]), default="auto", show_default=True,
              help="The file's format (auto: read from its content).")
@click.option("--dry-run", is_flag=True, help="Read the whole file and say what would change; write nothing.")
@click.option("--strict", is_flag=True, help="Any row that cannot be imported is an error (exit 2, nothing written).")
@click.option("--ledger", "path", metavar="FILE|URL", default=None,
              help="Ledger file or postgresql:// URL (default: the one in force).")
def import_(file: str, fmt: str, dry_run: bool, strict: bool, path: str | None) -> None:
    """Load usage recorded elsewhere (provider usage exports, gateway logs, OpenTelemetry spans)."""
    from ..config import settings_in_force
    from ..imports import import_usage
    from ..ledger.push import Progress
    from .report import _is_terminal

    settings = settings_in_force(recheck=True)
    ledger = _path(path)
    progress = Progress(lambda line: click.echo(line, err=True), verb="imported") if _is_terminal(sys.stderr) else None
    with _postgresql_failures_are_bad_input(ledger):
        result = import_usage(Path(file).expanduser(), fmt, ledger=ledger, project=settings.project,
                              aliases=settings.model_aliases, dry_run=dry_run, strict=strict,
                              progress=progress)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {result.imported:,} rows from {file} ({result.format}): {result.requests:,} requests, "
               f"{result.input_tokens:,} input, {result.output_tokens:,} output, "
               f"{result.reasoning_tokens:,} reasoning tokens; {result.new:,} new, "
               f"{result.already_in_ledger:,} already in the ledger")
    for reason, n in result.skipped.most_common():
        examples = ", ".join(result.skip_examples.get(reason, []))
        click.echo(f"skipped {n:,} rows: {reason} (e.g. {examples})")
    for model, n in sorted(result.unknown_models.items()):
        click.echo(f"warning: model {model!r} is not in the catalogue ({n:,} rows): imported all the same; "
                   "map it with [tool.frugal-ai.model_aliases] if it is another name of a known model", err=True)
    if dry_run:
        click.echo("dry run: nothing written")


@ledger.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change, write nothing.")
@click.option("--ledger", "path", metavar="FILE|URL", default=None,
              help="Ledger file or postgresql:// URL (default: the one in force).")
def declare(file: str, dry_run: bool, path: str | None) -> None:
    """Write a declaration file (`frugal-ai usage template`) into the ledger as declared facts,
    one row per tool per month. The same file again changes nothing; an edited file replaces
    what it declared before, by tool and month."""
    from ..config import PostgresURL, settings_in_force
    from ..ledger.health import require_intact

    settings = settings_in_force(recheck=True)
    p = _path(path)
    if not isinstance(p, PostgresURL) and p.exists():
        require_intact(p)
    with _postgresql_failures_are_bad_input(p):
        _declare(file, p, dry_run, settings.project)


def _declare(file: str, p: "Path | PostgresURL", dry_run: bool, project: str) -> None:
    """The plan read from the ledger's declared rows (a file, or PostgreSQL), shown or applied."""
    from ..ledger import connect
    from ..ledger.query import declared_calls
    from ..usage import apply_plan, plan_declaration

    conn = connect(p, readonly=True)
    try:
        existing = declared_calls(conn)
    finally:
        conn.close()
    plan = plan_declaration(file, existing, project=project)
    if dry_run:
        for label, rows in (("add", plan.add), ("change", plan.change), ("remove", plan.remove)):
            for r in rows:
                month = r.id.rsplit(":", 1)[-1]
                click.echo(f"would {label}  {r.name}  {month}  {r.requests:,} requests of {r.model}")
    tools = len(plan.tools)
    summary = (f"{len(plan.add)} to add, {len(plan.change)} to change, {len(plan.remove)} to remove, "
               f"{plan.unchanged} unchanged ({tools} tool{'s' if tools != 1 else ''}, ledger {p})")
    if dry_run:
        click.echo(f"dry run: {summary}; nothing written")
        return
    if not plan.empty:
        apply_plan(plan, p)
    click.echo(summary.replace("to add", "added").replace("to change", "changed").replace("to remove", "removed"))
    assumed = [t.name for t in plan.tools if t.assumed_profile]
    if assumed:
        click.echo(f"note: assumed prompt profile (wide range, see `frugal-ai products show`): {', '.join(assumed)}")


@ledger.command()
@click.option("--from", "source", metavar="FILE", default=None,
              help="SQLite ledger to send (default: the ledger in force; for a postgresql:// one, its spool).")
@click.option("--to", "target", metavar="URL", required=True, help="The PostgreSQL ledger, postgresql://USER@HOST:PORT/DB.")
def push(source: str | None, target: str) -> None:
    """Send a SQLite ledger's records to a shared PostgreSQL ledger. Idempotent: records already
    there are left as they are, so a file can be pushed again, or a stopped push restarted."""
    from ..config import PostgresURL, settings_in_force
    from ..errors import InputError
    from ..ledger import location, password_file
    from ..ledger.push import Progress, push as push_file
    from ..ledger.spool import spool_path

    url = location(target)
    if not isinstance(url, PostgresURL):
        raise InputError(f"--to: expected a postgresql:// URL, got {target!r}")
    if source is not None:
        src = Path(source).expanduser()
    else:
        in_force = location(settings_in_force(recheck=True).ledger)
        src = spool_path(in_force) if isinstance(in_force, PostgresURL) else in_force
    if source is None and not src.exists() and src == spool_path(url):
        click.echo(f"nothing to push: no spool of {url} on this machine ({src})")
        return
    # The spool of the target: what is sent leaves it (it is a backlog, not a ledger of its own).
    drain = src.exists() and src.resolve() == spool_path(url).resolve()
    result = push_file(src, url, progress=Progress(lambda line: click.echo(line, err=True)), drain=drain,
                       password_file=password_file())
    already = result.total_sent - result.total_new
    click.echo(f"pushed {result.total_sent:,} rows from {src} to {url}: {result.total_new:,} new, "
               f"{already:,} already there" + (" (sent rows removed from the spool)" if drain else ""))


@ledger.command("rebuild-rollups")
@click.option("--ledger", "path", metavar="FILE", default=None,
              help="Ledger file or postgresql:// URL (default: the one in force).")
def rebuild_rollups(path: str | None) -> None:
    """Recompute the daily sums the reports read, and the day hashes, from the recorded rows."""
    import sqlite3
    import time

    from ..config import PostgresURL
    from ..errors import InputError
    from ..ledger import connect
    from ..ledger.health import require_intact
    from ..ledger.rollups import rebuild

    p = _path(path)
    if isinstance(p, PostgresURL):
        _rebuild_postgresql(p)
        return
    if not p.exists():
        raise InputError("no ledger here", where=str(p))
    require_intact(p)  # sums rebuilt from damaged rows would hide the damage
    t0 = time.perf_counter()
    conn = connect(p, readonly=False)
    try:
        rebuild(conn)
        (days,) = conn.execute("SELECT count(*) FROM ledger_days").fetchone()
    except sqlite3.Error as e:
        raise InputError(f"cannot rebuild the rollups ({e}); the ledger was left as it was", where=str(p)) from None
    finally:
        conn.close()
    click.echo(f"rollups rebuilt from the rows of {p}: {days:,} days, in {time.perf_counter() - t0:.1f} s")


def _rebuild_postgresql(url: "PostgresURL") -> None:
    """`ledger rebuild-rollups` of a PostgreSQL ledger: the rollups recomputed from the rows in
    one transaction (writers wait for it), then the settled days hashed."""
    import time

    from ..ledger import password_file
    from ..ledger.pg_rollups import rebuild, refresh_day_hashes
    from ..ledger.postgres import connect_pg

    t0 = time.perf_counter()
    conn = connect_pg(url, password_file=password_file())
    try:
        with conn.transaction():
            rebuild(conn)
        refresh_day_hashes(conn)
        (days,) = conn.execute("SELECT count(*) FROM ledger_days").fetchone()
    finally:
        conn.close()
    click.echo(f"rollups rebuilt from the rows of {url}: {days:,} days, in {time.perf_counter() - t0:.1f} s")
