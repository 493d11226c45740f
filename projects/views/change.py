"""The Changes tab: open exceptions, change requests and the plan's baselines with their diffs;
raising a change request and deciding it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lifecycle.rules import require
from lifecycle.selectors import actions_for
from projects.forms.change import ChangeRequestForm
from projects.forms.common import CommentForm
from projects.models import ChangeRequest, Project
from projects.rules import approval_authority, change_budget_after
from projects.selectors.change import baselines_with_diffs, change_requests_of
from projects.selectors.projects import project_get, project_to_act_on
from projects.services import change as services
from projects.views.common import decide, now_is, project_context, project_tab, record_of


def changes_tab(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _changes_page(request, project))


def _changes_page(request: HttpRequest, project: Project) -> HttpResponse:
    context = project_context(request, project, tab="changes") | {
        "exceptions": list(project.exceptions.select_related("decided_by", "change_request")),
        "change_requests": change_requests_of(project),
        "baselines": baselines_with_diffs(project),
    }
    return render(request, "projects/change/changes.html", context)


def change_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """**Raise change request**."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_raise_change_request", project)
    plan = record_of(project, "plan")
    form = ChangeRequestForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_request_raise(
                project=project, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{change.reference} raised: the sponsor decides.")
            return redirect("projects:change-request", pk=pk, change=change.pk)
    context = {"project": project, "form": form}
    status = 400 if form.errors else 200
    return render(request, "projects/change/change_request_form.html", context, status=status)


def _change_request_page(
    request: HttpRequest,
    project: Project,
    change: ChangeRequest,
    comment_form: CommentForm,
    status: int = 200,
) -> HttpResponse:
    actions = actions_for(change, request.user, field="state")
    names = {action.name for action in actions}
    baseline = getattr(change, "baseline", None)
    diffs = {b.pk: diff for b, diff in baselines_with_diffs(project)} if baseline else {}
    context = project_context(request, project, tab="changes") | {
        "change": change,
        "actions": actions,
        "can_decide": bool(names & {"approve", "endorse"}),
        "endorses": "endorse" in names,
        "authority": approval_authority(request.user, project),
        "budget_after": change_budget_after(change),
        "comment_form": comment_form,
        "baseline": baseline,
        "diff": diffs.get(baseline.pk, []) if baseline else [],
    }
    return render(request, "projects/change/change_request.html", context, status=status)


def _change_of(project: Project, change: int) -> ChangeRequest:
    return get_object_or_404(
        project.change_requests.select_related(
            "raised_by", "endorsed_by", "decided_by", "budget_line", "milestone"
        ),
        pk=change,
    )


def change_request_detail(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    return _change_request_page(request, project, _change_of(project, change), CommentForm())


@require_POST
def change_request_action(request: HttpRequest, pk: int, change: int, action: str) -> HttpResponse:
    service = services.CHANGE_REQUEST_ACTIONS.get(action)
    item = _change_of(project_to_act_on(user=request.user, pk=pk), change)
    if service is None:
        raise Http404("No such action.")
    return decide(
        request,
        pk,
        run=lambda comment, seen: service(change=item, by=request.user, comment=comment, seen=seen),
        page=lambda project, form, status: _change_request_page(
            request, project, item, form, status
        ),
        back_url=reverse("projects:change-request", args=[pk, item.pk]),
        done=now_is("change request"),
    )
