"""Planning, delivery and closure pages: the plan, status and deliverables, the closure report."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lifecycle.rules import allows, require
from lifecycle.selectors import actions_for
from projects import charts, lists
from projects.forms.change import MilestoneForecastForm, PlanApprovalForm
from projects.forms.common import CommentForm
from projects.forms.delivery import ClosureForm, ClosureGoalFormSet, PlanForm, StatusReportForm
from projects.lists import PLAN_LISTS
from projects.models import PdfJob, Project, ProjectDeliverable, StatusReport
from projects.selectors.costs import budget_proposal
from projects.selectors.discussion import attachment_counts, thread_counts
from projects.selectors.projects import project_get, project_to_act_on
from projects.services import delivery, pdfs
from projects.views.common import decide, now_is, project_context, project_tab, record_of

# -- The plan ---------------------------------------------------------------------------------


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _plan_page(request, project, CommentForm()))


def _plan_page(
    request: HttpRequest,
    project: Project,
    comment_form: CommentForm,
    status: int = 200,
    forecast_form: MilestoneForecastForm | None = None,
) -> HttpResponse:
    context = project_context(request, project, tab="plan")
    plan = getattr(project, "plan", None)
    if plan is not None:
        approval = comment_form if isinstance(comment_form, PlanApprovalForm) else None
        context |= {
            "plan": plan,
            "timeline": charts.plan_timeline(plan),
            "plan_actions": actions_for(plan, request.user, field="state"),
            "comment_form": comment_form,
            "approval_form": approval or PlanApprovalForm.defaults(plan),
            "milestones": list(plan.milestones.all()),
        }
        if allows(request.user, "may_forecast_milestones", plan):
            context["forecast_form"] = forecast_form or MilestoneForecastForm(plan=plan)
    return render(request, "projects/delivery/plan.html", context, status=status)


@require_POST
def plan_forecasts(request: HttpRequest, pk: int) -> HttpResponse:
    """**Update forecasts**: the manager's milestone forecasts while delivering."""
    project = project_get(user=request.user, pk=pk)
    plan = record_of(project, "plan")
    require(request.user, "may_forecast_milestones", plan)
    form = MilestoneForecastForm(request.POST, plan=plan)
    if not form.is_valid():
        return _plan_page(request, project, CommentForm(), 400, forecast_form=form)
    changed = delivery.milestone_forecasts_update(
        plan=plan, by=request.user, forecasts=form.forecasts()
    )
    opened = project.exceptions.filter(state="open").exists()
    note = " A forecast is beyond the time tolerance: the sponsor decides." if opened else ""
    messages.success(request, ("Forecasts updated." if changed else "No forecast changed.") + note)
    return redirect("projects:plan", pk=pk)


