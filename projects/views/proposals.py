"""The business case: write it, submit it, decide it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.selectors import actions_for
from lifecycle.stages import Role
from projects import proposal_document, selectors, services
from projects.forms import (
    BusinessCaseForm,
    CommentForm,
    FormsetSection,
    RiskFormSet,
)
from projects.models import Project, Proposal, ProposalState, Risk
from projects.roles import can_write_business_case
from projects.rows import formset_rows
from projects.views.common import decide, project_context

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


AWAITING = (ProposalState.SUBMITTED, ProposalState.ESCALATED)


def _business_case_page(
    request: HttpRequest, project: Project, comment_form: CommentForm, status: int = 200
) -> HttpResponse:
    proposal = project.proposal
    actions = actions_for(proposal, request.user, field="state")
    names = {action.name for action in actions}
    decision = selectors.last_decision(proposal)
    changes = None
    if decision and "snapshot" in decision.data and proposal.state in AWAITING:
        changes = proposal_document.diff(
            decision.data["snapshot"], proposal_document.snapshot(proposal)
        )
    context = project_context(request, project, tab="business-case") | {
        "proposal": proposal,
        "risks": proposal.risks.all(),
        "proposal_actions": actions,
        "can_decide": bool(names & {"approve", "endorse"}),
        "endorses": "endorse" in names,
        "sponsor_limit": getattr(request.user, "sponsor_profile", None),
        "last_decision": decision,
        "changes": changes,
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
    return decide(
        request,
        run=lambda comment: service(proposal=project.proposal, by=request.user, comment=comment),
        page=lambda form, status: _business_case_page(request, project, form, status),
        back_url=project.get_absolute_url(),
        record="business case",
    )
