"""The RAID register as people read it: a project's items by kind, who may own one, and the
five highest-scoring open risks a status report keeps (the PMO's heat map of open risks is
projects/selectors/portfolio.py's `risk_counts`)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from projects.formats import person
from projects.models import Project, RaidItem, RaidKind, RaidStatus

# The filter on the Register tab: "open" (the default), "closed" or "all".
SHOWN = {"open": Q(status=RaidStatus.OPEN), "closed": Q(status=RaidStatus.CLOSED), "all": Q()}
TOP_RISKS = 5


@dataclass(frozen=True)
class Section:
    kind: str
    label: str
    items: list[RaidItem]


def possible_owners(project: Project) -> QuerySet:
    """Who may own an item: someone who sees the project as one of its people — its manager,
    its sponsor or a member (the PMO sees every project, but owns no project's risks)."""
    people = Q(pk__in=[project.manager_id, project.sponsor_id]) | Q(
        pk__in=project.memberships.values("user_id")
    )
    return (
        get_user_model()
        ._default_manager.filter(people, is_active=True)
        .order_by("first_name", "last_name", "pk")
    )


def register(project: Project, shown: str = "open") -> list[Section]:
    """The project's items, by kind in the order of the name (Risks, Issues, Assumptions,
    Decisions), each kind's highest score first, then the next review: one query."""
    items = list(
        project.raid_items.filter(SHOWN.get(shown, SHOWN["open"]))
        .select_related("owner")
        .order_by(
            (F("likelihood") * F("impact")).desc(nulls_last=True),
            F("review_date").asc(nulls_last=True),
            "pk",
        )
    )
    for item in items:
        item.project = project
    labels = {RaidKind.RISK: "Risks", RaidKind.ISSUE: "Issues"}
    labels |= {RaidKind.ASSUMPTION: "Assumptions", RaidKind.DECISION: "Decisions"}
    return [
        Section(kind, label, [item for item in items if item.kind == kind])
        for kind, label in labels.items()
    ]


def is_overdue(item: RaidItem, today: date | None = None) -> bool:
    """An open item whose review date has passed (the day after it, it waits for its owner)."""
    today = today or timezone.localdate()
    return item.is_open and item.review_date is not None and item.review_date < today


def top_risks(project: Project) -> list[dict[str, Any]]:
    """The five highest-scoring open risks, as a status report keeps them (plain JSON: what
    the report said then, whatever the register says later)."""
    risks = (
        project.raid_items.filter(kind=RaidKind.RISK, status=RaidStatus.OPEN)
        .select_related("owner")
        .order_by((F("likelihood") * F("impact")).desc(), F("review_date").asc(nulls_last=True))[
            :TOP_RISKS
        ]
    )
    return [
        {
            "title": risk.title,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "score": risk.score,
            "owner": person(risk.owner) if risk.owner else "",
            "review_date": risk.review_date.isoformat() if risk.review_date else None,
        }
        for risk in risks
    ]
