"""PDF jobs, as people ask for them: **Generate PDF** of a charter, a closure report, the
latest status report or the business case's one-page summary.

A job freezes its input when requested, so what is rendered is what was asked for. The same
input is rendered once: asking again returns the same job. A PDF is a rendering of what people
may already read, so asking for one writes no record and is open in every stage (closed ones
included) — to the project's manager, sponsor and the PMO (`may_generate_pdf`), since a render
holds a worker; everyone who sees the project downloads it. The business case's summary is
the exception: whoever reads the business case asks for it (`may_generate_business_case_pdf`),
since escalated deciders and board members take it to their meetings. The worker's part is
`projects/rendering.py`.
"""

from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lifecycle.errors import SlowDown
from lifecycle.models import AuditEntry
from lifecycle.rules import require
from projects import (
    charter_document,
    closure_document,
    fingerprint,
    proposal_document,
    status_document,
    tasks,
)
from projects.formats import day, person
from projects.models import Charter, CharterRevision, PdfJob, Project, Proposal, StatusReport
from projects.selectors.proposals import last_decision
from projects.statements import compiled

# Bump when a PDF template or its stylesheet changes, so documents are rendered anew.
TEMPLATE_VERSION = "3"


def charter_render_input(
    charter: Charter, document: dict[str, Any], revision: CharterRevision | None
) -> dict[str, Any]:
    """What a charter PDF is made from: the snapshot, and the sign-off when it is signed."""
    signoff = None
    if revision is not None:
        signoff = {
            "revision": revision.number,
            "signed_by": person(revision.signed_by),
            "signed_at": revision.signed_at.isoformat(timespec="seconds"),
            "sha256": revision.sha256,
        }
    return {"template": TEMPLATE_VERSION, "charter": document, "signoff": signoff}


def charter_pdf_input(charter: Charter, revision: CharterRevision | None = None) -> dict[str, Any]:
    """The input for the charter as it stands — the signed baseline when the charter is
    signed, else the working copy as a draft — or for one signed revision."""
    if revision is None and charter.is_signed:
        revision = charter.revisions.select_related("signed_by").get(number=charter.revision)
    if revision is not None:
        return charter_render_input(charter, revision.snapshot, revision)
    document = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
    return charter_render_input(charter, document, None)


def input_sha256(render_input: dict[str, Any]) -> str:
    return fingerprint.sha256(render_input)


def charter_pdf_job(
    charter: Charter, document: dict[str, Any], baseline: CharterRevision | None
) -> PdfJob | None:
    """The job (if any) for what **Generate PDF** would render now: the signed baseline
    when the charter is signed, else the working copy `document`."""
    if charter.is_signed and baseline is not None:
        render_input = charter_render_input(charter, baseline.snapshot, baseline)
    else:
        render_input = charter_render_input(charter, document, None)
    return job_for(charter.project_id, PdfJob.Kind.CHARTER, input_sha256(render_input))


def job_for(project_id: int, kind: str, sha256: str) -> PdfJob | None:
    """The job of this project rendering this input, if any: the same SQL on every page that
    offers a PDF, compiled once (projects/statements.py)."""

    def build(ids: list[int], texts: list[str]) -> QuerySet[PdfJob]:
        # At most one: a document is rendered once (`one_job_per_document`).
        return PdfJob.objects.filter(project_id=ids[0], kind=kind, source_sha256=texts[0])

    statement = compiled(("PDF job", kind), build, ids=1, texts=1)
    return next(iter(statement.records(ids=[project_id], texts=[sha256])), None)


def charter_revision_pdf_jobs(revisions: list[CharterRevision]) -> dict[int, PdfJob]:
    """The jobs (if any) of these signed revisions' PDFs, by revision number: one query."""
    if not revisions:
        return {}
    number_of = {
        input_sha256(charter_render_input(revision.charter, revision.snapshot, revision)): (
            revision.number
        )
        for revision in revisions
    }
    jobs = PdfJob.objects.filter(
        project_id=revisions[0].charter.project_id,
        kind=PdfJob.Kind.CHARTER,
        source_sha256__in=number_of,
    )
    return {number_of[job.source_sha256]: job for job in jobs}


def charter_revision_pdf_job(revision: CharterRevision) -> PdfJob | None:
    """The job (if any) of one signed revision's PDF."""
    return charter_revision_pdf_jobs([revision]).get(revision.number)


def charter_pdf_request(
    *, project: Project, by: AbstractBaseUser, revision: CharterRevision | None = None
) -> PdfJob:
    """**Generate PDF** of the charter (or of one signed revision): the job for this content,
    new or reused."""
    require(by, "may_generate_pdf", project)
    return _charter_job(project=project, by=by, revision=revision, rationed=True)


