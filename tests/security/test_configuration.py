"""Production settings pass Django's deployment checks; login throttling is per person."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x7Q!k2#Lm9@p" * 4,
    "ALLOWED_HOSTS": "tollgate.example.com",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_TLS_PROXY": "1",
    "STATIC_MANIFEST": "1",
}


def test_deployment_checks_pass_with_production_settings():
    # The browser tests allow sync ORM calls beside Playwright's loop; production never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | PRODUCTION
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_locked_out_user_does_not_lock_out_others(db, settings):
    UserFactory(username="alex")
    UserFactory(username="dana")
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("login"), {"username": "alex", "password": "wrong"})

    locked = attacker.post(reverse("login"), {"username": "alex", "password": "demo-pass-2026"})
    other = Client(REMOTE_ADDR="10.0.0.66").post(
        reverse("login"), {"username": "dana", "password": "demo-pass-2026"}
    )
    alex_elsewhere = Client(REMOTE_ADDR="10.0.0.7").post(
        reverse("login"), {"username": "alex", "password": "demo-pass-2026"}
    )

    assert locked.status_code == 429
    assert other.status_code == 302  # the same address, another person: not locked
    assert alex_elsewhere.status_code == 302  # the same person from another address


def test_an_on_off_setting_refuses_a_typo_instead_of_reading_it_as_off():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env | PRODUCTION | {"SECURE_COOKIES": "ture"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECURE_COOKIES='ture' is neither on nor off" in result.stderr


def test_the_benchmark_floor_page_is_not_mounted_outside_the_benchmark(db):
    client = Client()
    client.force_login(UserFactory(username="alex"))
    assert client.get("/floor/").status_code == 404
