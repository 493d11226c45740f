"""The Definition stage: the manager sets measurable goals and the scope; measurements follow
the goals through every later active stage. Nothing here is ever deleted: goals are archived,
measurements stay, scope rows change only while the project is in Defining."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.services import audit_record
from lifecycle.stages import Role, Stage
from projects.models import Goal, Measurement, Project, Requirement, ScopeItem
from projects.rows import Row, sync_rows

# Measurements are taken from Defining until the project closes.
MEASURING_STAGES = (Stage.DEFINING, Stage.PLANNING, Stage.DELIVERING, Stage.CLOSING)

SCOPE_LISTS: dict[str, tuple[type, tuple[str, ...], dict[str, str]]] = {
    "in_scope": (ScopeItem, ScopeItem.FIELDS, {"kind": ScopeItem.Kind.IN}),
    "out_of_scope": (ScopeItem, ScopeItem.FIELDS, {"kind": ScopeItem.Kind.OUT}),
    "requirements": (Requirement, Requirement.FIELDS, {}),
}


def definition_editable(project: Project, user: AbstractBaseUser) -> bool:
    """Goals and scope are the manager's to edit while the project is in Defining."""
    return project.stage == Stage.DEFINING and Role.MANAGER in project.roles_of(user)


def measuring_allowed(project: Project, user: AbstractBaseUser) -> bool:
    return project.stage in MEASURING_STAGES and bool(
        {Role.MANAGER, Role.PMO} & project.roles_of(user)
    )


def goal_save(
    *, project: Project, by: AbstractBaseUser, goal: Goal | None = None, **fields: Any
) -> Goal:
    """Add a goal, or change one, while the project is in Defining."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        if not definition_editable(project, by):
            raise PermissionDenied("Goals are set by the manager while the project is in Defining.")
        if goal is None:
            goal = Goal.objects.create(project=project, **fields)
            label, changed = "Added", list(fields)
        else:
            goal = Goal.objects.select_for_update().get(pk=goal.pk, project=project)
            if goal.archived:
                raise PermissionDenied("An archived goal is kept as it was.")
            changed = [name for name, value in fields.items() if getattr(goal, name) != value]
            for name in changed:
                setattr(goal, name, fields[name])
            goal.save()
            label = "Edited"
        audit_record(
            subject=project,
            record="Goal",
            action="goal_save",
            label=label,
            comment=goal.statement,
            data={"goal_id": goal.pk, "changed": changed},
            by=by,
        )
    return goal


def goal_archive(*, goal: Goal, by: AbstractBaseUser, comment: str = "") -> Goal:
    """Retire a goal without losing it or its measurements."""
    with transaction.atomic():
        project = Project.objects.locked(goal.project_id)
        if project.stage not in MEASURING_STAGES or Role.MANAGER not in project.roles_of(by):
            raise PermissionDenied("The manager archives goals of an active project.")
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        if not goal.archived:
            goal.archived_at = timezone.now()
            goal.save(update_fields=["archived_at"])
            audit_record(
                subject=project,
                record="Goal",
                action="goal_archive",
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
        if not measuring_allowed(project, by):
            raise PermissionDenied(
                "Measurements are added by the manager or the PMO, from Defining to Closing."
            )
        if goal.archived:
            raise PermissionDenied("An archived goal takes no more measurements.")
        measurement_check(goal, date)
        measurement = Measurement.objects.create(
            goal=goal, date=date, value=value, note=note, recorded_by=by
        )
        audit_record(
            subject=project,
            record="Goal",
            action="measurement_add",
            label="Add measurement",
            comment=f"{goal.statement}: {value.normalize():f} {goal.unit} on {date.isoformat()}",
            data={"goal_id": goal.pk, "measurement_id": measurement.pk},
            by=by,
        )
    return measurement


def scope_update(*, project: Project, by: AbstractBaseUser, lists: dict[str, list[Row]]) -> None:
    """Save the in-scope and out-of-scope items and the requirements, all or nothing."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        if not definition_editable(project, by):
            raise PermissionDenied(
                "The scope is set by the manager while the project is in Defining."
            )
        changed = []
        for key, rows in lists.items():
            model, fields, fixed = SCOPE_LISTS[key]
            if sync_rows(model, rows, fields, project=project, **fixed):
                changed.append(key)
        audit_record(
            subject=project,
            record="Scope",
            action="scope_update",
            label="Edited",
            data={"changed": changed},
            by=by,
        )
