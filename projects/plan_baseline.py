"""The approved plan as a baseline: what `PlanBaseline.snapshot` holds, and what changed from
one baseline to the next, field by field, as people read it.

A snapshot is plain JSON (amounts and dates as text) so its SHA-256 (projects/fingerprint.py)
is the same today and in ten years, like a signed charter revision's.
"""

from decimal import Decimal
from typing import Any, TypedDict

from projects.formats import day, money, number
from projects.models import Plan


class BaselineLine(TypedDict):
    id: int
    category: str
    description: str
    amount: str


class BaselineMilestone(TypedDict):
    id: int
    name: str
    due_date: str | None


class BaselineSnapshot(TypedDict):
    budget_lines: list[BaselineLine]
    milestones: list[BaselineMilestone]
    cost_tolerance_pct: str | None
    time_tolerance_days: int | None
    budget_total: str
    last_milestone: str | None
    scope_changes: list[str]


def snapshot(plan: Plan, *, scope_changes: list[str] | None = None) -> BaselineSnapshot:
    """The plan as it stands now; `scope_changes`: every approved change of scope so far."""
    lines = list(plan.budget_lines.all())
    milestones = list(plan.milestones.all())
    dates = [m.due_date for m in milestones if m.due_date]
    tolerance = plan.cost_tolerance_pct
    return {
        "budget_lines": [
            {
                "id": line.pk,
                "category": line.get_category_display(),
                "description": line.description,
                "amount": f"{line.amount:.2f}",
            }
            for line in lines
        ],
        "milestones": [
            {
                "id": m.pk,
                "name": m.name,
                "due_date": m.due_date.isoformat() if m.due_date else None,
            }
            for m in milestones
        ],
        "cost_tolerance_pct": f"{tolerance:.2f}" if tolerance is not None else None,
        "time_tolerance_days": plan.time_tolerance_days,
        "budget_total": f"{sum((line.amount for line in lines), Decimal(0)):.2f}",
        "last_milestone": max(dates).isoformat() if dates else None,
        "scope_changes": list(scope_changes or []),
    }


def _line_name(line: BaselineLine) -> str:
    return line["description"] or line["category"]


def _pct(value: str | None) -> str:
    return "—" if value is None else f"{number(value)}%"


def diff(
    old: BaselineSnapshot | dict[str, Any], new: BaselineSnapshot | dict[str, Any]
) -> list[str]:
    """What changed from `old` to `new`, one line per field: “Budget line Contractors:
    EUR 40,000.00 → EUR 55,000.00”, “Milestone Go-live: 1 Mar 2027 → 15 Mar 2027”."""
    changes: list[str] = []
    old_lines = {line["id"]: line for line in old["budget_lines"]}
    new_lines = {line["id"]: line for line in new["budget_lines"]}
    for key, line in new_lines.items():
        before = old_lines.get(key)
        if before is None:
            changes.append(f"Budget line {_line_name(line)}: added, {money(line['amount'])}")
        elif before["amount"] != line["amount"]:
            changes.append(
                f"Budget line {_line_name(line)}: "
                f"{money(before['amount'])} → {money(line['amount'])}"
            )
    for key, line in old_lines.items():
        if key not in new_lines:
            changes.append(f"Budget line {_line_name(line)}: removed ({money(line['amount'])})")
    old_milestones = {m["id"]: m for m in old["milestones"]}
    new_milestones = {m["id"]: m for m in new["milestones"]}
    for key, milestone in new_milestones.items():
        before = old_milestones.get(key)
        if before is None:
            changes.append(f"Milestone {milestone['name']}: added, {day(milestone['due_date'])}")
        elif before["due_date"] != milestone["due_date"]:
            was = day(before["due_date"]) or "not dated"
            now = day(milestone["due_date"]) or "not dated"
            changes.append(f"Milestone {milestone['name']}: {was} → {now}")
    for key, milestone in old_milestones.items():
        if key not in new_milestones:
            changes.append(f"Milestone {milestone['name']}: removed")
    if old["budget_total"] != new["budget_total"]:
        changes.append(f"Budget total: {money(old['budget_total'])} → {money(new['budget_total'])}")
    if old["last_milestone"] != new["last_milestone"]:
        changes.append(
            f"Last milestone: {day(old['last_milestone']) or '—'} → "
            f"{day(new['last_milestone']) or '—'}"
        )
    if old["cost_tolerance_pct"] != new["cost_tolerance_pct"]:
        changes.append(
            f"Cost tolerance: {_pct(old['cost_tolerance_pct'])} → {_pct(new['cost_tolerance_pct'])}"
        )
    if old["time_tolerance_days"] != new["time_tolerance_days"]:
        changes.append(
            f"Time tolerance: {old['time_tolerance_days']} days → {new['time_tolerance_days']} days"
        )
    known = set(old["scope_changes"])
    changes += [f"Scope: + {change}" for change in new["scope_changes"] if change not in known]
    return changes
