"""Reads: every query a page makes starts from what the user may see."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import Count, Model, Prefetch, QuerySet, Sum, Window
from django.shortcuts import get_object_or_404
from django.urls import reverse

from lifecycle.models import AuditEntry
from lifecycle.rules import rule
from lifecycle.selectors import next_gate
from lifecycle.stages import ACTIVE, Stage
from projects.filters import PortfolioFilter, with_money
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
    Risk,
    with_gates,
)


def projects_visible_to(user: AbstractBaseUser) -> ProjectQuerySet:
    return Project.objects.visible_to(user)


def project_get(*, user: AbstractBaseUser, pk: int) -> Project:
    """The project if `user` may see it; 404 otherwise, whether it exists or not."""
    # One project: its current gate reads only what it needs, lazily; lists prefetch instead
    # (`with_gates`), since there every gate of every row is evaluated.
    projects = projects_visible_to(user).select_related(
        "proposal", "charter", "plan", "closure", "manager", "sponsor__user"
    )
    return get_object_or_404(projects.prefetch_related("fundings", "proposal__risks"), pk=pk)


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


@dataclass(frozen=True)
class Shortlist:
    """The first rows of a longer list, and how long the list is."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def shortlist(queryset: QuerySet, limit: int) -> Shortlist:
    """The first `limit` rows: their ids first, on the narrow query the indexes serve, then the
    rows with all their joins — so a sponsor of thousands of projects costs what one of ten does."""
    counted = queryset.annotate(total=Window(Count("pk"))).values_list("pk", "total")[:limit]
    ids = dict(counted)
    rows = list(queryset.filter(pk__in=ids))
    return Shortlist(rows, next(iter(ids.values()), 0))


def first_rows(queryset: QuerySet, limit: int) -> Shortlist:
    """The first `limit` rows, and how many there are, in one query (a window count)."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:limit])
    return Shortlist(rows, rows[0].total if rows else 0)


def waiting_for(
    user: AbstractBaseUser, model: type[Model], state: str, rule_name: str, since: str
) -> QuerySet:
    """Records of `model` in `state` that `user` may act on now, by the rule that decides it
    (as a queryset filter: projects/rules.py), oldest first."""
    return (
        model.objects.filter(state=state)
        .filter(rule(rule_name).q(user, "project__"))
        .select_related("project__manager")
        .order_by(since, "pk")
    )


def awaiting_decision(user: AbstractBaseUser, limit: int = 50) -> Shortlist:
    """Business cases, charters, plans and deliverables waiting for this sponsor, oldest first."""
    proposals = waiting_for(
        user, Proposal, ProposalState.SUBMITTED, "may_decide_business_case", "submitted_at"
    )
    escalated = waiting_for(
        user,
        Proposal,
        ProposalState.ESCALATED,
        "may_decide_escalated_business_case",
        "endorsed_at",
    )
    charters = waiting_for(
        user, Charter, CharterState.SUBMITTED, "may_sign_charter", "submitted_at"
    )
    plans = waiting_for(user, Plan, PlanState.SUBMITTED, "may_approve_plan", "submitted_at")
    deliverables = waiting_for(
        user,
        ProjectDeliverable,
        DeliverableState.DELIVERED,
        "may_accept_deliverable",
        "delivered_at",
    )
    lists = [first_rows(q, limit) for q in (proposals, escalated, charters, plans, deliverables)]
    proposals, escalated, charters, plans, deliverables = (short.rows for short in lists)
    items = [
        Awaiting(
            "Business case (escalated)" if p.state == ProposalState.ESCALATED else "Business case",
            p.project,
            p.endorsed_at or p.submitted_at,
            p.estimated_cost,
        )
        for p in [*proposals, *escalated]
    ]
    items += [Awaiting("Charter", c.project, c.submitted_at) for c in charters]
    items += [Awaiting("Plan", p.project, p.submitted_at) for p in plans]
    items += [Awaiting(f"Deliverable: {d.name}", d.project, d.delivered_at) for d in deliverables]
    items.sort(key=lambda item: item.since or datetime.max.replace(tzinfo=UTC))
    return Shortlist(items[:limit], sum(short.total for short in lists))


def last_decision(proposal: Proposal) -> AuditEntry | None:
    """The latest decision on this business case, with the snapshot of what was decided on."""
    return (
        AuditEntry.objects.for_subject(proposal.project)
        .filter(record="Business case", action__in=DECISIONS)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


DECISIONS = ("approve", "endorse", "reject", "request_changes")


def projects_managed_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """The manager's open projects: active or on hold (closed and cancelled ones are done)."""
    return (
        Project.objects.filter(manager=user, stage__in=[*ACTIVE, Stage.ON_HOLD])
        .for_gates()
        .order_by("-created_at")
    )


