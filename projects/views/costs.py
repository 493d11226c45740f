"""The Costs tab: figures per budget line and in total, the actual costs booked, the forms that
book them, **Import actuals** (upload, preview, commit) and **Update forecast**."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.rules import allows, require
from projects import imports
from projects.costs import to_complete
from projects.formats import number
from projects.forms.costs import ActualForm, ForecastForm, ImportCommitForm, ImportForm
from projects.models import Project
from projects.selectors.costs import actuals_of, cost_sheet, earlier_import
from projects.selectors.projects import project_get
from projects.services import costs
from projects.views.common import project_context, project_tab, record_of

ACTUALS_SHOWN = 200  # the newest entries; the totals count every one


def costs_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _costs_page(request, project))


def _costs_page(
    request: HttpRequest,
    project: Project,
    actual_form: ActualForm | None = None,
    forecast_form: ForecastForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = project_context(request, project, tab="costs")
    plan = getattr(project, "plan", None)
    if plan is not None:
        sheet = cost_sheet(project)
        actuals = actuals_of(project)
        context |= {
            "plan": plan,
            "sheet": sheet,
            "actuals": actuals[:ACTUALS_SHOWN],
            "actuals_count": actuals.count(),
            "can_record": allows(request.user, "may_record_actuals", project),
            "actual_form": actual_form or ActualForm(project=project),
            "forecast_form": forecast_form
            or ForecastForm(
                lines=[line for line, _ in sheet.lines],
                left={
                    line.pk: to_complete(figures.budget, figures.actual, None)
                    for line, figures in sheet.lines
                },
            ),
        }
    return render(request, "projects/costs/costs.html", context, status=status)


@require_POST
def actual_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_record_actuals", project)
    form = ActualForm(request.POST, project=project)
    if form.is_valid():
        try:
            costs.actual_record(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Actual cost recorded.")
            return redirect("projects:costs", pk=pk)
    return _costs_page(request, project, actual_form=form)


@require_POST
def forecast_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_record_actuals", project)
    plan = record_of(project, "plan")
    form = ForecastForm(request.POST, lines=list(plan.budget_lines.all()))
    if form.is_valid():
        try:
            changed = costs.forecast_update(
                project=project, by=request.user, forecasts=form.forecasts()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Forecast updated." if changed else "The forecast was already so."
            )
            return redirect("projects:costs", pk=pk)
    return _costs_page(request, project, forecast_form=form)


def actuals_import(request: HttpRequest, pk: int) -> HttpResponse:
    """**Import actuals**: a file posted is previewed (nothing written); the preview's
    **Import** posts the same file back, read again and written by the service."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_record_actuals", project)
    plan = record_of(project, "plan")
    lines = list(plan.budget_lines.all())
    context = {
        "project": project,
        "names": imports.shown_names(lines),
        "sample": imports.sample(lines),
        "header": ",".join(imports.HEADER),
        "max_kb": imports.max_bytes() // 1024,
        "max_rows": imports.max_rows(),
        "form": ImportForm(),
    }
    if request.method != "POST":
        return render(request, "projects/costs/import.html", context)
    if "content" in request.POST:
        commit = ImportCommitForm(request.POST)
        if commit.is_valid():
            try:
                batch = costs.actuals_import(
                    project=project,
                    by=request.user,
                    name=commit.cleaned_data["name"],
                    content=commit.cleaned_data["content"],
                )
            except ValidationError as error:
                context["import_errors"] = error.messages
            else:
                messages.success(
                    request,
                    f"Imported {number(batch.rows)} actual costs from {batch.name}.",
                )
                return redirect("projects:costs", pk=pk)
        else:
            context["import_errors"] = [e for errors in commit.errors.values() for e in errors]
        return render(request, "projects/costs/import.html", context)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        parsed = imports.parse(content, lines)
        context |= {
            "parsed": parsed,
            "errors_shown": parsed.errors[: imports.ERRORS_SHOWN],
            "errors_more": max(0, len(parsed.errors) - imports.ERRORS_SHOWN),
            "earlier": earlier_import(project, parsed.sha256),
            "commit": ImportCommitForm(initial=ImportCommitForm.initial_for(upload.name, content)),
        }
    return render(request, "projects/costs/import.html", context)


def actuals_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """A sample file for this project's plan: it imports as it is."""
    project = project_get(user=request.user, pk=pk)
    plan = record_of(project, "plan")
    response = HttpResponse(imports.sample(plan.budget_lines.all()), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="actuals-sample.csv"'
    return response
