"""Planning, delivery and closure: the plan the sponsor approves, status reports and accepted
deliverables, and the closure report. Entering each stage prepares its record."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.errors import RecordChanged
from lifecycle.models import AuditEntry
from lifecycle.rules import require
from lifecycle.services import transition_run
from projects import events, tasks
from projects.formats import day
from projects.lists import PLAN_LISTS, Row
from projects.models import (
    ClosureGoal,
    ClosureReport,
    Plan,
    PlanMilestone,
    PlanTask,
    Project,
    ProjectDeliverable,
    StatusReport,
)
from projects.selectors.costs import budget_proposal
from projects.selectors.raid import top_risks
from projects.services.audit import audit
from projects.services.change import baseline_freeze, exceptions_refresh, next_baseline_number

# -- Planning --------------------------------------------------------------------------------


def plan_open(project: Project) -> Plan:
    """Entering Planning: the plan starts from the charter's work plan and timetable."""
    plan, created = Plan.objects.get_or_create(project=project)
    charter = getattr(project, "charter", None)
    if created and charter is not None:
        PlanTask.objects.bulk_create(
            PlanTask(
                plan=plan,
                name=task.name,
                owner=task.owner,
                start_date=task.start_date,
                end_date=task.end_date,
            )
            for task in charter.tasks.all()
        )
        PlanMilestone.objects.bulk_create(
            PlanMilestone(plan=plan, name=m.name, due_date=m.due_date)
            for m in charter.milestones.all()
        )
    return plan


def plan_update(
    *, plan: Plan, by: AbstractBaseUser, version: int, lists: dict[str, list[Row]]
) -> Plan:
    """Save the manager's plan: all of it, or nothing if it moved on meanwhile."""
    with transaction.atomic():
        project = Project.objects.locked(plan.project_id)
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        locked.project = project
        require(by, "may_edit_plan", locked)
        if locked.version != version:
            raise RecordChanged(
                "The plan was saved elsewhere after you opened this form. Nothing was saved."
            )
        changed = [
            spec.key  # in their declared order: tasks first
            for spec in PLAN_LISTS
            if spec.key in lists and spec.store(lists[spec.key], locked)
        ]
        _check_dependencies(locked)
        locked.version += 1
        locked.save()
        audit(
            subject=locked.project,
            record=Plan.audit_record,
            action="edit",
            event=events.PLAN_EDITED,
            label="Edited",
            data={"changed": changed},
            by=by,
        )
    return locked


def _check_dependencies(plan: Plan) -> None:
    """A task starts once the task it depends on has ended, and no chain loops back."""
    tasks = {task.pk: task for task in plan.tasks.all()}
    for task in tasks.values():
        seen = {task.pk}
        before = tasks.get(task.depends_on_id)
        if before and before.end_date and task.start_date and task.start_date < before.end_date:
            raise ValidationError(
                f"“{task.name}” starts before “{before.name}”, which it depends on, has ended."
            )
        while before is not None:
            if before.pk in seen:
                raise ValidationError(f"“{task.name}” depends on itself through a chain of tasks.")
            seen.add(before.pk)
            before = tasks.get(before.depends_on_id)


def _plan_transition(name: str) -> Any:
    def run(*, plan: Plan, by: AbstractBaseUser, comment: str = "", seen: str = "") -> AuditEntry:
        return transition_run(
            instance=plan,
            name=name,
            by=by,
            comment=comment,
            side_effect=tasks.announce,
            seen=seen,
            fingerprint=lambda locked: str(locked.version),  # each save counts one up
        )

    run.__name__ = f"plan_{name}"
    return run


plan_submit = _plan_transition("submit")
plan_return = _plan_transition("return_plan")
plan_revise = _plan_transition("revise")


def tolerances_check(cost_tolerance_pct: Decimal, time_tolerance_days: int) -> None:
    errors = {}
    if not Decimal(0) <= cost_tolerance_pct <= Decimal(100):
        errors["cost_tolerance_pct"] = "Enter a tolerance from 0 to 100%."
    if not 0 <= time_tolerance_days <= 3650:
        errors["time_tolerance_days"] = "Enter a tolerance from 0 to 3,650 days."
    if errors:
        raise ValidationError(errors)


def plan_approve(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    comment: str = "",
    seen: str = "",
    cost_tolerance_pct: Decimal | None = None,
    time_tolerance_days: int | None = None,
) -> AuditEntry:
    """**Approve plan** with the sponsor's tolerances (the settings' defaults if not given):
    in the same transaction the plan keeps them and is frozen as the project's next baseline
    (number 1 the first time; again if the plan is revised and approved while still in
    Planning), which sets the project's baseline budget and estimate at completion."""
    cost = settings.PLAN_COST_TOLERANCE_PCT if cost_tolerance_pct is None else cost_tolerance_pct
    days = settings.PLAN_TIME_TOLERANCE_DAYS if time_tolerance_days is None else time_tolerance_days
    tolerances_check(cost, days)

    def data(locked: Plan) -> dict[str, Any]:
        return {
            "cost_tolerance_pct": f"{cost:.2f}",
            "time_tolerance_days": days,
            "baseline": next_baseline_number(locked.project),
        }

    with transaction.atomic():
        entry = transition_run(
            instance=plan,
            name="approve",
            by=by,
            comment=comment,
            data=data,
            side_effect=tasks.announce,
            seen=seen,
            fingerprint=lambda locked: str(locked.version),
        )
        Plan.objects.filter(pk=plan.pk).update(cost_tolerance_pct=cost, time_tolerance_days=days)
        approved = Plan.objects.select_related("project").get(pk=plan.pk)
        baseline_freeze(plan=approved, by=by)
    return entry


