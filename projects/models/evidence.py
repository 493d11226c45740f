"""Evidence: files attached to a business case, a charter, a deliverable, the closure report
or a gate (SPEC §10). Stored through Django's storage API under random names; served only
through a permission-checked download."""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from lifecycle.stages import Stage
from projects.models.projects import Project

ATTACHMENTS_DIR = "attachments"


def random_name(instance: "Attachment", filename: str) -> str:
    """Never the uploaded name: a random one, without an extension a server could act on."""
    return f"{ATTACHMENTS_DIR}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="attachments")
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    # Evidence for a gate: the stage it lets the project enter (attached to the project).
    gate = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    file = models.FileField(upload_to=random_name, max_length=200)
    name = models.CharField(max_length=200)  # as uploaded: shown and offered on download only
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    mime_type = models.CharField(max_length=100)  # detected from the content
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Frozen with a signed charter revision: kept as signed, never removed.
    frozen_at = models.DateTimeField(null=True, blank=True)

    audit_record = "Evidence"

    class Meta:
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["record_type", "record_id", "uploaded_at"])]

    def __str__(self) -> str:
        return self.name
