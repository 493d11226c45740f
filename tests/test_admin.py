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
