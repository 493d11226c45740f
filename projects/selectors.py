"""Reads: every query a page makes starts from what the user may see."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse

from lifecycle.models import AuditEntry
from lifecycle.stages import ACTIVE, Stage
from projects.models import (
    Charter,
    CharterRevision,
    CharterState,
    DeliverableState,
    Goal,
    Measurement,
    PdfJob,
    Plan,
    PlanState,
    Project,
    ProjectDeliverable,
    ProjectQuerySet,
    Proposal,
    ProposalState,
)


def projects_visible_to(user: AbstractBaseUser) -> ProjectQuerySet:
    return Project.objects.visible_to(user)


def project_get(*, user: AbstractBaseUser, pk: int) -> Project:
    """The project if `user` may see it; 404 otherwise, whether it exists or not."""
    return get_object_or_404(
        projects_visible_to(user).with_gate_data().prefetch_related("proposal__risks"), pk=pk
    )


@dataclass(frozen=True)
class Awaiting:
    """Something waiting for this sponsor's decision."""

    record: str
    project: Project
    since: datetime | None
    amount: Decimal | None = None

    @property
    def url(self) -> str:
        tab = {"Charter": "charter", "Plan": "plan"}.get(self.record, "detail")
        if self.record.startswith("Deliverable"):
            tab = "status"
        return reverse(f"projects:{tab}", args=[self.project.pk])


def awaiting_decision(user: AbstractBaseUser, limit: int = 50) -> list[Awaiting]:
    """Business cases, charters, plans and deliverables waiting for this sponsor, oldest first."""
    proposals = (
        Proposal.objects.filter(state=ProposalState.SUBMITTED, project__sponsor_id=user.pk)
        .select_related("project__manager")
        .order_by("submitted_at", "pk")[:limit]
    )
    charters = (
        Charter.objects.filter(state=CharterState.SUBMITTED, project__sponsor_id=user.pk)
        .select_related("project__manager")
        .order_by("submitted_at", "pk")[:limit]
    )
    plans = (
        Plan.objects.filter(state=PlanState.SUBMITTED, project__sponsor_id=user.pk)
        .select_related("project__manager")
        .order_by("submitted_at", "pk")[:limit]
    )
    deliverables = (
        ProjectDeliverable.objects.filter(
            state=DeliverableState.DELIVERED, project__sponsor_id=user.pk
        )
        .select_related("project__manager")
        .order_by("delivered_at", "pk")[:limit]
    )
    items = [
        Awaiting("Business case", p.project, p.submitted_at, p.estimated_cost) for p in proposals
    ]
    items += [Awaiting("Charter", c.project, c.submitted_at) for c in charters]
    items += [Awaiting("Plan", p.project, p.submitted_at) for p in plans]
    items += [Awaiting(f"Deliverable: {d.name}", d.project, d.delivered_at) for d in deliverables]
    return sorted(items, key=lambda item: item.since or datetime.max.replace(tzinfo=UTC))[:limit]


def projects_managed_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """The manager's open projects: active or on hold (closed and cancelled ones are done)."""
    return (
        Project.objects.filter(manager=user, stage__in=[*ACTIVE, Stage.ON_HOLD])
        .with_gate_data()
        .order_by("-created_at")
    )


def projects_sponsored_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """Active projects this sponsor is accountable for."""
    return (
        Project.objects.filter(sponsor_id=user.pk, stage__in=ACTIVE)
        .with_gate_data()
        .order_by("-created_at")
    )


def charter_revisions(charter: Charter) -> QuerySet[CharterRevision]:
    """Signed revisions, newest (the baseline) first."""
    return charter.revisions.select_related("signed_by")


def project_goals(project: Project) -> QuerySet[Goal]:
    """The project's goals with their measurements, in two queries whatever their number."""
    return project.goals.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("date", "recorded_at", "pk"))
    )


def pdf_job_get(*, user: AbstractBaseUser, project_pk: int, job_pk: int) -> PdfJob:
    """A PDF job of a project `user` may see; 404 otherwise."""
    project = get_object_or_404(projects_visible_to(user), pk=project_pk)
    return get_object_or_404(PdfJob.objects.select_related("project"), pk=job_pk, project=project)


def project_history(project: Project) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.for_subject(project).select_related("actor")


def portfolio_by_stage(user: AbstractBaseUser) -> list[dict]:
    """Projects and estimated cost per stage, in life-cycle order."""
    rows = {
        row["stage"]: row
        for row in projects_visible_to(user)
        .order_by()
        .values("stage")
        .annotate(projects=Count("pk"), estimated=Sum("proposal__estimated_cost"))
    }
    return [
        {
            "stage": stage,
            "projects": rows.get(stage, {}).get("projects", 0),
            "estimated": rows.get(stage, {}).get("estimated"),
        }
        for stage in Stage
    ]
