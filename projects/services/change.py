"""Change after the plan is approved: plan baselines, exceptions and change requests.

A baseline is frozen when the sponsor approves the plan and again with every approved change
request. A forecast beyond the tolerances the sponsor set opens an exception
(`exceptions_refresh`, called at the end of every write that can move a forecast); it stays
open until the sponsor decides it — by approving a change request, or by cancelling the
project. Change requests are decided like business cases, under the same approval authority.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lifecycle.models import AuditEntry
from lifecycle.rules import allows, require
from lifecycle.services import transition_run
from lifecycle.stages import Stage
from projects import costs, events, fingerprint, plan_baseline, tasks
from projects.formats import day, money, number
from projects.models import (
    BudgetLine,
    ChangeRequest,
    ChangeRequestState,
    ExceptionKind,
    ExceptionState,
    Plan,
    PlanBaseline,
    PlanMilestone,
    Project,
    ToleranceException,
)
from projects.rules import approval_authority, change_budget_after
from projects.selectors.costs import cost_sheet
from projects.services.audit import audit

# -- Baselines ---------------------------------------------------------------------------------


def baseline_freeze(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    change_request: ChangeRequest | None = None,
    scope_change: str = "",
) -> PlanBaseline:
    """The plan as it stands, frozen as the project's next baseline; the project's baseline
    budget and estimate at completion follow it. Inside the caller's transaction, with the
    project row locked."""
    project = plan.project
    previous = project.baselines.order_by("-number").first()
    scope_changes = list(previous.snapshot["scope_changes"]) if previous else []
    if scope_change:
        scope_changes.append(scope_change)
    document = plan_baseline.snapshot(plan, scope_changes=scope_changes)
    baseline = PlanBaseline.objects.create(
        project=project,
        number=previous.number + 1 if previous else 1,
        snapshot=document,
        sha256=fingerprint.sha256(document),
        change_request=change_request,
        created_by=by,
    )
    project.baseline_budget = Decimal(document["budget_total"])
    project.forecast_cost = cost_sheet(project).total.at_completion
    Project.objects.filter(pk=project.pk).update(
        baseline_budget=project.baseline_budget, forecast_cost=project.forecast_cost
    )
    return baseline


def next_baseline_number(project: Project) -> int:
    return (project.baselines.aggregate(last=Max("number"))["last"] or 0) + 1


# -- Exceptions --------------------------------------------------------------------------------


def _pct(value: Decimal) -> str:
    return f"{number(value)}%"


def _cost_beyond(project: Project, plan: Plan) -> tuple[str, dict[str, Any]] | None:
    estimate, baseline = project.forecast_cost, project.baseline_budget
    tolerance = plan.cost_tolerance_pct
    if estimate is None or baseline is None or tolerance is None:
        return None
    if not costs.beyond_cost_tolerance(estimate, baseline, tolerance):
        return None
    ceiling = costs.cost_ceiling(baseline, tolerance)
    detail = (
        f"Estimate at completion {money(estimate)} is above the cost tolerance: baseline "
        f"{money(baseline)} + {_pct(tolerance)} = {money(ceiling)} "
        f"(over by {money(estimate - ceiling)})."
    )
    figures = {
        "estimate": f"{estimate:.2f}",
        "baseline": f"{baseline:.2f}",
        "tolerance_pct": f"{tolerance:.2f}",
        "ceiling": f"{ceiling:.2f}",
    }
    return detail, figures


def _time_beyond(plan: Plan) -> tuple[str, dict[str, Any]] | None:
    days = plan.time_tolerance_days
    if days is None:
        return None
    late = [
        m
        for m in plan.milestones.all()
        if m.forecast_date
        and m.due_date
        and costs.beyond_time_tolerance(m.forecast_date, m.due_date, days)
    ]
    if not late:
        return None
    detail = "; ".join(
        f"{m.name} is forecast for {day(m.forecast_date)}, "
        f"{(m.forecast_date - m.due_date).days} days after its baseline date {day(m.due_date)}"
        for m in late
    )
    figures = {
        "tolerance_days": days,
        "milestones": [
            {
                "name": m.name,
                "baseline": m.due_date.isoformat(),
                "forecast": m.forecast_date.isoformat(),
            }
            for m in late
        ],
    }
    return f"{detail} (time tolerance {days} days).", figures


def exceptions_refresh(*, project: Project, by: AbstractBaseUser) -> list[ToleranceException]:
    """Open an exception for each tolerance a forecast is now beyond (at most one open per
    kind; an open one stays open until the sponsor decides it, even if the forecast comes
    back). Call it at the end of every write that can move a forecast, inside its
    transaction, with the project row locked and `project.forecast_cost` up to date."""
    if project.stage != Stage.DELIVERING:
        return []  # late invoices in Closing change the figures, not the decision taken
    plan = Plan.objects.filter(project=project).first()
    baseline = project.baselines.order_by("-number").first()
    if plan is None or baseline is None:
        return []
    project.refresh_from_db(fields=["forecast_cost", "baseline_budget"])
    already = set(
        project.exceptions.filter(state=ExceptionState.OPEN).values_list("kind", flat=True)
    )
    opened = []
    for kind, beyond in (
        (ExceptionKind.COST, _cost_beyond(project, plan)),
        (ExceptionKind.TIME, _time_beyond(plan)),
    ):
        if beyond is None or kind in already:
            continue
        detail, figures = beyond
        exception = ToleranceException.objects.create(
            project=project, kind=kind, detail=detail, figures=figures, baseline=baseline
        )
        audit(
            subject=project,
            record=ToleranceException.audit_record,
            action="open",
            event=events.EXCEPTION_OPENED,
            label=f"{kind.label} exception opened",
            to_state=ExceptionState.OPEN.label,
            comment=detail,
            data={"exception_id": exception.pk, "kind": kind.value, "figures": figures},
            by=by,
        )
        opened.append(exception)
    return opened


def exceptions_decide(
    *,
    project: Project,
    by: AbstractBaseUser,
    state: ExceptionState,
    change_request: ChangeRequest | None = None,
) -> list[ToleranceException]:
    """The sponsor's decision closes every open exception of the project: a change request
    was approved (`CHANGED`), or the project was cancelled (`CANCELLED`)."""
    decided = list(project.exceptions.select_for_update().filter(state=ExceptionState.OPEN))
    how = (
        f"change request {change_request.reference} approved"
        if change_request is not None
        else "the project was cancelled"
    )
    for exception in decided:
        exception.state = state
        exception.decided_at = timezone.now()
        exception.decided_by = by
        exception.change_request = change_request
        exception.save()
        audit(
            subject=project,
            record=ToleranceException.audit_record,
            action="decide",
            event=events.EXCEPTION_DECIDED,
            label=f"{exception.get_kind_display()} exception decided",
            from_state=ExceptionState.OPEN.label,
            to_state=state.label,
            comment=f"Decided: {how}.",
            data={"exception_id": exception.pk, "kind": exception.kind},
            by=by,
        )
    return decided


# -- Change requests ---------------------------------------------------------------------------


def change_request_raise(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    reason: str,
    cost_impact: Decimal = Decimal(0),
    budget_line: BudgetLine | None = None,
    time_impact_days: int = 0,
    milestone: PlanMilestone | None = None,
    scope_impact: str = "",
) -> ChangeRequest:
    """**Raise change request**: numbered CR-n within the project, waiting for the sponsor."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)  # also allocates the number, one at a time
        require(by, "may_raise_change_request", project)
        plan = project.plan
        errors: dict[str, str] = {}
        if budget_line is not None and budget_line.plan_id != plan.pk:
            errors["budget_line"] = "Choose a budget line of this project's plan."
        elif cost_impact and budget_line is None:
            errors["budget_line"] = "Choose the budget line the cost impact changes."
        elif cost_impact and budget_line.amount + cost_impact < 0:
            errors["cost_impact"] = (
                f"The saving is larger than the line's budget of {money(budget_line.amount)}."
            )
        if milestone is not None and milestone.plan_id != plan.pk:
            errors["milestone"] = "Choose a milestone of this project's plan."
        elif time_impact_days and milestone is None:
            errors["milestone"] = "Choose the milestone the time impact moves."
        elif time_impact_days and milestone.due_date is None:
            errors["milestone"] = "This milestone has no date to move."
        if not cost_impact and not time_impact_days and not scope_impact.strip():
            errors[NON_FIELD_ERRORS] = "Say what changes: its cost, time or scope impact."
        if errors:
            raise ValidationError(errors)
        number = (project.change_requests.aggregate(last=Max("number"))["last"] or 0) + 1
        change = ChangeRequest.objects.create(
            project=project,
            number=number,
            title=title,
            reason=reason,
            cost_impact=cost_impact,
            budget_line=budget_line if cost_impact else None,
            time_impact_days=time_impact_days,
            milestone=milestone if time_impact_days else None,
            scope_impact=scope_impact,
            raised_by=by,
        )
        audit(
            subject=project,
            record=ChangeRequest.audit_record,
            action="raise",
            event=events.CHANGE_REQUEST_RAISED,
            label="Raised",
            to_state=ChangeRequestState.SUBMITTED.label,
            comment=f"{change.reference}: {title}",
            data={
                "change_request": change.reference,
                "cost_impact": f"{cost_impact:.2f}",
                "time_impact_days": time_impact_days,
            },
            by=by,
        )
    return change


