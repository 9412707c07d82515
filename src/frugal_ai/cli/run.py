"""`frugal-ai run [--name NAME] [--tag k=v]... -- COMMAND...`: measure a whole command, like `time`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from ..measure.command import CommandResult


def _tags(pairs: tuple[str, ...]) -> dict[str, str]:
    from ..errors import InputError

    tags = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--tag: expected KEY=VALUE, got {pair!r}")
        tags[key.strip()] = value
    return tags


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--name", default=None, help="Workload name stored in the ledger (default: the command's name).")
@click.option("--tag", "tag", multiple=True, metavar="KEY=VALUE", help="A tag stored with the run (repeatable).")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(name: str | None, tag: tuple[str, ...], command: tuple[str, ...]) -> None:
    """Run COMMAND, measure the machine's energy while it runs, record it, and print a summary.

    The exit status is the command's. Put `--` before the command.
    """
    from ..measure.command import run_command

    result = run_command(command, name=name, tags=_tags(tag))
    click.echo(summary_line(result), err=True)
    sys.exit(result.returncode)


def summary_line(result: "CommandResult") -> str:
    """One line: duration, energy (with range and method), CO2e and water."""
    from ..config import settings_in_force
    from ..estimate.measured import measured_footprint
    from ..units import format_quantity, format_range

    record, rc = result.record, result.returncode
    if record is None:
        return f"frugal-ai: exit {rc}; the run could not be measured"
    duration_s = max(0.0, record.end - record.start)
    fp = measured_footprint(record.cpu_kwh, record.gpu_kwh, record.ram_kwh, record.method, record.zone,
                            settings_in_force(recheck=True), coverage=record.coverage)
    if record.method == "unavailable":
        energy = "energy not measurable here (see frugal-ai doctor)"
    else:
        energy = f"{format_range(fp.energy_kwh, 'energy_kwh')} ({record.method}, PUE included"
        if record.coverage < 1.0:
            # The command started before the tracker was ready: that part is extrapolated.
            energy += f", {100 * (1 - record.coverage):.0f}% of the time extrapolated"
        energy += ")"
    return (f"frugal-ai: {record.name!r} exit {rc}, {duration_s:.2f} s, {energy}, "
            f"{format_quantity(fp.co2e_kg.central, 'co2e_kg')} CO2e, {format_quantity(fp.water_l.central, 'water_l')} water")
