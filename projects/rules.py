"""The rulebook: every "may this person do this to this record now?" of SPEC §3 and §5.

Small facts — a person's role on a project, their approval authority, the stage the project
is in, the state of a record — and, at the bottom, `RULEBOOK`: each named rule composed of
them. Nothing else in Tollgate compares roles, stages or approval limits. The same name
answers everywhere (the mechanism is `lifecycle/rules.py`):

- the state machines: `permission=permission("may_sign_charter")` on the transition;
- the services: `require(by, "may_edit_charter", charter)` raises the refusal that says why;
- the views and templates: `allows(user, "may_edit_charter", charter)`, `{% may … %}`;
- the querysets: `rule("may_view_project").q(user)` is the same rule as a filter.

Each rule says which record it is asked about (a project, a business case, a charter…).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from rules import always_allow

from lifecycle.rules import (
    Condition,
    Rule,
    condition,
    declare,
    everything,
    fact,
    nothing,
    rule_of,
)
from lifecycle.stages import ACTIVE, Stage
from projects.models import Membership, Project, Proposal, ProposalState

# Measurements are taken from Defining until the project closes; status is reported from
# Planning until then.
MEASURING = (Stage.DEFINING, Stage.PLANNING, Stage.DELIVERING, Stage.CLOSING)
REPORTING = (Stage.PLANNING, Stage.DELIVERING, Stage.CLOSING)


def project_of(obj: Any) -> Project:
    return obj if isinstance(obj, Project) else obj.project


def proposal_of(obj: Any) -> Proposal:
    return obj if isinstance(obj, Proposal) else project_of(obj).proposal


# -- Who a person is across the portfolio ------------------------------------------------------


def _is_pmo(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("projects.view_portfolio"))


@fact(where=lambda user, at: everything() if _is_pmo(user) else nothing())
def is_pmo(user: Any, obj: Any = None) -> bool:
    """The portfolio office: sees and administers every project (a Django permission, given
    through the PMO group, so the PMO can hand it out)."""
    return _is_pmo(user)


@fact()
def is_sponsor(user: Any, obj: Any = None) -> bool:
    """A user with a sponsor profile: may be named sponsor of a business case."""
    return hasattr(user, "sponsor_profile")


@fact()
def writes_business_cases(user: Any, obj: Any = None) -> bool:
    return bool(user.has_perm("projects.add_project"))


# -- Who a person is to one project ------------------------------------------------------------


@fact(where=lambda user, at: Q(**{f"{at}manager_id": user.pk}))
def is_project_manager(user: Any, obj: Any) -> bool:
    return project_of(obj).manager_id == user.pk


@fact(where=lambda user, at: Q(**{f"{at}sponsor_id": user.pk}))
def is_project_sponsor(user: Any, obj: Any) -> bool:
    return project_of(obj).sponsor_id == user.pk


def _memberships(user: Any) -> Any:
    return Membership.objects.filter(user_id=user.pk).values("project_id")


@fact(where=lambda user, at: Q(**{f"{at}pk__in": _memberships(user)}))
def is_project_member(user: Any, obj: Any) -> bool:
    """A stakeholder or team member, or someone who decided on one of its records."""
    return project_of(obj).memberships.filter(user_id=user.pk).exists()


# -- Approval authority --------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """What one person may approve alone: `covers(cost)` for one business case, `where(field)`
    for a queryset, `recorded` is the limit a decision writes down."""

    covers: Callable[[Decimal | None], bool]
    where: Callable[[str], Q]
    recorded: str | None


def approval_authority(user: Any) -> Authority:
    """The one place an approval limit is compared. A sponsor approves up to their limit
    (blank is unlimited); the PMO decides on the organisation's authority; others approve
    nothing."""
    if _is_pmo(user):
        return Authority(covers=lambda cost: True, where=lambda field: everything(), recorded=None)
    sponsor = getattr(user, "sponsor_profile", None)
    if sponsor is None:
        return Authority(covers=lambda cost: False, where=lambda field: nothing(), recorded=None)
    limit = sponsor.approval_limit
    if limit is None:
        return Authority(
            covers=lambda cost: True, where=lambda field: everything(), recorded="unlimited"
        )
    return Authority(
        covers=lambda cost: cost is not None and cost <= limit,
        where=lambda field: Q(**{f"{field}__lte": limit}),
        recorded=f"{limit:.2f}",
    )


@fact(where=lambda user, at: approval_authority(user).where(f"{at}proposal__estimated_cost"))
def within_approval_limit(user: Any, obj: Any) -> bool:
    """The business case's estimated cost is within what this person may approve alone."""
    return approval_authority(user).covers(proposal_of(obj).estimated_cost)


