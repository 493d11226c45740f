"""Shared people and projects. Named like the SPEC's demo accounts so tests read like it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from projects import page_cache, permissions
from projects.models import Membership, Project, Proposal, ProposalState
from tests.factories import FundingFactory, ProjectFactory, SponsorFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness costs ~0.3 s per test user; tests are not attackers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_permission_cache(monkeypatch) -> None:
    # Each test's users start with nothing cached: ids repeat across runs (new test database),
    # and a rolled-back test never commits the change that would start a new generation.
    # This empties the whole Redis database: CACHE_URL has one of its own (see Makefile). Not
    # through the cache itself, whose 0.5 s timeout is for requests: a busy machine may take longer.
    redis.Redis.from_url(settings.CACHE_URL, socket_timeout=30).flushdb()
    monkeypatch.setattr(permissions.PAUSE, "until", 0.0)
    monkeypatch.setattr(page_cache.PAUSE, "until", 0.0)
    monkeypatch.setattr(page_cache, "_writes_unannounced", False)


@pytest.fixture(scope="session", autouse=True)
def _runs_on_postgresql(django_db_setup: None) -> None:
    if connection.vendor != "postgresql":
        pytest.exit(
            "The suite runs on PostgreSQL and Redis: use `make test` (it starts them).",
            returncode=2,
        )
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "Run the suite with `make test`."
    assert settings.CACHE_URL.startswith("redis://"), "Run the suite with `make test`."
    assert settings.CACHE_URL != settings.CELERY_BROKER_URL, "The cache needs its own database."


@pytest.fixture
def pmo(db):
    return UserFactory(username="pmo", first_name="Morgan", last_name="Ellis", groups=["PMO"])


@pytest.fixture
def sponsor(db):
    user = UserFactory(username="sponsor", first_name="Dana", last_name="Whitfield")
    return SponsorFactory(user=user, title="CIO", approval_limit=250000).user


@pytest.fixture
def sponsor2(db):
    user = UserFactory(username="sponsor2", first_name="Lee", last_name="Park")
    return SponsorFactory(user=user, title="Head of Infrastructure", approval_limit=50000).user


@pytest.fixture
def manager(db):
    return UserFactory(
        username="manager", first_name="Alex", last_name="Moreno", groups=["Project managers"]
    )


@pytest.fixture
def manager2(db):
    return UserFactory(
        username="manager2", first_name="Priya", last_name="Nair", groups=["Project managers"]
    )


@pytest.fixture
def viewer(db):
    """A stakeholder who is not on the project: an outsider to it."""
    return UserFactory(username="viewer", first_name="Chris", last_name="Olsen", groups=["Viewers"])


@pytest.fixture
def member(db):
    return UserFactory(username="member", first_name="Sam", last_name="Reed", groups=["Viewers"])


@pytest.fixture
def project(manager, sponsor, member) -> Project:
    """A project in Identifying with a complete draft business case, written by `manager`
    for `sponsor`, followed by `member`."""
    project = ProjectFactory(
        title="Customer portal redesign", manager=manager, sponsor=sponsor.sponsor_profile
    )
    Membership.objects.create(project=project, user=member)
    return project


@pytest.fixture
def submitted(project) -> Project:
    return _with_proposal_state(project, ProposalState.SUBMITTED)


@pytest.fixture
def approved(project) -> Project:
    return _with_proposal_state(project, ProposalState.APPROVED)


@pytest.fixture
def funded(approved) -> Project:
    FundingFactory(project=approved)
    return approved


def _with_proposal_state(project: Project, state: str) -> Project:
    # Fixture set-up only: the services under test move states themselves.
    Proposal.objects.filter(pk=project.proposal.pk).update(
        state=state, revision=1, submitted_at=timezone.now()
    )
    return Project.objects.get(pk=project.pk)


# A request for the page built afresh, not the one kept since the last change
# (projects/page_cache.py): for tests that count what building a page costs.
BUILT = {"HTTP_CACHE_CONTROL": "no-cache"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real worker process for this module's tests (use with transaction=True tests)."""
    from tests.worker import running_worker

    with running_worker(tmp_path_factory.mktemp("worker")) as worker:
        yield worker


@pytest.fixture
def initiating(funded, manager) -> Project:
    """A funded project advanced to Initiating: its charter starts from the business case."""
    from projects import services

    services.project_transition(project=funded, name="advance_to_initiating", by=manager)
    return Project.objects.select_related("charter", "proposal").get(pk=funded.pk)


