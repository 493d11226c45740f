"""Permission sets are kept in Redis between requests, and any change to groups or permissions
is seen by the next request (projects/permissions.py)."""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from projects.permissions import GENERATION, cache_key
from tests.factories import UserFactory


def fresh(user):
    """The user as the next request loads it: nothing cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


def test_the_next_request_reads_permissions_from_the_cache(pmo, django_assert_num_queries):
    assert fresh(pmo).has_perm("projects.view_portfolio")  # reads and keeps them

    user = fresh(pmo)
    with django_assert_num_queries(0):
        assert user.has_perm("projects.view_portfolio")
        assert not user.has_perm("projects.delete_project")
    generation, kept = caches["permissions"].get(cache_key(pmo))
    assert generation == caches["permissions"].get(GENERATION)
    assert "projects.view_portfolio" in kept


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user, group: user.groups.remove(group), id="left the group"),
        pytest.param(lambda user, group: user.groups.clear(), id="groups cleared"),
        pytest.param(lambda user, group: group.user_set.remove(user), id="removed from group"),
        pytest.param(
            lambda user, group: group.permissions.remove(
                Permission.objects.get(codename="view_portfolio")
            ),
            id="permission taken from the group",
        ),
        pytest.param(lambda user, group: group.delete(), id="group deleted"),
    ],
)
def test_a_role_taken_away_is_gone_at_the_next_request(pmo, change):
    group = Group.objects.get(name="PMO")
    assert fresh(pmo).has_perm("projects.view_portfolio")

    change(pmo, group)

    assert not fresh(pmo).has_perm("projects.view_portfolio")


def test_adding_nothing_keeps_the_cache(pmo):
    generation = caches["permissions"].get(GENERATION)
    pmo.groups.add(*pmo.groups.all())  # already a member: nothing changes

    assert caches["permissions"].get(GENERATION) == generation


def test_a_role_given_is_there_at_the_next_request(db):
    user = UserFactory()
    assert not fresh(user).has_perm("projects.add_project")

    user.groups.add(Group.objects.get(name="Project managers"))
    assert fresh(user).has_perm("projects.add_project")

    user.user_permissions.add(Permission.objects.get(codename="view_portfolio"))
    assert fresh(user).has_perm("projects.view_portfolio")


def test_a_change_starts_a_new_generation_again_when_it_commits(
    pmo, django_capture_on_commit_callbacks
):
    # Another process may read the old rows between the change and its commit, and keep them
    # under the generation the change started: the commit starts one more.
    cache = caches["permissions"]
    fresh(pmo).has_perm("projects.view_portfolio")
    before = cache.get(GENERATION)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pmo.groups.clear()
    during = cache.get(GENERATION)
    for callback in callbacks:
        callback()

    assert before != during != cache.get(GENERATION)


def test_superuser_status_is_part_of_the_key(pmo):
    fresh(pmo).has_perm("projects.view_portfolio")
    get_user_model().objects.filter(pk=pmo.pk).update(is_superuser=True)

    assert fresh(pmo).has_perm("projects.delete_project")


def test_inactive_users_have_no_permissions_whatever_is_cached(pmo):
    fresh(pmo).has_perm("projects.view_portfolio")
    get_user_model().objects.filter(pk=pmo.pk).update(is_active=False)

    assert not fresh(pmo).has_perm("projects.view_portfolio")


def test_pages_answer_from_the_database_when_redis_is_down(pmo, settings, caplog):
    client = Client()
    client.force_login(pmo)
    down = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CACHES = settings.CACHES | {
        "permissions": settings.CACHES["permissions"] | {"LOCATION": down}
    }

    response = client.get(reverse("projects:portfolio"))

    assert response.status_code == 200
    assert "Portfolio" in response.content.decode()
    assert "Permission cache unreachable" in caplog.text

    caplog.clear()  # for the next seconds this process does not try again
    assert client.get(reverse("projects:portfolio")).status_code == 200
    assert "Permission cache unreachable" not in caplog.text


def test_pages_answer_from_the_database_while_redis_hangs(pmo, settings, caplog):
    # A Redis that accepts connections and never answers must not hang the page either. The
    # silent server is a socket of this test's own (the kernel completes the handshake; nobody
    # reads): pausing the real Redis would stall the other test process too.
    client = Client()
    client.force_login(pmo)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        settings.CACHES = settings.CACHES | {
            "permissions": settings.CACHES["permissions"]
            | {"LOCATION": f"redis://127.0.0.1:{port}/0"}
        }
        response = client.get(reverse("projects:portfolio"))

    assert response.status_code == 200
    assert "Portfolio" in response.content.decode()
    assert "Permission cache unreachable (Timeout" in caplog.text
