"""Evidence: files attached to a project's records. A file is checked before anything is
stored (projects/evidence.py), stored under a random name through Django's storage API, and
its row written in the same step: a failed write leaves neither a row nor a file."""

import logging
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.discussion import kind_of
from projects.evidence import check_upload
from projects.formats import size
from projects.models import Attachment, Charter, Project
from projects.rules import evidence_rule, next_stage
from projects.services.audit import audit

log = logging.getLogger(__name__)


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # found later by report_orphan_files
        log.exception("Could not delete the stored file %s", name)


def attachment_add(*, record: Any, by: AbstractBaseUser, upload: UploadedFile) -> Attachment:
    """Attach `upload` to `record` (a business case, a charter, a deliverable, the closure
    report, or the project itself as evidence for its next gate)."""
    checked = check_upload(upload)  # refused here: nothing stored, nothing written
    kind = kind_of(record)
    attachment = None
    try:
        with transaction.atomic():
            gate = kind.model is Project  # evidence for the project's next gate
            project = Project.objects.locked(record.pk if gate else record.project_id)
            if gate:
                record = project
            else:
                record = type(record).objects.get(pk=record.pk)  # as it is now, under the lock
                record.project = project
            require(by, evidence_rule(record), record)
            attachment = Attachment(
                project=project,
                record=record,
                gate=next_stage(project) if gate else "",
                name=checked.name,
                size=checked.size,
                sha256=checked.sha256,
                mime_type=checked.mime_type,
                uploaded_by=by,
            )
            attachment.file.save(checked.name, upload, save=False)  # a random name
            attachment.save()
            audit(
                subject=project,
                record="Evidence",
                action="attached",
                event=events.EVIDENCE_ATTACHED,
                label=f"File attached to {kind.title(record)}"[:80],
                comment=f"{checked.name} ({size(checked.size)}, SHA-256 {checked.sha256})",
                data={"attachment": attachment.pk, "sha256": checked.sha256, "kind": kind.slug},
                by=by,
            )
    except BaseException:
        if attachment is not None and attachment.file.name:
            _delete_file(attachment.file.name)
        raise
    return attachment


def attachment_remove(*, attachment: Attachment, by: AbstractBaseUser) -> None:
    """Remove a file from a record that is still a draft: the row goes, the stored file after
    the commit; History keeps its name and hash."""
    with transaction.atomic():
        project = Project.objects.locked(attachment.project_id)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        attachment.project = project
        require(by, "may_remove_attachment", attachment)
        record = attachment.record
        name = attachment.file.name
        attachment.delete()
        audit(
            subject=project,
            record="Evidence",
            action="removed",
            event=events.EVIDENCE_REMOVED,
            label=f"File removed from {kind_of(record).title(record)}"[:80],
            comment=f"{attachment.name} ({size(attachment.size)}, SHA-256 {attachment.sha256})",
            data={"sha256": attachment.sha256, "kind": kind_of(record).slug},
            by=by,
        )
        transaction.on_commit(partial(_delete_file, name))


def charter_evidence_freeze(charter: Charter) -> int:
    """Signing freezes the charter's files with the revision (their hashes are in it)."""
    return Attachment.objects.filter(**_of(charter), frozen_at__isnull=True).update(
        frozen_at=timezone.now()
    )


def charter_evidence_discard(charter: Charter) -> list[str]:
    """Discarding an amendment drops the files added to it; the signed ones stay."""
    added = list(Attachment.objects.filter(**_of(charter), frozen_at__isnull=True))
    for attachment in added:
        attachment.delete()
        transaction.on_commit(partial(_delete_file, attachment.file.name))
    return [attachment.name for attachment in added]


def _of(record: Any) -> dict[str, Any]:
    return {"record_type": ContentType.objects.get_for_model(record), "record_id": record.pk}
