"""PDF jobs: requested in the browser, rendered by a Celery worker, downloaded when ready.

A job freezes its input when requested, so what is rendered is what was asked for. The same
input is rendered once: asking again returns the same job. The worker's part is idempotent —
a redelivered task (the worker died mid-render) renders again, a finished job is never
rendered twice, and a job that failed for good says why.
"""

import hashlib
import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from projects import charter_document, closure_document, pdf
from projects.models import Charter, CharterRevision, PdfJob, Project

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Bump when a PDF template or its stylesheet changes, so documents are rendered anew.
TEMPLATE_VERSION = "1"
TEMPLATES = {
    PdfJob.Kind.CHARTER: "projects/pdf/charter.html",
    PdfJob.Kind.CLOSURE: "projects/pdf/closure.html",
}
# A queued job older than this was probably never enqueued (the broker was down).
STUCK_QUEUED_AFTER = timedelta(seconds=60)


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def charter_render_input(
    charter: Charter, document: dict[str, Any], revision: CharterRevision | None
) -> dict[str, Any]:
    """What a charter PDF is made from: the snapshot, and the sign-off when it is signed."""
    signoff = None
    if revision is not None:
        signoff = {
            "revision": revision.number,
            "signed_by": _person(revision.signed_by),
            "signed_at": revision.signed_at.isoformat(timespec="seconds"),
            "sha256": revision.sha256,
        }
    return {"template": TEMPLATE_VERSION, "charter": document, "signoff": signoff}


def charter_pdf_input(charter: Charter, revision_number: int | None = None) -> dict[str, Any]:
    """The input for the charter as it stands — the signed baseline when the charter is
    signed, else the working copy as a draft — or for one signed revision."""
    if revision_number is None and charter.is_signed:
        revision_number = charter.revision
    if revision_number is not None:
        revision = (
            charter.revisions.select_related("signed_by").filter(number=revision_number).first()
        )
        if revision is None:
            raise Http404("No such revision.")
        return charter_render_input(charter, revision.snapshot, revision)
    document = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
    return charter_render_input(charter, document, None)


def input_sha256(render_input: dict[str, Any]) -> str:
    return charter_document.sha256(render_input)


def charter_pdf_job(
    charter: Charter, document: dict[str, Any], baseline: CharterRevision | None
) -> PdfJob | None:
    """The job (if any) for what **Generate PDF** would render now: the signed baseline
    when the charter is signed, else the working copy `document`."""
    if charter.is_signed and baseline is not None:
        render_input = charter_render_input(charter, baseline.snapshot, baseline)
    else:
        render_input = charter_render_input(charter, document, None)
    return PdfJob.objects.filter(
        project_id=charter.project_id,
        kind=PdfJob.Kind.CHARTER,
        source_sha256=input_sha256(render_input),
    ).first()


def charter_pdf_request(
    *, project: Project, by: AbstractBaseUser, revision_number: int | None = None
) -> PdfJob:
    """**Generate PDF** of the charter: the job for this content, new or reused."""
    charter = Charter.objects.get(project=project)  # as it is now, not as `project` cached it
    render_input = charter_pdf_input(charter, revision_number)
    revision = render_input["charter"]["revision"]
    state = "signed" if render_input["signoff"] else "draft"
    return pdf_request(
        project=project,
        kind=PdfJob.Kind.CHARTER,
        title=f"Charter revision {revision} ({state})",
        render_input=render_input,
        by=by,
    )


def closure_render_input(project: Project) -> dict[str, Any]:
    return {"template": TEMPLATE_VERSION, "closure": closure_document.snapshot(project.pk)}


def closure_pdf_request(*, project: Project, by: AbstractBaseUser) -> PdfJob:
    """**Generate PDF** of the closure report."""
    return pdf_request(
        project=project,
        kind=PdfJob.Kind.CLOSURE,
        title="Closure report",
        render_input=closure_render_input(project),
        by=by,
    )


