"""Webhooks in this process: the PMO's pages, what an audited write makes, the payload and its
signature, the destinations refused (SSRF), and one attempt against a real receiver process.
The worker's part — retries, time-outs, replays end to end — is test_webhook_worker.py's."""

import hashlib
import hmac
import ipaddress
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects import services, webhooks
from projects.models import AttemptOutcome, DeliveryState, WebhookDelivery, WebhookEndpoint
from projects.services import delegations
from projects.services.webhooks import delivery_replay, endpoint_create
from tests.conftest import client_for
from tests.webhook_receiver import running_receiver

PRIVATE = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.5/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 around 169.254.169.254 (cloud metadata)
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://localhost:8000/hook",  # a name that resolves to the loopback address
]


def endpoint_for(url, by, events=("business_case.approved",), **fields):
    return WebhookEndpoint.objects.create(
        url=url, events=list(events), secret="s" * 32, created_by=by, **fields
    )


def approve(project, sponsor, django_capture_on_commit_callbacks) -> AuditEntry:
    with django_capture_on_commit_callbacks(execute=True):
        return services.proposal_approve(proposal=project.proposal, by=sponsor, comment="Go")


# -- Destinations (SSRF) ----------------------------------------------------------------------


@pytest.mark.parametrize("url", PRIVATE)
def test_private_loopback_link_local_and_reserved_destinations_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    assert "private, loopback, link-local or reserved" in webhooks.destination_refusal(url)


def test_an_address_carried_in_ipv6_is_private_only_if_what_it_carries_is():
    assert webhooks.is_private(ipaddress.ip_address("2002:a00:1::1"))  # 6to4 of 10.0.0.1
    assert not webhooks.is_private(ipaddress.ip_address("2002:808:808::1"))  # of 8.8.8.8
    assert not webhooks.is_private(ipaddress.ip_address("2606:4700:4700::1111"))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "gopher://example.com/"]
)
def test_only_http_and_https_are_posted_to(url):
    assert webhooks.destination_refusal(url) == (
        "Webhooks are posted to http:// or https:// addresses only."
    )


def test_credentials_in_the_url_are_refused():
    assert "Leave the user name and password out" in webhooks.url_refusal(
        "https://user:pass@example.com/hook"
    )


