"""The worker's part of a PDF job: claim it, render outside any transaction, store, mark ready.

Idempotent: a redelivered task (the worker died mid-render) renders again, a finished job is
never rendered twice, and a job that failed for good says why. The job's status moves only
through its state machine (`PdfJob.start`, `finish`, `fail`). Requests for PDFs are
`projects/services/pdfs.py`; the Celery task that calls this is `projects/tasks.py`.
"""

import hashlib
import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from projects import charter_document, pdf
from projects.models import PdfJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
TEMPLATES = {
    PdfJob.Kind.CHARTER: "projects/pdf/charter.html",
    PdfJob.Kind.CLOSURE: "projects/pdf/closure.html",
    PdfJob.Kind.STATUS: "projects/pdf/status_report.html",
    PdfJob.Kind.BUSINESS_CASE: "projects/pdf/business_case.html",
}
# A queued job older than this was probably never enqueued (the broker was down).
STUCK_QUEUED_AFTER = timedelta(seconds=60)


def render_job(job_id: int) -> PdfJob:
    job = _claim(job_id)
    if job.status != PdfJob.Status.RENDERING:
        return job
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "document.pdf"
        try:
            html = pdf.render_html(TEMPLATES[job.kind], render_context(job))
            pdf.write_pdf(html, target)
        except SoftTimeLimitExceeded:
            return _fail(
                job_id,
                f"Rendering took longer than {settings.PDF_SOFT_TIME_LIMIT} s and was stopped: "
                "the document is too long to print in one go.",
            )
        except Exception as error:
            log.exception("PDF job %s failed", job_id)
            return _fail(job_id, f"Rendering failed: {type(error).__name__}: {error}")
        return _store(job_id, target)


def _claim(job_id: int) -> PdfJob:
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status in (PdfJob.Status.READY, PdfJob.Status.FAILED):
            return job  # done already: a duplicate or late delivery does nothing
        if job.attempts >= MAX_ATTEMPTS:
            job.fail(error=f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time.")
        else:
            job.start()
        job.save()
        return job


def _store(job_id: int, rendered: Path) -> PdfJob:
    digest = hashlib.sha256(rendered.read_bytes()).hexdigest()
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status == PdfJob.Status.READY:
            return job  # another delivery finished first: keep its file, not a second one
        with rendered.open("rb") as content:
            name = default_storage.save(
                f"pdfs/{job.project_id}/{job.source_sha256}.pdf", File(content)
            )
        job.finish(file_name=name, pdf_sha256=digest)
        job.save()
        return job


def _fail(job_id: int, message: str) -> PdfJob:
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status in (PdfJob.Status.QUEUED, PdfJob.Status.RENDERING):
            job.fail(error=message)
            job.save()
        return job  # finished or failed by another delivery meanwhile: theirs stands


def render_context(job: PdfJob) -> dict[str, Any]:
    render_input = job.document
    common = {"organisation": organisation(), "generated_at": timezone.now()}
    if job.kind == PdfJob.Kind.CLOSURE:
        return common | {"closure": render_input["closure"]}
    if job.kind == PdfJob.Kind.STATUS:
        return common | {"report": render_input["status_report"]}
    if job.kind == PdfJob.Kind.BUSINESS_CASE:
        return common | {"summary": render_input["business_case"]}
    document = render_input["charter"]
    return common | {
        "document": document,
        "signoff": render_input["signoff"],
        "warnings": charter_document.milestones_outside_timeframe(document),
        "currency": settings.CURRENCY,
    }


def organisation() -> dict[str, str]:
    """The cover's organisation: its name, and its logo as a URL relative to the PDF's static
    base ("" when there is none, or when the setting names no static file of ours)."""
    logo = settings.ORGANISATION_LOGO.strip().lstrip("/")
    if logo and pdf.static_path(pdf.STATIC_BASE + logo) is None:
        log.warning("ORGANISATION_LOGO names no static file: %.200s", logo)
        logo = ""
    return {"name": settings.ORGANISATION_NAME, "logo": logo}


def stuck_jobs() -> list[int]:
    """Jobs still queued a while after their request (the broker was down then), and jobs
    left rendering past the hard time limit (their worker vanished)."""
    now = timezone.now()
    rendering_limit = timedelta(seconds=settings.PDF_TIME_LIMIT + 30)
    return list(
        PdfJob.objects.filter(
            Q(status=PdfJob.Status.QUEUED, queued_at__lt=now - STUCK_QUEUED_AFTER)
            | Q(status=PdfJob.Status.RENDERING, started_at__lt=now - rendering_limit)
        ).values_list("pk", flat=True)
    )
