"""The charter: filled out by the manager, signed by the sponsor, frozen as revisions."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from lifecycle.errors import RecordChanged
from lifecycle.models import AuditEntry
from lifecycle.rules import require
from lifecycle.services import transition_run
from projects import charter_document, events, fingerprint, tasks
from projects.lists import CHARTER_LISTS, Row, by_key
from projects.models import Charter, CharterRevision, CharterRisk, Project, Risk
from projects.services.audit import audit
from projects.services.evidence import charter_evidence_discard, charter_evidence_freeze
from projects.services.pdfs import charter_signed_pdf
from projects.services.raid import raid_charter_risks


def charter_open(project: Project) -> Charter:
    """Entering Initiating: the charter starts from the business case — its goal as the
    purpose, its need as the justification, its risks as the key risks."""
    proposal = project.proposal
    charter, created = Charter.objects.get_or_create(
        project=project,
        defaults={"purpose": proposal.goal, "justification": proposal.need},
    )
    if created:
        CharterRisk.objects.bulk_create(
            CharterRisk(charter=charter, **{name: getattr(risk, name) for name in Risk.FIELDS})
            for risk in proposal.risks.all()
        )
    return charter


def charter_update(
    *,
    charter: Charter,
    by: AbstractBaseUser,
    version: int,
    lists: dict[str, list[Row]],
    **fields: Any,
) -> Charter:
    """Save the manager's draft: all of it or, if the charter moved on, nothing."""
    with transaction.atomic():
        project = Project.objects.locked(charter.project_id)
        locked = Charter.objects.select_for_update().get(pk=charter.pk)
        locked.project = project
        require(by, "may_edit_charter", locked)
        if locked.version != version:
            raise RecordChanged(
                "The charter was saved elsewhere after you opened this form. Nothing was saved: "
                "reopen the charter to see the current version."
            )
        changed = [name for name in Charter.TEXT_FIELDS if getattr(locked, name) != fields[name]]
        for name in changed:
            setattr(locked, name, fields[name])
        charter_lists = by_key(CHARTER_LISTS)
        for key, rows in lists.items():
            if charter_lists[key].store(rows, locked):
                changed.append(key)
        locked.version += 1
        locked.save()
        audit(
            subject=locked.project,
            record=Charter.audit_record,
            action="edit",
            event=events.CHARTER_EDITED,
            label="Edited",
            data={"changed": changed, "revision": locked.revision},
            by=by,
        )
    return locked


def charter_version(charter: Charter) -> str:
    """The charter as the page shows it, fingerprinted (the SHA-256 under the document)."""
    return fingerprint.sha256(
        charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
    )


def _charter_transition(name: str, doc: str) -> Any:
    """A sign-off step taken on the charter as the person saw it (`seen`: its version then)."""

    def run(
        *, charter: Charter, by: AbstractBaseUser, comment: str = "", seen: str = ""
    ) -> AuditEntry:
        return transition_run(
            instance=charter,
            name=name,
            by=by,
            comment=comment,
            side_effect=tasks.announce,
            seen=seen,
            fingerprint=charter_version,
        )

    run.__name__, run.__doc__ = f"charter_{name}", doc
    return run


charter_submit = _charter_transition("submit", "The manager submits the charter for sign-off.")
charter_return = _charter_transition("return_charter", "The sponsor returns it with a reason.")
charter_amend = _charter_transition(
    "amend",
    "Reopen a signed charter as the next revision's draft; the signed one stays the baseline.",
)
charter_recall = _charter_transition(
    "recall", "The manager takes the charter back before the sponsor decided on it."
)


def charter_discard_amendment(
    *, charter: Charter, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """Give up an amendment: the working copy is the signed baseline again, every section as
    the sponsor signed it. What was discarded is kept in the history's audit row."""
    with transaction.atomic():
        Project.objects.locked(charter.project_id)
        Charter.objects.select_for_update().get(pk=charter.pk)
        discarded = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
        entry = transition_run(
            instance=charter,
            name="discard_amendment",
            by=by,
            comment=comment,
            data={"revision": discarded["revision"], "discarded": discarded},
            side_effect=tasks.announce,
            seen=seen,
            fingerprint=charter_version,  # edits saved since the page was opened: refused
        )
        locked = Charter.objects.get(pk=charter.pk)
        charter_evidence_discard(locked)  # the files added to the amendment go with it
        baseline = locked.revisions.get(number=locked.revision)
        texts, lists = charter_document.sections_of(baseline.snapshot)
        for name, value in texts.items():
            setattr(locked, name, value)
        for spec in CHARTER_LISTS:
            spec.store(lists[spec.key], locked)
        locked.version += 1
        locked.save()
    return entry


def charter_sign(
    *, charter: Charter, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """The sponsor signs: the working copy is frozen as an immutable revision with its SHA-256,
    and its PDF is rendered as soon as this commits."""
    with transaction.atomic():
        Project.objects.locked(charter.project_id)
        Charter.objects.select_for_update().get(pk=charter.pk)  # what is signed is what is frozen
        document = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
        digest = fingerprint.sha256(document)
        entry = transition_run(
            instance=charter,
            name="sign",
            by=by,
            comment=comment,
            data={"revision": document["revision"], "sha256": digest},
            side_effect=tasks.announce,
            seen=seen,
            fingerprint=lambda locked: digest,  # what the sponsor saw is what is frozen
        )
        CharterRevision.objects.create(
            charter_id=charter.pk,
            number=document["revision"],
            snapshot=document,
            sha256=digest,
            signed_by=by,
        )
        charter_evidence_freeze(charter)
        raid_charter_risks(charter=charter, document=document, by=by)
        charter_signed_pdf(project=charter.project, by=by)  # rendered once this commits
    return entry


CHARTER_ACTIONS = {
    "submit": charter_submit,
    "sign": charter_sign,
    "return_charter": charter_return,
    "amend": charter_amend,
    "recall": charter_recall,
    "discard_amendment": charter_discard_amendment,
}
