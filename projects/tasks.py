"""Celery tasks: thin — take an id, load, call the code that knows what to do."""

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.db import InterfaceError, OperationalError

from lifecycle.models import AuditEntry
from projects import notifications
from projects.services import pdfs


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def send_notification(entry_id: int) -> int:
    """Send the e-mails announcing one audit entry. Returns how many were sent."""
    entry = AuditEntry.objects.select_related("actor").get(pk=entry_id)
    messages = notifications.messages_for(entry)
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


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
    """Render one PDF job. Safe to run twice: see `services.pdfs.pdf_job_render`."""
    return pdfs.pdf_job_render(job_id).status


@shared_task
def requeue_stuck_pdfs() -> int:
    """The sweeper, run every minute by celery beat (or `manage.py requeue_stuck_pdfs`)."""
    return pdfs.pdf_jobs_requeue_stuck()
