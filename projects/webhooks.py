"""Webhooks: what is posted, how it is signed, where it may go, and one attempt at it.

Every audited write announces its entry after the commit (`tasks.announce`); the entry
becomes one `WebhookDelivery` per active endpoint subscribed to its event, and the worker
posts each (`deliver`). The body is JSON, frozen when the delivery is made; each attempt signs
it with the endpoint's secret and the time of the attempt, like Stripe:
`Tollgate-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

Destinations are checked twice (SSRF): when the PMO registers the URL, and at every attempt,
where the host is resolved, every address it resolves to is checked, and the connection goes
to a checked address — so a DNS answer that changes between the check and the connection
cannot lead into the private network. Private, loopback, link-local, multicast and reserved
addresses are refused unless `WEBHOOKS_ALLOW_PRIVATE` is on. Redirects are never followed.

The tasks call this module; it imports no service (services -> tasks -> webhooks -> models).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects.events import EVENTS
from projects.formats import person
from projects.models import (
    AttemptOutcome,
    DeliveryState,
    Project,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from projects.statements import compiled

log = logging.getLogger(__name__)

# What an endpoint may subscribe to: every published event.
EVENT_NAMES = sorted(name for name, event in EVENTS.items() if event.published)
USER_AGENT = "Tollgate-Webhooks/1"
# How long an attempt may hold its delivery before it is taken for lost (a worker killed
# mid-request) and the sweeper sends it again: above the task's hard time limit.
ATTEMPT_LEASE = timedelta(seconds=120)
ATTEMPT_SOFT_TIME_LIMIT = 60
ATTEMPT_TIME_LIMIT = 90


class DestinationRefused(Exception):
    """The URL may not be posted to: its scheme, or an address its host resolves to."""


# -- Where a webhook may go --------------------------------------------------------------------


def is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address inside the organisation or the machine rather than on the internet. An IPv6
    address that carries IPv4 ones is judged by what it carries: IPv4-mapped ::ffff:127.0.0.1
    and 6to4 2002:a9fe:a9fe::1 are 127.0.0.1 and 169.254.169.254; a Teredo address
    (2001::/32) is private if its server's or its client's address is."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.teredo is not None:
            return any(is_private(inner) for inner in address.teredo)
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return is_private(inner)
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def url_refusal(url: str) -> str:
    """Why `url` may not receive webhooks, without looking its host up ("" if nothing)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises for a port out of range
    except ValueError:
        return "Enter a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Webhooks are posted to http:// or https:// addresses only."
    if not parts.hostname:
        return "Enter a URL with a host name."
    if parts.username or parts.password:
        return (
            "Leave the user name and password out of the URL: receivers check the "
            "Tollgate-Signature header instead."
        )
    return ""


def resolve(url: str) -> list[tuple[int, str]]:
    """The addresses (family, address) to connect to for `url`, each checked; raises
    `DestinationRefused` if any of them is private and private destinations are not allowed,
    `OSError` if the host cannot be resolved."""
    if refusal := url_refusal(url):
        raise DestinationRefused(refusal)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys((family, info[0]) for family, _, _, _, info in found))
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for _, address in addresses:
            if is_private(ipaddress.ip_address(address.split("%")[0])):
                raise DestinationRefused(
                    f"{parts.hostname} is a private, loopback, link-local or reserved address "
                    f"({address}): webhooks go to receivers on the internet."
                )
    return addresses


def destination_refusal(url: str) -> str:
    """What the registration form says about `url` ("" if it may receive webhooks)."""
    try:
        resolve(url)
    except DestinationRefused as refused:
        return str(refused)
    except (OSError, UnicodeError):
        return f"The host {urlsplit(url).hostname} cannot be found: check the URL."
    return ""


# -- What is posted ----------------------------------------------------------------------------


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": person(user)}


def payload(entry: AuditEntry) -> dict[str, Any]:
    """The event as receivers read it (documented in docs/webhooks.md)."""
    project = entry.subject if isinstance(entry.subject, Project) else None  # a delegation's
    about = project and {
        "id": project.pk,
        "reference": project.reference,
        "title": project.title,
        "url": settings.SITE_URL + reverse("projects:detail", args=[project.pk]),
    }
    return {
        "id": entry.pk,
        "event": entry.event,
        "occurred_at": entry.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "project": about,
        "actor": _person(entry.actor) | {"on_behalf_of": _person(entry.on_behalf_of)},
        "data": {
            "record": entry.record,
            "action": entry.action,
            "label": entry.label,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "comment": entry.comment,
            "details": entry.data,
        },
    }


