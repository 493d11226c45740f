"""The charter: its signed revisions, and the PDF jobs of a project."""

import logging
import time

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from projects.models import Charter, CharterRevision, PdfJob
from projects.selectors.projects import projects_visible_to
from projects.statements import prefetched

log = logging.getLogger(__name__)


def charter_revisions(charter: Charter) -> QuerySet[CharterRevision]:
    """Signed revisions, newest (the baseline) first."""
    return charter.revisions.select_related("signed_by")


def signed_revisions(charter: Charter) -> list[CharterRevision]:
    """`charter_revisions` as a list, read by a statement compiled once (a page's read)."""
    queryset = CharterRevision.objects.select_related("signed_by")
    prefetched([charter], Prefetch("revisions", queryset=queryset))
    return list(charter.revisions.all())


def pdf_job_get(*, user: AbstractBaseUser, project_pk: int, job_pk: int) -> PdfJob:
    """A PDF job of a project `user` may see; 404 otherwise."""
    project = get_object_or_404(projects_visible_to(user), pk=project_pk)
    return get_object_or_404(PdfJob.objects.select_related("project"), pk=job_pk, project=project)


def pdf_job_settled(job: PdfJob, *, within: float) -> PdfJob:
    """`job` as it is now or, while it is pending, as soon as it is ready or failed within
    `within` seconds (looked at every 25 ms): a poll that arrives just before the render ends
    answers with Download PDF, not with one more "rendering" and a wait for the next poll."""
    deadline = time.monotonic() + within
    while job.is_pending and time.monotonic() < deadline:
        time.sleep(0.025)
        job.refresh_from_db()
    return job


def pdf_job_file(job: PdfJob) -> File:
    """The ready job's PDF, opened for download; 404 while it is not ready, or when its file
    is gone from storage (logged for the operators: asking again serves the same job)."""
    if job.status != PdfJob.Status.READY:
        raise Http404("This PDF is not ready.")
    try:
        return default_storage.open(job.file.name, "rb")
    except OSError:
        log.exception("PDF job %s: its stored file %s is missing", job.pk, job.file.name)
        raise Http404("The PDF file is missing from storage.") from None
