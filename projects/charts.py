"""Small charts drawn on the server as SVG: no JavaScript library, nothing to download.

Each chart is a pure function returning numbers and words; its template draws the SVG, so
Django escapes every piece of user text (a task's name, a goal's metric) on the way out.
Coordinates are in the SVG's own units (its viewBox); the browser scales the drawing."""

import math
from datetime import date, timedelta
from typing import Any

from projects.formats import day, number

# -- Axes ------------------------------------------------------------------------------------------


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) / (high - low) * (end - start)


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from `first` to `last` (both included): the gridlines."""
    month = date(first.year, first.month, 1)
    if month < first:
        month = _next_month(month)
    months = []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")  # "Jan 2027"; the C locale's month names are English


def padded(first: date, last: date) -> tuple[date, date]:
    """A date range a little wider than its contents, so a marker on the first or last day
    (a milestone's diamond, a reading's dot) is drawn whole, never cut by the edge."""
    pad = max((last - first).days // 20, 3)
    return first - timedelta(days=pad), last + timedelta(days=pad)


def value_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round numbers (1, 2 or 5 × a power of ten apart) covering low..high."""
    if high < low:
        low, high = high, low
    if high == low:
        low, high = low - (abs(low) or 1), high + (abs(high) or 1)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    tick = start
    while tick < high + step * 0.999:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


# -- The plan timeline -----------------------------------------------------------------------------

TIMELINE_WIDTH = 960
LABEL_WIDTH = 250  # the task names on the left
ROW_HEIGHT = 26
AXIS_HEIGHT = 34  # month labels above the rows
TIMELINE_RIGHT_PAD = 16


def plan_timeline(plan: Any, *, today: date | None = None) -> dict[str, Any]:
    """A Gantt-like timeline of `plan`: a month axis, a bar per dated task with an arrow from
    the task it waits for, a diamond per dated milestone and a line at today. Undated rows
    are listed separately (`undated`)."""
    tasks = list(plan.tasks.all())
    milestones = list(plan.milestones.all())
    return timeline_layout(tasks, milestones, today=today or date.today())


