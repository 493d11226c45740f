"""Deputies (issue 16): a sponsor on leave names a deputy for a date range; the deputy sees the
sponsor's items and decides within the sponsor's limit, recorded "Lee Park for Dana Whitfield";
delegations are listed, revocable, and end by themselves."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lifecycle.errors import TransitionForbidden
from lifecycle.models import AuditEntry
from projects import notifications, services
from projects.models import Delegation, Project, Proposal, ProposalState
from projects.rules import approval_authority
from projects.selectors.inbox import needs_action
from projects.services.delegations import delegation_create, delegation_revoke
from tests.conftest import client_for
from tests.factories import ProjectFactory

TODAY = timezone.localdate


def name_deputy(sponsor, deputy, *, by=None, days=(0, 13), note="Annual leave") -> Delegation:
    return delegation_create(
        sponsor=sponsor.sponsor_profile,
        deputy=deputy,
        starts_on=TODAY() + timedelta(days=days[0]),
        ends_on=TODAY() + timedelta(days=days[1]),
        note=note,
        by=by or sponsor,
    )


def fresh(user):
    """The person as a new request sees them (what they deputise for is read once per
    person object and day)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def big_case(project, manager):
    """A 120,000 business case of Dana Whitfield's (limit 250,000), submitted."""
    Proposal.objects.filter(project=project).update(estimated_cost=Decimal("120000"))
    services.proposal_submit(proposal=Proposal.objects.get(project=project), by=manager)
    return Project.objects.get(pk=project.pk)


def test_the_deputy_decides_within_the_sponsors_limit_and_history_names_both(
    big_case, sponsor, sponsor2, manager
):
    name_deputy(sponsor, sponsor2)
    lee = fresh(sponsor2)
    [item] = needs_action(lee).items
    assert (item.wait.key, item.for_whom) == ("business_case", "Dana Whitfield")

    entry = services.proposal_approve(proposal=big_case.proposal, by=lee, comment="Go ahead")

    # Lee Park's own limit is 50,000: as Dana Whitfield's deputy he holds her 250,000.
    assert Proposal.objects.get(project=big_case).state == ProposalState.APPROVED
    assert (entry.actor, entry.on_behalf_of) == (sponsor2, sponsor)
    assert entry.data["approval_limit"] == "250000.00"
    history = client_for(manager).get(reverse("projects:history", args=[big_case.pk]))
    assert "Lee Park for Dana Whitfield" in history.content.decode()
    [mail] = notifications.messages_for(entry)
    assert mail.to == [manager.email] and mail.body.startswith("Lee Park for Dana Whitfield")


def test_a_deputy_above_the_sponsors_limit_endorses(project, sponsor, sponsor2, manager):
    Proposal.objects.filter(project=project).update(estimated_cost=Decimal("300000"))
    services.proposal_submit(proposal=Proposal.objects.get(project=project), by=manager)
    name_deputy(sponsor, sponsor2)

    entry = services.proposal_approve(proposal=project.proposal, by=fresh(sponsor2))

    assert entry.label == "Endorse"
    assert Proposal.objects.get(project=project).state == ProposalState.ESCALATED
    assert needs_action(fresh(sponsor2)).items == []  # four eyes: not their own endorsement


def test_the_deputys_own_projects_keep_the_deputys_own_limit(sponsor, sponsor2, manager):
    campus = ProjectFactory(manager=manager, sponsor=sponsor2.sponsor_profile)
    Proposal.objects.filter(project=campus).update(estimated_cost=Decimal("120000"))
    name_deputy(sponsor, sponsor2)
    lee = fresh(sponsor2)

    assert approval_authority(lee, campus).recorded == "50000.00"
    assert not approval_authority(lee, campus).covers(Decimal("120000"))


