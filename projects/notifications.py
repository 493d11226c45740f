"""Who hears about what (SPEC §6): the sponsor when something awaits them, the manager when
the sponsor decides, everyone on the project when the stage changes.

`enqueue(entry)` runs after the commit of the audit row it announces; the Celery task calls
`messages_for(entry)` to build the mails, so the rules live here and the task stays thin.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from lifecycle.models import AuditEntry
from projects.models import Project, Sponsor

log = logging.getLogger(__name__)

TO_SPONSOR = {"submit", "deliver"}
# An endorsement above the sponsor's limit goes to every sponsor whose limit covers the cost.
TO_APPROVERS = {"endorse"}
TO_MANAGER = {
    "approve",
    "reject",
    "request_changes",
    "record_funding",
    "sign",
    "return_charter",
    "return_plan",
    "accept",
    "send_back",
}
STAGE = "Stage"
# Where a mail about a record sends its reader.
RECORD_PAGES = {
    "Charter": "projects:charter",
    "Plan": "projects:plan",
    "Deliverable": "projects:status",
}


def enqueue(entry: AuditEntry) -> None:
    from projects.tasks import send_notification

    try:
        send_notification.delay(entry.pk)
    except Exception:
        # The broker is down: the decision stands, only its e-mail is lost. Say so loudly.
        log.exception("Could not enqueue the notification for audit entry %s", entry.pk)


def recipients_for(entry: AuditEntry, project: Project) -> list[AbstractBaseUser]:
    if entry.action in TO_SPONSOR:
        people = [project.sponsor.user]
    elif entry.action in TO_APPROVERS:
        people = [
            sponsor.user
            for sponsor in Sponsor.objects.select_related("user")
            if sponsor.covers(project.proposal.estimated_cost)
        ]
    elif entry.action in TO_MANAGER:
        people = [project.manager]
    elif entry.record == STAGE:
        people = [project.manager, project.sponsor.user] + [
            membership.user for membership in project.memberships.select_related("user")
        ]
    else:
        people = []
    unique = {person.pk: person for person in people if person.email and person.is_active}
    unique.pop(entry.actor_id, None)  # nobody is told what they just did themselves
    return list(unique.values())


def messages_for(entry: AuditEntry) -> list[EmailMessage]:
    project = Project.objects.select_related("manager", "sponsor__user", "proposal").get(
        pk=entry.subject_id
    )
    people = recipients_for(entry, project)
    if not people:
        return []
    awaits_decision = entry.action in TO_SPONSOR | TO_APPROVERS
    if awaits_decision:
        subject = f"Awaiting your decision: {entry.record.lower()} of {project.title}"
    elif entry.record == STAGE:
        subject = f"{project.title} is now {entry.to_state}"
    else:
        subject = f"{entry.record} for {project.title}: {entry.label}"
    context = {
        "entry": entry,
        "project": project,
        "awaits_decision": awaits_decision,
        "url": settings.SITE_URL
        + reverse(RECORD_PAGES.get(entry.record, "projects:detail"), args=[project.pk]),
    }
    body = render_to_string("projects/email/notification.txt", context)
    return [
        EmailMessage(subject=f"[Tollgate] {subject}", body=body, to=[person.email])
        for person in people
    ]
