"""The charter: edit, sign-off, revisions, PDFs."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lifecycle.rules import require
from lifecycle.selectors import actions_for, reads_now
from projects import charter_document, fingerprint, lists, services
from projects.forms.charters import CharterForm
from projects.forms.common import CommentForm
from projects.lists import CHARTER_LISTS
from projects.models import Charter, PdfJob, Project
from projects.selectors.charters import (
    pdf_job_file,
    pdf_job_get,
    pdf_job_settled,
    signed_revisions,
)
from projects.selectors.projects import project_get, project_to_act_on
from projects.services import pdfs
from projects.views.common import decide, now_is, project_context, project_tab, record_of


def charter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _charter_page(request, project, CommentForm()))


def _charter_page(
    request: HttpRequest, project: Project, comment_form: CommentForm, status: int = 200
) -> HttpResponse:
    context = project_context(request, project, tab="charter")
    charter = getattr(project, "charter", None)
    if charter is not None:
        # A draft's checklist reads some sections as records: read so once, for both.
        document = charter_document.snapshot_of_page(
            project, as_records=reads_now(charter, "state")
        )
        revisions = signed_revisions(charter)
        context |= {
            "charter": charter,
            "document": document,
            "sha256": fingerprint.sha256(document),
            "warnings": charter_document.milestones_outside_timeframe(document),
            "revisions": revisions,
            "baseline": revisions[0] if revisions else None,
            "pdf_job": pdfs.charter_pdf_job(charter, document, revisions[0] if revisions else None),
            "charter_actions": actions_for(charter, request.user, field="state"),
            "comment_form": comment_form,
        }
    return render(request, "projects/charters/charter.html", context, status=status)


def charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    charter = record_of(project, "charter")
    require(request.user, "may_edit_charter", charter)
    data = request.POST or None
    form = CharterForm(data, instance=charter)
    formsets = lists.bind(CHARTER_LISTS, data, charter)
    if request.method == "POST" and form.is_valid() & lists.valid(formsets):
        fields = {name: form.cleaned_data[name] for name in Charter.TEXT_FIELDS}
        services.charter_update(
            charter=charter,
            by=request.user,
            version=form.cleaned_data["version"],
            lists=lists.rows_of(formsets),
            **fields,
        )
        messages.success(request, "Charter saved.")
        return redirect("projects:charter", pk=project.pk)
    return render(
        request,
        "projects/charters/charter_form.html",
        {"project": project, "form": form, "formsets": formsets},
    )


@require_POST
def charter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = services.CHARTER_ACTIONS.get(action)
    charter = record_of(project_to_act_on(user=request.user, pk=pk, record="charter"), "charter")
    if service is None:
        raise Http404("No such action.")
    return decide(
        request,
        pk,
        run=lambda comment, seen: service(
            charter=charter, by=request.user, comment=comment, seen=seen
        ),
        page=lambda project, form, status: _charter_page(request, project, form, status),
        back_url=reverse("projects:charter", args=[pk]),
        done=now_is("charter"),
    )


def charter_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    charter = record_of(project, "charter")
    revision = get_object_or_404(charter.revisions.select_related("signed_by"), number=number)
    render_input = pdfs.charter_render_input(charter, revision.snapshot, revision)
    context = project_context(request, project, tab="charter") | {
        "revision": revision,
        "document": revision.snapshot,
        "pdf_job": pdfs.job_for(project.pk, PdfJob.Kind.CHARTER, pdfs.input_sha256(render_input)),
        "is_baseline": revision.number
        == charter.revisions.values_list("number", flat=True).first(),
    }
    return render(request, "projects/charters/charter_revision.html", context)


@require_POST
def charter_pdf(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    """**Generate PDF** of the charter as it stands, or of one signed revision."""
    project = project_get(user=request.user, pk=pk)
    charter = record_of(project, "charter")
    revision = None
    if number is not None:
        revision = get_object_or_404(charter.revisions.select_related("signed_by"), number=number)
    job = services.charter_pdf_request(project=project, by=request.user, revision=revision)
    if job.status == PdfJob.Status.READY:
        messages.info(request, "This revision was rendered already: download it below.")
    if number is not None:
        return redirect(reverse("projects:charter-revision", args=[pk, number]) + "#pdf")
    return redirect(reverse("projects:charter", args=[pk]) + "#pdf")


def pdf_status(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """The job's progress, polled by htmx until it is ready or failed; a pending job's answer
    waits up to PDF_STATUS_HOLD_SECONDS for the render to end."""
    pdf_job = pdf_job_settled(
        pdf_job_get(user=request.user, project_pk=pk, job_pk=job),
        within=settings.PDF_STATUS_HOLD_SECONDS,
    )
    return render(
        request, "projects/_pdf_job.html", {"pdf_job": pdf_job, "project": pdf_job.project}
    )


def pdf_download(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """**Download PDF**: through this permission-checked view only, never a public URL."""
    pdf_job = pdf_job_get(user=request.user, project_pk=pk, job_pk=job)
    return FileResponse(
        pdf_job_file(pdf_job),
        as_attachment=True,
        filename=pdf_job.filename,
        content_type="application/pdf",
    )
