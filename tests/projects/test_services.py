"""Business-case and funding services: who may do what, and what it leaves behind."""

from datetime import date
from decimal import Decimal

import pytest

from lifecycle.errors import (
    CommentInvalid,
    GateClosed,
    NotNow,
    TransitionConflict,
    TransitionForbidden,
)
from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects import services
from projects.models import Project, Proposal, ProposalState


def risk(description, likelihood, impact, mitigation="", id=None):
    return {
        "id": id,
        "description": description,
        "likelihood": likelihood,
        "impact": impact,
        "mitigation": mitigation,
    }


def history(project):
    return [(e.record, e.label, e.to_state) for e in AuditEntry.objects.for_subject(project)]


def fresh(project) -> Project:
    return Project.objects.select_related("proposal").get(pk=project.pk)


def test_manager_can_write_a_business_case(manager, sponsor):
    project = services.business_case_create(
        by=manager,
        title="Warehouse Wi-Fi",
        category="network",
        sponsor=sponsor.sponsor_profile,
        risks=[risk("Interference", 2, 3, "Survey"), risk("Late", 3, 2)],
        goal="Coverage everywhere",
        estimated_cost=Decimal("95000"),
    )

    assert project.stage == Stage.IDENTIFYING
    assert project.manager == manager
    assert project.proposal.state == ProposalState.DRAFT
    assert [risk.score for risk in project.proposal.risks.all()] == [6, 6]
    assert history(project) == [("Business case", "Created", "Draft")]


def test_viewer_cannot_write_a_business_case(viewer, sponsor):
    with pytest.raises(TransitionForbidden):
        services.business_case_create(
            by=viewer, title="X", category="other", sponsor=sponsor.sponsor_profile, risks=[]
        )


def test_manager_edits_risks_in_place(project, manager):
    kept = project.proposal.risks.get()
    services.business_case_update(
        proposal=project.proposal,
        by=manager,
        risks=[
            risk(kept.description, 5, 5, "Escalate", id=kept.pk),
            risk("New risk", 1, 1),
        ],
        title="Renamed",
    )

    assert fresh(project).title == "Renamed"
    assert [(r.pk == kept.pk, r.score) for r in project.proposal.risks.all()] == [
        (True, 25),
        (False, 1),
    ]
    assert AuditEntry.objects.get(action="edit").data == {"changed": ["title", "risks"]}


def test_another_manager_cannot_edit(project, manager2):
    with pytest.raises(TransitionForbidden):
        services.business_case_update(proposal=project.proposal, by=manager2, risks=[])


def test_a_submitted_business_case_cannot_be_edited(submitted, manager):
    with pytest.raises(NotNow, match="submitted"):
        services.business_case_update(proposal=submitted.proposal, by=manager, risks=[])


def test_manager_submits_a_complete_business_case(project, manager, sponsor):
    services.proposal_submit(proposal=project.proposal, by=manager)

    proposal = Proposal.objects.get(pk=project.proposal.pk)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.revision == 1
    assert history(project)[-1] == ("Business case", "Submit for approval", "Submitted")


def test_an_incomplete_business_case_cannot_be_submitted(project, manager):
    Proposal.objects.filter(pk=project.proposal.pk).update(goal="")

    with pytest.raises(GateClosed) as refused:
        services.proposal_submit(proposal=fresh(project).proposal, by=manager)

    assert [check.label for check in refused.value.checks if not check.met] == ["Goal stated"]


def test_sponsor_cannot_submit_for_the_manager(project, sponsor):
    with pytest.raises(TransitionForbidden):
        services.proposal_submit(proposal=project.proposal, by=sponsor)


def test_sponsor_approves(submitted, sponsor):
    services.proposal_approve(proposal=submitted.proposal, by=sponsor, comment="Go")

    proposal = Proposal.objects.get(pk=submitted.proposal.pk)
    assert (proposal.state, proposal.decided_by, proposal.decision_comment) == (
        ProposalState.APPROVED,
        sponsor,
        "Go",
    )


def test_manager_cannot_approve_their_own_case(submitted, manager):
    with pytest.raises(TransitionForbidden):
        services.proposal_approve(proposal=submitted.proposal, by=manager)


def test_pmo_cannot_decide_for_the_sponsor(submitted, pmo):
    with pytest.raises(TransitionForbidden):
        services.proposal_approve(proposal=submitted.proposal, by=pmo)


