"""Webhooks: the PMO registers and changes endpoints, and sends a delivery again (a replay).
Deliveries themselves are made after every audited write (`tasks.announce`) and sent by the
worker (`projects/webhooks.py`)."""

import secrets
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import tasks, webhooks
from projects.models import WebhookDelivery, WebhookEndpoint


def secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _check(url: str, events: list[str]) -> None:
    errors = {}
    if refusal := webhooks.destination_refusal(url):
        errors["url"] = refusal
    if unknown := sorted(set(events) - set(webhooks.EVENT_NAMES)):
        errors["events"] = f"Unknown events: {', '.join(unknown)}."
    elif not events:
        errors["events"] = "Choose at least one event."
    if errors:
        raise ValidationError(errors)


def endpoint_create(
    *,
    by: AbstractBaseUser,
    url: str,
    events: list[str],
    description: str = "",
    secret: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Register a receiver; with no secret given, one is made (shown on its page)."""
    require(by, "may_manage_webhooks")
    _check(url, events)
    return WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        description=description,
        secret=secret or secret_new(),
        active=active,
        created_by=by,
    )


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    by: AbstractBaseUser,
    url: str,
    events: list[str],
    description: str = "",
    secret: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Change a receiver; a blank secret keeps the one it has. Deliveries already made keep
    their body; each attempt signs with the secret of its moment."""
    require(by, "may_manage_webhooks")
    _check(url, events)
    endpoint.url, endpoint.events = url, sorted(set(events))
    endpoint.description, endpoint.active = description, active
    endpoint.secret = secret or endpoint.secret
    endpoint.updated_at = timezone.now()
    endpoint.save()
    return endpoint


def delivery_replay(*, delivery: WebhookDelivery, by: AbstractBaseUser) -> WebhookDelivery:
    """A new delivery of the same body to the same endpoint (a new `Tollgate-Delivery` id,
    so the receiver takes it even if it kept the first), sent after the commit."""
    require(by, "may_manage_webhooks")
    if not delivery.endpoint.active:
        raise ValidationError("The endpoint is turned off: turn it on before replaying.")
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            entry_id=delivery.entry_id,
            event=delivery.event,
            body=delivery.body,
            replay_of=delivery,
            replayed_by=by,
        )
        transaction.on_commit(partial(tasks.enqueue, tasks.deliver_webhook, replay.pk), robust=True)
    return replay
