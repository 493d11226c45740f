"""Small charts drawn on the server as SVG: no JavaScript library, nothing to download."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from projects.formats import day, number

PAD = 8


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) / (high - low) * (end - start)


def goal_chart_svg(goal: Any, *, width: int, height: int) -> SafeString:
    """Measurements of `goal` (dots joined by a line) between its dashed baseline and target."""
    points = [(m.date, float(m.value)) for m in goal.measurements.all()]
    values = [float(goal.baseline), *(v for _, v in points)]
    if goal.target is not None:
        values.append(float(goal.target))
    low, high = min(values), max(values)
    margin = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - margin, high + margin

    dates = [d for d, _ in points]
    first = goal.start_date or (min(dates) if dates else date.today())
    last = goal.due_date or (max(dates) if dates else first)
    if last <= first:
        last = first + timedelta(days=1)

    def x(day: date) -> float:
        return _scale((day - first).days, 0, (last - first).days, PAD, width - PAD)

    def y(value: float) -> float:
        return _scale(value, low, high, height - PAD, PAD)

    parts = [
        f'<svg class="goal-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(_summary(goal, points))}">',
        f"<title>{escape(_summary(goal, points))}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" class="frame"/>',
        _level(y(float(goal.baseline)), width, "baseline", goal.baseline),
    ]
    if goal.target is not None:
        parts.append(_level(y(float(goal.target)), width, "target", goal.target))
    if points:
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        parts.append(f'<polyline class="measured" points="{path}"/>')
        parts += [
            f'<circle class="measured" cx="{x(d):.1f}" cy="{y(v):.1f}" r="3"/>' for d, v in points
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only


def _level(at: float, width: int, kind: str, value: Decimal) -> str:
    label = f"{kind} {number(value)}"
    return (
        f'<line class="{kind}" x1="{PAD}" x2="{width - PAD}" y1="{at:.1f}" y2="{at:.1f}"/>'
        f'<text class="{kind}" x="{width - PAD}" y="{at - 3:.1f}" text-anchor="end">'
        f"{escape(label)}</text>"
    )


def _summary(goal: Any, points: list[tuple[date, float]]) -> str:
    latest = (
        f"latest {number(points[-1][1])} on {day(points[-1][0])}"
        if points
        else "no measurement yet"
    )
    target = number(goal.target) if goal.target is not None else "none"
    baseline = number(goal.baseline)
    return f"{goal.metric or goal.statement}: baseline {baseline}, target {target}, {latest}"


def plan_timeline(plan: Any) -> dict[str, Any]:
    """Bars for a Gantt-like timeline: each task from start to end, each milestone a mark,
    placed in percent of the plan's span. Undated rows are listed without a bar."""
    tasks = list(plan.tasks.all())
    milestones = list(plan.milestones.all())
    days = [t.start_date for t in tasks if t.start_date] + [t.end_date for t in tasks if t.end_date]
    days += [m.due_date for m in milestones if m.due_date]
    if not days:
        return {"rows": [], "first": None, "last": None}
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def at(day: date) -> float:
        return round((day - first).days / span * 100, 2)

    names = {task.pk: task.name for task in tasks}
    rows = []
    for task in tasks:
        dated = bool(task.start_date and task.end_date)
        rows.append(
            {
                "kind": "task",
                "name": task.name,
                "owner": task.owner,
                "start": task.start_date,
                "end": task.end_date,
                "after": names.get(task.depends_on_id),
                "left": at(task.start_date) if dated else None,
                # at least a sliver, so a one-day task is still visible
                "width": max(at(task.end_date) - at(task.start_date), 0.8) if dated else None,
            }
        )
    for milestone in milestones:
        rows.append(
            {
                "kind": "milestone",
                "name": milestone.name,
                "end": milestone.due_date,
                "left": at(milestone.due_date) if milestone.due_date else None,
            }
        )
    return {"rows": rows, "first": first, "last": last}
