"""The one transition service: allowed, unmet gate, no permission, stale, audited, after commit."""

import threading
import time

import pytest
from django.db import connection, transaction

from lifecycle.errors import (
    CommentInvalid,
    GateClosed,
    NotNow,
    TransitionConflict,
    TransitionForbidden,
)
from lifecycle.models import AuditEntry
from lifecycle.services import (
    transition_run,
)
from lifecycle.stages import Stage
from projects.models import Project, Proposal, ProposalState
from tests.factories import ProjectFactory, SponsorFactory, UserFactory


def test_manager_can_advance_a_funded_project_to_initiating(funded, manager):
    entry = transition_run(instance=funded, name="advance_to_initiating", by=manager)

    funded.refresh_from_db()
    assert funded.stage == Stage.INITIATING
    assert (entry.record, entry.label, entry.from_state, entry.to_state) == (
        "Stage",
        "Advance to Initiating",
        "Identifying",
        "Initiating",
    )
    assert entry.actor == manager
    assert entry.subject == funded


def test_unmet_gate_is_refused_with_its_checklist(approved, manager):
    with pytest.raises(GateClosed) as refused:
        transition_run(instance=approved, name="advance_to_initiating", by=manager)

    assert refused.value.code == "gate_closed"
    assert refused.value.status == 409
    assert [(check.label, check.met) for check in refused.value.checks] == [
        ("Business case approved by the sponsor", True),
        ("Funding recorded (an amount above zero, with its source)", False),
    ]
    assert Project.objects.get(pk=approved.pk).stage == Stage.IDENTIFYING
    assert not AuditEntry.objects.filter(action="advance_to_initiating").exists()


def test_viewer_cannot_advance_even_when_the_gate_is_open(funded, member):
    with pytest.raises(TransitionForbidden):
        transition_run(instance=funded, name="advance_to_initiating", by=member)

    assert Project.objects.get(pk=funded.pk).stage == Stage.IDENTIFYING


def test_sponsor_of_another_project_cannot_decide(submitted, sponsor2):
    with pytest.raises(TransitionForbidden):
        transition_run(instance=submitted.proposal, name="approve", by=sponsor2)

    assert Proposal.objects.get(pk=submitted.proposal.pk).state == ProposalState.SUBMITTED


def test_stale_instance_gets_already_decided(submitted, sponsor):
    stale = Proposal.objects.get(pk=submitted.proposal.pk)
    transition_run(instance=submitted.proposal, name="approve", by=sponsor)

    with pytest.raises(TransitionConflict) as refused:
        transition_run(instance=stale, name="reject", by=sponsor, comment="Too late")

    assert refused.value.status == 409
    assert "already decided" in refused.value.message
    assert AuditEntry.objects.filter(record="Business case").count() == 1


def test_a_reason_is_required_to_put_on_hold(funded, sponsor):
    with pytest.raises(CommentInvalid) as refused:
        transition_run(instance=funded, name="hold", by=sponsor, comment="   ")

    assert refused.value.field == "comment"
    assert Project.objects.get(pk=funded.pk).stage == Stage.IDENTIFYING


def test_resume_returns_to_the_stage_that_was_left(funded, sponsor, manager):
    transition_run(instance=funded, name="advance_to_initiating", by=manager)
    transition_run(instance=funded, name="hold", by=sponsor, comment="Budget freeze")
    held = Project.objects.get(pk=funded.pk)
    assert (held.stage, held.previous_stage) == (Stage.ON_HOLD, Stage.INITIATING)

    entry = transition_run(instance=held, name="resume", by=sponsor)

    assert Project.objects.get(pk=funded.pk).stage == Stage.INITIATING
    assert (entry.from_state, entry.to_state) == ("On hold", "Initiating")


