"""Approval authority as data: above their limit a sponsor's approval is an endorsement, and a
sponsor whose limit covers the cost (or the PMO) decides."""

from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle.errors import TransitionConflict, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects import notifications, services
from projects.models import Project, Proposal, ProposalState
from projects.selectors.inbox import needs_action
from tests.conftest import client_for
from tests.factories import ProjectFactory, SponsorFactory, UserFactory


@pytest.fixture
def big_case(manager, sponsor2):
    """A 120,000 business case submitted to `sponsor2`, whose limit is 50,000."""
    project = ProjectFactory(
        title="Campus network refresh", manager=manager, sponsor=sponsor2.sponsor_profile
    )
    Proposal.objects.filter(pk=project.proposal.pk).update(
        estimated_cost=Decimal("120000"), state=ProposalState.SUBMITTED, revision=1
    )
    return Project.objects.get(pk=project.pk)


def proposal(project):
    return Proposal.objects.get(project=project)


def test_within_the_limit_the_sponsor_approves_and_the_limit_is_recorded(submitted, sponsor):
    entry = services.proposal_approve(proposal=submitted.proposal, by=sponsor)

    assert proposal(submitted).state == ProposalState.APPROVED
    assert (entry.label, entry.data["approval_limit"]) == ("Approve", "250000.00")
    assert entry.data["estimated_cost"] == "120000.00"


def test_above_the_limit_approval_becomes_an_endorsement(big_case, sponsor2, sponsor):
    entry = services.proposal_approve(proposal=big_case.proposal, by=sponsor2, comment="Needed")

    case = proposal(big_case)
    assert case.state == ProposalState.ESCALATED
    assert (case.endorsed_by, case.decided_by) == (sponsor2, None)
    assert (entry.label, entry.data["approval_limit"]) == ("Endorse", "50000.00")
    [mail] = notifications.messages_for(entry)
    assert mail.to == [sponsor.email]  # the sponsor whose limit covers 120,000
    assert "Awaiting your decision" in mail.subject


def test_a_sponsor_whose_limit_covers_it_then_approves(big_case, sponsor2, sponsor):
    services.proposal_approve(proposal=big_case.proposal, by=sponsor2)
    assert [item.wait.key for item in needs_action(sponsor).decisions] == ["escalated"]
    assert Project.objects.visible_to(sponsor).filter(pk=big_case.pk).exists()

    entry = services.proposal_approve(proposal=big_case.proposal, by=sponsor)

    case = proposal(big_case)
    assert (case.state, case.decided_by) == (ProposalState.APPROVED, sponsor)
    assert entry.data["approval_limit"] == "250000.00"
    assert [e.label for e in AuditEntry.objects.for_subject(big_case)] == ["Endorse", "Approve"]


def test_the_lower_sponsor_cannot_finish_it(big_case, sponsor2):
    services.proposal_approve(proposal=big_case.proposal, by=sponsor2)

    with pytest.raises((TransitionForbidden, TransitionConflict)):
        services.proposal_approve(proposal=big_case.proposal, by=sponsor2)
    assert proposal(big_case).state == ProposalState.ESCALATED


def test_a_sponsor_whose_limit_is_too_low_neither_sees_nor_decides_it(big_case, sponsor2):
    small = SponsorFactory(user=UserFactory(username="small"), approval_limit=Decimal("10000"))
    services.proposal_approve(proposal=big_case.proposal, by=sponsor2)

    assert not Project.objects.visible_to(small.user).filter(pk=big_case.pk).exists()
    with pytest.raises(TransitionForbidden):
        services.proposal_approve(proposal=big_case.proposal, by=small.user)


def test_an_unlimited_sponsor_and_the_pmo_may_decide(big_case, sponsor2, pmo):
    services.proposal_approve(proposal=big_case.proposal, by=sponsor2)
    unlimited = SponsorFactory(user=UserFactory(username="ceo"), approval_limit=None)
    assert Project.objects.visible_to(unlimited.user).filter(pk=big_case.pk).exists()

    entry = services.proposal_reject(proposal=big_case.proposal, by=pmo, comment="Next year")

    assert entry.data["approval_limit"] is None  # the PMO decides on the organisation's authority
    assert Project.objects.get(pk=big_case.pk).stage == Stage.CANCELLED


def test_the_page_says_why(big_case, sponsor2, sponsor):
    page = client_for(sponsor2).get(big_case.get_absolute_url()).content.decode()
    assert "Your approval limit is EUR 50,000.00" in page

    client_for(sponsor2).post(reverse("projects:proposal-action", args=[big_case.pk, "approve"]))
    page = client_for(sponsor).get(big_case.get_absolute_url()).content.decode()

    assert "Escalated." in page
    assert "above their approval limit of EUR 50,000.00" in page
    assert "Your decision" in page
