"""Audit rows are written once and never changed: by the model, the queryset and PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from lifecycle.models import AuditEntry, RecordImmutable
from lifecycle.services import audit_record


@pytest.fixture
def entry(project, manager):
    return audit_record(subject=project, record="Stage", action="note", label="Note", by=manager)


def test_an_entry_cannot_be_edited(entry):
    entry.comment = "rewritten"
    with pytest.raises(RecordImmutable):
        entry.save()


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(RecordImmutable):
        entry.delete()
    with pytest.raises(RecordImmutable):
        AuditEntry.objects.all().delete()
    with pytest.raises(RecordImmutable):
        AuditEntry.objects.update(comment="rewritten")


def test_postgresql_refuses_raw_updates_and_deletes(entry):
    for statement in (
        "UPDATE lifecycle_auditentry SET comment = 'rewritten'",
        "DELETE FROM lifecycle_auditentry",
    ):
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEntry.objects.get(pk=entry.pk).comment == ""


def test_entries_are_found_by_their_project(entry, project):
    assert list(AuditEntry.objects.for_subject(project)) == [entry]