def _decision_data(by: AbstractBaseUser) -> Any:
    """What every decision records — the limit that applied and the budget it decided on —
    taken from the locked change request once the decision is allowed."""

    def data(change: ChangeRequest) -> dict[str, Any]:
        after = change_budget_after(change)
        return {
            "change_request": change.reference,
            "approval_limit": approval_authority(by, change.project).recorded,
            "cost_impact": f"{change.cost_impact:.2f}",
            "budget_after": f"{after:.2f}" if after is not None else None,
        }

    return data


def _decide(
    name: str, change: ChangeRequest, by: AbstractBaseUser, comment: str, seen: str = ""
) -> AuditEntry:
    """A decision on the change request as the decider saw it (`seen`: its state then), so a
    second click from another tab — after the first endorsed it — is "changed since" (409),
    never a second decision."""
    return transition_run(
        instance=change,
        name=name,
        by=by,
        comment=comment,
        data=_decision_data(by),
        side_effect=tasks.announce,
        seen=seen,
        fingerprint=lambda locked: locked.state,
    )


def change_request_approve(
    *, change: ChangeRequest, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """**Approve**. Above the sponsor's own approval limit it is recorded as an endorsement and
    escalated to a sponsor whose limit covers the project's new budget (or the PMO). Approved,
    in the same transaction: the plan takes the change, the next baseline is frozen, the open
    exceptions are decided, and the forecasts are compared with the new baseline."""
    change = ChangeRequest.objects.select_related("project").get(pk=change.pk)
    endorses = change.state == ChangeRequestState.SUBMITTED and allows(
        by, "may_endorse_change_request", change
    )
    with transaction.atomic():
        entry = _decide("endorse" if endorses else "approve", change, by, comment, seen)
        if not endorses:
            _apply(change, by)
    return entry


def _apply(change: ChangeRequest, by: AbstractBaseUser) -> PlanBaseline:
    change = ChangeRequest.objects.select_related("project").get(pk=change.pk)
    project = change.project  # locked by the decision
    plan = Plan.objects.select_related("project").get(project=project)
    if change.budget_line_id and change.cost_impact:
        line = BudgetLine.objects.select_for_update().get(pk=change.budget_line_id)
        line.amount += change.cost_impact
        if line.amount < 0:
            raise ValidationError("The saving is now larger than the budget line: nothing changed.")
        line.save(update_fields=["amount"])
    if change.milestone_id and change.time_impact_days:
        moved = PlanMilestone.objects.select_for_update().get(pk=change.milestone_id)
        shift = timedelta(days=change.time_impact_days)
        if moved.due_date is not None:
            for milestone in plan.milestones.filter(due_date__gte=moved.due_date):
                milestone.due_date += shift
                milestone.save(update_fields=["due_date"])
    scope = f"{change.reference}: {change.scope_impact}" if change.scope_impact.strip() else ""
    baseline = baseline_freeze(plan=plan, by=by, change_request=change, scope_change=scope)
    exceptions_decide(project=project, by=by, state=ExceptionState.CHANGED, change_request=change)
    exceptions_refresh(project=project, by=by)
    return baseline


def change_request_reject(
    *, change: ChangeRequest, by: AbstractBaseUser, comment: str, seen: str = ""
) -> AuditEntry:
    return _decide("reject", change, by, comment, seen)


def change_request_withdraw(
    *, change: ChangeRequest, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    return transition_run(
        instance=change, name="withdraw", by=by, comment=comment, side_effect=tasks.announce
    )


def change_requests_withdraw_undecided(*, project: Project, by: AbstractBaseUser) -> int:
    """A cancelled project's undecided change requests are withdrawn with it (nobody could
    decide them any more), each audited with the reason; returns how many."""
    undecided = list(
        project.change_requests.select_for_update().filter(
            state__in=(ChangeRequestState.SUBMITTED, ChangeRequestState.ESCALATED)
        )
    )
    for change in undecided:
        ChangeRequest.objects.filter(pk=change.pk).update(  # the project's cancellation decides
            state=ChangeRequestState.WITHDRAWN,
            decided_at=timezone.now(),
            decision_comment="Withdrawn with the project's cancellation.",
        )
        audit(
            subject=project,
            record=ChangeRequest.audit_record,
            action="withdraw",
            event=events.CHANGE_REQUEST_WITHDRAWN,
            label="Withdraw",
            from_state=change.get_state_display(),
            to_state=ChangeRequestState.WITHDRAWN.label,
            comment=f"{change.reference} withdrawn: the project was cancelled.",
            data={"change_request": change.reference},
            by=by,
        )
    return len(undecided)


CHANGE_REQUEST_ACTIONS = {
    "approve": change_request_approve,
    "reject": change_request_reject,
    "withdraw": change_request_withdraw,
}
