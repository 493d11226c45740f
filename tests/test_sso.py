"""Single sign-on's code flow against a real OpenID provider (tests/oidc_provider, its own
process): Django's test client is Tollgate's side, an HTTP session plays the person at the
provider. Off by default; django-axes still sees every log-in; every failure is a page."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from projects.models import Profile
from tests.factories import UserFactory
from tests.oidc_provider import PASSWORD, PROVIDER_NAME, running, someone, switch_on

PEOPLE = [someone("morgan.sso", "Morgan", "Ellis", "it-pmo")]
ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = {
    "OIDC_RP_CLIENT_ID": "tollgate",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.org/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.org/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example.org/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.org/jwks",
    "OIDC_ROLE_MAP": '{"it-pmo": "PMO", "it-staff": ["Viewers", "Project managers"]}',
}
SHOW = "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS, s.OIDC_ROLE_MAP)"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    with running(
        redirect_uris=["http://testserver/oidc/callback/"], people=PEOPLE, folder=folder
    ) as started:
        yield started


@pytest.fixture
def sso(settings, provider):
    switch_on(settings, provider)
    return provider


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") and found.get("type") != "submit":
            self.fields[found["name"]] = found.get("value") or ""


def form_fields(html: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(html)
    return parser.fields


def through_the_provider(client: Client, username: str, *, allow: bool = True):
    """Sign in with the provider: Tollgate sends the person there, they log in and answer the
    consent page, the provider sends them back to the callback with a code."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    person = requests.Session()
    login = person.get(start["Location"], timeout=30)
    fields = {**form_fields(login.text), "username": username, "password": PASSWORD}
    consent = person.post(login.url, data=fields, timeout=30)
    answer = form_fields(consent.text) | ({"allow": "Authorize"} if allow else {})
    back = person.post(consent.url.split("?")[0], data=answer, allow_redirects=False, timeout=30)
    return client.get(back.headers["Location"])


def test_the_account_is_bound_to_the_providers_identity(db, sso):
    client = Client()

    through_the_provider(client, "morgan.sso")

    profile = Profile.objects.get(user__username="morgan.sso")
    assert profile.sso_issuer == sso.discovery["issuer"]
    assert profile.sso_subject  # the provider's id for Morgan


def test_a_local_staff_account_of_the_same_name_is_not_taken(db, sso):
    local = UserFactory(username="morgan.sso", is_staff=True, groups=["Viewers"])
    client = Client()

    back = through_the_provider(client, "morgan.sso")

    assert back.status_code == 403
    assert "Your sign-in cannot use this Tollgate account" in back.content.decode()
    assert not client.session.get("_auth_user_id")
    local.refresh_from_db()
    assert local.is_staff
    assert list(local.groups.values_list("name", flat=True)) == ["Viewers"]
    assert not Profile.objects.filter(user=local).exclude(sso_subject="").exists()


def provider_calls(provider) -> list[str]:
    return provider.log.read_text().splitlines()


@pytest.mark.parametrize("address", ["login", "admin:login"])
def test_a_code_and_state_in_a_password_log_in_are_ignored(db, sso, address):
    UserFactory(username="alex", is_staff=True)
    client = Client()
    url = f"{reverse(address)}?code=abc&state=xyz"
    calls = len(provider_calls(sso))

    wrong = client.post(url, {"username": "alex", "password": "wrong"})
    right = client.post(url, {"username": "alex", "password": "demo-pass-2026"})

    assert wrong.status_code == 200
    assert "correct username and password" in wrong.content.decode()
    assert right.status_code == 302
    assert client.session.get("_auth_user_id")
    assert len(provider_calls(sso)) == calls  # no token exchange was tried


