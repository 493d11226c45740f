"""Recall and discard (issue 16): a manager takes a submission back before anyone decided,
discards a draft amendment of a signed charter; a project never closes with a draft open."""

import pytest
from django.urls import reverse

from lifecycle.errors import GateClosed, NotNow, TransitionConflict, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import charter_document, fingerprint, notifications, services
from projects.models import Charter, CharterState, Proposal, ProposalState
from tests.conftest import charter_lists, charter_texts, client_for


def test_a_manager_recalls_a_business_case_before_any_decision(submitted, manager, sponsor):
    entry = services.proposal_recall(proposal=submitted.proposal, by=manager, comment="Wrong cost")

    proposal = Proposal.objects.get(project=submitted)
    assert (proposal.state, proposal.revision) == (ProposalState.DRAFT, 1)
    assert (entry.label, entry.from_state, entry.to_state) == ("Recall", "Submitted", "Draft")
    [mail] = notifications.messages_for(entry)  # the sponsor is told, not asked to decide
    assert mail.to == [sponsor.email] and "Awaiting your decision" not in mail.subject
    assert "Business case for Customer portal redesign: Recall" in mail.subject


def test_a_recall_after_the_decision_changes_nothing(submitted, manager, sponsor):
    services.proposal_approve(proposal=submitted.proposal, by=sponsor)
    before = AuditEntry.objects.count()

    with pytest.raises(TransitionConflict, match="already decided: the business case is now"):
        services.proposal_recall(proposal=submitted.proposal, by=manager)
    response = client_for(manager).post(
        reverse("projects:proposal-action", args=[submitted.pk, "recall"])
    )
    assert response.status_code == 409
    assert Proposal.objects.get(project=submitted).state == ProposalState.APPROVED
    assert AuditEntry.objects.count() == before


def test_only_the_manager_recalls(submitted, sponsor, member):
    for someone in (sponsor, member):
        with pytest.raises(TransitionForbidden):
            services.proposal_recall(proposal=submitted.proposal, by=someone)


def test_the_recall_button_is_the_managers(submitted, manager, sponsor):
    url = submitted.get_absolute_url()
    assert ">Recall</button>" in client_for(manager).get(url).content.decode()
    assert ">Recall</button>" not in client_for(sponsor).get(url).content.decode()


def test_a_manager_recalls_a_charter_awaiting_signature(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)
    services.charter_recall(charter=filled.charter, by=manager)
    assert Charter.objects.get(pk=filled.charter.pk).state == CharterState.DRAFT


@pytest.fixture
def amended(defining, manager):
    """A signed charter (revision 1) amended: revision 2 is a draft with changes."""
    services.charter_amend(charter=defining.charter, by=manager)
    charter = Charter.objects.get(pk=defining.charter.pk)
    services.charter_update(
        charter=charter,
        by=manager,
        version=charter.version,
        lists=charter_lists(stakeholders=4, milestones=3, risks=2),
        **charter_texts(purpose="Coverage for every scanner, and the yard"),
    )
    return defining


def test_discarding_an_amendment_restores_the_signed_revision(amended, manager):
    charter = Charter.objects.get(project=amended)
    baseline = charter.revisions.get(number=1)
    entry = services.charter_discard_amendment(charter=charter, by=manager, comment="Not now")

    charter = Charter.objects.get(pk=charter.pk)
    restored = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
    assert (charter.state, charter.revision) == (CharterState.SIGNED, 1)
    assert fingerprint.sha256(restored) == baseline.sha256  # every section as it was signed
    # What was discarded stays in the history.
    assert entry.label == "Discard amendment"
    assert entry.data["discarded"]["purpose"] == "Coverage for every scanner, and the yard"
    assert len(entry.data["discarded"]["stakeholders"]) == 4


def test_a_first_draft_cannot_be_discarded(filled, manager):
    with pytest.raises(NotNow, match="first draft: there is no signed revision"):
        services.charter_discard_amendment(charter=filled.charter, by=manager)
    page = client_for(manager).get(reverse("projects:charter", args=[filled.pk]))
    assert "Discard amendment" not in page.content.decode()


def test_a_project_does_not_close_with_an_amendment_open(closing, manager):
    from projects.services import delivery

    report = closing.closure
    delivery.closure_update(
        report=report,
        by=manager,
        final_values={row.pk: (row.goal.target, "") for row in report.goals.all()},
        lessons_learned="Start earlier",
        handover="Service desk",
    )
    services.charter_amend(charter=closing.charter, by=manager)

    with pytest.raises(GateClosed) as refused:
        services.project_transition(project=closing, name="advance_to_closed", by=manager)
    unmet = [check for check in refused.value.checks if not check.met]
    assert [check.label for check in unmet] == ["No charter amendment left open"]
    assert "sign it or discard it" in unmet[0].detail

    services.charter_discard_amendment(charter=closing.charter, by=manager)
    services.project_transition(project=closing, name="advance_to_closed", by=manager)


def test_a_discard_from_a_page_opened_before_an_edit_changes_nothing(amended, manager):
    from lifecycle.errors import RecordChanged
    from projects.services.charters import charter_version

    charter = Charter.objects.get(project=amended)
    seen = charter_version(charter)
    services.charter_update(
        charter=charter,
        by=manager,
        version=charter.version,
        lists=charter_lists(stakeholders=5),
        **charter_texts(purpose="Edited in another tab"),
    )
    with pytest.raises(RecordChanged):
        services.charter_discard_amendment(charter=charter, by=manager, seen=seen)
    assert Charter.objects.get(pk=charter.pk).state == CharterState.DRAFT
