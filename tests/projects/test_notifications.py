"""E-mail: who hears about what, enqueued after commit, delivered by a real worker."""

import pytest
import redis
from django.conf import settings

from lifecycle.models import AuditEntry
from projects import notifications, services
from projects.models import Proposal, ProposalState
from projects.tasks import send_notification
from tests.factories import ProjectFactory, SponsorFactory, UserFactory


def queued(queue: str = "email") -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue)


@pytest.fixture
def empty_queue():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("email")


def test_submission_mails_the_sponsor(project, manager, sponsor):
    entry = services.proposal_submit(proposal=project.proposal, by=manager)

    [mail] = notifications.messages_for(entry)

    assert mail.to == [sponsor.email]
    assert (
        mail.subject
        == "[Tollgate] Awaiting your decision: business case of Customer portal redesign"
    )
    assert "awaits your decision" in mail.body
    assert project.get_absolute_url() in mail.body


def test_decision_mails_the_manager(submitted, sponsor, manager):
    entry = services.proposal_request_changes(
        proposal=submitted.proposal, by=sponsor, comment="Add the savings"
    )

    [mail] = notifications.messages_for(entry)

    assert mail.to == [manager.email]
    assert "Request changes" in mail.subject
    assert "Comment: Add the savings" in mail.body


def test_stage_change_mails_everyone_on_the_project_but_the_actor(funded, manager, sponsor, member):
    entry = services.project_transition(project=funded, name="advance_to_initiating", by=manager)

    recipients = sorted(mail.to[0] for mail in notifications.messages_for(entry))

    assert recipients == sorted([sponsor.email, member.email])


def test_mails_are_enqueued_only_after_commit(
    project, manager, empty_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_submit(proposal=project.proposal, by=manager)
        assert queued() == 0

    for callback in callbacks:
        callback()
    assert queued() == 1


def test_the_task_sends_through_the_configured_backend(project, manager, sponsor, mailoutbox):
    entry = services.proposal_submit(proposal=project.proposal, by=manager)

    assert send_notification(entry.pk) == 1
    assert [mail.to for mail in mailoutbox] == [[sponsor.email]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_sponsors_mail(celery_worker):
    sponsor = UserFactory(username="dana", email="dana@example.com", groups=["Sponsors"])
    project = ProjectFactory(sponsor=SponsorFactory(user=sponsor))
    manager = project.manager

    services.proposal_submit(proposal=project.proposal, by=manager)  # commits: enqueued

    [mail] = celery_worker.wait_for_mails(1)
    assert mail["To"] == "dana@example.com"
    assert mail["Subject"] == f"[Tollgate] Awaiting your decision: business case of {project.title}"
    assert Proposal.objects.get(pk=project.proposal.pk).state == ProposalState.SUBMITTED
    assert AuditEntry.objects.filter(action="submit").count() == 1


def test_a_title_typed_with_a_line_break_and_a_bcc_header_stays_one_line(manager, sponsor):
    """Issue 15, finding 2: the title is one line at input, and a subject is one line always."""
    from projects.forms.proposals import BusinessCaseForm

    form = BusinessCaseForm(
        {
            "title": "Printer refresh\r\nBcc: attacker@evil.example",
            "category": "hardware",
            "sponsor": sponsor.pk,
        },
        author=manager,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Printer refresh Bcc: attacker@evil.example"
    refused = BusinessCaseForm(
        {"title": "Bell\x07 rings", "category": "hardware", "sponsor": sponsor.pk}, author=manager
    )
    assert "Remove the invisible control characters" in str(refused.errors)


def test_a_subject_is_one_line_even_for_a_title_stored_before(project, manager, mailoutbox):
    from projects.models import Project

    Project.objects.filter(pk=project.pk).update(title="Printer refresh\r\nBcc: x@evil.example")
    entry = services.proposal_submit(proposal=project.proposal, by=manager)

    assert send_notification(entry.pk) == 1
    [mail] = mailoutbox
    assert "\n" not in mail.subject and mail.message()["Bcc"] is None
    assert mail.subject.endswith("Printer refresh Bcc: x@evil.example")


def test_a_mail_that_cannot_be_built_is_recorded_for_the_pmo_not_lost(project, manager, sponsor):
    from django.contrib.auth import get_user_model

    from projects.models import NotificationFailure

    get_user_model().objects.filter(pk=sponsor.pk).update(email="dana@example.com\nBcc: x@evil")
    entry = services.proposal_submit(proposal=project.proposal, by=manager)

    assert send_notification(entry.pk) == 0
    [failure] = NotificationFailure.objects.all()
    assert failure.entry == entry and failure.error.startswith(("BadHeaderError", "ValueError"))
