"""The rulebook itself: one answer per rule, for one record and as a queryset filter alike;
every transition names its rule, label and event; the approval limit read in one function."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.rules import allows, require, rule, rule_of
from lifecycle.stages import Stage
from projects.events import EVENTS
from projects.models import (
    Charter,
    CharterState,
    Membership,
    Plan,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
)
from projects.rules import RULEBOOK, approval_authority
from tests.factories import ProjectFactory, SponsorFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people(manager, manager2, sponsor, sponsor2, pmo, member, viewer):
    """Everyone a rule can tell apart, with two deputies: Lee Park (50,000) decides for Dana
    Whitfield (250,000) this week, and Dana for the CEO (unlimited)."""
    from django.utils import timezone

    from projects.services.delegations import delegation_create

    unlimited = SponsorFactory(user=UserFactory(username="ceo"), approval_limit=None).user
    today = timezone.localdate()
    for delegating, deputy in ((sponsor, sponsor2), (unlimited, sponsor)):
        delegation_create(
            sponsor=delegating.sponsor_profile,
            deputy=deputy,
            starts_on=today,
            ends_on=today,
            by=delegating,
        )
    return [manager, manager2, sponsor, sponsor2, pmo, member, viewer, unlimited]


@pytest.fixture
def portfolio(manager, manager2, sponsor, sponsor2, member):
    """Projects of every kind a filter could get wrong: costs on both sides of each limit,
    escalated and not, in several stages, with and without members."""
    projects = []
    for n, (cost, state, stage) in enumerate(
        [
            (Decimal("40000"), ProposalState.SUBMITTED, Stage.IDENTIFYING),
            (Decimal("120000"), ProposalState.ESCALATED, Stage.IDENTIFYING),
            (Decimal("300000"), ProposalState.ESCALATED, Stage.IDENTIFYING),
            (Decimal("120000"), ProposalState.ESCALATED, Stage.ON_HOLD),
            (None, ProposalState.DRAFT, Stage.IDENTIFYING),
            (Decimal("50000"), ProposalState.APPROVED, Stage.DEFINING),
            (Decimal("250000"), ProposalState.SUBMITTED, Stage.CANCELLED),
        ]
    ):
        project = ProjectFactory(
            title=f"Case {n}",
            manager=manager if n % 2 else manager2,
            sponsor=(sponsor2 if n % 3 else sponsor).sponsor_profile,
        )
        Project.objects.filter(pk=project.pk).update(stage=stage)
        Proposal.objects.filter(project=project).update(state=state, estimated_cost=cost)
        if n % 4 == 0:
            Membership.objects.create(project=project, user=member)
        projects.append(project)
    return projects


# Asked of projects and business cases; the change requests' and exceptions' rules are asked
# of their own records (tests/projects/test_change_requests.py checks those filters).
FILTERABLE = [
    name
    for name in RULEBOOK
    if name.startswith(("may_view", "may_decide", "may_adv"))
    and not name.endswith(("change_request", "exception"))
]


@pytest.mark.parametrize("name", [*FILTERABLE, "may_sign_charter", "may_record_funding"])
def test_a_rule_and_its_queryset_filter_agree(name, people, portfolio):
    """The filter is built from the same facts as the answer, so lists never disagree with
    what a person may open or decide."""
    for user in people:
        for project in portfolio:
            project = Project.objects.select_related("proposal").get(pk=project.pk)
            obj = project.proposal if "business_case" in name else project
            found = Project.objects.filter(rule(name).q(user), pk=project.pk).exists()
            assert found == allows(user, name, obj), (name, user.username, project.title)


def test_approval_authority_answers_for_one_case_and_as_a_filter(people, portfolio):
    for user in people:
        authority = approval_authority(user)
        for project in portfolio:
            cost = Proposal.objects.get(project=project).estimated_cost
            in_filter = Proposal.objects.filter(
                authority.where("estimated_cost"), project=project
            ).exists()
            assert in_filter == authority.covers(cost), (user.username, cost)


def test_approval_limits(sponsor, sponsor2, pmo, manager):
    assert approval_authority(sponsor2).covers(Decimal("50000"))
    assert not approval_authority(sponsor2).covers(Decimal("50000.01"))
    assert not approval_authority(sponsor2).covers(None)
    assert approval_authority(pmo).covers(Decimal("10000000"))
    assert not approval_authority(manager).covers(Decimal("1"))
    assert [approval_authority(u).recorded for u in (sponsor, pmo, manager)] == [
        "250000.00",
        None,
        None,
    ]


def test_a_closed_project_refuses_everyone_with_its_reason_before_their_role(
    project, manager, viewer
):
    Project.objects.filter(pk=project.pk).update(stage=Stage.CLOSED)
    closed = Project.objects.get(pk=project.pk)

    for who in (manager, viewer):
        with pytest.raises(NotNow, match="is closed: its records are read-only"):
            require(who, "may_add_status_report", closed)


def test_the_role_is_told_before_the_records_own_state(initiating, manager, member):
    Charter.objects.filter(project=initiating).update(state=CharterState.SIGNED)
    charter = Charter.objects.get(project=initiating)

    with pytest.raises(TransitionForbidden, match="Only the project's manager"):
        require(member, "may_edit_charter", charter)
    with pytest.raises(NotNow, match="amend it"):
        require(manager, "may_edit_charter", charter)


def test_a_superuser_passes_has_perm_but_not_the_rulebook(project, pmo):
    """Django lets an active superuser pass every `has_perm`; Tollgate asks `allows`, which
    a closed project refuses to everybody."""
    pmo.is_superuser = True
    Project.objects.filter(pk=project.pk).update(stage=Stage.CLOSED)
    closed = Project.objects.get(pk=project.pk)

    assert pmo.has_perm("projects.may_record_funding", closed)
    assert not allows(pmo, "may_record_funding", closed)


def test_has_perm_answers_the_named_rules_for_everyone_else(approved, sponsor, manager):
    assert sponsor.has_perm("projects.may_record_funding", approved)
    assert not manager.has_perm("projects.may_record_funding", approved)


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Project, "stage"),
        (Proposal, "state"),
        (Charter, "state"),
        (Plan, "state"),
        (ProjectDeliverable, "state"),
    ],
)
def test_every_transition_names_its_rule_label_and_event(model, field):
    for transition in model._meta.get_field(field).get_all_transitions(model):
        where = f"{model.__name__}.{transition.name}"
        assert rule_of(transition.permission) is not None, f"{where}: no named rule"
        assert transition.custom.get("label"), f"{where}: no label"
        assert transition.custom.get("event") in EVENTS, f"{where}: no declared event"


def test_the_approval_limit_is_read_in_one_function():
    """`grep approval_limit` over the code: one function compares it (the model declares
    it, the admin and the demo data name it)."""
    readers = set()
    for path in [*ROOT.glob("projects/**/*.py"), *ROOT.glob("lifecycle/**/*.py")]:
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and node.attr == "approval_limit":
                    readers.add((path.relative_to(ROOT).as_posix(), function.name))
    # A sponsor's own limit is read by `own_authority`; a deputy holds the sponsor's, read with
    # their delegations (`delegators`); `Authority` compares both.
    assert readers == {("projects/rules.py", "own_authority")}
