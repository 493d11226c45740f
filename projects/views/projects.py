"""Home, the portfolio, a project's history, funding, stage actions, the health check."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from lifecycle.rules import allows, require
from projects import exports, services
from projects.formats import money
from projects.forms.projects import FundingCorrectionForm, FundingForm, SponsorChangeForm
from projects.jinja import render_fragment
from projects.models import Project, with_stored_gates
from projects.page_cache import cached, kept
from projects.rules import approval_authority, is_pmo, is_sponsor, standing
from projects.selectors.dashboards import shortlist
from projects.selectors.inbox import needs_action, overdue_everywhere
from projects.selectors.portfolio import (
    gates_blocked_longest,
    portfolio_board,
    portfolio_by_stage,
    portfolio_filter,
    portfolio_page,
    portfolio_totals,
    risk_counts,
)
from projects.selectors.projects import (
    history_of,
    project_get,
    project_to_act_on,
    projects_managed_by,
    projects_sponsored_by,
    projects_visible_to,
)
from projects.views.common import decide, project_context, project_tab
from projects.views.proposals import business_case_page

# Home is a dashboard: the first ten of each list, with a count; the portfolio has the rest.
HOME_LIST_LIMIT = 10
PORTFOLIO_PAGE_SIZE = 50


@kept
def home(request: HttpRequest) -> HttpResponse:
    """Role-aware: what waits for this person first (decisions, then work), then each
    section that applies to someone who is several things."""
    user = request.user
    inbox = needs_action(user, HOME_LIST_LIMIT)
    # The navigation's count beside Needs my action is the inbox's total: shown at once,
    # without the request every other page makes for it after loading.
    context: dict[str, Any] = {"inbox": inbox, "navigation_count": inbox.total}
    if is_sponsor.test(user):
        sponsored = shortlist(
            ("sponsored", standing(user)), lambda: projects_sponsored_by(user), HOME_LIST_LIMIT
        )
        context["sponsored"] = with_stored_gates(sponsored.rows)
        context["sponsored_total"] = sponsored.total
    if allows(user, "may_create_business_case"):
        managed = shortlist(
            ("managed", standing(user)), lambda: projects_managed_by(user), HOME_LIST_LIMIT
        )
        context["managed"] = with_stored_gates(managed.rows)
        context["managed_total"] = managed.total
    if is_pmo.test(user):
        context["by_stage"] = portfolio_by_stage(user)
        context["blocked"] = gates_blocked_longest(user)
    if not (inbox.decides or "managed" in context):
        context["followed"] = projects_visible_to(user).select_related("sponsor__user", "manager")[
            :HOME_LIST_LIMIT
        ]
    return render(request, "projects/projects/home.html", context)


def overdue_panel(request: HttpRequest) -> HttpResponse:
    """The PMO's list of what waits longer than ESCALATE_AFTER_DAYS anywhere, loaded by htmx
    after the home page (it looks at every project)."""
    require(request.user, "may_see_overdue")  # asked on every request; the panel is kept
    return cached(request, lambda: _overdue_panel(request))


def _overdue_panel(request: HttpRequest) -> HttpResponse:
    rows, total = overdue_everywhere(HOME_LIST_LIMIT)
    context = {"rows": rows, "total": total, "days": settings.ESCALATE_AFTER_DAYS}
    return render(request, "projects/inbox/_overdue_panel.html", context)


@kept
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every project the user may see: filtered, sorted, paginated; or as a board. Its totals
    and risk heat map load after it (`portfolio_summary`)."""
    filters = portfolio_filter(request.user, request.GET)
    board = request.GET.get("view") == "board"
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "filter_fields": filters.rendered_fields(),
        "query": query.urlencode(),
        "board": board,
    }
    if board:
        context["columns"] = portfolio_board(request.user, filters)
        context["board_columns"] = render_fragment(
            "projects/portfolio/_board.jinja", columns=context["columns"], query=context["query"]
        )
    else:
        page = portfolio_page(request.user, filters, request.GET.get("page"), PORTFOLIO_PAGE_SIZE)
        context["page"] = page
        context["rows"] = render_fragment("projects/portfolio/_rows.jinja", page=page)
    return render(request, "projects/portfolio/portfolio.html", context)