@pytest.mark.parametrize("address", ["login", "admin:login"])
def test_passwords_closed_by_single_sign_on_stay_closed_on_every_log_in_page(
    db, sso, settings, address
):
    settings.OIDC_PASSWORD_USERS = ["pmo"]
    UserFactory(username="alex", is_staff=True, is_superuser=True)
    UserFactory(username="pmo", is_staff=True, groups=["PMO"])
    client = Client()

    refused = client.post(reverse(address), {"username": "alex", "password": "demo-pass-2026"})

    assert refused.status_code == 200
    assert not client.session.get("_auth_user_id")
    if address == "login":
        assert f"use Sign in with {PROVIDER_NAME} above" in refused.content.decode()
    allowed = client.post(reverse(address), {"username": "pmo", "password": "demo-pass-2026"})
    assert allowed.status_code == 302
    assert client.session.get("_auth_user_id")


def test_single_sign_on_is_off_by_default(db):
    client = Client()

    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_a_person_signs_in_through_the_provider_and_axes_logs_it(db, sso):
    client = Client()

    back = through_the_provider(client, "morgan.sso")

    assert back.status_code == 302
    assert back["Location"] == reverse("projects:home")
    home = client.get(back["Location"])
    assert "Portfolio by stage" in home.content.decode()
    assert AccessLog.objects.filter(username="morgan.sso").exists()
    assert get_user_model().objects.get(username="morgan.sso").groups.get().name == "PMO"


def test_declining_at_the_provider_gives_a_page_not_a_login(db, sso):
    client = Client()

    back = through_the_provider(client, "morgan.sso", allow=False)

    assert back.status_code == 401
    assert "Sign-in cancelled" in back.content.decode()
    assert client.get(reverse("projects:home")).status_code == 302  # to the log-in page


def test_a_provider_that_does_not_answer_gives_a_page_not_a_500(db, sso, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there
    client = Client()
    start = client.get(reverse("oidc_authentication_init"))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    back = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": state})

    assert back.status_code == 502
    assert f"{PROVIDER_NAME} did not answer" in back.content.decode()


def test_the_login_page_offers_the_provider_above_the_password_form(db, sso):
    page = Client().get(reverse("login")).content.decode()

    assert page.index(f"Sign in with {PROVIDER_NAME}") < page.index("Password")


def test_axes_still_locks_a_password_after_five_failures_with_single_sign_on_on(db, sso):
    UserFactory(username="alex")
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        client.post(reverse("login"), {"username": "alex", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": "alex", "password": "demo-pass-2026"})

    assert locked.status_code == 429


def test_a_code_the_provider_refuses_gives_a_page_not_a_500(db, sso):
    client = Client()
    start = client.get(reverse("oidc_authentication_init"))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    back = client.get(reverse("oidc_authentication_callback"), {"code": "forged", "state": state})

    assert back.status_code == 502
    assert "Sign-in not completed" in back.content.decode()
    assert not client.session.get("_auth_user_id")


def start(environment: dict[str, str]) -> subprocess.CompletedProcess:
    """Tollgate's settings loaded in a process of their own, from this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")} | environment
    command = [sys.executable, "manage.py", "shell", "-c", SHOW]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_environment_turns_single_sign_on_on_after_axes():
    started = start(ENVIRONMENT)

    assert started.returncode == 0, started.stderr
    assert "['axes.backends.AxesStandaloneBackend', 'projects.oidc.OIDCBackend'" in started.stdout
    assert "{'it-pmo': ['PMO'], 'it-staff': ['Viewers', 'Project managers']}" in started.stdout


def test_a_missing_endpoint_or_a_broken_role_map_stops_the_start_saying_which():
    missing = start(ENVIRONMENT | {"OIDC_OP_JWKS_ENDPOINT": ""})
    broken = start(ENVIRONMENT | {"OIDC_ROLE_MAP": '["PMO"]'})

    assert missing.returncode != 0
    assert "OIDC_OP_JWKS_ENDPOINT is not set" in missing.stderr
    assert broken.returncode != 0
    assert "OIDC_ROLE_MAP must be a JSON object" in broken.stderr


def test_deactivating_someone_ends_their_single_sign_on_session(db, sso):
    client = Client()
    through_the_provider(client, "morgan.sso")
    assert client.get(reverse("projects:home")).status_code == 200
    get_user_model().objects.filter(username="morgan.sso").update(is_active=False)

    assert client.get(reverse("projects:home")).status_code == 302  # to the log-in page