def projects_sponsored_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """Active projects this sponsor is accountable for."""
    return (
        Project.objects.filter(sponsor_id=user.pk, stage__in=ACTIVE)
        .for_gates()
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


def portfolio_filter(user: AbstractBaseUser, params: Any) -> PortfolioFilter:
    projects = with_money(projects_visible_to(user)).select_related(
        "proposal", "sponsor__user", "manager"
    )
    return PortfolioFilter(params, queryset=projects)


def portfolio_totals(projects: QuerySet[Project]) -> dict[str, Any]:
    """Count, estimated cost and funding of the filtered set, in one query. Sums run on the
    stored columns (SQLite mis-converts sums of annotated decimals)."""
    return projects.order_by().aggregate(
        count=Count("pk"), estimated=Sum("proposal__estimated_cost"), funded=Sum("funded")
    )


def portfolio_page(projects: QuerySet[Project], number: Any, size: int, count: int) -> Any:
    """One page of the filtered portfolio: the page's ids first (sorting on the narrow query),
    then those rows with their joins. `count` comes from `portfolio_totals`, which has
    counted the same set: the paginator does not count it again."""
    paginator = Paginator(projects.values_list("pk", flat=True), size)
    paginator.count = count  # Paginator.count is a cached property: this is its cached value
    page = paginator.get_page(number)
    rows = {project.pk: project for project in projects.filter(pk__in=list(page.object_list))}
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


BOARD_CARDS = 25


def portfolio_board(projects: QuerySet[Project]) -> list[dict[str, Any]]:
    """The portfolio as columns by stage, each with its count and its first cards."""
    counts = dict(projects.order_by().values_list("stage").annotate(n=Count("pk")))
    return [
        {
            "stage": stage,
            "count": counts.get(stage, 0),
            "cards": list(projects.filter(stage=stage)[:BOARD_CARDS]) if counts.get(stage) else [],
        }
        for stage in Stage
    ]


def risk_counts(projects: QuerySet[Project]) -> dict[tuple[int, int], int]:
    """Business-case risks of these projects, counted by (likelihood, impact)."""
    rows = (
        Risk.objects.filter(proposal__project__in=projects.order_by().values("pk"))
        .values_list("likelihood", "impact")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(likelihood, impact): n for likelihood, impact, n in rows}


def gates_blocked_longest(user: AbstractBaseUser, limit: int = 10) -> list[tuple[Project, Any]]:
    """Active projects whose next gate is still closed, longest in their stage first."""
    longest = (
        projects_visible_to(user)
        .filter(stage__in=ACTIVE)
        .order_by("stage_entered_at", "pk")
        .values_list("pk", flat=True)[: limit * 3]
    )
    projects = sorted(
        Project.objects.filter(pk__in=list(longest)).for_gates(),
        key=lambda project: (project.stage_entered_at, project.pk),
    )
    blocked = [
        (project, gate)
        for project in with_gates(projects)
        if (gate := next_gate(project)) and not gate.ready
    ]
    return blocked[:limit]
