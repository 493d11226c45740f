"""Who hears about what (SPEC §6): each event's audience (declared in `projects/events.py`)
turned into people, and the e-mails for one audit entry.

`tasks.announce(entry)` runs after the commit of the audit row it announces; the Celery task
calls `messages_for(entry)` to build the mails, so the rules live here and the task stays thin.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from lifecycle.models import AuditEntry
from lifecycle.rules import allows
from projects import events
from projects.discussion import KINDS
from projects.events import EVENTS, Audience, Event
from projects.formats import day, person, signed
from projects.models import Delegation, NotificationFailure, Project, Sponsor
from projects.roles import PMO_GROUP
from projects.rules import approval_authority

log = logging.getLogger(__name__)


def event_of(entry: AuditEntry) -> Event | None:
    return EVENTS.get(entry.event)


def has_audience(entry: AuditEntry) -> bool:
    event = event_of(entry)
    return event is not None and event.audience != Audience.NOBODY


def covering(amount: Decimal | None, project: Project) -> list[AbstractBaseUser]:
    """The sponsors whose approval limit covers `amount`, its manager never among them."""
    return [
        sponsor.user
        for sponsor in Sponsor.objects.select_related("user").exclude(user_id=project.manager_id)
        if approval_authority(sponsor.user).covers(amount)
    ]


def deputies_of(sponsor: Sponsor) -> list[AbstractBaseUser]:
    """Whoever decides for the sponsor today: they hear what awaits the sponsor."""
    delegations = Delegation.objects.active().filter(sponsor=sponsor).select_related("deputy")
    return [delegation.deputy for delegation in delegations]


def audience(event: Event, project: Project, entry: AuditEntry) -> list[AbstractBaseUser]:
    match event.audience:
        case Audience.SPONSOR | Audience.SPONSOR_NOTICE:
            return [project.sponsor.user, *deputies_of(project.sponsor)]
        case Audience.APPROVERS:
            # An escalated change request: the project's budget with it; else the business case.
            after = entry.data.get("budget_after")
            amount = Decimal(after) if after else project.proposal.estimated_cost
            return covering(amount, project)
        case Audience.FUNDING_APPROVERS:
            if approval_authority(project.sponsor.user, project).covers(
                Decimal(entry.data["total"])
            ):
                return [project.sponsor.user]
            return list(get_user_model().objects.filter(groups__name=PMO_GROUP, is_active=True))
        case Audience.MANAGER:
            return [project.manager]
        case Audience.EVERYONE:
            members = [m.user for m in project.memberships.select_related("user")]
            return [project.manager, project.sponsor.user, *members]
    return []


def recipients_for(entry: AuditEntry, project: Project) -> list[AbstractBaseUser]:
    event = event_of(entry)
    people = audience(event, project, entry) if event else []
    unique = {person.pk: person for person in people if person.email and person.is_active}
    unique.pop(entry.actor_id, None)  # nobody is told what they just did themselves
    return list(unique.values())


def messages_for(entry: AuditEntry) -> list[EmailMessage]:
    event = event_of(entry)
    if event is None:
        return []
    if event.audience == Audience.DEPUTY:
        return delegation_messages(entry)
    if event.audience == Audience.MENTIONED:
        return mention_messages(entry)
    project = Project.objects.select_related("manager", "sponsor__user", "proposal").get(
        pk=entry.subject_id
    )
    people = recipients_for(entry, project)
    if not people:
        return []
    if event.awaits_decision:
        subject = f"Awaiting your decision: {entry.record.lower()} of {project.title}"
    elif event.audience == Audience.EVERYONE:
        subject = f"{project.title} is now {entry.to_state}"
    else:
        subject = f"{entry.record} for {project.title}: {entry.label}"
    context = {
        "entry": entry,
        "actor": signed(entry),
        "project": project,
        "awaits_decision": event.awaits_decision,
        "url": settings.SITE_URL + reverse(event.page, args=[project.pk]),
    }
    body = render_to_string("projects/email/notification.txt", context)
    subject = " ".join(f"[Tollgate] {subject}".split())  # one line, whatever a title holds
    return [EmailMessage(subject=subject, body=body, to=[recipient.email]) for recipient in people]


def delegation_messages(entry: AuditEntry) -> list[EmailMessage]:
    """The deputy hears that they were named, or that the delegation was revoked."""
    delegation = Delegation.objects.select_related("sponsor__user", "deputy").get(
        pk=entry.subject_id
    )
    deputy = delegation.deputy
    if not deputy.email or not deputy.is_active or deputy.pk == entry.actor_id:
        return []
    sponsor = person(delegation.sponsor.user)
    span = f"from {day(delegation.starts_on)} to {day(delegation.ends_on)}"
    if entry.event == events.DELEGATION_REVOKED:
        subject = f"You are no longer deputy for {sponsor}"
    else:
        subject = f"You are deputy for {sponsor} {span}"
    body = render_to_string(
        "projects/email/delegation.txt",
        {
            "entry": entry,
            "actor": signed(entry),
            "delegation": delegation,
            "sponsor": sponsor,
            "span": span,
            "revoked": entry.event == events.DELEGATION_REVOKED,
            "url": settings.SITE_URL + reverse("projects:delegations"),
        },
    )
    return [EmailMessage(subject=f"[Tollgate] {subject}", body=body, to=[deputy.email])]


def mention_messages(entry: AuditEntry) -> list[EmailMessage]:
    """The people a comment @mentions hear of it, with its text and a link to the thread —
    unless they turned mention e-mails off (the mention waits in Needs my action anyway)."""
    project = Project.objects.select_related("manager", "sponsor__user").get(pk=entry.subject_id)
    people = (
        get_user_model()
        .objects.filter(pk__in=entry.data.get("mentioned", []), is_active=True)
        .exclude(profile__mention_emails=False)
    )
    kind = KINDS[entry.data["thread"]]
    url = settings.SITE_URL + kind.link(project.pk, entry.data["record"])
    url += f"#comment-{entry.data['comment']}"
    subject = f"[Tollgate] {signed(entry)} mentioned you on {kind.noun} of {project.title}"
    messages = []
    for recipient in people:
        if not recipient.email or not allows(recipient, "may_view_project", project):
            continue
        body = render_to_string(
            "projects/email/mention.txt",
            {"entry": entry, "actor": signed(entry), "project": project, "kind": kind, "url": url},
        )
        messages.append(
            EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])
        )
    return messages


def record_failure(entry: AuditEntry, error: Exception) -> None:
    log.error("The e-mails for audit entry %s failed for good: %s", entry.pk, error)
    NotificationFailure.objects.create(entry=entry, error=f"{type(error).__name__}: {error}")
