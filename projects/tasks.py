"""Celery tasks: thin — take an id, load, call the code that knows what to do."""

from celery import shared_task
from django.core.mail import get_connection

from lifecycle.models import AuditEntry
from projects import notifications


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
