"""Celery tasks: thin — take an id, load, call the code that knows what to do.

Services import this module and enqueue after their commit: `announce(entry)` for the e-mails
an audit entry's event is declared to send and the webhooks subscribed to it,
`enqueue(render_pdf, job_id)` for a render. The tasks call `notifications`, `rendering` and
`webhooks`, which import no service: the imports run one way,
services -> tasks -> (notifications, rendering, webhooks) -> models.
"""

import logging
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import BadHeaderError, get_connection
from django.db import InterfaceError, OperationalError

from lifecycle.models import AuditEntry
from projects import account_mail, digests, evidence, notifications, pdf, rendering, webhooks

log = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any, countdown: float | None = None) -> None:
    """Send a task to the broker (after `countdown` seconds, if given). A broker that is down
    is logged, never an error page: a PDF job stays queued for the sweeper; a decision stands
    and only its e-mail is lost; a webhook's next attempt is found by its sweeper."""
    try:
        task.apply_async(args, countdown=countdown)
    except Exception:
        log.exception("Could not enqueue %s%s", task.name, args)


def announce(entry: AuditEntry) -> None:
    """After the commit of `entry` — every audited write, transition or not, comes here: the
    e-mails its event is declared to send, if any, and a delivery to each webhook endpoint
    subscribed to it."""
    if notifications.has_audience(entry):
        enqueue(send_notification, entry.pk)
    for delivery_id in webhooks.deliveries_for(entry):
        enqueue(deliver_webhook, delivery_id)


MAIL_RETRIES = 5


@shared_task(bind=True, max_retries=MAIL_RETRIES)
def send_notification(self: Task, entry_id: int) -> int:
    """Send the e-mails announcing one audit entry; returns how many were sent. A mail server
    that refuses is tried again with back-off; what cannot be built, or is still refused after
    the last try, is recorded for the PMO (`NotificationFailure`), never dropped in silence."""
    entry = AuditEntry.objects.select_related("actor").get(pk=entry_id)
    try:
        messages = notifications.messages_for(entry)
        if not messages:
            return 0
        return get_connection().send_messages(messages) or 0
    except (BadHeaderError, ValueError) as error:  # trying again cannot help
        notifications.record_failure(entry, error)
        return 0
    except OSError as error:
        if self.request.retries >= MAIL_RETRIES:
            notifications.record_failure(entry, error)
            return 0
        raise self.retry(exc=error, countdown=2**self.request.retries) from error


@shared_task(bind=True, max_retries=MAIL_RETRIES)
def send_password_mail(self: Task, user_id: int, kind: str, base_url: str) -> int:
    """An invitation or a password reset: the e-mail with a set-password link (its token made
    here, after the commit); nothing for someone deactivated since it was asked for."""
    try:
        message = account_mail.password_message(user_id, kind, base_url)
        return message.send() if message else 0
    except OSError as error:
        if self.request.retries >= MAIL_RETRIES:
            log.error("Could not send the %s e-mail to user %s: %s", kind, user_id, error)
            return 0
        raise self.retry(exc=error, countdown=2**self.request.retries) from error


@shared_task(
    acks_late=True,  # a worker killed mid-render leaves the message to be delivered again…
    reject_on_worker_lost=True,  # …immediately, not after the visibility timeout
    autoretry_for=(OperationalError, InterfaceError),  # the database blinked: try again
    retry_backoff=2,
    retry_kwargs={"max_retries": 3},
    soft_time_limit=settings.PDF_SOFT_TIME_LIMIT,
    time_limit=settings.PDF_TIME_LIMIT,
)
def render_pdf(job_id: int) -> str:
    """Render one PDF job. Safe to run twice: see `rendering.render_job`. The garbage of the
    layout is collected once the job is stored and ready (`pdf.collecting_after`)."""
    with pdf.collecting_after():
        return rendering.render_job(job_id).status


@shared_task
def requeue_stuck_pdfs() -> int:
    """The sweeper, run every minute by celery beat (or `manage.py requeue_stuck_pdfs`):
    enqueue again the jobs the broker never got or whose worker vanished."""
    stuck = rendering.stuck_jobs()
    for job_id in stuck:
        enqueue(render_pdf, job_id)
    return len(stuck)


@shared_task(bind=True, max_retries=MAIL_RETRIES)
def send_digests(self: Task) -> int:
    """Beat runs this every DIGEST_CHECK_SECONDS: today's digests still due go out (each
    person's once a day, however often it runs); a refusing mail server retries it."""
    try:
        return digests.send_due()
    except OSError as error:
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


@shared_task
def report_orphan_files() -> int:
    """Beat runs this once a day (or `manage.py find_orphan_files`): files in storage that no
    attachment names, and attachments whose file is gone, are logged for the PMO — never
    deleted by a guess."""
    found = evidence.find_orphans()
    if found.files or found.rows:
        log.warning(
            "Evidence out of step with storage: %d stored files named by no attachment %s; "
            "%d attachments whose file is gone (ids %s).",
            len(found.files),
            found.files[:20],
            len(found.rows),
            found.rows[:20],
        )
    return len(found.files) + len(found.rows)


@shared_task(
    soft_time_limit=webhooks.ATTEMPT_SOFT_TIME_LIMIT, time_limit=webhooks.ATTEMPT_TIME_LIMIT
)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a webhook delivery; the next one, if the receiver could not take it, is
    enqueued for its time (and found by the sweeper should that message be lost)."""
    delay = webhooks.deliver(delivery_id)
    if delay is not None:
        enqueue(deliver_webhook, delivery_id, countdown=delay)
    return "retry" if delay is not None else "done"


@shared_task
def deliver_due_webhooks() -> int:
    """The webhook sweeper, run every minute by celery beat: deliveries whose attempt is due
    but whose message the broker lost, or whose worker vanished mid-attempt."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        enqueue(deliver_webhook, delivery_id)
    return len(due)
