"""Webhooks (docs/webhooks.md): the endpoints the PMO registers, each event's delivery to one
of them, and every attempt at it — kept, so the PMO sees what a receiver answered and can
send a delivery again."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookEndpoint(models.Model):
    """A receiver: where the events it subscribes to are posted, signed with its secret.
    Never deleted: turned off (`active`), its deliveries stay in the log."""

    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)  # names from projects/events.py
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    audit_record = "Webhook"  # the endpoint is its audit rows' subject

    class Meta:
        ordering = ["-active", "url", "pk"]

    def __str__(self) -> str:
        return self.description or self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint: the body exactly as it is posted (every attempt, and a
    replay, sends these bytes), its state, and when it is next tried. `uuid` is the
    `Tollgate-Delivery` header a receiver uses to drop a delivery it has already seen."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    entry = models.ForeignKey(
        "lifecycle.AuditEntry", on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=60)
    body = models.TextField()
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it is (next) due; while an attempt runs, when that attempt is given up for lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    replay_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replays"
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint.url} ({self.state})"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    RETRY = "retry", "Will retry"
    FAILED = "failed", "Failed"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, how long it took, what the receiver answered (its status
    code and the first kilobyte of its body) or why there was no answer."""

    RESPONSE_KEPT = 1024  # bytes of the receiver's answer kept

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery}: {self.outcome}"
