"""The PMO administers people and sponsors; decided records are read-only in the admin."""

from django.urls import reverse

from projects import services
from projects.models import CharterRevision
from tests.conftest import client_for


def test_pmo_opens_the_admin(pmo, project):
    pmo.is_staff = True
    pmo.save()
    client = client_for(pmo)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:projects_sponsor_changelist")).status_code == 200


def test_a_signed_revision_cannot_be_changed_or_deleted_in_the_admin(filled, manager, sponsor, pmo):
    services.charter_submit(charter=filled.charter, by=manager)
    services.charter_sign(charter=filled.charter, by=sponsor)
    revision = CharterRevision.objects.get()
    pmo.is_staff = True
    pmo.is_superuser = True  # even a superuser
    pmo.save()
    client = client_for(pmo)

    change = reverse("admin:projects_charterrevision_change", args=[revision.pk])
    delete = reverse("admin:projects_charterrevision_delete", args=[revision.pk])
    page = client.get(change)
    client.post(change, {"sha256": "0" * 64})

    assert page.status_code == 200
    assert 'name="sha256"' not in page.content.decode()
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CharterRevision.objects.get().sha256 == revision.sha256


def test_the_pmo_cannot_make_anyone_superuser_or_staff_or_set_their_password(pmo, sponsor):
    pmo.is_staff = True
    pmo.save()
    client = client_for(pmo)
    own = reverse("admin:auth_user_change", args=[pmo.pk])

    page = client.get(own).content.decode()
    client.post(
        own,
        {
            "username": "pmo",
            "first_name": "Morgan",
            "last_name": "Ellis",
            "email": "pmo@example.com",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    password = client.get(reverse("admin:auth_user_password_change", args=[sponsor.pk]))

    pmo.refresh_from_db()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert not pmo.is_superuser
    assert password.status_code == 403


def test_a_superuser_still_can(pmo, sponsor):
    pmo.is_staff = pmo.is_superuser = True
    pmo.save()
    client = client_for(pmo)
    assert (
        'name="is_superuser"'
        in client.get(reverse("admin:auth_user_change", args=[sponsor.pk])).content.decode()
    )
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[sponsor.pk])).status_code == 200
    )


def test_the_pmo_changes_nothing_of_a_superuser(pmo, sponsor):
    from django.contrib.auth import get_user_model

    pmo.is_staff = True
    pmo.save()
    get_user_model().objects.filter(pk=sponsor.pk).update(is_superuser=True, is_staff=True)
    page = client_for(pmo).get(reverse("admin:auth_user_change", args=[sponsor.pk]))
    assert 'name="email"' not in page.content.decode()
    assert 'name="groups"' not in page.content.decode()


def test_the_pmo_holds_exactly_the_permissions_the_readme_lists(db):
    from pathlib import Path

    from django.contrib.auth.models import Group

    from projects.roles import GROUP_PERMISSIONS, PMO_GROUP

    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=PMO_GROUP).permissions.select_related("content_type")
    }
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert held == set(GROUP_PERMISSIONS[PMO_GROUP])
    assert all(f"`{permission}`" in readme for permission in held)
