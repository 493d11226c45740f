"""Seed the benchmark database: the demo accounts, then 10,000 projects (SPEC §8).

Every project has its business case with 10 risks; all but the 1,000 waiting for the demo
sponsor's decision have funding, a signed charter of 15 stakeholders, 12 milestones, 10 risks
(plus deliverables, tasks and the short lists), a scope, and 5 goals of 20 measurements each.
Parents go in with bulk_create (to learn their ids), children with PostgreSQL's COPY.
"""

import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from projects.models import (
    Category,
    Charter,
    CharterState,
    Goal,
    Project,
    Proposal,
    ProposalState,
    Sponsor,
)
from projects.services.projects import gate_statuses_refresh

PROJECTS = 10_000
SPONSORS, MANAGERS = 20, 200
BATCH = 2_000
CATEGORIES = [c.value for c in Category if c.value != "other"]


def copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream,
    ):
        for row in rows:
            stream.write_row(row)
            count += 1
    return count


def people() -> tuple[Any, Any, list[Sponsor], list[Any]]:
    call_command("seed_demo", force=True, verbosity=0)
    users = get_user_model()
    password = make_password("demo-pass-2026")
    users.objects.bulk_create(
        [
            users(
                username=f"bench-sponsor-{n:02d}",
                password=password,
                first_name="Bench",
                last_name=f"Sponsor {n}",
            )
            for n in range(SPONSORS)
        ]
        + [
            users(
                username=f"bench-manager-{n:03d}",
                password=password,
                first_name="Bench",
                last_name=f"Manager {n}",
            )
            for n in range(MANAGERS)
        ],
        ignore_conflicts=True,
    )
    Sponsor.objects.bulk_create(
        [
            Sponsor(
                user=user,
                title="Director",
                business_unit="Bench",
                approval_limit=Decimal(1_000_000),
            )
            for user in users.objects.filter(username__startswith="bench-sponsor-")
        ],
        ignore_conflicts=True,
    )
    dana = users.objects.get(username="sponsor")
    alex = users.objects.get(username="manager")
    sponsors = list(Sponsor.objects.filter(user__username__startswith="bench-sponsor-"))
    managers = list(users.objects.filter(username__startswith="bench-manager-"))
    return dana, alex, sponsors, managers


def costs(stage: str, n: int) -> dict[str, Decimal | None]:
    """A delivering project's stored cost totals: a baseline of 180,000, part of it spent,
    and an estimate at completion from 15% under to 15% over it."""
    if stage != "delivering":
        return {}
    baseline = Decimal(180_000)
    return {
        "baseline_budget": baseline,
        "actual_cost": Decimal(20_000 + (n % 37) * 3_000),
        "forecast_cost": baseline * (Decimal(85) + n % 31) / 100,
    }


def projects(dana: Any, alex: Any, sponsors: list[Sponsor], managers: list[Any]) -> list[Project]:
    """Stages spread like a real portfolio; the demo sponsor and manager get a busy share."""
    stages = [
        "identifying",
        "defining",
        "defining",
        "defining",
        "defining",
        "defining",
        "defining",
        "planning",
        "delivering",
        "defining",
    ]
    made = []
    for start in range(0, PROJECTS, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, PROJECTS)):
            stage = stages[n % 10]
            sponsor = (
                dana.sponsor_profile
                if stage == "identifying" or n % 20 == 1
                else sponsors[n % SPONSORS]
            )
            manager = alex if n % 200 == 1 else managers[n % MANAGERS]
            batch.append(
                Project(
                    title=f"Bench project {n:05d}",
                    category=CATEGORIES[n % len(CATEGORIES)],
                    manager=manager,
                    sponsor=sponsor,
                    stage=stage,
                    stage_entered_at=timezone.now() - timedelta(days=n % 90),
                    funded=0 if stage == "identifying" else 200_000,
                    **costs(stage, n),
                )
            )
        made += Project.objects.bulk_create(batch)
    return made


def business_cases(projects: list[Project]) -> None:
    today = timezone.localdate()
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                project=p,
                goal=f"Deliver {p.title}",
                need="The current system is end of life.",
                estimated_cost=Decimal(40_000 + (p.pk % 50) * 4_000),
                start_date=today,
                end_date=today + timedelta(days=180),
                benefits="Lower running costs.",
                state=ProposalState.SUBMITTED
                if p.stage == "identifying"
                else ProposalState.APPROVED,
                revision=1,
                submitted_at=timezone.now(),
            )
            for p in projects
        ],
        batch_size=BATCH,
    )
    copy(
        "projects_risk",
        ("proposal_id", "description", "likelihood", "impact", "mitigation"),
        (
            (pr.pk, f"Risk {r}", 1 + r % 5, 1 + (r * 3) % 5, "Mitigate")
            for pr in proposals
            for r in range(10)
        ),
    )
    copy(
        "projects_funding",
        (
            "project_id",
            "amount",
            "source",
            "approved_on",
            "approved_by_id",
            "recorded_by_id",
            "recorded_at",
            "state",
            "decided_at",
            "reason",
        ),
        (
            (
                p.pk,
                200_000,
                "CC-BENCH",
                today,
                p.sponsor_id,
                p.sponsor_id,
                timezone.now(),
                "approved",
                timezone.now(),
                "",
            )
            for p in projects
            if p.stage != "identifying"
        ),
    )


