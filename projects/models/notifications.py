"""E-mails that could not be sent: kept where the PMO sees them, never dropped in silence."""

from django.conf import settings
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


class Digest(models.Model):
    """One person's daily digest: claimed before it is sent, so however often the periodic
    task runs — two beats, a retry — nobody gets two the same day; `sent_at` stays empty
    until the mail server took it, so a digest that failed is tried again, not lost."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0, help_text="How many items it listed.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_person_a_day")
        ]

    def __str__(self) -> str:
        return f"Digest for {self.user} on {self.day}"