def test_outside_the_date_range_the_deputy_may_not_decide(big_case, sponsor, sponsor2):
    name_deputy(sponsor, sponsor2, days=(3, 10))  # starts in three days
    with pytest.raises(TransitionForbidden, match="deputy"):
        services.proposal_approve(proposal=big_case.proposal, by=fresh(sponsor2))
    assert needs_action(fresh(sponsor2)).items == []
    assert client_for(sponsor2).get(big_case.get_absolute_url()).status_code == 404

    with time_machine.travel(timezone.now() + timedelta(days=11)):  # ended by itself
        assert Proposal.objects.get(project=big_case).state == ProposalState.SUBMITTED
        assert needs_action(fresh(sponsor2)).items == []

    with time_machine.travel(timezone.now() + timedelta(days=4)):  # during it
        assert [i.wait.key for i in needs_action(fresh(sponsor2)).items] == ["business_case"]


def test_revoking_ends_it_at_once(big_case, sponsor, sponsor2, pmo):
    delegation = name_deputy(sponsor, sponsor2)
    assert needs_action(fresh(sponsor2)).items
    delegation_revoke(delegation=delegation, by=pmo)

    assert needs_action(fresh(sponsor2)).items == []
    assert Delegation.objects.get(pk=delegation.pk).status == "Revoked"
    with pytest.raises(Exception, match="revoked already"):
        delegation_revoke(delegation=delegation, by=sponsor)


def test_nobody_decides_a_business_case_they_wrote(sponsor, sponsor2, manager):
    """Lee Park deputises for Dana Whitfield, but wrote this business case of hers."""
    written = ProjectFactory(manager=sponsor2, sponsor=sponsor.sponsor_profile)
    services.proposal_submit(proposal=written.proposal, by=sponsor2)
    name_deputy(sponsor, sponsor2)

    with pytest.raises(TransitionForbidden):
        services.proposal_approve(proposal=written.proposal, by=fresh(sponsor2))
    assert needs_action(fresh(sponsor2)).decisions == []


@pytest.mark.parametrize(
    ("deputy", "days", "field", "message"),
    [
        ("sponsor", (0, 5), "deputy", "cannot be their own deputy"),
        ("manager", (0, 5), "deputy", "has no sponsor role"),
        ("sponsor2", (5, 1), "ends_on", "must not be before the start"),
        ("sponsor2", (-3, 5), "starts_on", "starts today or later"),
    ],
)
def test_a_delegation_that_cannot_be_is_refused_with_its_reason(
    deputy, days, field, message, sponsor, request
):
    with pytest.raises(ValidationError) as refused:
        name_deputy(sponsor, request.getfixturevalue(deputy), days=days)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Delegation.objects.exists()
    assert not AuditEntry.objects.filter(record="Delegation").exists()


def test_overlapping_delegations_are_refused(sponsor, sponsor2, pmo):
    from tests.factories import SponsorFactory, UserFactory

    other = SponsorFactory(user=UserFactory(username="cfo", first_name="Ana", last_name="Lund"))
    name_deputy(sponsor, sponsor2, days=(0, 10))
    with pytest.raises(ValidationError, match="has a deputy then already: Lee Park"):
        name_deputy(sponsor, other.user, days=(8, 20), by=pmo)
    name_deputy(sponsor, other.user, days=(11, 20), by=pmo)  # after it: fine
    assert Delegation.objects.count() == 2


def test_only_the_sponsor_or_the_pmo_names_a_deputy(sponsor, sponsor2, manager, pmo):
    with pytest.raises(TransitionForbidden):
        name_deputy(sponsor, sponsor2, by=sponsor2)
    with pytest.raises(TransitionForbidden):
        name_deputy(sponsor, sponsor2, by=manager)
    assert name_deputy(sponsor, sponsor2, by=pmo).created_by == pmo


def test_the_deputy_hears_of_it_and_of_what_awaits_the_sponsor(big_case, sponsor, sponsor2):
    delegation = name_deputy(sponsor, sponsor2)
    entry = AuditEntry.objects.for_subject(delegation).get()
    [mail] = notifications.messages_for(entry)
    assert mail.to == [sponsor2.email] and "deputy for Dana Whitfield" in mail.subject

    services.proposal_request_changes(
        proposal=big_case.proposal, by=sponsor, comment="Cost it for three years"
    )
    resubmitted = services.proposal_submit(proposal=big_case.proposal, by=big_case.manager)
    assert {m.to[0] for m in notifications.messages_for(resubmitted)} == {
        sponsor.email,
        sponsor2.email,
    }