def funding_total_after(funding: Any) -> Decimal:
    """The project's approved funding once this funding counts too."""
    return project_of(funding).funded + funding.amount


@fact()
def funding_within_approval_limit(user: Any, funding: Any) -> bool:
    """The project's funding, this one included, is within what this person approves alone."""
    return approval_authority(user).covers(funding_total_after(funding))


@fact(where=lambda user, at: Q(**{f"{at}proposal__state": ProposalState.ESCALATED}))
def business_case_escalated(user: Any, obj: Any) -> bool:
    return proposal_of(obj).state == ProposalState.ESCALATED


# -- When: the stage and the record's own state --------------------------------------------------


def in_stage(*stages: Stage) -> Condition:
    """The project is in one of `stages`; a closed, cancelled or held project says so."""
    names = [stage.label for stage in stages]
    labels = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)

    def reason(obj: Any) -> str:
        project = project_of(obj)
        if project.read_only_reason:
            return project.read_only_reason
        if project.stage in stages:
            return ""
        return (
            f"This is done while the project is in {labels}; "
            f"it is in {project.get_stage_display()} now."
        )

    return Condition(
        f"in_stage({labels})", reason, lambda at: Q(**{f"{at}stage__in": stages}), everyone=True
    )


# Active: not closed, cancelled or on hold. Every write needs at least this.
project_open = in_stage(*ACTIVE)
identifying = in_stage(Stage.IDENTIFYING)


@condition()
def business_case_editable(proposal: Proposal) -> str:
    if proposal.is_editable:
        return ""
    return (
        f"The business case is {proposal.get_state_display().lower()}: only a draft, or one "
        "sent back for changes, can be edited."
    )


@condition()
def never_submitted(proposal: Proposal) -> str:
    if proposal.revision == 0:
        return ""
    return "Once a business case was submitted, its sponsor is changed by the PMO."


@condition()
def business_case_approved(project: Project) -> str:
    if project.proposal.is_approved:
        return ""
    return (
        "Funding is recorded once the business case is approved; it is "
        f"{project.proposal.get_state_display().lower()}."
    )


@condition()
def charter_editable(charter: Any) -> str:
    if charter.is_editable:
        return ""
    if charter.is_signed:
        return "The charter is signed: amend it to open the next revision as a draft."
    return "The charter waits for the sponsor's sign-off: it cannot be edited now."


@condition()
def plan_editable(plan: Any) -> str:
    if plan.is_editable:
        return ""
    return f"The plan is {plan.get_state_display().lower()}: revise it to edit it."


@condition()
def goal_active(goal: Any) -> str:
    return "This goal is archived: it is kept as it was." if goal.archived else ""


# -- Advancing: whoever may take the forward transition out of the current stage -------------------


def _advances() -> list[Any]:
    field = Project._meta.get_field("stage")
    return [t for t in field.get_all_transitions(Project) if t.custom.get("kind") == "advance"]


def _advanceable(user: Any, at: str) -> Q:
    return reduce(
        or_,
        (Q(**{f"{at}stage": t.source}) & rule_of(t.permission).q(user, at) for t in _advances()),
    )


