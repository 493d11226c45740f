"""Webhooks through a real Celery worker process and a real receiver process: a decision made
in the browser reaches the receiver signed; a 500 is tried again and delivered; a receiver
that hangs is timed out and tried again a bounded number of times; Replay sends it again."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects.models import AttemptOutcome, DeliveryState, WebhookDelivery
from projects.services.webhooks import endpoint_create
from tests.conftest import client_for
from tests.webhook_receiver import running_receiver
from tests.worker import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SECRET = "whsec_test-only-secret-of-the-receiver"
RETRY_DELAYS = [0.2, 0.2]  # three attempts in all


@pytest.fixture(scope="module")
def webhook_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A worker that may post to this machine, with short back-off and time-outs."""
    env = {
        "WEBHOOKS_ALLOW_PRIVATE": "1",
        "WEBHOOK_RETRY_DELAYS": ",".join(map(str, RETRY_DELAYS)),
        "WEBHOOK_CONNECT_TIMEOUT": "1",
        "WEBHOOK_READ_TIMEOUT": "1",
    }
    with running_worker(tmp_path_factory.mktemp("webhooks"), env=env) as worker:
        yield worker


@pytest.fixture(autouse=True)
def _private_destinations_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1


def settled(count: int = 1, timeout: float = 30) -> list[WebhookDelivery]:
    """The deliveries, once `count` of them are delivered or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = WebhookDelivery.objects.exclude(state=DeliveryState.PENDING).order_by("pk")
        if done.count() >= count:
            return list(done)
        time.sleep(0.05)
    states = list(WebhookDelivery.objects.values_list("state", "attempts"))
    raise AssertionError(f"deliveries still pending: {states}")


def approve_in_the_browser(project, sponsor) -> AuditEntry:
    response = client_for(sponsor).post(
        reverse("projects:proposal-action", args=[project.pk, "approve"]), {"comment": "Go"}
    )
    assert response.status_code == 302
    return AuditEntry.objects.get(event="business_case.approved")


def verified(request: dict, secret: str = SECRET) -> bool:
    """What a receiver does (docs/webhooks.md): recompute the HMAC of "<t>.<body>"."""
    parts = dict(part.split("=", 1) for part in request["headers"]["Tollgate-Signature"].split(","))
    signed = f"{parts['t']}.{request['body']}".encode()
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def test_a_decision_in_the_browser_reaches_the_receiver_signed(
    webhook_worker, submitted, sponsor, pmo, tmp_path
):
    with running_receiver(tmp_path, "200") as receiver:
        endpoint_create(
            by=pmo, url=receiver.url(), events=["business_case.approved"], secret=SECRET
        )
        entry = approve_in_the_browser(submitted, sponsor)
        (delivery,) = settled()
        (request,) = receiver.requests()
    assert verified(request)
    assert not verified(request, secret="another secret")
    body = json.loads(request["body"])
    assert (body["id"], body["event"], body["project"]["id"]) == (
        entry.pk,
        "business_case.approved",
        submitted.pk,
    )
    assert request["headers"]["Tollgate-Delivery"] == str(delivery.uuid)
    assert delivery.state == DeliveryState.DELIVERED


def test_a_500_is_tried_again_and_delivered(webhook_worker, submitted, sponsor, pmo, tmp_path):
    with running_receiver(tmp_path, "500,200") as receiver:
        endpoint = endpoint_create(by=pmo, url=receiver.url(), events=["business_case.approved"])
        approve_in_the_browser(submitted, sponsor)
        (delivery,) = settled()
        first, second = receiver.requests()
    assert delivery.state == DeliveryState.DELIVERED
    assert [(a.status_code, a.outcome) for a in delivery.tries.all()] == [
        (500, AttemptOutcome.RETRY),
        (200, AttemptOutcome.DELIVERED),
    ]
    assert delivery.tries.first().response == "receiver says 500"
    # The same delivery, the same bytes; each attempt signed anew.
    assert first["body"] == second["body"]
    assert first["headers"]["Tollgate-Delivery"] == second["headers"]["Tollgate-Delivery"]
    assert verified(first, endpoint.secret) and verified(second, endpoint.secret)


def test_a_hanging_receiver_is_timed_out_and_tried_a_bounded_number_of_times(
    webhook_worker, submitted, sponsor, pmo, tmp_path
):
    with running_receiver(tmp_path, "hang") as receiver:
        endpoint_create(by=pmo, url=receiver.url(), events=["business_case.approved"])
        approve_in_the_browser(submitted, sponsor)
        (delivery,) = settled()
        attempts = len(receiver.requests())
    assert delivery.state == DeliveryState.FAILED
    tries = list(delivery.tries.all())
    assert attempts == len(tries) == len(RETRY_DELAYS) + 1
    assert [t.outcome for t in tries] == [AttemptOutcome.RETRY] * 2 + [AttemptOutcome.FAILED]
    assert all(t.status_code is None and t.error.startswith("Timed out") for t in tries)


def test_replay_sends_the_same_body_again_under_a_new_delivery_id(
    webhook_worker, submitted, sponsor, pmo, tmp_path
):
    with running_receiver(tmp_path, "200") as receiver:
        endpoint = endpoint_create(
            by=pmo, url=receiver.url(), events=["business_case.approved"], secret=SECRET
        )
        approve_in_the_browser(submitted, sponsor)
        (first,) = settled()
        response = client_for(pmo).post(
            reverse("projects:webhook-replay", args=[endpoint.pk, first.pk])
        )
        assert response.status_code == 302
        _, replay = settled(2)
        original, replayed = receiver.requests()
    assert replay.replay_of == first and replay.state == DeliveryState.DELIVERED
    assert replayed["body"] == original["body"]
    assert replayed["headers"]["Tollgate-Delivery"] == str(replay.uuid) != str(first.uuid)
    assert verified(replayed)


def test_a_delivery_whose_message_was_lost_is_sent_by_the_sweeper(
    webhook_worker, submitted, sponsor, pmo, tmp_path
):
    """The broker was down after the commit: the delivery waits in the database until the
    sweeper (beat, or `manage.py deliver_due_webhooks` from cron) enqueues it."""
    with running_receiver(tmp_path, "200") as receiver:
        endpoint = endpoint_create(
            by=pmo, url=receiver.url(), events=["business_case.approved"], secret=SECRET
        )
        entry = approve_in_the_browser(submitted, sponsor)
        settled()
        lost = WebhookDelivery.objects.create(
            endpoint=endpoint,
            entry=entry,
            event=entry.event,
            body='{"lost": true}',
            next_attempt_at=timezone.now() - timedelta(minutes=5),
        )
        call_command("deliver_due_webhooks")
        delivery = settled(2)[-1]
        request = receiver.requests()[-1]
    assert delivery.pk == lost.pk and delivery.state == DeliveryState.DELIVERED
    assert request["body"] == '{"lost": true}' and verified(request)
