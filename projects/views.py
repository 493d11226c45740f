"""Pages and actions. Views are short: find the project the user may see, validate the
form, call a service, answer. Rules live in services, gates and the state machines."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lifecycle.selectors import actions_for, next_gate, stage_bar
from lifecycle.services import CommentInvalid, TransitionError
from lifecycle.stages import ACTIVE, Role
from lifecycle.views import transition_refused
from projects import charter_document, selectors, services
from projects.forms import (
    BusinessCaseForm,
    CharterForm,
    CommentForm,
    FormsetSection,
    FundingForm,
    RiskFormSet,
    charter_formsets,
)
from projects.models import Charter, PdfJob, Project, Proposal, Risk
from projects.roles import can_write_business_case, is_pmo, is_sponsor
from projects.rows import formset_rows
from projects.services import CHARTER_LISTS, pdfs

HOME_LIST_LIMIT = 50
PORTFOLIO_PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Role-aware: a user who is several things sees each section that applies."""
    user = request.user
    context: dict[str, Any] = {}
    if is_sponsor(user):
        context["awaiting"] = selectors.awaiting_decision(user, HOME_LIST_LIMIT)
        sponsored = selectors.projects_sponsored_by(user)[:HOME_LIST_LIMIT]
        context["sponsored"] = [(project, next_gate(project)) for project in sponsored]
    if can_write_business_case(user):
        managed = selectors.projects_managed_by(user)[:HOME_LIST_LIMIT]
        context["managed"] = [(project, next_gate(project)) for project in managed]
    if is_pmo(user):
        context["by_stage"] = selectors.portfolio_by_stage(user)
    if not context:
        context["followed"] = selectors.projects_visible_to(user).select_related(
            "sponsor__user", "manager"
        )[:HOME_LIST_LIMIT]
    return render(request, "projects/home.html", context)


