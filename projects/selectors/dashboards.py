"""What waits for a person, oldest first; the first rows of a long list with its length."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Model, QuerySet, Window
from django.urls import reverse

from lifecycle.rules import allows, rule
from projects.models import (
    Charter,
    CharterState,
    DeliverableState,
    Funding,
    FundingState,
    Plan,
    PlanState,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
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
    fundings = fundings_awaiting(user, limit)
    items += [Awaiting("Funding", f.project, f.recorded_at, f.amount) for f in fundings.rows]
    items.sort(key=lambda item: item.since or datetime.max.replace(tzinfo=UTC))
    return Shortlist(items[:limit], sum(short.total for short in lists) + fundings.total)


def fundings_awaiting(user: AbstractBaseUser, limit: int) -> Shortlist:
    """Funding above its recorder's limit or the approved cost, in projects this person sees,
    that their own authority covers (`may_approve_funding` has no queryset form: it weighs the
    project's new total, so the few proposed ones are asked one by one)."""
    proposed = (
        Funding.objects.filter(
            state=FundingState.PROPOSED, project__in=Project.objects.visible_to(user)
        )
        .select_related("project__manager")
        .order_by("recorded_at", "pk")
    )
    rows = [funding for funding in proposed if allows(user, "may_approve_funding", funding)]
    return Shortlist(rows[:limit], len(rows))