def charter_lists(stakeholders=1, milestones=1, deliverables=1, tasks=1, risks=None):
    """Rows for `charter_update`, as a manager would fill them in."""
    lists = {
        "stakeholders": [
            {"name": f"Stakeholder {n}", "role": "Key user", "organisation": "Ops"}
            | {"email": f"s{n}@example.com", "influence": "high", "interest": "medium"}
            for n in range(stakeholders)
        ],
        "milestones": [
            {"name": f"Milestone {n}", "due_date": timezone.localdate() + timedelta(days=40 + n)}
            for n in range(milestones)
        ],
        "deliverables": [
            {"name": f"Deliverable {n}", "description": "Working software"}
            for n in range(deliverables)
        ],
        "assumption": [{"text": "Sites are open at weekends"}],
        "constraint": [{"text": "No downtime in December"}],
        "strength": [{"text": "Experienced team"}],
        "weakness": [{"text": "One supplier"}],
        "tasks": [
            {"name": f"Task {n}", "owner": "Alex Moreno"}
            | {"start_date": timezone.localdate(), "end_date": timezone.localdate()}
            for n in range(tasks)
        ],
    }
    if risks is not None:
        lists["risks"] = [
            {"description": f"Risk {n}", "likelihood": 3, "impact": 2, "mitigation": "Watch"}
            for n in range(risks)
        ]
    return lists


def charter_texts(**changes):
    return {
        "purpose": "Coverage for every scanner",
        "justification": "Scanners drop out",
        "objectives": "Full coverage by June",
        "budget_notes": "",
    } | changes


@pytest.fixture
def filled(initiating, manager) -> Project:
    """An Initiating project whose charter is complete and still a draft."""
    from projects import services

    services.charter_update(
        charter=initiating.charter,
        by=manager,
        version=initiating.charter.version,
        lists=charter_lists(),
        **charter_texts(),
    )
    return Project.objects.select_related("charter", "proposal").get(pk=initiating.pk)


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Generated files go to a scratch folder, shared with any worker process the tests start."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture
def defining(filled, manager, sponsor) -> Project:
    """A project whose charter is signed, advanced to Defining by its sponsor."""
    from projects import services

    services.charter_submit(charter=filled.charter, by=manager)
    services.charter_sign(charter=filled.charter, by=sponsor)
    services.project_transition(project=filled, name="advance_to_defining", by=sponsor)
    return Project.objects.get(pk=filled.pk)


def smart_goal(**changes):
    """The seed article's first goal, as a manager types it into the goal form."""
    today = timezone.localdate()
    return {
        "statement": "Attract 1,000 visitors per day over the next three months",
        "metric": "Visitors per day",
        "unit": "visitors",
        "direction": "increase",
        "baseline": Decimal("250"),
        "target": Decimal("1000"),
        "start_date": today - timedelta(days=30),
        "due_date": today + timedelta(days=60),
        "owner": "Alex Moreno",
    } | changes


@pytest.fixture
def planning(defining, manager) -> Project:
    """A project with a SMART goal and a scope, advanced to Planning by its manager."""
    from projects import services
    from projects.services import definition

    definition.goal_save(project=defining, by=manager, **smart_goal())
    definition.scope_update(project=defining, by=manager, lists=scope_lists())
    services.project_transition(project=defining, name="advance_to_planning", by=manager)
    return Project.objects.get(pk=defining.pk)


def scope_lists() -> dict[str, list[dict[str, str]]]:
    """An in-scope item and a requirement, as a manager fills in the Scope tab."""
    return {
        "in_scope": [{"text": "Checkout"}],
        "out_of_scope": [],
        "requirements": [{"text": "Fast", "priority": "must", "acceptance_criterion": "2 s"}],
    }


def plan_lists(*, budget=Decimal("100000"), owner="Alex Moreno", dated=True):
    today = timezone.localdate()
    return {
        "tasks": [
            {
                "name": "Build",
                "owner": owner,
                "start_date": today,
                "end_date": today + timedelta(days=30),
            },
        ],
        "milestones": [
            {"name": "Go live", "due_date": today + timedelta(days=40) if dated else None}
        ],
        "budget_lines": [{"category": "staff", "description": "Team", "amount": budget}],
    }


@pytest.fixture
def delivering(planning, manager, sponsor) -> Project:
    """A project whose plan the sponsor approved, advanced to Delivering."""
    from projects import services
    from projects.services import delivery

    plan = planning.plan
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=plan_lists())
    delivery.plan_submit(plan=plan, by=manager)
    delivery.plan_approve(plan=plan, by=sponsor)
    services.project_transition(project=planning, name="advance_to_delivering", by=sponsor)
    return Project.objects.get(pk=planning.pk)


def all_delivered(project: Project, manager, sponsor) -> None:
    """Every deliverable delivered and accepted, and a status report of today's."""
    from projects.services import delivery

    for deliverable in project.deliverables.all():
        delivery.deliverable_deliver(deliverable=deliverable, by=manager)
        delivery.deliverable_accept(deliverable=deliverable, by=sponsor)
    report_status(project, manager, budget="amber")


def report_status(project: Project, manager, **changes):
    """A status report as a manager writes it: today's, green, "On track"."""
    from projects.services import delivery

    report = {"date": timezone.localdate(), "schedule": "green", "budget": "green"}
    report |= {"scope": "green", "summary": "On track"} | changes
    return delivery.status_report_add(project=project, by=manager, **report)


@pytest.fixture
def closing(delivering, manager, sponsor) -> Project:
    """Every deliverable accepted, one status report: advanced to Closing."""
    from projects import services

    all_delivered(delivering, manager, sponsor)
    services.project_transition(project=delivering, name="advance_to_closing", by=sponsor)
    return Project.objects.get(pk=delivering.pk)