def portfolio(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_visible_to(request.user).select_related(
        "proposal", "sponsor__user", "manager"
    )
    page = Paginator(projects, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/portfolio.html", {"page": page})


# -- The business case -----------------------------------------------------------------------


def business_case_create(request: HttpRequest) -> HttpResponse:
    if not can_write_business_case(request.user):
        raise PermissionDenied("You may not write business cases.")
    form = BusinessCaseForm(request.POST or None)
    risks = RiskFormSet(request.POST or None, instance=Proposal(), prefix="risks")
    if request.method == "POST" and form.is_valid() and risks.is_valid():
        project = services.business_case_create(
            by=request.user, risks=formset_rows(risks, Risk.FIELDS), **form.cleaned_data
        )
        messages.success(request, "Draft saved.")
        return redirect(project)
    return render(
        request,
        "projects/business_case_form.html",
        {"form": form, "risks": FormsetSection("risks", "Risks", "Add a risk", risks)},
    )


def business_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    proposal = project.proposal
    if Role.MANAGER not in project.roles_of(request.user) or not proposal.is_editable:
        raise PermissionDenied("Only the manager edits a draft business case.")
    form = BusinessCaseForm(request.POST or None, instance=proposal, project=project)
    risks = RiskFormSet(request.POST or None, instance=proposal, prefix="risks")
    if request.method == "POST" and form.is_valid() and risks.is_valid():
        services.business_case_update(
            proposal=proposal,
            by=request.user,
            risks=formset_rows(risks, Risk.FIELDS),
            **form.cleaned_data,
        )
        messages.success(request, "Draft saved.")
        return redirect(project)
    return render(
        request,
        "projects/business_case_form.html",
        {
            "form": form,
            "risks": FormsetSection("risks", "Risks", "Add a risk", risks),
            "project": project,
        },
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The project page, opened on its Business case tab."""
    project = selectors.project_get(user=request.user, pk=pk)
    return _business_case_page(request, project, CommentForm())


def _business_case_page(
    request: HttpRequest, project: Project, comment_form: CommentForm, status: int = 200
) -> HttpResponse:
    proposal = project.proposal
    context = _project_context(request, project, tab="business-case") | {
        "proposal": proposal,
        "risks": proposal.risks.all(),
        "proposal_actions": actions_for(proposal, request.user, field="state"),
        "comment_form": comment_form,
        "can_edit": proposal.is_editable and Role.MANAGER in project.roles_of(request.user),
    }
    return render(request, "projects/project_business_case.html", context, status=status)


@require_POST
def proposal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = services.PROPOSAL_ACTIONS.get(action)
    if service is None:
        raise Http404("No such action.")
    project = selectors.project_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _business_case_page(request, project, form, status=400)
    try:
        entry = service(
            proposal=project.proposal, by=request.user, comment=form.cleaned_data["comment"]
        )
    except TransitionError as error:
        if error.field:
            form.add_error(error.field, error.message)
            return _business_case_page(request, project, form, status=400)
        return transition_refused(request, error, back_url=project.get_absolute_url())
    messages.success(request, f"{entry.label}: the business case is now {entry.to_state.lower()}.")
    return redirect(project)


def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    context = _project_context(request, project, tab="history") | {
        "entries": selectors.project_history(project)
    }
    return render(request, "projects/project_history.html", context)


# -- The charter ----------------------------------------------------------------------------


def charter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    return _charter_page(request, project, CommentForm())


def _charter_page(
    request: HttpRequest, project: Project, comment_form: CommentForm, status: int = 200
) -> HttpResponse:
    context = _project_context(request, project, tab="charter")
    charter = getattr(project, "charter", None)
    if charter is not None:
        document = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
        revisions = list(selectors.charter_revisions(charter))
        context |= {
            "charter": charter,
            "document": document,
            "sha256": charter_document.sha256(document),
            "warnings": charter_document.milestones_outside_timeframe(document),
            "revisions": revisions,
            "baseline": revisions[0] if revisions else None,
            "pdf_job": pdfs.charter_pdf_job(charter, document, revisions[0] if revisions else None),
            "charter_actions": actions_for(charter, request.user, field="state"),
            "can_edit": _may_edit_charter(project, request.user),
            "comment_form": comment_form,
        }
    return render(request, "projects/project_charter.html", context, status=status)


def _may_edit_charter(project: Project, user: Any) -> bool:
    charter = getattr(project, "charter", None)
    return bool(
        charter
        and charter.is_editable
        and project.stage in ACTIVE
        and Role.MANAGER in project.roles_of(user)
    )


def charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    if not _may_edit_charter(project, request.user):
        raise PermissionDenied("Only the manager edits a draft charter of an active project.")
    charter = project.charter
    data = request.POST or None
    form = CharterForm(data, instance=charter)
    formsets = charter_formsets(data, charter)
    if request.method == "POST" and form.is_valid() and all(s.formset.is_valid() for s in formsets):
        lists = {s.key: formset_rows(s.formset, CHARTER_LISTS[s.key][1]) for s in formsets}
        fields = {name: form.cleaned_data[name] for name in Charter.TEXT_FIELDS}
        try:
            services.charter_update(
                charter=charter,
                by=request.user,
                version=form.cleaned_data["version"],
                lists=lists,
                **fields,
            )
        except TransitionError as error:
            return transition_refused(
                request, error, back_url=reverse("projects:charter", args=[project.pk])
            )
        messages.success(request, "Charter saved.")
        return redirect("projects:charter", pk=project.pk)
    return render(
        request,
        "projects/charter_form.html",
        {"project": project, "form": form, "formsets": formsets},
    )


@require_POST
def charter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = services.CHARTER_ACTIONS.get(action)
    project = selectors.project_get(user=request.user, pk=pk)
    charter = getattr(project, "charter", None)
    if service is None or charter is None:
        raise Http404("No such action.")
    form = CommentForm(request.POST)
    back_url = reverse("projects:charter", args=[project.pk])
    if not form.is_valid():
        return _charter_page(request, project, form, status=400)
    try:
        entry = service(charter=charter, by=request.user, comment=form.cleaned_data["comment"])
    except TransitionError as error:
        if error.field:
            form.add_error(error.field, error.message)
            return _charter_page(request, project, form, status=400)
        return transition_refused(request, error, back_url=back_url)
    messages.success(request, f"{entry.label}: the charter is now {entry.to_state.lower()}.")
    return redirect(back_url)


def charter_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    charter = getattr(project, "charter", None)
    if charter is None:
        raise Http404("No charter yet.")
    revision = get_object_or_404(charter.revisions.select_related("signed_by"), number=number)
    render_input = pdfs.charter_render_input(charter, revision.snapshot, revision)
    context = _project_context(request, project, tab="charter") | {
        "revision": revision,
        "document": revision.snapshot,
        "pdf_job": PdfJob.objects.filter(
            project=project, source_sha256=pdfs.input_sha256(render_input)
        ).first(),
        "is_baseline": revision.number
        == charter.revisions.values_list("number", flat=True).first(),
    }
    return render(request, "projects/charter_revision.html", context)


@require_POST
def charter_pdf(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    """**Generate PDF** of the charter as it stands, or of one signed revision."""
    project = selectors.project_get(user=request.user, pk=pk)
    if getattr(project, "charter", None) is None:
        raise Http404("No charter yet.")
    job = services.charter_pdf_request(project=project, by=request.user, revision_number=number)
    if job.status == PdfJob.Status.READY:
        messages.info(request, "This revision was rendered already: download it below.")
    if number is not None:
        return redirect(reverse("projects:charter-revision", args=[pk, number]) + "#pdf")
    return redirect(reverse("projects:charter", args=[pk]) + "#pdf")


def pdf_status(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """The job's progress, polled by htmx until it is ready or failed."""
    pdf_job = selectors.pdf_job_get(user=request.user, project_pk=pk, job_pk=job)
    return render(
        request, "projects/_pdf_job.html", {"pdf_job": pdf_job, "project": pdf_job.project}
    )


def pdf_download(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """**Download PDF**: through this permission-checked view only, never a public URL."""
    pdf_job = selectors.pdf_job_get(user=request.user, project_pk=pk, job_pk=job)
    if pdf_job.status != PdfJob.Status.READY:
        raise Http404("This PDF is not ready.")
    return FileResponse(
        default_storage.open(pdf_job.file.name, "rb"),
        as_attachment=True,
        filename=pdf_job.filename,
        content_type="application/pdf",
    )


# -- Funding and stage transitions -----------------------------------------------------------


def funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    if not services.funding_allowed(project, request.user):
        raise PermissionDenied("Funding is recorded by the sponsor or the PMO.")
    form = FundingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.funding_record(project=project, by=request.user, **form.cleaned_data)
        messages.success(request, "Funding recorded.")
        return redirect(project)
    return render(request, "projects/funding_form.html", {"form": form, "project": project})


@require_POST
def stage_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise CommentInvalid(form.errors["comment"][0])
        entry = services.project_transition(
            project=project, name=name, by=request.user, comment=form.cleaned_data["comment"]
        )
    except TransitionError as error:
        return transition_refused(request, error, back_url=project.get_absolute_url())
    messages.success(request, f"{entry.label}: the project is now {entry.to_state}.")
    return redirect(project)


def _project_context(request: HttpRequest, project: Project, *, tab: str) -> dict[str, Any]:
    """What every tab of the project page shows above the tab: stage bar, gate, actions."""
    user = request.user
    return {
        "project": project,
        "tab": tab,
        "stage_bar": stage_bar(project),
        "gate": next_gate(project),
        "stage_actions": actions_for(project, user),
        "can_record_funding": services.funding_allowed(project, user),
        "tabs": [
            ("business-case", "Business case", reverse("projects:detail", args=[project.pk])),
            ("charter", "Charter", reverse("projects:charter", args=[project.pk])),
            ("history", "History", reverse("projects:history", args=[project.pk])),
        ],
    }


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose: the process answers and the database is reachable."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")