def pdf_request(
    *,
    project: Project,
    kind: str,
    title: str,
    render_input: dict[str, Any],
    by: AbstractBaseUser,
) -> PdfJob:
    """The job for this exact input: reused if it exists, retried if it failed, else new and
    enqueued once the transaction commits."""
    with transaction.atomic():
        job, created = PdfJob.objects.get_or_create(
            project=project,
            kind=kind,
            source_sha256=input_sha256(render_input),
            defaults={"title": title, "document": render_input, "requested_by": by},
        )
        if not created and job.status == PdfJob.Status.FAILED:
            job = PdfJob.objects.select_for_update().get(pk=job.pk)
            job.status, job.attempts, job.error = PdfJob.Status.QUEUED, 0, ""
            job.queued_at, job.started_at, job.finished_at = timezone.now(), None, None
            job.save()
            created = True
        if created:
            transaction.on_commit(lambda: enqueue_render(job.pk), robust=True)
    return job


def enqueue_render(job_id: int) -> None:
    from projects.tasks import render_pdf

    try:
        render_pdf.delay(job_id)
    except Exception:
        # The broker is down: the job stays queued and the sweeper enqueues it later.
        log.exception("Could not enqueue PDF job %s; the sweeper will retry", job_id)


def pdf_job_render(job_id: int) -> PdfJob:
    """The worker's part: claim the job, render outside any transaction, store, mark ready."""
    job = _claim(job_id)
    if job.status != PdfJob.Status.RENDERING:
        return job
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "document.pdf"
        try:
            html = pdf.render_html(TEMPLATES[job.kind], render_context(job))
            pdf.write_pdf(html, target)
        except Exception as error:
            log.exception("PDF job %s failed", job_id)
            return _fail(job_id, f"Rendering failed: {type(error).__name__}: {error}"[:1000])
        return _store(job_id, target)


def _claim(job_id: int) -> PdfJob:
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status in (PdfJob.Status.READY, PdfJob.Status.FAILED):
            return job  # done already: a duplicate or late delivery does nothing
        if job.attempts >= MAX_ATTEMPTS:
            job.status = PdfJob.Status.FAILED
            job.error = f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time."
            job.finished_at = timezone.now()
        else:
            # Queued, or "rendering" by a worker that died (its task was delivered again).
            job.status = PdfJob.Status.RENDERING
            job.attempts += 1
            job.started_at = timezone.now()
        job.save()
        return job


def _store(job_id: int, rendered: Path) -> PdfJob:
    digest = hashlib.sha256(rendered.read_bytes()).hexdigest()
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status == PdfJob.Status.READY:
            return job  # another delivery finished first: keep its file, not a second one
        with rendered.open("rb") as content:
            job.file.name = default_storage.save(
                f"pdfs/{job.project_id}/{job.source_sha256}.pdf", File(content)
            )
        job.pdf_sha256 = digest
        job.status = PdfJob.Status.READY
        job.error = ""
        job.finished_at = timezone.now()
        job.save()
        return job


def _fail(job_id: int, message: str) -> PdfJob:
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().get(pk=job_id)
        if job.status != PdfJob.Status.READY:
            job.status = PdfJob.Status.FAILED
            job.error = message
            job.finished_at = timezone.now()
            job.save()
        return job


def render_context(job: PdfJob) -> dict[str, Any]:
    render_input = job.document
    if job.kind == PdfJob.Kind.CLOSURE:
        return {"closure": render_input["closure"], "generated_at": timezone.now()}
    document = render_input["charter"]
    return {
        "document": document,
        "signoff": render_input["signoff"],
        "warnings": charter_document.milestones_outside_timeframe(document),
        "item_sections": [(key, label) for key, label in charter_document.ITEM_SECTIONS.items()],
        "currency": settings.CURRENCY,
        "generated_at": timezone.now(),
    }


def pdf_jobs_requeue_stuck() -> int:
    """The sweeper: enqueue jobs still queued a while after their request (the broker was
    down then), and jobs left rendering past the hard time limit (their worker vanished)."""
    now = timezone.now()
    rendering_limit = timedelta(seconds=settings.PDF_TIME_LIMIT + 30)
    stuck = list(
        PdfJob.objects.filter(
            Q(status=PdfJob.Status.QUEUED, queued_at__lt=now - STUCK_QUEUED_AFTER)
            | Q(status=PdfJob.Status.RENDERING, started_at__lt=now - rendering_limit)
        ).values_list("pk", flat=True)
    )
    for job_id in stuck:
        enqueue_render(job_id)
    return len(stuck)