@fact(where=_advanceable)
def takes_next_gate(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return any(t.source == project.stage and t.has_perm(project, user) for t in _advances())


# -- The rulebook ----------------------------------------------------------------------------------

manager, sponsor = is_project_manager, is_project_sponsor
# Separation of duties: nobody decides, funds or signs what they manage (a person may hold
# every role at once: a manager with a sponsor profile in the PMO).
independent = ~is_project_manager
SPONSOR_DECIDES = "The project's sponsor decides this, never the person who manages the project."
ABOVE_THE_LIMIT = (
    "A sponsor whose approval limit covers the cost, or the PMO, decides this — never the "
    "person who manages the project."
)

RULEBOOK: dict[str, Rule] = {
    # Seeing a project (asked of a project). Deciders are recorded as members.
    "may_view_project": Rule(
        who=is_pmo
        | manager
        | sponsor
        | is_project_member
        | (business_case_escalated & within_approval_limit),
    ),
    # The business case (asked of the business case; creating asks of nothing).
    "may_create_business_case": Rule(
        who=writes_business_cases, refusal="You may not write business cases."
    ),
    "may_edit_business_case": Rule(
        who=manager,
        when=(identifying, business_case_editable),
        refusal="Only the project's manager edits its business case.",
    ),
    "may_submit_business_case": Rule(who=manager, when=(identifying,)),
    "may_withdraw_business_case": Rule(who=manager, when=(identifying,)),
    "may_choose_sponsor": Rule(
        who=manager,
        when=(identifying, business_case_editable, never_submitted),
        refusal="The project's manager names its sponsor.",
    ),
    "may_approve_business_case": Rule(
        who=sponsor & independent & within_approval_limit,
        when=(identifying,),
        refusal=SPONSOR_DECIDES,
    ),
    "may_endorse_business_case": Rule(
        who=sponsor & independent & ~within_approval_limit,
        when=(identifying,),
        refusal=SPONSOR_DECIDES,
    ),
    "may_decide_business_case": Rule(
        who=sponsor & independent, when=(identifying,), refusal=SPONSOR_DECIDES
    ),
    "may_decide_escalated_business_case": Rule(
        who=within_approval_limit & independent, when=(identifying,), refusal=ABOVE_THE_LIMIT
    ),
    # The project's sponsor and its funding (asked of the project).
    "may_change_sponsor": Rule(
        who=is_pmo & independent,
        when=(project_open,),
        refusal="The PMO changes a project's sponsor.",
    ),
    "may_record_funding": Rule(
        who=(sponsor | is_pmo) & independent,
        when=(project_open, business_case_approved),
        refusal="Funding is recorded by the project's sponsor or the PMO, never by its manager.",
    ),
    # Funding beyond the recorder's limit or the approved cost (asked of the funding).
    "may_approve_funding": Rule(
        who=(sponsor | is_pmo) & funding_within_approval_limit & independent,
        when=(project_open,),
        refusal=(
            "Funding above the recorder's limit or the approved cost is approved by the "
            "project's sponsor if their approval limit covers the project's new total, else by "
            "the PMO — never by the person who manages the project."
        ),
    ),
    # The stage (asked of the project); the state machine says from which stage. The gates
    # the sponsor accepts are accepted by someone other than the manager.
    "may_advance_to_initiating": Rule(who=manager | sponsor | is_pmo),
    "may_advance_to_defining": Rule(who=sponsor & independent, refusal=SPONSOR_DECIDES),
    "may_advance_to_planning": Rule(who=manager | sponsor),
    "may_advance_to_delivering": Rule(who=sponsor & independent, refusal=SPONSOR_DECIDES),
    "may_advance_to_closing": Rule(who=sponsor & independent, refusal=SPONSOR_DECIDES),
    "may_advance_to_closed": Rule(who=manager | is_pmo),
    "may_advance": Rule(who=takes_next_gate),
    "may_hold_project": Rule(who=sponsor | is_pmo),
    "may_resume_project": Rule(who=sponsor | is_pmo),
    "may_cancel_project": Rule(who=sponsor | is_pmo),
    # Not asked for by name: it follows a rejection or a withdrawal, each with its own rule.
    "may_cancel_with_business_case": Rule(who=always_allow),
    # The charter (asked of the charter).
    "may_edit_charter": Rule(
        who=manager,
        when=(project_open, charter_editable),
        refusal="Only the project's manager edits its charter.",
    ),
    "may_submit_charter": Rule(who=manager, when=(project_open,)),
    "may_sign_charter": Rule(
        who=sponsor & independent, when=(project_open,), refusal=SPONSOR_DECIDES
    ),
    "may_return_charter": Rule(
        who=sponsor & independent, when=(project_open,), refusal=SPONSOR_DECIDES
    ),
    "may_amend_charter": Rule(who=manager, when=(project_open,)),
    # Goals and scope (asked of the project, or of the goal).
    "may_add_goal": Rule(
        who=manager,
        when=(in_stage(Stage.DEFINING),),
        refusal="Goals are set by the project's manager.",
    ),
    "may_edit_goal": Rule(
        who=manager,
        when=(in_stage(Stage.DEFINING), goal_active),
        refusal="Goals are set by the project's manager.",
    ),
    "may_archive_goal": Rule(
        who=manager,
        when=(in_stage(*MEASURING), goal_active),
        refusal="The project's manager archives its goals.",
    ),
    "may_add_measurement": Rule(
        who=manager | is_pmo,
        when=(in_stage(*MEASURING), goal_active),
        refusal="Measurements are added by the project's manager or the PMO.",
    ),
    "may_edit_scope": Rule(
        who=manager,
        when=(in_stage(Stage.DEFINING),),
        refusal="The scope is set by the project's manager.",
    ),
    # The plan (asked of the plan).
    "may_edit_plan": Rule(
        who=manager,
        when=(in_stage(Stage.PLANNING), plan_editable),
        refusal="Only the project's manager edits its plan.",
    ),
    "may_submit_plan": Rule(who=manager, when=(in_stage(Stage.PLANNING),)),
    "may_revise_plan": Rule(who=manager, when=(in_stage(Stage.PLANNING),)),
    "may_approve_plan": Rule(
        who=sponsor & independent, when=(in_stage(Stage.PLANNING),), refusal=SPONSOR_DECIDES
    ),
    "may_return_plan": Rule(
        who=sponsor & independent, when=(in_stage(Stage.PLANNING),), refusal=SPONSOR_DECIDES
    ),
    # PDFs (asked of the project): a rendering of what people may read, in every stage; it
    # holds a worker, so asking for one is for the people who run the project.
    "may_generate_pdf": Rule(
        who=manager | sponsor | is_pmo,
        refusal=(
            "PDFs are generated by the project's manager, its sponsor or the PMO; everyone on "
            "the project downloads them once they are ready."
        ),
    ),
    # Delivery and closure (asked of the project, the deliverable, the closure report).
    "may_add_status_report": Rule(
        who=manager,
        when=(in_stage(*REPORTING),),
        refusal="The project's manager writes its status reports.",
    ),
    "may_deliver": Rule(who=manager, when=(in_stage(Stage.DELIVERING),)),
    "may_accept_deliverable": Rule(
        who=sponsor & independent, when=(in_stage(Stage.DELIVERING),), refusal=SPONSOR_DECIDES
    ),
    "may_send_back_deliverable": Rule(
        who=sponsor & independent, when=(in_stage(Stage.DELIVERING),), refusal=SPONSOR_DECIDES
    ),
    "may_edit_closure": Rule(
        who=manager,
        when=(in_stage(Stage.CLOSING),),
        refusal="The project's manager writes its closure report.",
    ),
}

declare(RULEBOOK, app_label="projects")