def body_of(entry: AuditEntry) -> str:
    return json.dumps(payload(entry), ensure_ascii=False, separators=(",", ":"), default=str)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Tollgate-Signature` header's value for `body` sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def subscribers(event: str) -> list[WebhookEndpoint]:
    # Asked after every audited change: its SQL compiled once (projects/statements.py).
    active = compiled(("active webhooks",), lambda: WebhookEndpoint.objects.filter(active=True))
    return [e for e in active.records() if event in e.events]


def deliveries_for(entry: AuditEntry) -> list[int]:
    """After the commit of `entry`: a delivery for each active endpoint subscribed to its
    event; their ids, for the worker."""
    endpoints = subscribers(entry.event) if entry.event in EVENT_NAMES else []
    if not endpoints:
        return []
    body = body_of(entry)
    made = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, entry=entry, event=entry.event, body=body)
        for endpoint in endpoints
    )
    return [delivery.pk for delivery in made]


# -- One attempt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (refused, timed out, unreachable)
    text: str = ""
    error: str = ""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, whatever the host name resolves to now:
    `open` makes the TCP connection (CONNECT_TIMEOUT), `secure` the TLS session over it;
    then every read waits at most READ_TIMEOUT."""

    def __init__(self, host: str, port: int, *, address: str) -> None:
        super().__init__(host, port, timeout=settings.WEBHOOK_CONNECT_TIMEOUT)
        self.address = address

    def open(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.settimeout(settings.WEBHOOK_READ_TIMEOUT)

    def secure(self) -> None:
        pass

    def connect(self) -> None:
        self.open()
        self.secure()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS: the certificate is checked against the host name (SNI too)."""

    def secure(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _why(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return (
            f"Timed out: no connection within {settings.WEBHOOK_CONNECT_TIMEOUT:g} s or no "
            f"answer within {settings.WEBHOOK_READ_TIMEOUT:g} s."
        )
    return f"{type(error).__name__}: {error}"[:300]


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` at a checked address; the status and the first kilobyte of the
    answer, or why there was none. An address that cannot be connected to gives way to the
    next the host resolves to; once connected, a failure is the answer. Raises
    `DestinationRefused`."""
    parts = urlsplit(url)
    try:
        addresses = resolve(url)
    except (OSError, UnicodeError) as error:
        return Answer(None, error=f"Cannot resolve {parts.hostname}: {error}"[:300])
    https = parts.scheme == "https"
    kind = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    unreachable: Exception | None = None
    for _, address in addresses:
        connection = kind(parts.hostname, port, address=address.split("%")[0])
        try:
            try:
                connection.open()
            except OSError as error:
                unreachable = error  # the next address, if there is one
                continue
            connection.secure()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read(WebhookAttempt.RESPONSE_KEPT)
            return Answer(response.status, text.decode("utf-8", errors="replace"))
        except (OSError, http.client.HTTPException) as error:
            return Answer(None, error=_why(error))
        finally:
            connection.close()
    return Answer(None, error=_why(unreachable) if unreachable else "No address to connect to.")


def retried(answer: Answer) -> bool:
    """Worth trying again later: no answer, or the receiver's own trouble (5xx, 408, 429)."""
    return answer.status is None or answer.status >= 500 or answer.status in (408, 429)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, if it is due and nobody else is sending it; it is then held for
    `ATTEMPT_LEASE`, so a second message for it (the sweeper's, a redelivery) does nothing."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + ATTEMPT_LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def deliver(delivery_id: int) -> float | None:
    """One attempt at a delivery, logged; the seconds until the next one, or None when
    there is none to make (delivered, failed for good, not due, someone else sending it)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    started = time.monotonic()
    if not endpoint.active:
        answer = Answer(None, error="The endpoint was turned off.")
        refused = True
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Tollgate-Event": delivery.event,
            "Tollgate-Delivery": str(delivery.uuid),
            "Tollgate-Signature": signature(endpoint.secret, int(time.time()), body),
        }
        try:
            answer = post(endpoint.url, body, headers)
            refused = False
        except DestinationRefused as refusal:
            answer, refused = Answer(None, error=str(refusal)[:300]), True
    duration = round((time.monotonic() - started) * 1000)
    delays = settings.WEBHOOK_RETRY_DELAYS
    if answer.status is not None and 200 <= answer.status < 300:
        outcome = AttemptOutcome.DELIVERED
    elif not refused and retried(answer) and delivery.attempts <= len(delays):
        outcome = AttemptOutcome.RETRY
    else:
        outcome = AttemptOutcome.FAILED
    delay = delays[delivery.attempts - 1] if outcome == AttemptOutcome.RETRY else None
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            duration_ms=duration,
            status_code=answer.status,
            response=answer.text,
            error=answer.error,
            outcome=outcome,
        )
        delivery.state = {
            AttemptOutcome.DELIVERED: DeliveryState.DELIVERED,
            AttemptOutcome.FAILED: DeliveryState.FAILED,
        }.get(outcome, DeliveryState.PENDING)
        delivery.next_attempt_at = (
            timezone.now() + timedelta(seconds=delay) if delay is not None else None
        )
        delivery.save(update_fields=["state", "next_attempt_at"])
    if outcome == AttemptOutcome.FAILED:
        log.warning(
            "Webhook delivery %s of %s to %s failed after %d attempts: %s",
            delivery.uuid,
            delivery.event,
            endpoint.url,
            delivery.attempts,
            answer.error or f"HTTP {answer.status}",
        )
    return delay


def due_deliveries() -> list[int]:
    """Pending deliveries whose time has come and gone: the broker lost their message, or
    their worker vanished mid-attempt. The sweeper enqueues them again."""
    late = timezone.now() - timedelta(seconds=30)
    pending = WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=late)
    return list(pending.values_list("pk", flat=True)[:500])