def test_cancel_from_hold_is_terminal(funded, pmo):
    transition_run(instance=funded, name="hold", by=pmo, comment="Waiting")
    transition_run(instance=funded, name="cancel", by=pmo, comment="Merged into another")

    cancelled = Project.objects.get(pk=funded.pk)
    assert cancelled.stage == Stage.CANCELLED
    assert cancelled.previous_stage == Stage.IDENTIFYING
    with pytest.raises(NotNow, match="is cancelled: its records are read-only"):
        transition_run(instance=cancelled, name="resume", by=pmo)


def test_a_decision_taken_meanwhile_is_already_decided_even_if_it_closed_the_project(
    submitted, sponsor
):
    stale = Proposal.objects.get(project=submitted)  # the sponsor's page, opened before
    transition_run(instance=stale, name="reject", by=sponsor, comment="No")
    Project.objects.filter(pk=submitted.pk).update(stage=Stage.CANCELLED)

    with pytest.raises(TransitionConflict, match="already decided"):
        transition_run(instance=stale, name="approve", by=sponsor)


def test_stage_cannot_be_set_directly(project):
    with pytest.raises(AttributeError):
        project.stage = Stage.CLOSED


def test_side_effects_run_only_after_commit(funded, manager, django_capture_on_commit_callbacks):
    seen = []
    with django_capture_on_commit_callbacks() as callbacks:
        transition_run(
            instance=funded, name="advance_to_initiating", by=manager, side_effect=seen.append
        )
        assert seen == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert [entry.action for entry in seen] == ["advance_to_initiating"]


def test_side_effects_are_dropped_when_the_transaction_rolls_back(
    funded, manager, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition_run(instance=funded, name="advance_to_initiating", by=manager, side_effect=print)
        raise RuntimeError("a later step of the same request failed")

    assert callbacks == []
    assert Project.objects.get(pk=funded.pk).stage == Stage.IDENTIFYING
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_give_one_winner_and_one_audit_row():
    """Approve and reject race on real PostgreSQL connections: the row lock picks a winner."""
    sponsor = UserFactory(username="racer")
    project = ProjectFactory(sponsor=SponsorFactory(user=sponsor))
    Proposal.objects.filter(pk=project.proposal.pk).update(state=ProposalState.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(name: str, comment: str) -> None:
        proposal = Proposal.objects.get(pk=project.proposal.pk)
        barrier.wait()
        try:
            transition_run(instance=proposal, name=name, by=sponsor, comment=comment)
            outcomes.append("won")
        except TransitionConflict:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", "")),
        threading.Thread(target=decide, args=("reject", "No budget")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already decided", "won"]
    assert AuditEntry.objects.filter(record="Business case").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_decision_waiting_while_the_sponsor_changes_is_taken_on_the_new_row():
    """The lock reads the project with its sponsor. When another transaction gives the project
    a new sponsor while the decision waits for the lock, PostgreSQL checks the new row against
    the sponsor row it had joined, and finds no row: the lock reads once more, and the sponsor
    who was replaced is refused (403), not answered with a 500."""
    replaced, successor = UserFactory(username="replaced"), UserFactory(username="successor")
    project = ProjectFactory(sponsor=SponsorFactory(user=replaced))
    new_sponsor = SponsorFactory(user=successor)
    Proposal.objects.filter(pk=project.proposal.pk).update(state=ProposalState.SUBMITTED)
    proposal = Proposal.objects.select_related("project").get(pk=project.proposal.pk)
    outcome: list[str] = []

    def decide() -> None:
        try:
            transition_run(instance=proposal, name="approve", by=replaced)
            outcome.append("approved")
        except TransitionForbidden:
            outcome.append("refused")
        except Exception as error:  # what it was, in the assertion
            outcome.append(repr(error))
        finally:
            connection.close()

    waiting = threading.Thread(target=decide)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        Project.objects.filter(pk=project.pk).update(sponsor=new_sponsor)
        waiting.start()
        with connection.cursor() as cursor:
            for _ in range(200):  # until the decision waits for this transaction's lock
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # kept per transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("The decision never waited for the project's lock.")
    waiting.join(timeout=30)

    assert outcome == ["refused"]
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.SUBMITTED