def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    plan = record_of(project, "plan")
    require(request.user, "may_edit_plan", plan)
    data = request.POST or None
    form = PlanForm(data, initial={"version": plan.version})
    formsets = lists.bind(PLAN_LISTS, data, plan)
    if request.method == "POST" and form.is_valid() & lists.valid(formsets):
        try:
            delivery.plan_update(
                plan=plan,
                by=request.user,
                version=form.cleaned_data["version"],
                lists=lists.rows_of(formsets),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Plan saved.")
            return redirect("projects:plan", pk=pk)
    context = {"project": project, "form": form, "formsets": formsets}
    return render(request, "projects/delivery/plan_form.html", context)


@require_POST
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = delivery.PLAN_ACTIONS.get(action)
    plan = record_of(project_to_act_on(user=request.user, pk=pk, record="plan"), "plan")
    if service is None:
        raise Http404("No such action.")
    return decide(
        request,
        pk,
        run=lambda comment, seen, **tolerances: service(
            plan=plan, by=request.user, comment=comment, seen=seen, **tolerances
        ),
        page=lambda project, form, status: _plan_page(request, project, form, status),
        back_url=reverse("projects:plan", args=[pk]),
        done=now_is("plan"),
        form_class=PlanApprovalForm if action == "approve" else CommentForm,
    )


# -- Status reports and deliverables ------------------------------------------------------------


def status_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(
        request,
        pk,
        lambda project: _status_page(
            request, project, StatusReportForm(proposal=budget_proposal(project))
        ),
    )


def _status_page(
    request: HttpRequest,
    project: Project,
    form: StatusReportForm,
    status: int = 200,
    refused: dict[int, dict[str, CommentForm]] | None = None,
) -> HttpResponse:
    """The status tab; `refused` holds a deliverable's comment box (by deliverable and action)
    to show again with its error."""
    deliverables = [
        (deliverable, actions_for(deliverable, request.user, field="state"))
        for deliverable in project.deliverables.select_related("accepted_by", "sent_back_by")
    ]
    reports = list(project.status_reports.select_related("author"))
    records = [deliverable for deliverable, _ in deliverables]
    latest = reports[0] if reports else None
    context = project_context(request, project, tab="status") | {
        "reports": reports,
        "deliverables": deliverables,
        "comments": thread_counts(records),
        "files": attachment_counts(records),
        "report_comments": thread_counts(reports),
        "form": form,
        "refused": refused or {},
        "pdf_job": _status_pdf_job(project, latest) if latest else None,
    }
    return render(request, "projects/delivery/status.html", context, status=status)


def _status_pdf_job(project: Project, report: StatusReport) -> PdfJob | None:
    """The job, if any, for the latest report's PDF as it would be rendered now."""
    report.project = project
    render_input = pdfs.status_report_render_input(report)
    return pdfs.job_for(project.pk, PdfJob.Kind.STATUS, pdfs.input_sha256(render_input))


@require_POST
def status_report_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_add_status_report", project)
    form = StatusReportForm(request.POST, proposal=budget_proposal(project))
    if form.is_valid():
        try:
            delivery.status_report_add(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Status report added.")
            return redirect("projects:status", pk=pk)
    return _status_page(request, project, form)


@require_POST
def status_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """**Generate PDF** of the latest status report (404 before the first)."""
    project = project_get(user=request.user, pk=pk)
    report = project.status_reports.select_related("author").first()
    if report is None:
        raise Http404("No status report yet.")
    report.project = project
    pdfs.status_report_pdf_request(project=project, report=report, by=request.user)
    return redirect(reverse("projects:status", args=[pk]) + "#pdf")


@require_POST
def deliverable_action(
    request: HttpRequest, pk: int, deliverable: int, action: str
) -> HttpResponse:
    service = delivery.DELIVERABLE_ACTIONS.get(action)
    project = project_to_act_on(user=request.user, pk=pk)
    item: ProjectDeliverable = get_object_or_404(project.deliverables, pk=deliverable)
    if service is None:
        raise Http404("No such action.")
    return decide(
        request,
        pk,
        run=lambda comment, seen: service(deliverable=item, by=request.user, comment=comment),
        page=lambda project, form, status: _status_page(
            request,
            project,
            StatusReportForm(proposal=budget_proposal(project)),
            status,
            refused={item.pk: {action: form}},
        ),
        back_url=reverse("projects:status", args=[pk]),
        done=lambda entry: f"{entry.label}: “{item.name}” is now {entry.to_state.lower()}.",
    )


# -- The closure report -----------------------------------------------------------------------


def closure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _closure_page(request, project))


def _closure_page(request: HttpRequest, project: Project) -> HttpResponse:
    context = project_context(request, project, tab="closure")
    report = getattr(project, "closure", None)
    if report is not None:
        render_input = pdfs.closure_render_input(project)
        context |= {
            "report": report,
            "closure": render_input["closure"],
            "pdf_job": pdfs.job_for(
                project.pk, PdfJob.Kind.CLOSURE, pdfs.input_sha256(render_input)
            ),
        }
    return render(request, "projects/delivery/closure.html", context)


def closure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    report = record_of(project, "closure")
    require(request.user, "may_edit_closure", report)
    data = request.POST or None
    form = ClosureForm(data, instance=report)
    goals = ClosureGoalFormSet(
        data, instance=report, prefix="goals", queryset=report.goals.select_related("goal")
    )
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        final_values: dict[int, Any] = {
            row.instance.pk: (row.cleaned_data["final_value"], row.cleaned_data["note"])
            for row in goals.forms
        }
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        delivery.closure_update(report=report, by=request.user, final_values=final_values, **fields)
        messages.success(request, "Closure report saved.")
        return redirect("projects:closure", pk=pk)
    context = {"project": project, "form": form, "goals": goals}
    return render(request, "projects/delivery/closure_form.html", context)


@require_POST
def closure_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    record_of(project, "closure")  # 404 before Closing
    pdfs.closure_pdf_request(project=project, by=request.user)
    return redirect(reverse("projects:closure", args=[pk]) + "#pdf")
