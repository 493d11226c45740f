"""The daily digest (SPEC §10): once a day, each person's items that have waited longer than
REMIND_AFTER_DAYS; the PMO's also lists what is overdue anywhere (ESCALATE_AFTER_DAYS).

Celery beat runs `tasks.send_digests` every DIGEST_CHECK_SECONDS; from DIGEST_HOUR on, it
sends each person whose digest is still due today. A `Digest` row per person and day is
claimed (locked, skipping rows another worker holds) before the mail goes out and marked sent
in the same transaction, so two beats or a retried task never send a second one; a mail server
that refuses leaves the row unsent with its error, and the next run tries again.
"""

import logging
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lifecycle.rules import allows
from projects.models import Digest
from projects.selectors.inbox import overdue_everywhere, reminders_for

log = logging.getLogger(__name__)
# A digest lists the oldest items; a longer list is read in Needs my action, not in a mail.
DIGEST_LIMIT = 25


def people_due(today: date) -> QuerySet:
    """Who may still get today's digest: active, with an e-mail address, digests on, and none
    sent today."""
    sent = Digest.objects.filter(day=today, sent_at__isnull=False).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(pk__in=sent)
        .filter(Q(profile__isnull=True) | Q(profile__digest=True))
        .order_by("pk")
    )


def digest_message(user: AbstractBaseUser) -> tuple[EmailMessage | None, int]:
    """The mail for `user` now, and how many items it lists (None, 0: nothing to say)."""
    items = reminders_for(user, DIGEST_LIMIT)
    overdue, overdue_total = overdue_everywhere() if allows(user, "may_see_overdue") else ([], 0)
    count = len(items) + overdue_total
    if not count:
        return None, 0
    body = render_to_string(
        "projects/email/digest.txt",
        {
            "items": items,
            "limit": DIGEST_LIMIT,
            "overdue": overdue,
            "overdue_total": overdue_total,
            "remind_after": settings.REMIND_AFTER_DAYS,
            "escalate_after": settings.ESCALATE_AFTER_DAYS,
            "site": settings.SITE_URL,
            "inbox_url": settings.SITE_URL + reverse("projects:inbox"),
            "profile_url": settings.SITE_URL + reverse("projects:profile"),
        },
    )
    waiting = f"{len(items)} item{'' if len(items) == 1 else 's'} wait for you"
    if overdue_total:
        waiting += f", {overdue_total} overdue in the portfolio"
    message = EmailMessage(subject=f"[Tollgate] {waiting}", body=body, to=[user.email])
    return message, count


def digest_send(user: AbstractBaseUser, today: date) -> bool:
    """Send `user` today's digest unless it is sent already or another worker is sending it;
    returns whether a mail went out. A refusing mail server raises (after recording the
    error): the row stays unsent and the next run tries again."""
    Digest.objects.get_or_create(user=user, day=today)
    refused: OSError | None = None
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(skip_locked=True)
            .filter(user=user, day=today, sent_at__isnull=True)
            .first()
        )
        if digest is None:
            return False  # sent already, or being sent right now
        message, count = digest_message(user)
        digest.attempts += 1
        digest.items = count
        if message is not None:
            try:
                get_connection().send_messages([message])
            except OSError as error:
                refused = error
        if refused is None:
            digest.sent_at = timezone.now()  # with nothing to say, today's is done as well
            digest.error = ""
        else:
            digest.error = f"{type(refused).__name__}: {refused}"
        digest.save(update_fields=["attempts", "items", "error", "sent_at"])
    if refused is not None:
        raise refused
    return message is not None


def send_due(now: datetime | None = None) -> int:
    """Every digest due now (from DIGEST_HOUR on): returns how many mails went out. A mail
    server that refuses one is logged and the others still go; then the error is raised, so
    the task is retried for those left. A digest that cannot be built or sent for another
    reason (an address the mail library refuses) is logged and kept with its error; the
    others still go."""
    now = timezone.localtime(now)
    if now.hour < settings.DIGEST_HOUR:
        return 0
    sent, refused = 0, None
    for user in people_due(now.date()):
        try:
            sent += digest_send(user, now.date())
        except OSError as error:
            log.warning("The digest for %s was refused: %s", user, error)
            refused = error
        except Exception as error:
            log.exception("The digest for %s could not be sent", user)
            Digest.objects.filter(user=user, day=now.date(), sent_at__isnull=True).update(
                error=f"{type(error).__name__}: {error}"
            )
    if refused is not None:
        raise refused
    return sent