def charter_signed_pdf(*, project: Project, by: AbstractBaseUser) -> PdfJob:
    """Signing renders the revision just signed, so its PDF is ready when the sponsor lands
    on the page (SPEC §8). Called inside the signing transaction: the job is enqueued after
    its commit. Part of the sign-off, not a request of the signer's: neither the PDF rule nor
    the rationing applies (a deputy who signs may not be one who generates PDFs)."""
    return _charter_job(project=project, by=by, revision=None, rationed=False)


def _charter_job(
    *, project: Project, by: AbstractBaseUser, revision: CharterRevision | None, rationed: bool
) -> PdfJob:
    charter = Charter.objects.get(project=project)  # as it is now, not as `project` cached it
    render_input = charter_pdf_input(charter, revision)
    number = render_input["charter"]["revision"]
    state = "signed" if render_input["signoff"] else "draft"
    return _job_for(
        project=project,
        kind=PdfJob.Kind.CHARTER,
        title=f"Charter revision {number} ({state})",
        render_input=render_input,
        by=by,
        rationed=rationed,
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


def status_report_render_input(report: StatusReport) -> dict[str, Any]:
    return {"template": TEMPLATE_VERSION, "status_report": status_document.snapshot(report)}


def status_report_pdf_request(
    *, project: Project, report: StatusReport, by: AbstractBaseUser
) -> PdfJob:
    """**Generate PDF** of a status report, with the top risks it kept."""
    return pdf_request(
        project=project,
        kind=PdfJob.Kind.STATUS,
        title=f"Status report of {report.date:%-d %b %Y}",
        render_input=status_report_render_input(report),
        by=by,
    )


def business_case_render_input(proposal: Proposal, decision: AuditEntry | None) -> dict[str, Any]:
    """The summary of the business case and its latest decision (`last_decision`)."""
    summary = proposal_document.summary(proposal, decision)
    return {"template": TEMPLATE_VERSION, "business_case": summary}


def business_case_pdf_job(proposal: Proposal, decision: AuditEntry | None) -> PdfJob | None:
    """The job, if any, for the summary of the business case as it stands now."""
    sha256 = input_sha256(business_case_render_input(proposal, decision))
    return job_for(proposal.project_id, PdfJob.Kind.BUSINESS_CASE, sha256)


def business_case_pdf_request(*, project: Project, by: AbstractBaseUser) -> PdfJob:
    """**Generate PDF** of the business case's one-page summary, as it stands now."""
    proposal = Proposal.objects.select_related("project__sponsor__user", "project__manager").get(
        project=project
    )
    return pdf_request(
        project=project,
        kind=PdfJob.Kind.BUSINESS_CASE,
        title=f"Business case summary of {day(timezone.localdate())}",
        render_input=business_case_render_input(proposal, last_decision(proposal)),
        by=by,
        rule="may_generate_business_case_pdf",
    )


def pdf_request(
    *,
    project: Project,
    kind: str,
    title: str,
    render_input: dict[str, Any],
    by: AbstractBaseUser,
    rule: str = "may_generate_pdf",
) -> PdfJob:
    """The job for this exact input: reused if it exists, retried if it failed, else new and
    enqueued once the transaction commits. `rule` says who may ask for it."""
    require(by, rule, project)
    return _job_for(
        project=project, kind=kind, title=title, render_input=render_input, by=by, rationed=True
    )


def _job_for(
    *,
    project: Project,
    kind: str,
    title: str,
    render_input: dict[str, Any],
    by: AbstractBaseUser,
    rationed: bool,
) -> PdfJob:
    with transaction.atomic():
        known = job_for(project.pk, kind, input_sha256(render_input))
        if rationed and (known is None or known.status == PdfJob.Status.FAILED):
            refuse_too_many_renders(by)
        job, created = PdfJob.objects.get_or_create(
            project=project,
            kind=kind,
            source_sha256=input_sha256(render_input),
            defaults={"title": title, "document": render_input, "requested_by": by},
        )
        if not created and job.status == PdfJob.Status.FAILED:
            job = PdfJob.objects.select_for_update().get(pk=job.pk)
            if job.status == PdfJob.Status.FAILED:  # still, under the lock
                job.retry()
                job.save()
                created = True
        if created:
            transaction.on_commit(partial(tasks.enqueue, tasks.render_pdf, job.pk), robust=True)
    return job


def refuse_too_many_renders(by: AbstractBaseUser) -> None:
    """One person starts at most `PDF_REQUESTS_PER_MINUTE` renders a minute: a render holds a
    worker for seconds, and the workers are shared by everyone."""
    window = timezone.now() - timedelta(minutes=1)
    recent = list(
        PdfJob.objects.filter(requested_by=by, queued_at__gte=window)
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
    )
    if len(recent) >= settings.PDF_REQUESTS_PER_MINUTE:
        wait = max(1, int((recent[0] - window).total_seconds()) + 1)
        raise SlowDown(
            f"You asked for {len(recent)} PDFs in the last minute, the most one person may: "
            f"try again in {wait} s.",
            retry_after=wait,
        )