def test_approving_twice_is_already_decided(submitted, sponsor):
    services.proposal_approve(proposal=submitted.proposal, by=sponsor)

    with pytest.raises(TransitionConflict):
        services.proposal_approve(proposal=submitted.proposal, by=sponsor)

    assert AuditEntry.objects.filter(action="approve").count() == 1


def test_reject_needs_a_reason(submitted, sponsor):
    with pytest.raises(CommentInvalid):
        services.proposal_reject(proposal=submitted.proposal, by=sponsor, comment="")

    assert fresh(submitted).proposal.state == ProposalState.SUBMITTED


def test_rejection_cancels_the_project_with_the_sponsors_reason(submitted, sponsor):
    services.proposal_reject(proposal=submitted.proposal, by=sponsor, comment="No budget")

    project = fresh(submitted)
    assert (project.proposal.state, project.stage) == (ProposalState.REJECTED, Stage.CANCELLED)
    assert history(project)[-2:] == [
        ("Business case", "Reject", "Rejected"),
        ("Stage", "Cancel with its business case", "Cancelled"),
    ]
    assert AuditEntry.objects.for_subject(project).last().comment == "No budget"


def test_changes_requested_then_resubmitted(submitted, sponsor, manager):
    services.proposal_request_changes(
        proposal=submitted.proposal, by=sponsor, comment="Add the licence savings"
    )
    services.business_case_update(
        proposal=submitted.proposal,
        by=manager,
        risks=[risk("Licence audit", 2, 2)],
        benefits="Licence savings of 60,000 a year",
    )
    services.proposal_submit(proposal=submitted.proposal, by=manager)

    proposal = Proposal.objects.get(pk=submitted.proposal.pk)
    assert (proposal.state, proposal.revision) == (ProposalState.SUBMITTED, 2)
    assert AuditEntry.objects.filter(action="submit").count() == 1  # the fixture skipped one


def test_withdrawal_cancels_the_project_and_keeps_history(project, manager):
    services.proposal_withdraw(proposal=project.proposal, by=manager)

    project = fresh(project)
    assert (project.proposal.state, project.stage) == (ProposalState.WITHDRAWN, Stage.CANCELLED)
    assert Proposal.objects.filter(pk=project.proposal.pk).exists()
    assert history(project)[-1] == ("Stage", "Cancel with its business case", "Cancelled")


def test_sponsor_records_funding_for_an_approved_case(approved, sponsor):
    services.funding_record(
        project=approved,
        by=sponsor,
        amount=Decimal("120000"),
        source="CC-4100",
        approved_on=date(2026, 11, 1),
    )

    project = fresh(approved)
    assert project.funded == Decimal("120000")
    assert history(project)[-1] == ("Funding", "Record funding", "Approved")


def test_pmo_records_funding_too(approved, pmo, sponsor):
    funding = services.funding_record(
        project=approved, by=pmo, amount=Decimal("1"), source="CC", approved_on=date.today()
    )
    assert (funding.recorded_by, funding.approved_by) == (pmo, pmo)  # who approved it


@pytest.mark.parametrize("who", ["manager", "sponsor2", "member"])
def test_only_sponsor_or_pmo_record_funding(approved, who, request):
    with pytest.raises(TransitionForbidden):
        services.funding_record(
            project=approved,
            by=request.getfixturevalue(who),
            amount=Decimal("1"),
            source="CC",
            approved_on=date.today(),
        )


def test_no_funding_before_approval(submitted, sponsor):
    with pytest.raises(NotNow, match="once the business case is approved"):
        services.funding_record(
            project=submitted,
            by=sponsor,
            amount=Decimal("1"),
            source="CC",
            approved_on=date.today(),
        )


def test_the_whole_identifying_stage(project, manager, sponsor):
    services.proposal_submit(proposal=project.proposal, by=manager)
    services.proposal_approve(proposal=project.proposal, by=sponsor)
    services.funding_record(
        project=project, by=sponsor, amount=Decimal("120000"), source="CC", approved_on=date.today()
    )
    services.project_transition(project=fresh(project), name="advance_to_initiating", by=manager)

    assert fresh(project).stage == Stage.INITIATING
    assert [label for _, label, _ in history(project)] == [
        "Submit for approval",
        "Approve",
        "Record funding",
        "Advance to Initiating",
        "Carried over from the business case",  # its risks start the RAID register
    ]


def test_automatic_transitions_cannot_be_requested(project, pmo):
    with pytest.raises(TransitionForbidden):
        services.project_transition(project=project, name="cancel_with_business_case", by=pmo)
