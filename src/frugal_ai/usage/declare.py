"""`ledger declare`: a declaration file -> `declared` rows in the ledger, idempotently.

The plan compares the rows the file describes (usage/months.py) with the declared rows the
ledger holds. The file replaces, by tool and month, what was declared before under the same
tool names or from a file of the same name (its `declaration` tag): a row whose id the file
gives again with the same values is unchanged, with other values changed, one it no longer
gives removed, a new one added. Declared rows of other tools and other files stay as they are.
Nothing else in the ledger (captured, recorded, imported rows) is ever touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from ..ledger.records import ApiCallRecord
from .declaration import DeclaredTool, load_declaration
from .months import TAG_FILE, monthly_records

_COMPARED = ("provider", "model", "start", "end", "input_tokens", "output_tokens", "reasoning_tokens", "requests",
             "name", "project", "tags", "source")


@dataclass
class Plan:
    """What declaring a file changes in a ledger."""

    tools: list[DeclaredTool]
    add: list[ApiCallRecord] = field(default_factory=list)
    change: list[ApiCallRecord] = field(default_factory=list)
    remove: list[ApiCallRecord] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.remove)


def plan_declaration(path: str | Path, existing: list[ApiCallRecord], *, project: str,
                     today: date | None = None) -> Plan:
    """The plan for declaring the file at `path` over the ledger's declared rows `existing`."""
    path = Path(path)
    tools = load_declaration(path)
    today = today or datetime.now(timezone.utc).date()
    wanted = {r.id: r for t in tools for r in monthly_records(t, file_name=path.name, project=project, today=today)}
    names = {t.name for t in tools}
    plan = Plan(tools)
    for old in existing:
        new = wanted.pop(old.id, None)
        if new is None:
            if old.name in names or old.tags.get(TAG_FILE) == path.name:
                plan.remove.append(old)
        elif all(getattr(old, f) == getattr(new, f) for f in _COMPARED):
            plan.unchanged += 1
        else:
            plan.change.append(new)
    plan.add = list(wanted.values())
    return plan


def apply_plan(plan: Plan, ledger_path: str | Path) -> int:
    """Write the plan into the ledger (one transaction); returns the rows written."""
    from ..ledger import connect
    from ..ledger.rows import delete_and_insert

    reasons: list[str] = []
    conn = connect(ledger_path, readonly=False)
    try:
        return delete_and_insert(conn, [r.id for r in plan.change + plan.remove], plan.add + plan.change,
                             on_reject=lambda r, why: reasons.append(why))
    finally:
        conn.close()
