"""Pages kept between changes (projects/page_cache.py, issue 20): served again while nothing
they could show has changed, built afresh after any write — a service's, a `QuerySet.update()`,
another process's — and never to the wrong person, with a stale form token, or without the
message a person was meant to see."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from psycopg import sql
from redis.exceptions import RedisError

from projects import page_cache
from projects.models import Project
from projects.page_cache import GENERATION
from tests.conftest import BUILT, client_for
from tests.factories import ProjectFactory

KEPT_PAGES = [
    ("home", ()),
    ("inbox", ()),
    ("inbox-count", ()),
    ("portfolio", ()),
    ("portfolio-summary", ()),
    ("portfolio-heat-map", ()),
    ("detail", ("pk",)),
    ("charter", ("pk",)),
    ("goals", ("pk",)),
    ("scope", ("pk",)),
    ("plan", ("pk",)),
    ("changes", ("pk",)),
    ("status", ("pk",)),
    ("raid", ("pk",)),
    ("costs", ("pk",)),
    ("closure", ("pk",)),
    ("history", ("pk",)),
]


def address(name, project, args=()):
    return reverse(f"projects:{name}", args=[project.pk for _ in args])


def queries(client, path, headers=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **(headers or {}))
    assert response.status_code == 200, path
    return len(captured), response.content.decode()


def token_of(page: str) -> str:
    return page.partition('name="csrfmiddlewaretoken" value="')[2].partition('"')[0]


def without_token(page: str) -> str:
    token = token_of(page)
    return page.replace(token, "") if token else page


@pytest.mark.parametrize(("name", "args"), KEPT_PAGES)
def test_a_page_seen_again_is_served_without_building_it(name, args, initiating, manager):
    client = client_for(manager)
    path = address(name, initiating, args)
    generation = caches["pages"].get(GENERATION)
    built, first = queries(client, path)
    # Building it wrote nothing: a kept copy skips no side effect of the request.
    assert caches["pages"].get(GENERATION) == generation

    kept, again = queries(client, path)

    # The session and the person; a project's page also asks whether they may see it (for
    # someone other than the PMO, with their sponsor's row).
    assert kept <= (4 if args else 2) < built
    assert without_token(again) == without_token(first)


def test_a_change_through_a_service_shows_at_the_next_request(submitted, sponsor):
    client = client_for(sponsor)
    assert "Business case to decide" in client.get(reverse("projects:inbox")).content.decode()
    assert ">1<" in client.get(reverse("projects:inbox-count")).content.decode()

    reject = reverse("projects:proposal-action", args=[submitted.pk, "reject"])
    assert client.post(reject, {"comment": "Not this year"}).status_code == 302

    assert "Business case to decide" not in client.get(reverse("projects:inbox")).content.decode()
    assert ">1<" not in client.get(reverse("projects:inbox-count")).content.decode()


def test_a_write_outside_the_services_shows_too(project, manager):
    client = client_for(manager)
    client.get(project.get_absolute_url())

    Project.objects.filter(pk=project.pk).update(title="Renamed by a shell")

    assert "Renamed by a shell" in client.get(project.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_change_starts_a_new_generation_again_when_it_commits(manager, sponsor):
    # Another process may build the page from the old rows between the write and its commit,
    # and keep it under the generation the write started: the commit starts one more.
    project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    cache = caches["pages"]
    client_for(manager).get(project.get_absolute_url())
    before = cache.get(GENERATION)

    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="Renamed")
        during = cache.get(GENERATION)
        Project.objects.filter(pk=project.pk).update(title="Renamed again")
        # No page kept since the first write: none can show what the second one changed.
        assert cache.get(GENERATION) == during

    assert len({before, during, cache.get(GENERATION)}) == 3


def test_a_later_write_of_a_transaction_starts_a_generation_after_a_page_was_kept(manager, sponsor):
    # This process kept a page showing the transaction's first write: the second write must
    # not leave it to be served.
    project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    client = client_for(manager)

    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="Renamed once")
        assert "Renamed once" in client.get(project.get_absolute_url()).content.decode()
        Project.objects.filter(pk=project.pk).update(title="Renamed twice")
        assert "Renamed twice" in client.get(project.get_absolute_url()).content.decode()


def test_writes_no_kept_page_shows_keep_the_pages(project, manager):
    client = client_for(manager)  # a login writes the person's last login: before
    client.get(project.get_absolute_url())
    generation = caches["pages"].get(GENERATION)

    Client().post(reverse("login"), {"username": "manager", "password": "wrong"})  # axes
    session = client.session
    session["seen"] = True
    session.save()

    assert caches["pages"].get(GENERATION) == generation


def test_a_kept_page_carries_this_sessions_form_token(submitted, sponsor):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(sponsor)
    second.force_login(sponsor)  # the same person, signed in elsewhere
    first.get(submitted.get_absolute_url())  # builds the page and keeps it

    with CaptureQueriesContext(connection) as captured:
        page = second.get(submitted.get_absolute_url()).content.decode()
    assert len(captured) <= 5  # the kept page: the session, the person, may they see it
    response = second.post(
        reverse("projects:proposal-action", args=[submitted.pk, "approve"]),
        {"comment": "Go ahead", "csrfmiddlewaretoken": token_of(page)},
    )

    assert response.status_code == 302
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == "approved"


def test_a_message_waiting_to_be_shown_is_shown(project, manager):
    client = client_for(manager)
    client.get(project.get_absolute_url())  # kept, without a message
    # A message left by the last request, which wrote nothing (messages live in a cookie).
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Link copied.")])

    assert "Link copied." in client.get(project.get_absolute_url()).content.decode()
    assert "Link copied." not in client.get(project.get_absolute_url()).content.decode()


def test_each_person_gets_their_own_page_and_outsiders_none(initiating, manager, sponsor, sponsor2):
    path = initiating.get_absolute_url()
    client_for(manager).get(path)  # kept for the manager

    navigation = client_for(sponsor).get(path).content.decode().split("<main")[0]
    assert "Dana Whitfield" in navigation and "Alex Moreno" not in navigation
    assert client_for(sponsor2).get(path).status_code == 404
    assert client_for(sponsor2).get(address("charter", initiating, ("pk",))).status_code == 404


def test_a_new_day_builds_the_page_again(project, manager):
    client = client_for(manager)
    client.get(reverse("projects:home"))
    built, _ = queries(client, reverse("projects:home"), BUILT)

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        again, _ = queries(client, reverse("projects:home"))

    assert again == built


def test_a_forced_reload_builds_the_page_afresh(project, manager):
    client = client_for(manager)
    client.get(reverse("projects:home"))
    kept, _ = queries(client, reverse("projects:home"))

    built, _ = queries(client, reverse("projects:home"), BUILT)

    assert kept == 2 < built


def test_pages_are_built_afresh_when_redis_is_down(project, manager, settings, caplog):
    client = client_for(manager)
    settings.CACHES = settings.CACHES | {
        "pages": settings.CACHES["pages"] | {"LOCATION": "redis://127.0.0.1:1/0"}
    }

    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    assert "Page cache unreachable" in caplog.text

    # Meanwhile this process writes without announcing it, and says so when Redis is back.
    Project.objects.filter(pk=project.pk).update(title="Changed while Redis was down")
    assert page_cache._writes_unannounced


def test_a_forced_reload_keeps_what_it_built(project, manager):
    client = client_for(manager)
    client.get(reverse("projects:home"))  # the permission set, cached
    client.get(reverse("projects:home"), **BUILT)

    kept, _ = queries(client, reverse("projects:home"))

    assert kept == 2


def test_addresses_with_parameters_no_page_reads_are_not_kept(pmo):
    client = client_for(pmo)
    made_up = reverse("projects:portfolio") + "?utm=1"
    client.get(made_up)

    again, _ = queries(client, made_up)
    filtered, _ = queries(client, reverse("projects:portfolio") + "?stage=identifying&page=1")
    filtered_again, _ = queries(client, reverse("projects:portfolio") + "?stage=identifying&page=1")

    assert again > 2 and filtered > 2 and filtered_again == 2


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            lambda project: sql.SQL("UPDATE {} SET title = %s WHERE id = %s").format(
                sql.Identifier("projects_project")
            ),
            id="psycopg's composed SQL",
        ),
        pytest.param(
            lambda project: (
                'WITH renamed AS (UPDATE "projects_project" SET title = %s '
                "WHERE id = %s RETURNING id) SELECT id FROM renamed"
            ),
            id="a write inside a CTE",
        ),
        pytest.param(
            lambda project: (
                '(WITH renamed AS (UPDATE "projects_project" SET title = %s '
                "WHERE id = %s RETURNING id) SELECT id FROM renamed)"
            ),
            id="a write inside a CTE in parentheses",
        ),
        pytest.param(
            lambda project: (
                '/* a comment */ UPDATE "projects_project" SET title = %s WHERE id = %s'
            ),
            id="after a comment",
        ),
    ],
)
def test_raw_sql_writes_are_seen(project, manager, statement):
    client = client_for(manager)
    client.get(project.get_absolute_url())

    with connection.cursor() as cursor:
        cursor.execute(statement(project), ["Renamed in SQL", project.pk])

    assert "Renamed in SQL" in client.get(project.get_absolute_url()).content.decode()


def test_a_role_taken_away_in_raw_sql_is_gone_at_the_next_request(pmo):
    client = client_for(pmo)
    people = f'href="{reverse("projects:people")}"'
    assert people in client.get(reverse("projects:home")).content.decode()  # kept, PMO's

    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM "auth_user_groups" WHERE user_id = %s', [pmo.pk])

    assert people not in client.get(reverse("projects:home")).content.decode()
    assert client.get(reverse("projects:people")).status_code == 403


def test_a_write_while_the_cache_is_left_alone_is_announced_before_pages_are_served(
    project, manager, monkeypatch
):
    client = client_for(manager)
    client.get(project.get_absolute_url())
    monkeypatch.setattr(page_cache.PAUSE, "until", time.monotonic() + 10)

    Project.objects.filter(pk=project.pk).update(title="Renamed while paused")
    assert page_cache._writes_unannounced
    monkeypatch.setattr(page_cache.PAUSE, "until", 0.0)

    assert "Renamed while paused" in client.get(project.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_commit_announces_itself_even_while_the_cache_is_left_alone(
    manager, sponsor, monkeypatch
):
    # One slow answer must not hide this process's commits from the others for 10 s.
    project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    before = caches["pages"].get(GENERATION)
    monkeypatch.setattr(page_cache.PAUSE, "until", time.monotonic() + 10)

    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="Renamed")
        assert caches["pages"].get(GENERATION) == before  # not tried while left alone

    assert caches["pages"].get(GENERATION) != before


def test_with_the_cache_off_writes_leave_redis_alone(project, settings):
    settings.PAGE_CACHE_SECONDS = 0
    generation = caches["pages"].get(GENERATION)

    Project.objects.filter(pk=project.pk).update(title="Renamed")

    assert caches["pages"].get(GENERATION) == generation


def test_the_pmos_overdue_panel_is_kept_and_refused_to_others(initiating, pmo, manager):
    client = client_for(pmo)
    path = reverse("projects:overdue-panel")
    built, _ = queries(client, path)

    kept, _ = queries(client, path)

    assert kept == 2 < built
    assert client_for(manager).get(path).status_code == 403  # asked before the kept panel


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_fails_costs_one_try_per_pause_not_one_per_commit(
    manager, sponsor, monkeypatch
):
    # A Redis that hangs costs its 0.5 s timeout on each try: a loop of small transactions
    # (a task, a command) must not pay it on every commit.
    project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    tries = []

    def hangs(*args, **kwargs):
        tries.append(args)
        raise RedisError("Timeout reading from socket")

    monkeypatch.setattr(caches["pages"], "set", hangs)
    for number in range(5):
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(title=f"Renamed {number}")

    assert len(tries) == 2  # the first write, then the first commit after it failed
    assert page_cache._writes_unannounced