def charters(projects: list[Project]) -> None:
    funded = [p for p in projects if p.stage != "identifying"]
    made = Charter.objects.bulk_create(
        [
            Charter(
                project=p,
                purpose="Purpose",
                justification="Justification",
                objectives="Objectives",
                state=CharterState.DRAFT,  # a working copy: its PDF renders from the rows
                revision=1,
            )
            for p in funded
        ],
        batch_size=BATCH,
    )
    today = timezone.localdate()
    ids = [c.pk for c in made]
    copy(
        "projects_stakeholder",
        ("charter_id", "name", "role", "organisation", "email", "influence", "interest"),
        (
            (c, f"Stakeholder {n}", "Key user", "Operations", f"s{n}@example.com", "high", "medium")
            for c in ids
            for n in range(15)
        ),
    )
    copy(
        "projects_milestone",
        ("charter_id", "name", "due_date"),
        ((c, f"Milestone {n}", today + timedelta(days=14 * n)) for c in ids for n in range(12)),
    )
    copy(
        "projects_charterrisk",
        ("charter_id", "description", "likelihood", "impact", "mitigation"),
        ((c, f"Risk {n}", 1 + n % 5, 1 + (n * 2) % 5, "Watch") for c in ids for n in range(10)),
    )
    copy(
        "projects_deliverable",
        ("charter_id", "name", "description"),
        ((c, f"Deliverable {n}", "Working result") for c in ids for n in range(5)),
    )
    copy(
        "projects_charteritem",
        ("charter_id", "kind", "text"),
        (
            (c, kind, f"A {kind}")
            for c in ids
            for kind in ("assumption", "constraint", "strength", "weakness")
        ),
    )
    copy(
        "projects_task",
        ("charter_id", "name", "owner", "start_date", "end_date"),
        (
            (c, f"Task {n}", "Owner", today, today + timedelta(days=30))
            for c in ids
            for n in range(5)
        ),
    )


def definitions(projects: list[Project]) -> None:
    defined = [p for p in projects if p.stage != "identifying"]
    today = timezone.localdate()
    goals = Goal.objects.bulk_create(
        [
            Goal(
                project=p,
                statement=f"Goal {n} of {p.title}",
                metric="Visitors per day",
                unit="visitors",
                direction="increase",
                baseline=Decimal(100),
                target=Decimal(1000),
                start_date=today - timedelta(days=60),
                due_date=today + timedelta(days=30),
                owner="Owner",
                # The last of the 20 readings below is 3 days old; one is due weekly.
                reading_due_on=today + timedelta(days=4),
            )
            for p in defined
            for n in range(5)
        ],
        batch_size=BATCH,
    )
    user_id = defined[0].manager_id
    copy(
        "projects_measurement",
        ("goal_id", "date", "value", "note", "recorded_by_id", "recorded_at"),
        (
            (g.pk, today - timedelta(days=60 - 3 * n), 100 + 30 * n, "", user_id, timezone.now())
            for g in goals
            for n in range(20)
        ),
    )
    copy(
        "projects_scopeitem",
        ("project_id", "kind", "text"),
        ((p.pk, kind, f"{kind} scope item") for p in defined for kind in ("in", "out")),
    )
    copy(
        "projects_requirement",
        ("project_id", "text", "priority", "acceptance_criterion"),
        ((p.pk, f"Requirement {n}", "must", "Shown") for p in defined for n in range(2)),
    )


def seed() -> dict[str, float]:
    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        dana, alex, sponsors, managers = people()
        timings["people"] = time.perf_counter() - started
        made = projects(dana, alex, sponsors, managers)
        business_cases(made)
        timings["business cases"] = time.perf_counter() - started
        charters(made)
        timings["charters"] = time.perf_counter() - started
        definitions(made)
        timings["goals"] = time.perf_counter() - started
        gate_statuses_refresh()  # what the services keep for each write, for the bulk load
        timings["gate statuses"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum keeps a database in use: the bulk load rewrites each project row
        # (business cases' estimates copied by trigger, gate statuses), and a table with
        # as many dead rows as live ones is half again as slow to scan.
        cursor.execute("VACUUM ANALYZE")
    timings["total"] = time.perf_counter() - started
    return timings
