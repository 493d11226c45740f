"""Login is required everywhere but the login page; attempts are throttled."""

from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory


def test_login_page_is_the_stock_one_in_style(db):
    page = Client().get(reverse("login")).content.decode()

    for label in ("Username", "Password", "Log in"):
        assert label in page


def test_user_logs_in_and_lands_on_home(db):
    UserFactory(username="alex", first_name="Alex", last_name="Moreno")
    client = Client()

    response = client.post(
        reverse("login"), {"username": "alex", "password": "demo-pass-2026"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("projects:home")
    assert "Alex Moreno" in response.content.decode()


def test_five_failed_attempts_lock_the_account(db):
    UserFactory(username="alex")
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        client.post(reverse("login"), {"username": "alex", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": "alex", "password": "demo-pass-2026"})

    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()


def test_health_check_needs_no_login(db):
    assert Client().get("/healthz").content == b"ok"


def test_logout_is_a_post(db):
    client = Client()
    client.force_login(UserFactory())
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("projects:home")).status_code == 302