def test_a_public_address_is_accepted(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    assert webhooks.destination_refusal("https://93.184.215.14/hook") == ""


def test_the_setting_allows_private_destinations(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert webhooks.destination_refusal("http://127.0.0.1:9/hook") == ""
    assert webhooks.destination_refusal("http://localhost:9/hook") == ""


def test_an_unknown_host_is_refused_with_a_clear_reason():
    assert webhooks.destination_refusal("https://no-such-host.invalid/hook") == (
        "The host no-such-host.invalid cannot be found: check the URL."
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://localhost/hook"])
def test_the_service_refuses_a_private_url(url, pmo, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(Exception) as refused:
        endpoint_create(by=pmo, url=url, events=["charter.signed"])
    assert "private, loopback" in str(refused.value)
    assert not WebhookEndpoint.objects.exists()


def test_a_destination_that_became_private_is_refused_at_delivery(
    pmo, submitted, sponsor, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Registered while allowed (or its DNS answer changed since): every attempt checks again,
    and nothing reaches the address."""
    with running_receiver(tmp_path) as receiver:
        endpoint_for(receiver.url(), pmo)
        approve(submitted, sponsor, django_capture_on_commit_callbacks)
        settings.WEBHOOKS_ALLOW_PRIVATE = False
        delivery = WebhookDelivery.objects.get()
        assert webhooks.deliver(delivery.pk) is None
        assert receiver.requests() == []
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    attempt = delivery.tries.get()
    assert attempt.outcome == AttemptOutcome.FAILED
    assert "private, loopback" in attempt.error


# -- What an audited write makes --------------------------------------------------------------


def test_an_audited_write_makes_a_delivery_for_each_subscribed_active_endpoint(
    pmo, submitted, sponsor, django_capture_on_commit_callbacks
):
    subscribed = endpoint_for("https://a.example/hook", pmo)
    endpoint_for("https://b.example/hook", pmo, events=["charter.signed"])
    endpoint_for("https://c.example/hook", pmo, active=False)

    entry = approve(submitted, sponsor, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.entry, delivery.event) == (
        subscribed,
        entry,
        "business_case.approved",
    )
    assert delivery.state == DeliveryState.PENDING


def test_nothing_is_made_before_the_commit(pmo, submitted, sponsor):
    endpoint_for("https://a.example/hook", pmo)
    services.proposal_approve(proposal=submitted.proposal, by=sponsor, comment="Go")
    assert not WebhookDelivery.objects.exists()  # the test's transaction never commits


def test_the_payload(pmo, submitted, sponsor, django_capture_on_commit_callbacks, settings):
    endpoint_for("https://a.example/hook", pmo)
    entry = approve(submitted, sponsor, django_capture_on_commit_callbacks)
    body = json.loads(WebhookDelivery.objects.get().body)
    assert body["id"] == entry.pk
    assert body["event"] == "business_case.approved"
    assert body["occurred_at"].endswith("Z")
    assert body["project"] == {
        "id": submitted.pk,
        "reference": submitted.reference,
        "title": submitted.title,
        "url": f"{settings.SITE_URL}/projects/{submitted.pk}/",
    }
    assert body["actor"] == {
        "id": sponsor.pk,
        "username": "sponsor",
        "name": "Dana Whitfield",
        "on_behalf_of": None,
    }
    assert body["data"]["record"] == "Business case"
    assert body["data"]["comment"] == "Go"
    assert (body["data"]["from_state"], body["data"]["to_state"]) == ("Submitted", "Approved")


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body():
    body = b'{"event":"charter.signed"}'
    expected = hmac.new(b"secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("secret", 1700000000, body) == f"t=1700000000,v1={expected}"


# -- One attempt against a real receiver ------------------------------------------------------


def test_an_attempt_posts_the_signed_body_and_is_logged(
    pmo, submitted, sponsor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with running_receiver(tmp_path, "200") as receiver:
        endpoint_for(receiver.url("/hook?source=tollgate"), pmo)
        approve(submitted, sponsor, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.deliver(delivery.pk) is None
        assert webhooks.deliver(delivery.pk) is None  # delivered: a second message sends nothing
        (request,) = receiver.requests()
    assert request["path"] == "/hook?source=tollgate"
    headers = request["headers"]
    assert headers["Tollgate-Event"] == "business_case.approved"
    assert headers["Tollgate-Delivery"] == str(delivery.uuid)
    assert headers["Content-Type"] == "application/json"
    timestamp, digest = (part.split("=", 1)[1] for part in headers["Tollgate-Signature"].split(","))
    signed = f"{timestamp}.{request['body']}".encode()
    assert hmac.compare_digest(digest, hmac.new(b"s" * 32, signed, hashlib.sha256).hexdigest())
    assert request["body"] == delivery.body
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)
    attempt = delivery.tries.get()
    assert (attempt.status_code, attempt.outcome) == (200, AttemptOutcome.DELIVERED)
    assert attempt.response == "receiver says 200"


def test_a_500_is_tried_again_after_the_first_delay_and_a_4xx_is_not(
    pmo, submitted, sponsor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_DELAYS = [7.0, 60.0]
    with running_receiver(tmp_path, "500,404") as receiver:
        endpoint_for(receiver.url(), pmo)
        approve(submitted, sponsor, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.deliver(delivery.pk) == 7.0
        assert webhooks.deliver(delivery.pk) is None  # not due yet: nothing sent
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        assert webhooks.deliver(delivery.pk) is None  # 404: the receiver says no, for good
        assert len(receiver.requests()) == 2
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert [(a.status_code, a.outcome) for a in delivery.tries.all()] == [
        (500, AttemptOutcome.RETRY),
        (404, AttemptOutcome.FAILED),
    ]


def test_a_receiver_that_refuses_connections_is_tried_again(
    pmo, submitted, sponsor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with running_receiver(tmp_path) as receiver:
        url = receiver.url()
    endpoint_for(url, pmo)  # the receiver has stopped: nobody listens on its port
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver(delivery.pk) == settings.WEBHOOK_RETRY_DELAYS[0]
    attempt = delivery.tries.get()
    assert attempt.status_code is None
    assert "ConnectionRefusedError" in attempt.error


# -- The PMO's pages --------------------------------------------------------------------------


def test_the_pmo_registers_an_endpoint(pmo, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client = client_for(pmo)
    response = client.post(
        reverse("projects:webhook-create"),
        {
            "url": "https://93.184.215.14/tollgate",
            "description": "Jira automation",
            "events": ["charter.signed", "stage.changed"],
            "active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert endpoint.events == ["charter.signed", "stage.changed"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = client.get(reverse("projects:webhook", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page  # behind "Show the secret"
    assert "Jira automation" in page


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/", "http://localhost/hook"])
def test_the_form_refuses_a_private_url_and_keeps_what_was_typed(url, pmo, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = client_for(pmo).post(
        reverse("projects:webhook-create"),
        {"url": url, "description": "Metadata", "events": ["charter.signed"], "active": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "private, loopback, link-local or reserved" in page
    assert 'value="Metadata"' in page
    assert not WebhookEndpoint.objects.exists()


def test_the_form_needs_an_event_and_knows_only_declared_ones(pmo):
    client = client_for(pmo)
    for events in ([], ["business_case.decided"]):
        response = client.post(
            reverse("projects:webhook-create"),
            {"url": "https://93.184.215.14/hook", "events": events},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["events"]
    assert not WebhookEndpoint.objects.exists()


def test_editing_keeps_the_secret_when_left_blank(pmo):
    endpoint = endpoint_for("https://93.184.215.14/hook", pmo)
    client = client_for(pmo)
    response = client.post(
        reverse("projects:webhook-edit", args=[endpoint.pk]),
        {"url": "https://93.184.215.14/other", "events": ["measurement.added"], "secret": ""},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://93.184.215.14/other",
        ["measurement.added"],
        False,  # the box was not ticked
    )
    assert endpoint.secret == "s" * 32


def test_replay_makes_a_new_delivery_of_the_same_body(
    pmo, submitted, sponsor, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for("https://93.184.215.14/hook", pmo)
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get()
    response = client_for(pmo).post(
        reverse("projects:webhook-replay", args=[endpoint.pk, first.pk])
    )
    assert response.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=first.pk).get()
    assert (replay.body, replay.replay_of, replay.replayed_by) == (first.body, first, pmo)
    assert replay.uuid != first.uuid


def test_a_turned_off_endpoint_is_not_replayed(
    pmo, submitted, sponsor, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for("https://93.184.215.14/hook", pmo)
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    with pytest.raises(Exception, match="turned off"):
        delivery_replay(delivery=WebhookDelivery.objects.get(), by=pmo)
    assert WebhookDelivery.objects.count() == 1


def test_endpoint_changes_and_replays_are_audited_never_with_the_secret(
    pmo, submitted, sponsor, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(pmo)
    fields = {"url": "https://93.184.215.14/hook", "events": ["charter.signed"]}
    on = {"active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("projects:webhook-create"), fields | on | {"secret": "first-secret-0123"}
        )
    endpoint = WebhookEndpoint.objects.get()
    edit = reverse("projects:webhook-edit", args=[endpoint.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, fields | on | {"url": "https://93.184.215.14/other", "secret": ""})
        client.post(edit, fields | {"secret": "second-secret-012"})  # unticked: turned off
        client.post(edit, fields | on | {"events": ["business_case.approved"]})
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("projects:webhook-replay", args=[endpoint.pk, WebhookDelivery.objects.get().pk])
        )
    rows = list(AuditEntry.objects.for_subject(endpoint))
    assert [(row.record, row.event, row.actor) for row in rows] == [
        ("Webhook", "webhook.created", pmo),
        ("Webhook", "webhook.updated", pmo),
        ("Webhook", "webhook.deactivated", pmo),
        ("Webhook", "webhook.reactivated", pmo),
        ("Webhook", "webhook.replayed", pmo),
    ]
    created, moved, off, on, replayed = rows
    assert created.data == {
        "url": "https://93.184.215.14/hook",
        "events": ["charter.signed"],
        "description": "",
        "active": True,
        "secret_chosen": True,
    }
    assert moved.comment == "url: https://93.184.215.14/hook → https://93.184.215.14/other"
    assert moved.data["secret_changed"] is False
    assert off.comment == (
        "url: https://93.184.215.14/other → https://93.184.215.14/hook; active: on → off; "
        "signing secret changed"
    )
    assert off.data["secret_changed"] is True and off.data["after"]["active"] is False
    assert on.comment == "events: charter.signed → business_case.approved; active: off → on"
    first = WebhookDelivery.objects.get(replay_of=None)
    assert replayed.data["delivery"] == str(first.uuid)
    assert replayed.data["replay"] == str(WebhookDelivery.objects.get(replay_of=first).uuid)
    logged = str(list(AuditEntry.objects.values()))
    assert "first-secret" not in logged and "second-secret" not in logged
    # Not mailed, and not published: only the approval and its replay were delivered.
    assert mailoutbox == []
    assert WebhookDelivery.objects.count() == 2
    assert not {row.event for row in rows} & set(webhooks.EVENT_NAMES)


def test_the_deliveries_page_shows_every_attempt_in_a_constant_number_of_queries(
    pmo, submitted, sponsor, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    endpoint = endpoint_for("https://93.184.215.14/hook", pmo)
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    for n in range(1, 6):
        delivery.tries.create(number=n, status_code=503, outcome=AttemptOutcome.RETRY)
    client = client_for(pmo)
    url = reverse("projects:webhook", args=[endpoint.pk])
    client.get(url)  # warm: session, permission cache
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert page.count("HTTP 503") == 5
    assert "Replay" in page


def test_only_the_pmo_sees_the_webhooks_link(pmo, manager):
    assert "Webhooks" in client_for(pmo).get(reverse("projects:home")).content.decode()
    assert "Webhooks" not in client_for(manager).get(reverse("projects:home")).content.decode()


def test_the_sweeper_finds_deliveries_whose_attempt_is_overdue(
    pmo, submitted, sponsor, django_capture_on_commit_callbacks
):
    endpoint_for("https://93.184.215.14/hook", pmo)
    approve(submitted, sponsor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.due_deliveries() == []  # just made: its own message is on its way
    an_hour_ago = timezone.now() - timedelta(hours=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=an_hour_ago)
    assert webhooks.due_deliveries() == [delivery.pk]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.DELIVERED)
    assert webhooks.due_deliveries() == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
    command += ["-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


def test_https_checks_the_receivers_certificate_against_its_name(
    pmo,
    submitted,
    sponsor,
    settings,
    tmp_path,
    certificate,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """Connected to the checked address, TLS still verifies the certificate for the host name
    (sent as SNI): an untrusted one is no answer; trusted, the event is delivered."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with running_receiver(tmp_path, "200", tls=certificate) as receiver:
        endpoint_for(receiver.url(), pmo)
        approve(submitted, sponsor, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.deliver(delivery.pk) == settings.WEBHOOK_RETRY_DELAYS[0]
        assert receiver.requests() == []
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust it from now on
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert webhooks.deliver(delivery.pk) is None
        (request,) = receiver.requests()
    untrusted, delivered = delivery.tries.all()
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
    assert (delivered.status_code, delivered.outcome) == (200, AttemptOutcome.DELIVERED)
    assert request["headers"]["Host"] == f"localhost:{receiver.port}"


def test_an_event_of_no_project_is_delivered_with_project_null(
    pmo, sponsor, sponsor2, django_capture_on_commit_callbacks
):
    endpoint_for("https://93.184.215.14/hook", pmo, events=["delegation.created"])
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        delegations.delegation_create(
            sponsor=sponsor.sponsor_profile,
            deputy=sponsor2,
            starts_on=today,
            ends_on=today + timedelta(days=5),
            by=sponsor,
        )
    body = json.loads(WebhookDelivery.objects.get().body)
    assert (body["event"], body["project"]) == ("delegation.created", None)
    assert body["actor"]["name"] == "Dana Whitfield"