@kept
def portfolio_summary(request: HttpRequest) -> HttpResponse:
    """The filtered portfolio's totals and risk heat map, loaded by htmx after the page: adding
    up the money of thousands of projects and counting their risks are the slowest parts of
    it, and the list does not wait for them. Its address opened directly (a new tab, no
    JavaScript) answers a whole page around them."""
    filters = portfolio_filter(request.user, request.GET)
    context = {
        "totals": portfolio_totals(filters.qs),
        "counts": risk_counts(filters.qs),
        "query": request.GET.urlencode(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "projects/portfolio/_summary.html", context)
    return render(request, "projects/portfolio/summary.html", context)


@kept
def portfolio_heat_map(request: HttpRequest) -> HttpResponse:
    """The risk heat map of the whole portfolio on the PMO's home, loaded by htmx after it.
    Its address opened directly answers a whole page around it."""
    context = {"counts": risk_counts(portfolio_filter(request.user, request.GET).qs)}
    if request.headers.get("HX-Request"):
        return render(request, "projects/portfolio/_heat_map_panel.html", context)
    return render(request, "projects/portfolio/heat_map.html", context)


def portfolio_csv(request: HttpRequest) -> StreamingHttpResponse:
    """**Export CSV** of the filtered portfolio, streamed, with the same access rules."""
    projects = portfolio_filter(request.user, request.GET).qs
    response = StreamingHttpResponse(exports.portfolio_rows(projects), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="tollgate-portfolio.csv"'
    return response


def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _history_page(request, project))


def _history_page(request: HttpRequest, project: Project) -> HttpResponse:
    context = project_context(request, project, tab="history") | {"entries": history_of(project)}
    return render(request, "projects/projects/history.html", context)


# -- The sponsor, funding and stage transitions ------------------------------------------------


def sponsor_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO names another sponsor, with a reason."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_change_sponsor", project)
    form = SponsorChangeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_sponsor_change(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{form.cleaned_data['sponsor']} is now the sponsor.")
            return redirect(project)
    context = {"form": form, "project": project}
    return render(request, "projects/projects/sponsor_form.html", context)


def funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    """**Record funding**; far above the estimated cost, only once confirmed."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_record_funding", project)
    form = FundingForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        funding = services.funding_record(
            project=project,
            by=request.user,
            amount=form.cleaned_data["amount"],
            source=form.cleaned_data["source"],
            approved_on=form.cleaned_data["approved_on"],
        )
        if funding.is_approved:
            messages.success(request, "Funding recorded.")
        else:
            messages.warning(request, AWAITING_APPROVAL)
        return redirect(project)
    context = {
        "form": form,
        "project": project,
        "authority": approval_authority(request.user, project),
    }
    return render(request, "projects/projects/funding_form.html", context)


AWAITING_APPROVAL = (
    "Funding recorded, awaiting approval: above your approval limit or the approved "
    "cost, the sponsor (if their limit covers the new total) or the PMO approves it."
)


def funding_correct(request: HttpRequest, pk: int, funding: int) -> HttpResponse:
    """**Correct** an approved funding: a reversing entry with the reason, and the right
    amount if one is given."""
    project = project_get(user=request.user, pk=pk)
    item = get_object_or_404(project.fundings.select_related("reversal", "recorded_by"), pk=funding)
    item.project = project
    require(request.user, "may_correct_funding", item)
    form = FundingCorrectionForm(request.POST or None, funding=item)
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data["amount"]
        correction = services.funding_correct(
            funding=item, by=request.user, reason=form.cleaned_data["reason"], amount=amount
        )
        done = f"Funding corrected: {money(item.amount)} from {item.source} reversed"
        if correction.replacement is None:
            messages.success(request, f"{done}.")
        elif correction.replacement.is_approved:
            messages.success(request, f"{done}, {money(amount)} recorded instead.")
        else:
            messages.warning(request, f"{done}. {AWAITING_APPROVAL}")
        return redirect(project)
    context = {"form": form, "project": project, "funding": item}
    return render(request, "projects/projects/funding_correct_form.html", context)


@require_POST
def funding_action(request: HttpRequest, pk: int, funding: int, action: str) -> HttpResponse:
    """**Approve funding** or **Reject funding** above the recorder's limit or the cost."""
    service = services.FUNDING_ACTIONS.get(action)
    project = project_to_act_on(user=request.user, pk=pk)
    item = get_object_or_404(project.fundings, pk=funding)
    if service is None:
        raise Http404("No such action.")
    return decide(
        request,
        pk,
        run=lambda comment, seen: service(funding=item, by=request.user, comment=comment),
        page=lambda project, form, status: business_case_page(
            request, project, status=status, refused={item.pk: {action: form}}
        ),
        back_url=project.get_absolute_url(),
        done=lambda entry: (
            f"{entry.label}: {money(item.amount)} from {item.source} "
            f"is now {entry.to_state.lower()}."
        ),
    )


@require_POST
def stage_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    project = project_to_act_on(user=request.user, pk=pk)
    return decide(
        request,
        pk,
        run=lambda comment, seen: services.project_transition(
            project=project, name=name, by=request.user, comment=comment
        ),
        page=lambda project, form, status: business_case_page(
            request, project, status=status, refused={name: form}
        ),
        back_url=project.get_absolute_url(),
        done=lambda entry: f"{entry.label}: the project is now {entry.to_state}.",
    )


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: a logged-in page rendering the base template and nothing else —
    what the framework costs before any work (`make bench`, docs/benchmarks.md)."""
    return render(request, "floor.html")


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose: the process answers and the database is reachable."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")
