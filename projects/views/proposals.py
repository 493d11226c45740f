"""The business case: write it, submit it, decide it."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lifecycle.rules import allows, require
from lifecycle.selectors import actions_for
from projects import proposal_document, services
from projects.forms.common import CommentForm
from projects.forms.proposals import BusinessCaseForm
from projects.lists import RISKS
from projects.models import Project, Proposal, ProposalState
from projects.rules import approval_authority
from projects.selectors.projects import fundings_of, project_get, project_to_act_on
from projects.selectors.proposals import last_decision
from projects.services import pdfs
from projects.statements import prefetched
from projects.views.common import decide, now_is, project_context, project_tab

# -- The business case -----------------------------------------------------------------------


def business_case_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "may_create_business_case")
    form = BusinessCaseForm(request.POST or None, author=request.user)
    risks = RISKS.bind(request.POST or None, Proposal())
    if request.method == "POST" and form.is_valid() and risks.formset.is_valid():
        project = services.business_case_create(
            by=request.user, risks=risks.rows(), **form.cleaned_data
        )
        messages.success(request, "Draft saved.")
        return redirect(project)
    context = {"form": form, "risks": risks}
    return render(request, "projects/proposals/business_case_form.html", context)


def business_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    proposal = project.proposal
    require(request.user, "may_edit_business_case", proposal)
    form = BusinessCaseForm(
        request.POST or None,
        instance=proposal,
        project=project,
        author=project.manager,
        sponsor_fixed=not allows(request.user, "may_choose_sponsor", proposal),
    )
    risks = RISKS.bind(request.POST or None, proposal)
    if request.method == "POST" and form.is_valid() and risks.formset.is_valid():
        services.business_case_update(
            proposal=proposal, by=request.user, risks=risks.rows(), **form.cleaned_data
        )
        messages.success(request, "Draft saved.")
        return redirect(project)
    context = {"form": form, "risks": risks, "project": project}
    return render(request, "projects/proposals/business_case_form.html", context)


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The project page, opened on its Business case tab."""
    return project_tab(request, pk, lambda project: business_case_page(request, project))


AWAITING = (ProposalState.SUBMITTED, ProposalState.ESCALATED)


def business_case_page(
    request: HttpRequest,
    project: Project,
    comment_form: CommentForm | None = None,
    *,
    status: int = 200,
    refused: dict[str, CommentForm] | None = None,
) -> HttpResponse:
    """The project page on its Business case tab. `comment_form` is the decision's comment box
    shown again with its error; `refused` a stage action's, by the action's name."""
    proposal = project.proposal
    prefetched([proposal], "risks")  # for the list, the gate and the snapshot
    actions = actions_for(proposal, request.user, field="state")
    names = {action.name for action in actions}
    decision = last_decision(proposal)
    changes = None
    if decision and "snapshot" in decision.data and proposal.state in AWAITING:
        changes = proposal_document.diff(
            decision.data["snapshot"], proposal_document.snapshot(proposal)
        )
    context = project_context(request, project, tab="business-case") | {
        "proposal": proposal,
        "risks": proposal.risks.all(),
        # Each funding with what this person may do to it now (Approve, Reject funding;
        # Correct).
        "fundings": [
            (
                funding,
                actions_for(funding, request.user, field="state"),
                allows(request.user, "may_correct_funding", funding),
            )
            for funding in fundings_of(project)
        ],
        "proposal_actions": actions,
        "can_decide": bool(names & {"approve", "endorse"}),
        "endorses": "endorse" in names,
        "authority": approval_authority(request.user, project),
        # The version the decider sees: a decision on anything else is refused (409).
        "seen": proposal_document.version(proposal) if names else "",
        "last_decision": decision,
        "changes": changes,
        "comment_form": comment_form or CommentForm(),
        "refused": refused or {},
        "pdf_job": pdfs.business_case_pdf_job(proposal, decision),
    }
    return render(request, "projects/proposals/business_case.html", context, status=status)


@require_POST
def business_case_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """**Generate PDF** of the business case's one-page summary."""
    project = project_get(user=request.user, pk=pk)
    pdfs.business_case_pdf_request(project=project, by=request.user)
    return redirect(reverse("projects:detail", args=[pk]) + "#pdf")


@require_POST
def proposal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = services.PROPOSAL_ACTIONS.get(action)
    if service is None:
        raise Http404("No such action.")
    project = project_to_act_on(user=request.user, pk=pk, record="proposal")
    return decide(
        request,
        pk,
        run=lambda comment, seen: service(
            proposal=project.proposal, by=request.user, comment=comment, seen=seen
        ),
        page=lambda project, form, status: business_case_page(
            request, project, form, status=status
        ),
        back_url=project.get_absolute_url(),
        done=now_is("business case"),
    )
