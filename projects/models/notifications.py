"""E-mails that could not be sent: kept where the PMO sees them, never dropped in silence."""

from django.db import models
from django.utils import timezone


class NotificationFailure(models.Model):
    """The e-mails announcing one audit entry failed for good: they could not be built (a
    header the mail library refuses), or the mail server kept refusing them after the retries.
    Listed in the admin for the PMO."""

    entry = models.ForeignKey(
        "lifecycle.AuditEntry", on_delete=models.PROTECT, related_name="notification_failures"
    )
    error = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.error[:80]}"
