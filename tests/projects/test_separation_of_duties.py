"""Nobody decides, funds or signs what they manage — even holding every role at once — and the
sponsor of a submitted business case changes only through the PMO, audited (SPEC §5)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import services
from projects.forms.proposals import BusinessCaseForm
from projects.models import Charter, CharterState, Project, Proposal, ProposalState
from tests.conftest import client_for
from tests.factories import FundingFactory, ProjectFactory, SponsorFactory, UserFactory


@pytest.fixture
def everyone(db):
    """A project manager who is also a sponsor with no limit, and in the PMO."""
    user = UserFactory(username="all-roles", groups=["Project managers", "PMO"])
    SponsorFactory(user=user, approval_limit=None)
    return user


@pytest.fixture
def own_project(everyone):
    """A business case this person wrote naming themself as sponsor (as one admin edit
    could make it), submitted."""
    project = ProjectFactory(manager=everyone, sponsor=everyone.sponsor_profile)
    Proposal.objects.filter(project=project).update(state=ProposalState.SUBMITTED, revision=1)
    return Project.objects.get(pk=project.pk)


def test_holding_every_role_one_cannot_decide_their_own_business_case(own_project, everyone):
    for decide in (services.proposal_approve, services.proposal_request_changes):
        with pytest.raises(TransitionForbidden, match="never the person who manages"):
            decide(proposal=own_project.proposal, by=everyone, comment="mine")
    Proposal.objects.filter(project=own_project).update(state=ProposalState.ESCALATED)
    with pytest.raises(TransitionForbidden, match=r"never the\s+person who manages"):
        services.proposal_approve(proposal=own_project.proposal, by=everyone)
    assert not AuditEntry.objects.filter(action__in=("approve", "endorse")).exists()


def test_holding_every_role_one_cannot_fund_or_sign_their_own_project(own_project, everyone):
    Proposal.objects.filter(project=own_project).update(state=ProposalState.APPROVED)
    with pytest.raises(TransitionForbidden, match="never by its manager"):
        services.funding_record(
            project=own_project,
            by=everyone,
            amount=Decimal("1"),
            source="CC",
            approved_on=date.today(),
        )
    FundingFactory(project=own_project)
    services.project_transition(project=own_project, name="advance_to_initiating", by=everyone)
    charter = Project.objects.get(pk=own_project.pk).charter
    Charter.objects.filter(pk=charter.pk).update(state=CharterState.SUBMITTED)
    with pytest.raises(TransitionForbidden, match="never the person who manages"):
        services.charter_sign(charter=charter, by=everyone)


def test_the_sponsor_list_never_offers_the_author(everyone, sponsor):
    offered = list(BusinessCaseForm(author=everyone).fields["sponsor"].queryset)
    assert everyone.sponsor_profile not in offered
    assert sponsor.sponsor_profile in offered


def test_after_submission_the_manager_cannot_switch_the_sponsor(
    submitted, manager, sponsor, sponsor2
):
    """The finding: sent back, the manager switched to a friendlier sponsor and resubmitted."""
    Proposal.objects.filter(project=submitted).update(state=ProposalState.CHANGES_REQUESTED)
    proposal = Proposal.objects.get(project=submitted)

    with pytest.raises(NotNow, match="its sponsor is changed by the PMO"):
        services.business_case_update(
            proposal=proposal, by=manager, risks=[], sponsor=sponsor2.sponsor_profile
        )
    page = client_for(manager).get(reverse("projects:business-case-edit", args=[submitted.pk]))
    assert page.context["form"].fields["sponsor"].disabled
    assert Project.objects.get(pk=submitted.pk).sponsor_id == sponsor.pk


def test_the_pmo_changes_the_sponsor_with_a_reason_in_the_history(
    submitted, pmo, sponsor, sponsor2
):
    url = reverse("projects:sponsor-change", args=[submitted.pk])
    client = client_for(pmo)
    refused = client.post(url, {"sponsor": sponsor2.pk, "comment": ""})
    changed = client.post(url, {"sponsor": sponsor2.pk, "comment": "Dana is on leave"})

    assert (refused.status_code, changed.status_code) == (200, 302)
    assert Project.objects.get(pk=submitted.pk).sponsor_id == sponsor2.pk
    entry = AuditEntry.objects.get(action="change_sponsor")
    assert (entry.comment, entry.data) == (
        "Dana is on leave",
        {"from": "Dana Whitfield", "to": "Lee Park"},
    )
    assert entry.event == "project.sponsor_changed"
