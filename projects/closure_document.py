"""The closure report as a document: what its page shows and its PDF prints, as plain JSON
(`ClosureDocument`), through one template fragment (templates/projects/documents/_closure.html).
"""

from decimal import Decimal
from typing import Any, TypedDict

from projects.formats import person
from projects.models import Project


def _value(value: Decimal | None) -> str | None:
    return f"{value.normalize():f}" if value is not None else None


class ClosureHeading(TypedDict):
    reference: str
    title: str
    category: str
    manager: str
    sponsor: str


class FinalValue(TypedDict):
    statement: str
    unit: str
    baseline: str | None
    target: str | None
    final_value: str | None
    achieved: bool | None
    note: str


class DeliverableOutcome(TypedDict):
    name: str
    state: str
    accepted_by: str | None
    accepted_on: str | None


class ClosureBudget(TypedDict):
    estimated_cost: str | None
    funded: str


class BaselineFigures(TypedDict):
    number: int
    budget: str
    last_milestone: str | None


class FinalFigures(TypedDict):
    """The figures the project closes with, beside its first and its last plan baseline."""

    first: BaselineFigures | None
    last: BaselineFigures | None
    budget: str | None  # the current baseline's
    actual: str
    at_completion: str | None
    last_milestone: str | None  # the latest forecast, else due date, of any milestone


class LastStatus(TypedDict):
    date: str
    schedule: str
    budget: str
    scope: str
    summary: str


class ClosureDocument(TypedDict):
    project: ClosureHeading
    lessons_learned: str
    handover: str
    goals: list[FinalValue]
    deliverables: list[DeliverableOutcome]
    budget: ClosureBudget
    figures: FinalFigures
    last_status: LastStatus | None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _baseline(baseline: Any) -> BaselineFigures | None:
    if baseline is None:
        return None
    return {
        "number": baseline.number,
        "budget": baseline.snapshot["budget_total"],
        "last_milestone": baseline.snapshot["last_milestone"],
    }


def figures(project: Project) -> FinalFigures:
    baselines = list(project.baselines.all())  # newest first
    plan = getattr(project, "plan", None)
    dates = [m.forecast_date or m.due_date for m in plan.milestones.all()] if plan else []
    dates = [d for d in dates if d]
    return {
        "first": _baseline(baselines[-1] if baselines else None),
        "last": _baseline(baselines[0] if baselines else None),
        "budget": _money(project.baseline_budget),
        "actual": f"{project.actual_cost:.2f}",
        "at_completion": _money(project.forecast_cost),
        "last_milestone": max(dates).isoformat() if dates else None,
    }


def snapshot(project_id: int) -> ClosureDocument:
    project = (
        Project.objects.select_related("closure", "manager", "sponsor__user", "proposal")
        .prefetch_related(
            "closure__goals__goal", "deliverables__accepted_by", "fundings", "status_reports"
        )
        .get(pk=project_id)
    )
    report = project.closure
    last_report = project.status_reports.all()[0] if project.status_reports.all() else None
    return {
        "project": {
            "reference": project.reference,
            "title": project.title,
            "category": project.get_category_display(),
            "manager": person(project.manager),
            "sponsor": person(project.sponsor.user),
        },
        "lessons_learned": report.lessons_learned,
        "handover": report.handover,
        "goals": [
            {
                "statement": row.goal.statement,
                "unit": row.goal.unit,
                "baseline": _value(row.goal.baseline),
                "target": _value(row.goal.target),
                "final_value": _value(row.final_value),
                "achieved": row.achieved,
                "note": row.note,
            }
            for row in report.goals.all()
        ],
        "deliverables": [
            {
                "name": d.name,
                "state": d.get_state_display(),
                "accepted_by": person(d.accepted_by) if d.accepted_by else None,
                "accepted_on": d.accepted_at.date().isoformat() if d.accepted_at else None,
            }
            for d in project.deliverables.all()
        ],
        "budget": {
            "estimated_cost": f"{project.proposal.estimated_cost:.2f}"
            if project.proposal.estimated_cost is not None
            else None,
            "funded": f"{project.funded:.2f}",  # approved funding, kept by the services
        },
        "figures": figures(project),
        "last_status": {
            "date": last_report.date.isoformat(),
            "schedule": last_report.get_schedule_display(),
            "budget": last_report.get_budget_display(),
            "scope": last_report.get_scope_display(),
            "summary": last_report.summary,
        }
        if last_report
        else None,
    }
