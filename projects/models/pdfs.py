"""PDF render jobs: one row per document rendered, so progress, failure and reuse are visible."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django_fsm import FSMField, FSMModelMixin, transition

from projects.models.projects import Project


class PdfJob(FSMModelMixin, models.Model):
    """One document to render. `document` is the exact input (frozen when requested) and
    `source_sha256` its hash: the same input is never rendered twice.

    Its status is a state machine the worker drives (`projects/rendering.py`): queued ->
    rendering -> ready or failed; a failed job asked for again is queued anew. Nobody's
    permission is involved: who may ask for a PDF is who may see the project."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        CHARTER = "charter", "Charter"
        CLOSURE = "closure", "Closure report"
        STATUS = "status_report", "Status report"
        BUSINESS_CASE = "business_case", "Business case summary"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="pdf_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    document = models.JSONField()
    source_sha256 = models.CharField(max_length=64)
    status = FSMField(max_length=20, choices=Status.choices, default=Status.QUEUED, protected=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="pdfs/", blank=True)
    pdf_sha256 = models.CharField("SHA-256 of the PDF", max_length=64, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "source_sha256"], name="one_job_per_document"
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @transition(field=status, source=[Status.QUEUED, Status.RENDERING], target=Status.RENDERING)
    def start(self) -> None:
        """Queued, or "rendering" by a worker that died (its task was delivered again)."""
        self.attempts += 1
        self.started_at = timezone.now()

    # From any unfinished state: a render that completes after another delivery gave up, or
    # after the job was asked for again, still counts.
    @transition(
        field=status, source=[Status.QUEUED, Status.RENDERING, Status.FAILED], target=Status.READY
    )
    def finish(self, *, file_name: str, pdf_sha256: str) -> None:
        self.file.name = file_name
        self.pdf_sha256 = pdf_sha256
        self.error = ""
        self.finished_at = timezone.now()

    @transition(field=status, source=[Status.QUEUED, Status.RENDERING], target=Status.FAILED)
    def fail(self, *, error: str) -> None:
        self.error = error[:1000]
        self.finished_at = timezone.now()

    @transition(field=status, source=Status.FAILED, target=Status.QUEUED)
    def retry(self) -> None:
        """Asked for again after it failed: a fresh start, with its attempts reset."""
        self.attempts, self.error = 0, ""
        self.queued_at, self.started_at, self.finished_at = timezone.now(), None, None

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    @property
    def filename(self) -> str:
        return f"{slugify(f'{self.project.reference} {self.title}')}.pdf"

    @property
    def render_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
