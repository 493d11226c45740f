"""Webhooks: the PMO registers and changes endpoints, and sends a delivery again (a replay).
Deliveries themselves are made after every audited write (`tasks.announce`) and sent by the
worker (`projects/webhooks.py`). Each change is audited on the endpoint (record "Webhook"):
its URL, events, description and whether it is active, and whether the secret changed — never
the secret itself. Those events are not published to webhooks (`projects/events.py`)."""

import secrets
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import tasks, webhooks
from projects.events import (
    WEBHOOK_CREATED,
    WEBHOOK_DEACTIVATED,
    WEBHOOK_REACTIVATED,
    WEBHOOK_REPLAYED,
    WEBHOOK_UPDATED,
)
from projects.models import WebhookDelivery, WebhookEndpoint
from projects.services.audit import audit


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
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            events=sorted(set(events)),
            description=description,
            secret=secret or secret_new(),
            active=active,
            created_by=by,
        )
        audit(
            subject=endpoint,
            record=WebhookEndpoint.audit_record,
            action="create",
            event=WEBHOOK_CREATED,
            label="Add endpoint",
            comment=endpoint.url,
            data=endpoint_snapshot(endpoint) | {"secret_chosen": bool(secret)},
            by=by,
        )
    return endpoint


def endpoint_snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit rows keep of an endpoint, and what its form starts from: never its
    secret."""
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.active,
    }


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return value or "(blank)"


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
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = endpoint_snapshot(endpoint)
        secret_changed = bool(secret) and secret != endpoint.secret
        endpoint.url, endpoint.events = url, sorted(set(events))
        endpoint.description, endpoint.active = description, active
        endpoint.secret = secret or endpoint.secret
        endpoint.updated_at = timezone.now()
        endpoint.save()
        after = endpoint_snapshot(endpoint)
        changes = [
            f"{key}: {_shown(before[key])} → {_shown(after[key])}"
            for key in after
            if before[key] != after[key]
        ]
        if secret_changed:
            changes.append("signing secret changed")
        action, event, label = "update", WEBHOOK_UPDATED, "Change endpoint"
        if before["active"] and not active:
            action, event, label = "deactivate", WEBHOOK_DEACTIVATED, "Turn endpoint off"
        elif active and not before["active"]:
            action, event, label = "reactivate", WEBHOOK_REACTIVATED, "Turn endpoint on"
        audit(
            subject=endpoint,
            record=WebhookEndpoint.audit_record,
            action=action,
            event=event,
            label=label,
            comment="; ".join(changes) or "No change",
            data={"before": before, "after": after, "secret_changed": secret_changed},
            by=by,
        )
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
        audit(
            subject=delivery.endpoint,
            record=WebhookEndpoint.audit_record,
            action="replay",
            event=WEBHOOK_REPLAYED,
            label="Replay delivery",
            comment=f"{delivery.event}, delivery {delivery.uuid} sent again as {replay.uuid}",
            data={
                "event": delivery.event,
                "entry": delivery.entry_id,
                "delivery": str(delivery.uuid),
                "replay": str(replay.uuid),
            },
            by=by,
        )
        transaction.on_commit(partial(tasks.enqueue, tasks.deliver_webhook, replay.pk), robust=True)
    return replay
