"""Production settings pass Django's deployment checks; login throttling is per person."""

import json
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


def database_options(**env: str) -> dict:
    """The database OPTIONS config/settings.py builds from this environment."""
    script = (
        "import json, config.settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=os.environ | PRODUCTION | env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_url_options_are_kept_beside_our_own():
    """A DATABASE_URL's own options (sslmode, a schema) used to be dropped by the settings'
    prepared statements; they are kept, and the planner's options are added to theirs."""
    url = "postgres://u:p@db.example.com:5432/tollgate?sslmode=require&currentSchema=gov"
    options = database_options(
        DATABASE_URL=url,
        DB_PARALLEL_WORKERS="0",
        DB_RANDOM_PAGE_COST="1.1",
        DB_PREPARE_THRESHOLD="2",
    )
    assert options["sslmode"] == "require"
    assert options["options"] == (
        "-c search_path=gov -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"
    )
    assert options["prepare_threshold"] == 2 and options["server_side_binding"] is True
    assert "options" not in database_options(
        DATABASE_URL=url.split("&")[0], DB_PARALLEL_WORKERS="", DB_RANDOM_PAGE_COST=""
    )


def test_the_applications_queries_start_no_parallel_workers(db):
    """The Needs my action count's UNION of every kind spent 5 of its 9 ms starting two
    parallel workers: the application's connections turn them off (DB_PARALLEL_WORKERS)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == (os.environ.get("DB_PARALLEL_WORKERS", "0") or "2",)


def test_the_applications_queries_plan_for_an_index_read_in_memory(db):
    """The board's cards by id were joined to every business case rather than looked up,
    under PostgreSQL's default cost of a random page (4, for spinning disks): the
    application's connections say 1.1 (DB_RANDOM_PAGE_COST)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == (os.environ.get("DB_RANDOM_PAGE_COST", "1.1") or "4",)


def test_the_benchmark_floor_page_is_not_mounted_outside_the_benchmark(db):
    client = Client()
    client.force_login(UserFactory(username="alex"))
    assert client.get("/floor/").status_code == 404


def test_static_paths_that_climb_out_answer_404_under_make_runs_server():
    """`make run` serves with `runserver` and DEBUG on; static files go through WhiteNoise."""
    import http.client
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env | {"DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        answers = {}
        for path in (
            "/static/css/tollgate.css",
            "/static/../config/settings.py",
            "/static/..%2f..%2fvar/tollgate.sqlite3",
            "/static/%2e%2e/manage.py",
        ):
            for _ in range(100):
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", path)
                    answers[path] = connection.getresponse().status
                    break
                except ConnectionRefusedError:
                    time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answers == {
        "/static/css/tollgate.css": 200,
        "/static/../config/settings.py": 404,
        "/static/..%2f..%2fvar/tollgate.sqlite3": 404,
        "/static/%2e%2e/manage.py": 404,
    }


def test_pages_pdfs_and_exports_are_never_cached(delivering, manager):
    from projects import rendering
    from projects.services import pdfs

    job = rendering.render_job(pdfs.charter_pdf_request(project=delivering, by=manager).pk)
    client = Client()
    client.force_login(manager)
    for path in (
        reverse("projects:home"),
        delivering.get_absolute_url(),
        reverse("projects:portfolio-csv"),
        reverse("projects:pdf-download", args=[delivering.pk, job.pk]),
        reverse("login"),
    ):
        cache_control = client.get(path)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, path


def test_every_page_carries_a_strict_content_security_policy(project, manager):
    """Issue 15, finding 4. The browser tests fail on any console error, CSP violations too."""
    client = Client()
    client.force_login(manager)
    for path in (reverse("login"), reverse("projects:home"), project.get_absolute_url()):
        response = client.get(path)
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'", path
        assert policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert "camera=()" in response["Permissions-Policy"]