PLAN_ACTIONS = {
    "submit": plan_submit,
    "approve": plan_approve,
    "return_plan": plan_return,
    "revise": plan_revise,
}


# -- Delivering ------------------------------------------------------------------------------


def milestone_forecasts_update(
    *, plan: Plan, by: AbstractBaseUser, forecasts: dict[int, date | None]
) -> list[str]:
    """**Update forecasts**: when the manager now expects each milestone (blank: as planned).
    A forecast beyond the time tolerance opens an exception for the sponsor."""
    with transaction.atomic():
        project = Project.objects.locked(plan.project_id)
        plan = Plan.objects.get(pk=plan.pk)
        plan.project = project
        require(by, "may_forecast_milestones", plan)
        changed = []
        for milestone in plan.milestones.select_for_update():
            if milestone.pk not in forecasts or milestone.forecast_date == forecasts[milestone.pk]:
                continue
            milestone.forecast_date = forecasts[milestone.pk]
            milestone.save(update_fields=["forecast_date"])
            changed.append(f"{milestone.name}: {day(milestone.forecast_date) or 'as planned'}")
        if changed:
            audit(
                subject=project,
                record=Plan.audit_record,
                action="forecast",
                event=events.FORECAST_UPDATED,
                label="Milestone forecasts updated",
                comment="; ".join(changed),
                by=by,
            )
        exceptions_refresh(project=project, by=by)
    return changed


def delivery_open(project: Project) -> None:
    """Entering Delivering: the charter's major deliverables are the ones to deliver."""
    charter = getattr(project, "charter", None)
    if charter is None or project.deliverables.exists():
        return
    ProjectDeliverable.objects.bulk_create(
        ProjectDeliverable(project=project, name=d.name, description=d.description)
        for d in charter.deliverables.all()
    )


def status_report_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    date: date,
    schedule: str,
    budget: str,
    scope: str,
    summary: str,
    next_steps: str = "",
) -> StatusReport:
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_add_status_report", project)
        if date > timezone.localdate():
            raise ValidationError({"date": "A status report cannot be dated in the future."})
        proposal = budget_proposal(project)  # kept beside the manager's choice
        report = StatusReport.objects.create(
            project=project,
            date=date,
            schedule=schedule,
            budget=budget,
            budget_proposed=proposal.rag if proposal else "",
            scope=scope,
            summary=summary,
            next_steps=next_steps,
            author=by,
            top_risks=top_risks(project),  # the register's, as they stand today
        )
        audit(
            subject=project,
            record="Status report",
            action="status_report",
            event=events.STATUS_REPORTED,
            label="Status report",
            comment=f"Schedule {schedule}, budget {budget}, scope {scope}: {summary[:200]}",
            data={"status_report_id": report.pk, "budget_proposed": report.budget_proposed},
            by=by,
        )
    return report


def _deliverable_transition(name: str) -> Any:
    def run(
        *, deliverable: ProjectDeliverable, by: AbstractBaseUser, comment: str = ""
    ) -> AuditEntry:
        return transition_run(
            instance=deliverable,
            name=name,
            by=by,
            comment=comment,
            data={"deliverable": deliverable.name},
            side_effect=tasks.announce,
        )

    run.__name__ = f"deliverable_{name}"
    return run


deliverable_deliver = _deliverable_transition("deliver")
deliverable_accept = _deliverable_transition("accept")
deliverable_send_back = _deliverable_transition("send_back")

DELIVERABLE_ACTIONS = {
    "deliver": deliverable_deliver,
    "accept": deliverable_accept,
    "send_back": deliverable_send_back,
}


# -- Closing ---------------------------------------------------------------------------------


def closure_open(project: Project) -> ClosureReport:
    """Entering Closing: a closure report with a line for the final value of every goal."""
    report, _ = ClosureReport.objects.get_or_create(project=project)
    known = set(report.goals.values_list("goal_id", flat=True))
    ClosureGoal.objects.bulk_create(
        ClosureGoal(report=report, goal=goal)
        for goal in project.goals.filter(archived_at__isnull=True)
        if goal.pk not in known
    )
    return report


def closure_update(
    *,
    report: ClosureReport,
    by: AbstractBaseUser,
    final_values: dict[int, tuple[Decimal | None, str]],
    **fields: str,
) -> ClosureReport:
    """Save the closure report: the lessons, the handover and each goal's final value."""
    with transaction.atomic():
        project = Project.objects.locked(report.project_id)
        report = ClosureReport.objects.get(pk=report.pk)
        report.project = project
        require(by, "may_edit_closure", report)
        for name in ClosureReport.TEXT_FIELDS:
            setattr(report, name, fields[name])
        report.save()
        for row in report.goals.all():
            if row.pk in final_values:
                row.final_value, row.note = final_values[row.pk]
                row.save()
        audit(
            subject=project,
            record="Closure report",
            action="edit",
            event=events.CLOSURE_EDITED,
            label="Edited",
            by=by,
        )
    return report
