"""How far a goal has come, and whether that is enough for the time gone by. Pure functions.

Progress = (latest − baseline) / (target − baseline): 0 at the baseline, 1 at the target, for
goals that increase and for goals that decrease alike (both differences change sign together).
Status compares progress with the share of the goal's time that has elapsed:

- not started — no measurement yet;
- achieved — the latest measurement reached the target (progress ≥ 1);
- missed — the due date passed before that;
- on track — progress is at least the elapsed share of time, less 10 points of slack;
- at risk — behind that.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

ON_TRACK_SLACK = 0.10


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"


def progress(baseline: Decimal, target: Decimal | None, latest: Decimal | None) -> float | None:
    if latest is None or target is None or target == baseline:
        return None
    return float((latest - baseline) / (target - baseline))


def elapsed(start: date | None, due: date | None, today: date) -> float | None:
    """The share of the goal's time gone by, from 0 at the start to 1 at the due date."""
    if start is None or due is None or due <= start:
        return None
    return min(max((today - start).days / (due - start).days, 0.0), 1.0)


def status(progress: float | None, elapsed: float | None, due: date | None, today: date) -> Status:
    if progress is None:
        return Status.NOT_STARTED
    if progress >= 1:
        return Status.ACHIEVED
    if due is not None and today > due:
        return Status.MISSED
    if elapsed is None or progress >= elapsed - ON_TRACK_SLACK:
        return Status.ON_TRACK
    return Status.AT_RISK


@dataclass(frozen=True)
class GoalState:
    latest: Decimal | None
    progress: float | None
    elapsed: float | None
    status: Status

    @property
    def percent(self) -> int:
        """Progress for a bar: 0 to 100."""
        return round(min(max(self.progress or 0.0, 0.0), 1.0) * 100)


@dataclass(frozen=True, slots=True)
class Reading:
    """A measurement as a goal's state and chart read it: its day and its value."""

    date: date
    value: Decimal


def readings_of(measurements: Iterable[Any]) -> list[Reading]:
    return [Reading(m.date, m.value) for m in measurements]


def goal_state(goal: object, measurements: Sequence[object], today: date) -> GoalState:
    """Where `goal` stands on `today`, from its measurements or readings (in date order)."""
    latest = measurements[-1].value if measurements else None
    done = progress(goal.baseline, goal.target, latest)
    gone = elapsed(goal.start_date, goal.due_date, today)
    return GoalState(latest, done, gone, status(done, gone, goal.due_date, today))
