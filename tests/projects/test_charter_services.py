"""The charter: filled by the manager, signed by the sponsor, frozen as immutable revisions."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction

from lifecycle.errors import (
    CommentInvalid,
    GateClosed,
    NotNow,
    RecordChanged,
    TransitionConflict,
    TransitionForbidden,
)
from lifecycle.models import AuditEntry, RecordImmutable
from lifecycle.stages import Stage
from projects import charter_document, fingerprint, notifications, services
from projects.models import Attachment, Charter, CharterRevision, CharterState, Project
from projects.selectors.projects import project_get
from tests.conftest import charter_lists, charter_texts


def fresh(charter) -> Charter:
    return Charter.objects.get(pk=charter.pk)


def document(charter):
    return charter_document.snapshot(charter_document.charter_with_sections(charter.pk))


def save(charter, by, **lists):
    return services.charter_update(
        charter=charter,
        by=by,
        version=fresh(charter).version,
        lists=charter_lists() | lists,
        **charter_texts(),
    )


def test_entering_initiating_opens_the_charter_from_the_business_case(initiating):
    charter = initiating.charter
    proposal = initiating.proposal

    assert (charter.state, charter.revision) == (CharterState.DRAFT, 1)
    assert (charter.purpose, charter.justification) == (proposal.goal, proposal.need)
    assert [r.description for r in charter.risks.all()] == [
        r.description for r in proposal.risks.all()
    ]


def test_manager_fills_the_charter_and_rows_round_trip(initiating, manager):
    charter = save(initiating.charter, manager)
    assert document(charter)["stakeholders"][0]["name"] == "Stakeholder 0"

    kept = charter.stakeholders.get()
    rows = [{"id": kept.pk, "name": "Renamed", "role": "", "organisation": ""}]
    rows[0] |= {"email": "", "influence": "low", "interest": "low"}
    rows.append({"name": "Added", "role": "", "organisation": "", "email": ""})
    rows[1] |= {"influence": "high", "interest": "high"}
    save(charter, manager, stakeholders=rows, milestones=[])

    after = document(charter)
    assert [s["name"] for s in after["stakeholders"]] == ["Renamed", "Added"]
    assert after["milestones"] == []
    assert charter.stakeholders.filter(pk=kept.pk).exists()  # edited in place, not replaced
    assert AuditEntry.objects.filter(record="Charter", action="edit").count() == 2


@pytest.mark.parametrize("who", ["sponsor", "manager2", "member", "pmo"])
def test_only_the_manager_edits_the_charter(initiating, who, request):
    with pytest.raises(TransitionForbidden):
        save(initiating.charter, request.getfixturevalue(who))


def test_a_stale_form_is_refused_and_nothing_is_half_saved(filled, manager):
    opened_at = filled.charter.version
    save(filled.charter, manager, deliverables=[{"name": "Saved elsewhere", "description": ""}])

    with pytest.raises(RecordChanged):
        services.charter_update(
            charter=filled.charter,
            by=manager,
            version=opened_at,
            lists=charter_lists(stakeholders=5),
            **charter_texts(purpose="From the old tab"),
        )

    after = document(filled.charter)
    assert after["purpose"] == "Coverage for every scanner"
    assert len(after["stakeholders"]) == 1
    assert [d["name"] for d in after["deliverables"]] == ["Saved elsewhere"]


def test_submission_lists_what_is_missing(initiating, manager):
    with pytest.raises(GateClosed) as refused:
        services.charter_submit(charter=initiating.charter, by=manager)

    assert [c.label for c in refused.value.checks if not c.met] == [
        "At least one stakeholder",
        "At least one milestone",
        "At least one deliverable",
    ]


def test_manager_submits_and_the_sponsor_is_told(filled, manager, sponsor):
    entry = services.charter_submit(charter=filled.charter, by=manager)

    assert fresh(filled.charter).state == CharterState.SUBMITTED
    [mail] = notifications.messages_for(entry)
    assert mail.to == [sponsor.email]
    assert "charter" in mail.subject


def test_a_submitted_charter_cannot_be_edited(filled, manager):
    services.charter_submit(charter=filled.charter, by=manager)

    with pytest.raises(NotNow, match="waits for the sponsor's sign-off"):
        save(filled.charter, manager)


@pytest.fixture
def submitted_charter(filled, manager):
    services.charter_submit(charter=filled.charter, by=manager)
    return fresh(filled.charter)


def test_sponsor_signs_and_the_revision_is_frozen_with_its_hash(submitted_charter, sponsor):
    expected = document(submitted_charter)

    entry = services.charter_sign(charter=submitted_charter, by=sponsor)

    revision = CharterRevision.objects.get()
    assert (revision.number, revision.signed_by) == (1, sponsor)
    assert revision.snapshot == expected
    assert revision.sha256 == fingerprint.sha256(expected)
    assert entry.data == {"revision": 1, "sha256": revision.sha256}
    assert fresh(submitted_charter).state == CharterState.SIGNED


@pytest.mark.parametrize("who", ["manager", "sponsor2", "pmo"])
def test_only_the_projects_sponsor_signs(submitted_charter, who, request):
    with pytest.raises(TransitionForbidden):
        services.charter_sign(charter=submitted_charter, by=request.getfixturevalue(who))
    assert not CharterRevision.objects.exists()


def test_signing_twice_gives_one_revision(submitted_charter, sponsor):
    services.charter_sign(charter=submitted_charter, by=sponsor)

    with pytest.raises(TransitionConflict):
        services.charter_sign(charter=submitted_charter, by=sponsor)

    assert CharterRevision.objects.count() == 1


def test_return_needs_a_reason_and_reopens_the_draft(submitted_charter, sponsor, manager):
    with pytest.raises(CommentInvalid):
        services.charter_return(charter=submitted_charter, by=sponsor, comment="")

    services.charter_return(charter=submitted_charter, by=sponsor, comment="Add a milestone")
    save(submitted_charter, manager, milestones=charter_lists(milestones=2)["milestones"])
    services.charter_submit(charter=submitted_charter, by=manager)

    assert fresh(submitted_charter).state == CharterState.SUBMITTED


def test_a_signed_charter_refuses_edits_until_amended(submitted_charter, sponsor, manager):
    services.charter_sign(charter=submitted_charter, by=sponsor)

    with pytest.raises(NotNow, match="signed"):
        save(submitted_charter, manager)

    services.charter_amend(charter=submitted_charter, by=manager)
    save(submitted_charter, manager, deliverables=[{"name": "Extra scope", "description": ""}])

    charter = fresh(submitted_charter)
    assert (charter.state, charter.revision) == (CharterState.DRAFT, 2)
    baseline = charter.revisions.first()
    assert baseline.number == 1
    assert [d["name"] for d in baseline.snapshot["deliverables"]] == ["Deliverable 0"]


def test_amend_and_sign_again_makes_revision_two_the_baseline(submitted_charter, sponsor, manager):
    services.charter_sign(charter=submitted_charter, by=sponsor)
    services.charter_amend(charter=submitted_charter, by=manager)
    services.charter_submit(charter=submitted_charter, by=manager)
    services.charter_sign(charter=submitted_charter, by=sponsor)

    assert list(fresh(submitted_charter).revisions.values_list("number", flat=True)) == [2, 1]


def test_signed_revisions_refuse_every_change(submitted_charter, sponsor):
    services.charter_sign(charter=submitted_charter, by=sponsor)
    revision = CharterRevision.objects.get()

    revision.sha256 = "0" * 64
    with pytest.raises(RecordImmutable):
        revision.save()
    with pytest.raises(RecordImmutable):
        revision.delete()
    with pytest.raises(RecordImmutable):
        CharterRevision.objects.update(sha256="0" * 64)
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE projects_charterrevision SET snapshot = '{}'")
    assert CharterRevision.objects.get().snapshot["revision"] == 1


def test_the_hash_is_stable_and_ignores_key_order(filled):
    first = document(filled.charter)
    reordered = dict(reversed(list(first.items())))

    assert fingerprint.sha256(first) == fingerprint.sha256(document(filled.charter))
    assert fingerprint.sha256(first) == fingerprint.sha256(reordered)


@pytest.mark.parametrize(
    "change",
    [
        {"purpose": "Another purpose"},
        {"justification": "Another reason"},
        {"objectives": "Other objectives"},
        {"budget_notes": "A note"},
        {"stakeholders": 2},
        {"milestones": 2},
        {"deliverables": 2},
        {"tasks": 2},
        {"risks": 3},
        {"assumption": [{"text": "Another assumption"}]},
        {"weakness": []},
    ],
)
def test_the_hash_changes_when_any_section_changes(filled, manager, change):
    before = fingerprint.sha256(document(filled.charter))
    counts = {k: v for k, v in change.items() if isinstance(v, int)}
    lists = charter_lists(**counts) | {k: v for k, v in change.items() if isinstance(v, list)}
    texts = charter_texts(**{k: v for k, v in change.items() if isinstance(v, str)})

    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=fresh(filled.charter).version,
        lists=lists,
        **texts,
    )

    assert fingerprint.sha256(document(filled.charter)) != before


def test_milestones_outside_the_timeframe_are_flagged_not_blocked(filled, manager):
    end = filled.proposal.end_date
    late = [{"name": "After the end", "due_date": end + timedelta(days=1)}]
    save(filled.charter, manager, milestones=[*late, {"name": "In time", "due_date": end}])

    assert charter_document.milestones_outside_timeframe(document(filled.charter)) == [
        "After the end"
    ]
    services.charter_submit(charter=filled.charter, by=manager)  # a warning, not a block


def test_advance_to_defining_needs_the_signed_charter(submitted_charter, sponsor, manager):
    project = Project.objects.get(pk=submitted_charter.project_id)
    with pytest.raises(GateClosed) as refused:
        services.project_transition(project=project, name="advance_to_defining", by=sponsor)
    assert [c.label for c in refused.value.checks] == [
        "Charter signed by the sponsor (current revision)"
    ]

    services.charter_sign(charter=submitted_charter, by=sponsor)
    with pytest.raises(TransitionForbidden):
        services.project_transition(project=project, name="advance_to_defining", by=manager)
    services.project_transition(project=project, name="advance_to_defining", by=sponsor)

    assert Project.objects.get(pk=project.pk).stage == Stage.DEFINING


def test_the_charter_page_reads_the_same_document_the_signature_freezes(initiating, manager):
    """The page reads each section's rows as values (`snapshot_of_page`), the services as
    records (`snapshot`): the same document, down to its fingerprint, with every kind of row,
    in their order, and a file attached."""
    lists = charter_lists(stakeholders=3, milestones=2, deliverables=2, tasks=2, risks=2)
    lists["assumption"] = [{"text": "First"}, {"text": "Second"}]
    lists["stakeholders"][1] |= {"influence": "low", "interest": "high", "email": ""}
    lists["milestones"][1]["due_date"] = None
    charter = save(initiating.charter, manager, **lists)
    Attachment.objects.create(
        project=initiating,
        record_type=ContentType.objects.get_for_model(Charter),
        record_id=charter.pk,
        name="scope.pdf",
        size=3,
        sha256="0" * 64,
        mime_type="application/pdf",
        file="evidence/scope.pdf",
        uploaded_by=manager,
    )

    page = charter_document.snapshot_of_page(project_get(user=manager, pk=initiating.pk))
    checked = charter_document.snapshot_of_page(  # as the page of a draft reads them
        project_get(user=manager, pk=initiating.pk),
        as_records={"stakeholders", "milestones", "deliverables"},
    )

    assert page == document(charter) == checked
    assert page["stakeholders"][1]["influence"] == "Low" and page["attachments"]
    assert fingerprint.sha256(page) == fingerprint.sha256(document(charter))
