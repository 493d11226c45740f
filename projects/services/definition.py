"""The Definition stage: the manager sets measurable goals and the scope; measurements follow
the goals through every later active stage. Nothing here is ever deleted: goals are archived,
measurements stay, scope rows change only while the project is in Defining."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.formats import day, number
from projects.lists import SCOPE_LISTS, Row, by_key
from projects.models import Goal, Measurement, Project
from projects.services.audit import audit


def goal_save(
    *, project: Project, by: AbstractBaseUser, goal: Goal | None = None, **fields: Any
) -> Goal:
    """Add a goal, or change one, while the project is in Defining."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        if goal is None:
            require(by, "may_add_goal", project)
            goal = Goal.objects.create(project=project, **fields)
            label, changed = "Added", list(fields)
        else:
            goal = Goal.objects.select_for_update().get(pk=goal.pk, project=project)
            require(by, "may_edit_goal", goal)
            changed = [name for name, value in fields.items() if getattr(goal, name) != value]
            for name in changed:
                setattr(goal, name, fields[name])
            goal.save()
            label = "Edited"
        reading_schedule(goal)
        audit(
            subject=project,
            record="Goal",
            action="goal_save",
            event=events.GOAL_SAVED,
            label=label,
            comment=goal.statement,
            data={"goal_id": goal.pk, "changed": changed},
            by=by,
        )
    return goal


def reading_schedule(goal: Goal) -> None:
    """When the goal's next reading is due, from its latest reading and its cadence (stored on
    the goal for inboxes: `Goal.reading_due_on`)."""
    last = goal.measurements.aggregate(last=Max("date"))["last"]
    goal.reading_due_on = goal.next_reading_due(last)
    Goal.objects.filter(pk=goal.pk).update(reading_due_on=goal.reading_due_on)


def goal_archive(*, goal: Goal, by: AbstractBaseUser, comment: str = "") -> Goal:
    """Retire a goal without losing it or its measurements."""
    with transaction.atomic():
        project = Project.objects.locked(goal.project_id)
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        goal.project = project
        require(by, "may_archive_goal", goal)
        goal.archived_at = timezone.now()
        goal.save(update_fields=["archived_at"])
        audit(
            subject=project,
            record="Goal",
            action="goal_archive",
            event=events.GOAL_ARCHIVED,
            label="Archived",
            comment=comment or goal.statement,
            data={"goal_id": goal.pk},
            by=by,
        )
    return goal


def measurement_check(goal: Goal, when: date) -> None:
    """A reading is dated within the goal's life so far: not before its start, not ahead."""
    if when > timezone.localdate():
        raise ValidationError({"date": "A measurement cannot be dated in the future."})
    if goal.start_date and when < goal.start_date:
        raise ValidationError(
            {"date": f"The goal starts on {goal.start_date:%-d %b %Y}: date it on or after that."}
        )


def measurement_add(
    *, goal: Goal, by: AbstractBaseUser, date: date, value: Decimal, note: str = ""
) -> Measurement:
    """**Add measurement**: who and when are recorded with it."""
    with transaction.atomic():
        project = Project.objects.locked(goal.project_id)
        goal = Goal.objects.get(pk=goal.pk)
        goal.project = project
        require(by, "may_add_measurement", goal)
        measurement_check(goal, date)
        measurement = Measurement.objects.create(
            goal=goal, date=date, value=value, note=note, recorded_by=by
        )
        reading_schedule(goal)
        audit(
            subject=project,
            record="Goal",
            action="measurement_add",
            event=events.MEASUREMENT_ADDED,
            label="Add measurement",
            comment=f"{goal.statement}: {number(value)} {goal.unit} on {day(date)}",
            # The reading in machine form too: webhooks carry it to other systems.
            data={
                "goal_id": goal.pk,
                "measurement_id": measurement.pk,
                "date": date.isoformat(),
                "value": str(value),
            },
            by=by,
        )
    return measurement


def scope_update(*, project: Project, by: AbstractBaseUser, lists: dict[str, list[Row]]) -> None:
    """Save the in-scope and out-of-scope items and the requirements, all or nothing."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_edit_scope", project)
        scope_lists = by_key(SCOPE_LISTS)
        changed = [key for key, rows in lists.items() if scope_lists[key].store(rows, project)]
        audit(
            subject=project,
            record="Scope",
            action="scope_update",
            event=events.SCOPE_EDITED,
            label="Edited",
            data={"changed": changed},
            by=by,
        )
