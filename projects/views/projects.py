"""Home, the portfolio, a project's history, funding, stage actions, the health check."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.selectors import next_gate
from lifecycle.services import CommentInvalid, TransitionError
from lifecycle.views import transition_refused
from projects import exports, selectors, services
from projects.forms import (
    CommentForm,
    FundingForm,
)
from projects.roles import can_write_business_case, is_pmo, is_sponsor
from projects.views.common import project_context

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
        context["blocked"] = selectors.gates_blocked_longest(user)
        context["heat_map"] = selectors.risk_counts(selectors.projects_visible_to(user))
    if not context:
        context["followed"] = selectors.projects_visible_to(user).select_related(
            "sponsor__user", "manager"
        )[:HOME_LIST_LIMIT]
    return render(request, "projects/home.html", context)


def portfolio(request: HttpRequest) -> HttpResponse:
    """Every project the user may see: filtered, sorted, paginated, totalled; or as a board."""
    filters = selectors.portfolio_filter(request.user, request.GET)
    projects = filters.qs
    board = request.GET.get("view") == "board"
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "totals": selectors.portfolio_totals(projects),
        "heat_map": selectors.risk_counts(projects),
        "query": query.urlencode(),
        "board": board,
    }
    if board:
        context["columns"] = selectors.portfolio_board(projects)
    else:
        context["page"] = Paginator(projects, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/portfolio.html", context)


def portfolio_csv(request: HttpRequest) -> StreamingHttpResponse:
    """**Export CSV** of the filtered portfolio, streamed, with the same access rules."""
    projects = selectors.portfolio_filter(request.user, request.GET).qs
    response = StreamingHttpResponse(exports.portfolio_rows(projects), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="tollgate-portfolio.csv"'
    return response


def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    context = project_context(request, project, tab="history") | {
        "entries": selectors.project_history(project)
    }
    return render(request, "projects/project_history.html", context)


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


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: a logged-in page rendering the base template and nothing else —
    what the framework costs before any work (`make bench`, docs/benchmarks.md)."""
    return render(request, "floor.html")


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose: the process answers and the database is reachable."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")