def test_the_deputies_page(sponsor, sponsor2, manager, pmo):
    client = client_for(sponsor)
    page = client.get(reverse("projects:delegations")).content.decode()
    assert "Name a deputy" in page

    response = client.post(
        reverse("projects:delegations"),
        {
            "deputy": sponsor2.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + timedelta(days=9)).isoformat(),
            "note": "Annual leave",
            "sponsor": sponsor2.pk,  # a sponsor names only their own deputy: ignored
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.sponsor_id, delegation.deputy) == (sponsor.pk, sponsor2)

    oneself = client.post(
        reverse("projects:delegations"),
        {"deputy": sponsor.pk, "starts_on": TODAY(), "ends_on": TODAY()},
    )
    assert oneself.status_code == 200 and "Select a valid choice" in oneself.content.decode()

    assert (
        "Name a deputy"
        not in client_for(manager).get(reverse("projects:delegations")).content.decode()
    )
    revoke = reverse("projects:delegation-revoke", args=[delegation.pk])
    assert client_for(manager).post(revoke).status_code == 404  # not theirs to see
    assert client_for(sponsor2).post(revoke).status_code == 403  # the deputy does not revoke
    assert client_for(pmo).post(revoke).status_code == 302
    assert Delegation.objects.get().revoked_by == pmo


def test_what_a_deputy_does_with_their_own_roles_is_recorded_as_theirs(sponsor, sponsor2):
    """Lee Park manages a project Dana Whitfield sponsors; as her deputy his own edits of its
    business case are still his, not "for Dana Whitfield"."""
    theirs = ProjectFactory(manager=sponsor2, sponsor=sponsor.sponsor_profile)
    name_deputy(sponsor, sponsor2)
    lee = fresh(sponsor2)

    entry = services.proposal_submit(proposal=theirs.proposal, by=lee)
    assert (entry.actor, entry.on_behalf_of) == (sponsor2, None)


def test_a_deputy_does_not_cancel_the_sponsors_project(big_case, sponsor, sponsor2):
    name_deputy(sponsor, sponsor2)
    with pytest.raises(TransitionForbidden, match="a deputy does not"):
        services.project_transition(
            project=big_case, name="cancel", by=fresh(sponsor2), comment="Not needed"
        )
    hold = services.project_transition(
        project=big_case, name="hold", by=fresh(sponsor2), comment="Waiting for the budget"
    )
    assert hold.on_behalf_of == sponsor  # holding is the sponsor's, and so the deputy's


def test_on_the_sponsors_escalated_case_a_deputy_decides_by_the_highest_limit_they_hold(
    project, sponsor, sponsor2, manager
):
    """Lee Park's project (limit 50,000), escalated above it; Dana Whitfield (250,000) is his
    deputy this week: as an approver of escalations she holds her own limit."""
    Project.objects.filter(pk=project.pk).update(sponsor=sponsor2.sponsor_profile)
    Proposal.objects.filter(project=project).update(estimated_cost=Decimal("120000"))
    services.proposal_submit(proposal=Proposal.objects.get(project=project), by=manager)
    services.proposal_approve(proposal=Proposal.objects.get(project=project), by=sponsor2)
    name_deputy(sponsor2, sponsor)

    dana = fresh(sponsor)
    assert [i.wait.key for i in needs_action(dana).items] == ["escalated"]
    entry = services.proposal_approve(proposal=Proposal.objects.get(project=project), by=dana)
    assert (entry.label, entry.on_behalf_of, entry.data["approval_limit"]) == (
        "Approve",
        None,  # her own authority, not Lee Park's
        "250000.00",
    )
