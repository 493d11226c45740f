"""Personal access tokens: made and revoked on the profile page, shown once, kept hashed; a
token acts as its owner, a read token only reads; revoked or expired ones answer 401."""

import hashlib
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects import events, webhooks
from projects.models import AccessToken, WebhookDelivery, WebhookEndpoint
from projects.services.tokens import token_create
from tests.api.conftest import Caller, caller_for, problem
from tests.conftest import client_for


def test_a_person_makes_a_token_on_their_profile_and_sees_it_once(manager):
    client = client_for(manager)
    page = client.post(
        reverse("projects:token-create"), {"name": "Jira sync", "scope": "write"}
    ).content.decode()
    token = AccessToken.objects.get(owner=manager)
    secret = page.split('id="new-token" readonly value="')[1].split('"')[0]
    assert secret.startswith("tg_")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().get())
    again = client.get(reverse("projects:profile")).content.decode()
    assert "Jira sync" in again and secret not in again
    assert Caller(secret).get("/api/v1/projects/").status_code == 200


def test_a_token_form_with_a_past_expiry_is_refused_with_the_reason(manager):
    response = client_for(manager).post(
        reverse("projects:token-create"),
        {"name": "Old", "scope": "read", "expires_on": "2001-01-01"},
    )
    assert response.status_code == 400
    assert "Choose today or a later day." in response.content.decode()
    assert not AccessToken.objects.exists()


def test_a_revoked_token_answers_401_at_once(manager):
    made = token_create(owner=manager, name="Sync", scope="read")
    client_for(manager).post(reverse("projects:token-revoke", args=[made.token.pk]))
    answer = Caller(made.secret).get("/api/v1/projects/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in problem(answer)["detail"]


def test_nobody_revokes_another_persons_token(manager, manager2):
    made = token_create(owner=manager, name="Sync", scope="read")
    answer = client_for(manager2).post(reverse("projects:token-revoke", args=[made.token.pk]))
    assert answer.status_code == 404
    assert Caller(made.secret).get("/api/v1/projects/").status_code == 200


def test_an_expired_token_answers_401(manager):
    made = token_create(owner=manager, name="Sync", scope="read")
    AccessToken.objects.filter(pk=made.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Caller(made.secret).get("/api/v1/projects/").status_code == 401


def test_a_deactivated_persons_token_answers_401(manager):
    made = token_create(owner=manager, name="Sync", scope="read")
    manager.is_active = False
    manager.save()
    assert Caller(made.secret).get("/api/v1/projects/").status_code == 401


def test_unknown_and_malformed_tokens_answer_401(db):
    assert Caller("tg_nonsense").get("/api/v1/projects/").status_code == 401
    answer = Caller("").client.get("/api/v1/projects/", headers={"Authorization": "Bearer a b"})
    assert problem(answer)["status"] == 401
    assert problem(Caller("").get("/api/v1/projects/"))["code"] == "not_authenticated"


def test_a_read_token_may_not_write(project, manager):
    answer = caller_for(manager, scope="read").post(
        f"/api/v1/projects/{project.pk}/business-case/submit/"
    )
    assert answer.status_code == 403
    assert "may only read" in problem(answer)["detail"]
    project.proposal.refresh_from_db()
    assert project.proposal.state == "draft"


def test_a_token_remembers_its_last_use(manager):
    made = token_create(owner=manager, name="Sync", scope="read")
    assert made.token.last_used_at is None
    Caller(made.secret).get("/api/v1/projects/")
    made.token.refresh_from_db()
    assert made.token.last_used_at is not None


def test_a_token_is_throttled_per_token(manager, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    first, second = caller_for(manager, "read"), caller_for(manager, "read")
    answers = [first.get("/api/v1/projects/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert second.get("/api/v1/projects/").status_code == 200
    answer = first.get("/api/v1/projects/")
    assert int(answer["Retry-After"]) > 0
    assert problem(answer)["code"] == "throttled"


def test_the_api_keeps_answering_when_the_throttles_cache_is_down(manager, settings):
    down = settings.CACHES["throttle"] | {"LOCATION": "redis://127.0.0.1:9/0"}
    settings.CACHES = settings.CACHES | {"throttle": down}
    assert caller_for(manager, "read").get("/api/v1/projects/").status_code == 200


def test_making_and_revoking_a_token_is_audited_on_its_owner_never_with_its_secret(
    manager, pmo, mailoutbox, django_capture_on_commit_callbacks
):
    # An endpoint subscribed (behind the form's back) to the token events hears nothing.
    WebhookEndpoint.objects.create(
        url="https://93.184.215.14/hook",
        events=[events.TOKEN_CREATED, events.TOKEN_REVOKED],
        secret="s" * 32,
        created_by=pmo,
    )
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("projects:token-create"),
            {"name": "Jira sync", "scope": "write", "expires_on": "2099-03-01"},
        ).content.decode()
    secret = page.split('id="new-token" readonly value="')[1].split('"')[0]
    token = AccessToken.objects.get(owner=manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:token-revoke", args=[token.pk]))
    made, revoked = AuditEntry.objects.for_subject(manager)
    assert (made.record, made.event, made.actor) == ("API token", events.TOKEN_CREATED, manager)
    assert (revoked.event, revoked.action, revoked.actor) == (
        events.TOKEN_REVOKED,
        "revoke",
        manager,
    )
    assert made.data == {
        "token": token.pk,
        "name": "Jira sync",
        "scope": "write",
        "expires_on": "2099-03-01",
    }
    assert made.comment == "“Jira sync”, read and write, until 1 Mar 2099"
    rows = str(list(AuditEntry.objects.values()))
    assert secret not in rows and token.digest not in rows and token.hint not in rows
    assert mailoutbox == [] and not WebhookDelivery.objects.exists()
    assert events.TOKEN_CREATED not in webhooks.EVENT_NAMES