def timeline_layout(tasks: list[Any], milestones: list[Any], *, today: date) -> dict[str, Any]:
    dated_tasks = [t for t in tasks if t.start_date and t.end_date]
    dated_milestones = [m for m in milestones if m.due_date]
    undated = [t.name for t in tasks if t not in dated_tasks]
    undated += [m.name for m in milestones if m not in dated_milestones]
    days = [t.start_date for t in dated_tasks] + [t.end_date for t in dated_tasks]
    days += [m.due_date for m in dated_milestones]
    if not days:
        return {"rows": [], "undated": undated}
    first, last = min(days), max(days)
    low, high = padded(first, last)
    left, right = LABEL_WIDTH, TIMELINE_WIDTH - TIMELINE_RIGHT_PAD

    def x(when: date) -> float:
        return round(_scale((when - low).days, 0, (high - low).days, left, right), 1)

    rows, place = [], {}
    for task in dated_tasks:
        y = AXIS_HEIGHT + len(rows) * ROW_HEIGHT
        start, end = x(task.start_date), x(task.end_date + timedelta(days=1))
        place[task.pk] = (start, end, y + ROW_HEIGHT // 2)
        rows.append(
            {
                "kind": "task",
                "name": task.name,
                "label": _short(task.name),
                "y": y,
                "mid": y + ROW_HEIGHT // 2,
                "x": start,
                "width": round(max(end - start, 3), 1),
                "when": f"{day(task.start_date)} to {day(task.end_date)}",
                "owner": task.owner,
            }
        )
    for milestone in dated_milestones:
        y = AXIS_HEIGHT + len(rows) * ROW_HEIGHT
        rows.append(
            {
                "kind": "milestone",
                "name": milestone.name,
                "label": _short(milestone.name),
                "y": y,
                "mid": y + ROW_HEIGHT // 2,
                "x": x(milestone.due_date),
                "when": day(milestone.due_date),
            }
        )
    bottom = AXIS_HEIGHT + len(rows) * ROW_HEIGHT
    arrows = []
    for task in dated_tasks:
        if task.depends_on_id in place:
            _, from_x, from_y = place[task.depends_on_id]
            to_x, _, to_y = place[task.pk]
            # down from the bottom of the task waited for, then across into the bar it holds up
            down = round(min(from_x - 3, to_x - 10), 1)
            arrows.append(f"M{down},{from_y + 7} V{to_y} H{round(to_x - 1, 1)}")
    return {
        "rows": rows,
        "undated": undated,
        "width": TIMELINE_WIDTH,
        "height": bottom + 8,
        "left": left,
        "right": right,
        "top": AXIS_HEIGHT - 4,
        "bottom": bottom,
        "months": [
            {"x": x(month), "label": month_label(month)} for month in month_starts(low, high)
        ],
        "today": _today(x(today), today, right) if low <= today <= high else None,
        "arrows": arrows,
        "first": first,
        "last": last,
        "title": "Plan timeline",
        "desc": _timeline_words(dated_tasks, dated_milestones, first, last, today),
    }


def _today(at: float, today: date, right: float) -> dict[str, Any]:
    anchor = "end" if at > right - 70 else "middle"
    return {"x": at, "label": f"Today, {day(today)}", "anchor": anchor}


def _short(name: str, limit: int = 34) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _timeline_words(
    tasks: list[Any], milestones: list[Any], first: date, last: date, today: date
) -> str:
    words = [f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} from {day(first)} to {day(last)}"]
    if milestones:
        marks = "; ".join(f"{m.name} on {day(m.due_date)}" for m in milestones)
        words.append(f"{len(milestones)} milestone{'s' if len(milestones) != 1 else ''}: {marks}")
    else:
        words.append("no milestones")
    waiting = sum(1 for t in tasks if t.depends_on_id)
    if waiting:
        verb = "tasks wait" if waiting != 1 else "task waits"
        words.append(f"{waiting} {verb} for another to end")
    if first <= today <= last:
        words.append(f"Today, {day(today)}, falls within the plan")
    return ". ".join(words) + "."


# -- Goal charts -----------------------------------------------------------------------------------


def goal_chart(goal: Any, *, width: int, height: int) -> dict[str, Any]:
    """A goal's readings over time: dates from its start to its due date across, values in
    its unit up, the baseline and the target as labelled lines, the due date marked.
    `goal.readings`: its measurements' days and values (projects/goals.py `Reading`)."""
    readings = [(reading.date, float(reading.value)) for reading in goal.readings]
    small = width < 480
    margin = {"left": 54 if small else 64, "right": 14, "top": 24, "bottom": 34}
    left, right = margin["left"], width - margin["right"]
    top, bottom = margin["top"], height - margin["bottom"]

    values = [float(goal.baseline), *(v for _, v in readings)]
    if goal.target is not None:
        values.append(float(goal.target))
    ticks = value_ticks(min(values), max(values), 4 if small else 5)
    low, high = ticks[0], ticks[-1]

    dates = [d for d, _ in readings]
    first = goal.start_date or (min(dates) if dates else date.today())
    due = goal.due_date
    last = max([first + timedelta(days=1), *(d for d in [due] if d), *dates])
    start, end = padded(first, last)

    def x(when: date) -> float:
        return round(_scale((when - start).days, 0, (end - start).days, left, right), 1)

    def y(value: float) -> float:
        return round(_scale(value, low, high, bottom, top), 1)

    unit = goal.unit
    x_ticks = [{"x": x(first), "label": day(first), "anchor": "start"}]
    if due:
        x_ticks.append({"x": x(due), "label": day(due), "anchor": "end"})
    elif dates:
        x_ticks.append({"x": x(last), "label": day(last), "anchor": "end"})
    months = [] if small else [{"x": x(m)} for m in month_starts(start, end)]
    return {
        "uid": f"{goal.pk}-{width}",
        "width": width,
        "height": height,
        "plot_width": right - left,
        "plot_height": bottom - top,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "small": small,
        "unit": unit,
        "y_ticks": [{"y": y(t), "label": number(t)} for t in ticks],
        "x_ticks": x_ticks,
        "months": months,
        "baseline": _level(y(float(goal.baseline)), f"baseline {number(goal.baseline)}", top),
        "target": (
            _level(y(float(goal.target)), f"target {number(goal.target)}", top)
            if goal.target is not None
            else None
        ),
        "due": {"x": x(due), "label": "due"} if due else None,
        "points": [
            {"x": x(d), "y": y(v), "label": f"{number(v)} {unit} on {day(d)}".replace("  ", " ")}
            for d, v in readings
        ],
        "line": " ".join(f"{x(d)},{y(v)}" for d, v in readings),
        "title": f"{goal.metric or goal.statement}: readings against the target",
        "desc": _goal_words(goal, readings),
    }


def _level(at: float, label: str, top: float) -> dict[str, Any]:
    """A labelled horizontal line; its words sit above it unless it runs along the top."""
    return {"y": at, "label": label, "dy": "-0.35em" if at - top > 14 else "1.1em"}


def _goal_words(goal: Any, readings: list[tuple[date, float]]) -> str:
    unit = f" {goal.unit}" if goal.unit else ""
    words = [f"Baseline {number(goal.baseline)}{unit}"]
    if goal.target is not None:
        words.append(f"target {number(goal.target)}{unit}")
    if goal.start_date:
        words.append(f"from {day(goal.start_date)}")
    words.append(f"due {day(goal.due_date)}" if goal.due_date else "no due date")
    count = len(readings)
    if readings:
        when, value = readings[-1]
        words.append(
            f"{count} reading{'s' if count != 1 else ''}, the latest {number(value)}{unit} "
            f"on {day(when)}"
        )
    else:
        words.append("no reading yet")
    return ", ".join(words) + "."


# -- The risk heat map -----------------------------------------------------------------------------

# Shades by score (likelihood × impact), lightest to strongest: each (background, text) pair
# keeps AA contrast (tests/projects/test_charts.py measures it). Two shades per band, so the
# colour never pales as the score grows and the 5 × 5 corner is the strongest.
HEAT_SHADES = [
    ("#dcf1e1", "#14532d"),  # low
    ("#b7e1c1", "#14532d"),
    ("#fff1b3", "#5c4400"),  # medium
    ("#ffdf6b", "#5c4400"),
    ("#ffbf80", "#4a2500"),  # high
    ("#ff9447", "#3d1a00"),
    ("#d3302a", "#ffffff"),  # critical
    ("#8f1a1a", "#ffffff"),
]
# The `risk_level` filter's bands: (highest score, word)
RISK_BANDS = [(4, "low"), (9, "medium"), (16, "high"), (25, "critical")]


def risk_level(score: int) -> str:
    return next(word for top, word in RISK_BANDS if score <= top)


def heat_shade(score: int) -> int:
    """The shade (0 lightest … 7 strongest) of a score: the lower or upper half of its band."""
    floor = 0
    for index, (top, _) in enumerate(RISK_BANDS):
        if score <= top:
            return index * 2 + (1 if score > (floor + top) / 2 else 0)
        floor = top
    return len(HEAT_SHADES) - 1


def heat_legend() -> list[dict[str, Any]]:
    bands, floor = [], 0
    for index, (top, word) in enumerate(RISK_BANDS):
        bands.append(
            {
                "word": word,
                "scores": f"{floor + 1}–{top}",
                "light": HEAT_SHADES[index * 2],
                "strong": HEAT_SHADES[index * 2 + 1],
            }
        )
        floor = top
    return bands


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
