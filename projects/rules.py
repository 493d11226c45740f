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

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.utils import timezone
from rules import always_allow

from lifecycle.rules import (
    Condition,
    Rule,
    both,
    condition,
    declare,
    everything,
    fact,
    is_nothing,
    nothing,
    rule_of,
)
from lifecycle.stages import ACTIVE, Stage
from projects.formats import day
from projects.models import (
    Attachment,
    ChangeRequest,
    ChangeRequestState,
    Charter,
    ClosureReport,
    Comment,
    Delegation,
    DeliverableState,
    Funding,
    FundingState,
    Membership,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
    RaidItem,
    Sponsor,
)
from projects.statements import Statement, compiled

# Measurements are taken from Defining until the project closes; status is reported from
# Planning until then.
MEASURING = (Stage.DEFINING, Stage.PLANNING, Stage.DELIVERING, Stage.CLOSING)
REPORTING = (Stage.PLANNING, Stage.DELIVERING, Stage.CLOSING)
# The RAID register is kept from Initiating (the business case's risks carried over) until
# the project closes.
REGISTERING = (Stage.INITIATING, *MEASURING)


def project_of(obj: Any) -> Project:
    return obj if isinstance(obj, Project) else obj.project


def proposal_of(obj: Any) -> Proposal:
    return obj if isinstance(obj, Proposal) else project_of(obj).proposal


# -- Who a person is across the portfolio ------------------------------------------------------


def _is_pmo(user: Any) -> bool:
    """Asked by most rules, several times a request: kept on the person object, as Django
    keeps their permissions (a request's person is read afresh for every request)."""
    if "_is_pmo" not in user.__dict__:
        answer = bool(user.is_authenticated and user.has_perm("projects.view_portfolio"))
        user.__dict__["_is_pmo"] = answer
    return user.__dict__["_is_pmo"]


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
def is_named_sponsor(user: Any, obj: Any) -> bool:
    """The sponsor the project names (not a deputy)."""
    return project_of(obj).sponsor_id == user.pk


# -- Deputies ----------------------------------------------------------------------------------


def delegators(user: Any) -> dict[int, Decimal | None]:
    """The sponsors `user` deputises for today, by user id, with their approval limits (None is
    unlimited). Read once per person object and day: a request's many questions cost one
    query."""
    today = timezone.localdate()
    cached = user.__dict__.get("_delegators")
    if cached is None or cached[0] != today:
        found: dict[int, Decimal | None] = {}
        if getattr(user, "sponsor_profile", None) is not None:  # deputies are sponsors
            found = dict(_delegations(today).rows(ids=[user.pk]))
        cached = (today, found)
        user.__dict__["_delegators"] = cached
    return cached[1]


def _delegations(today: date) -> Statement:
    """(sponsor, their approval limit) of the delegations in force today to one deputy: a
    statement compiled once a day (projects/statements.py), asked on most pages."""

    def build(deputies: list[int]) -> QuerySet:
        rows = Delegation.objects.active(today).filter(deputy_id__in=deputies)
        return rows.values_list("sponsor_id", "sponsor__approval_limit")

    return compiled(("delegators", today), build, ids=1)


def read_delegators(users: Iterable[Any]) -> None:
    """What each of `users` deputises for today, read in one query (a list that asks the rules
    of many people: the PMO's overdue items and who holds them)."""
    today = timezone.localdate()
    found: dict[int, dict[int, Decimal | None]] = {user.pk: {} for user in users}
    rows = Delegation.objects.active(today).filter(
        deputy_id__in=found, deputy__sponsor_profile__isnull=False
    )
    for deputy_id, sponsor_id, limit in rows.values_list(
        "deputy_id", "sponsor_id", "sponsor__approval_limit"
    ):
        found[deputy_id][sponsor_id] = limit
    for user in users:
        user.__dict__["_delegators"] = (today, found[user.pk])


def standing(user: Any) -> tuple[Any, ...]:
    """All that the facts' filters (`where=`) read of a person: who they are, whether they are
    the PMO or a sponsor, their own approval authority, and whom they deputise for today with
    those sponsors' limits. While it stays the same, every rule's filter gives this person the
    same SQL, so it can be compiled once and kept for them (projects/statements.py; a filter
    that reads anything else must add it here: tests/projects/test_statements.py)."""
    return (
        user.pk,
        _is_pmo(user),
        getattr(user, "sponsor_profile", None) is not None,
        own_authority(user),
        tuple(sorted(delegators(user).items())),
    )


def _deputising(user: Any, at: str) -> Q:
    """The projects of the sponsors `user` deputises for today: the ids `delegators` read
    (the same answer as the test below, and a query once per person and day, not a subquery
    in every filter)."""
    deputised = delegators(user)
    return Q(**{f"{at}sponsor_id__in": sorted(deputised)}) if deputised else nothing(at)


@fact(where=_deputising)
def is_deputy_sponsor(user: Any, obj: Any) -> bool:
    """The sponsor's deputy today: sees and decides the sponsor's items (SPEC §10)."""
    return project_of(obj).sponsor_id in delegators(user)


# Who acts as the project's sponsor: the sponsor it names, or their deputy during a delegation.
is_project_sponsor = is_named_sponsor | is_deputy_sponsor


@contextmanager
def own_capacity(user: Any) -> Iterator[None]:
    """Ask the rules as if `user` deputised for nobody: what their own roles and limit allow."""
    saved = user.__dict__.get("_delegators")
    user.__dict__["_delegators"] = (timezone.localdate(), {})
    try:
        yield
    finally:
        if saved is None:
            del user.__dict__["_delegators"]
        else:
            user.__dict__["_delegators"] = saved


def acting_for(user: Any, rule: Rule, record: Any) -> Any:
    """Whose authority `user` uses to meet `rule` on `record`: None when their own roles and
    limit allow it (a manager editing their own project, a sponsor deciding their own); else
    the sponsor they deputise for — the project's own, or, deciding an escalated business case,
    the sponsor whose limit covers its cost. The audit row records it: "Lee Park for Dana
    Whitfield"."""
    project = project_of(record)
    if project.sponsor_id == user.pk:
        return None  # the sponsor it names: on it their own limit is theirs (approval_authority)
    deputised = delegators(user)
    if not deputised:
        return None
    with own_capacity(user):
        if rule.allows(user, record):
            return None
    if project.sponsor_id in deputised:
        return project.sponsor.user
    cost = proposal_of(record).estimated_cost
    for sponsor_id, limit in deputised.items():
        if _limit_authority(limit).covers(cost):
            return Sponsor.objects.select_related("user").get(pk=sponsor_id).user
    return None


def _memberships(user: Any) -> Any:
    return Membership.objects.filter(user_id=user.pk).values("project_id")


@fact(where=lambda user, at: Q(**{f"{at}pk__in": _memberships(user)}))
def is_project_member(user: Any, obj: Any) -> bool:
    """A stakeholder or team member, or someone who decided on one of its records."""
    return project_of(obj).memberships.filter(user_id=user.pk).exists()


# -- Approval authority --------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """What one person may approve alone: `covers(cost)` for one amount, `where(field)` as a
    filter (`plus`: a field added to it first, such as the funding a project has already);
    `recorded` is the limit a decision writes down."""

    limit: Decimal | None  # None: unlimited
    approves: bool = True  # False: approves nothing at all
    recorded: str | None = None

    def covers(self, cost: Decimal | None) -> bool:
        if not self.approves:
            return False
        return self.limit is None or (cost is not None and cost <= self.limit)

    def where(self, field: str, *, plus: str = "") -> Q:
        if not self.approves:
            return nothing()
        if self.limit is None:
            return everything()
        bound = Value(self.limit) - F(plus) if plus else self.limit
        return Q(**{f"{field}__lte": bound})


NO_AUTHORITY = Authority(limit=Decimal(0), approves=False)
PMO_AUTHORITY = Authority(limit=None)


def _limit_authority(limit: Decimal | None) -> Authority:
    """A sponsor's limit as an authority: up to it, or everything when it is blank."""
    return Authority(limit=limit, recorded="unlimited" if limit is None else f"{limit:.2f}")


def own_authority(user: Any, project: Project | None = None) -> Authority:
    """A person's own authority: the PMO decides on the organisation's; a sponsor up to their
    limit (blank is unlimited); others approve nothing. On a `project` they sponsor whose
    sponsor row came with it (a decision reads it with the lock), that row is their profile."""
    if _is_pmo(user):
        return PMO_AUTHORITY
    if project is not None and project.sponsor_id == user.pk and Project.sponsor.is_cached(project):
        sponsor = project.sponsor
    else:
        sponsor = getattr(user, "sponsor_profile", None)
    return NO_AUTHORITY if sponsor is None else _limit_authority(sponsor.approval_limit)


def _highest(limits: list[Decimal | None]) -> Decimal | None:
    return None if None in limits else max(limits)  # type: ignore[type-var]


def approval_authority(user: Any, project: Project | None = None) -> Authority:
    """The one place an approval limit is compared. On a project a person decides by the
    authority in which they act there: its sponsor by their own limit; the sponsor's deputy
    by the sponsor's limit (SPEC §10: "within the sponsor's limit"), or, on an escalated
    business case, by the highest limit they hold; anyone else — deciding an escalated case —
    by the highest of their own limit and those of the sponsors they deputise for (a deputy
    sees the sponsor's items). The PMO decides on the organisation's authority. Without a
    project: the highest authority the person holds."""
    own = own_authority(user, project)
    if own is PMO_AUTHORITY or (project is not None and project.sponsor_id == user.pk):
        return own  # whom they deputise for does not count: no need to read it
    deputised = delegators(user)
    if not deputised:
        return own
    highest = _limit_authority(
        _highest([*([own.limit] if own.approves else []), *deputised.values()])
    )
    if project is None:
        return highest
    if project.sponsor_id in deputised and project.proposal.state != ProposalState.ESCALATED:
        return _limit_authority(deputised[project.sponsor_id])
    return highest


def _within_authority(columns: Callable[[str], tuple[str, str]]) -> Callable[[Any, str], Q]:
    """`approval_authority(user, project).where(...)` as one filter over many projects: each
    capacity a person acts in, for the projects where they act in it. `columns(at)` names the
    amount compared and what is added to it, for a queryset whose project is at `at`."""

    def where(user: Any, at: str) -> Q:
        own = own_authority(user)
        deputised = delegators(user)
        column, plus = columns(at)
        if own is PMO_AUTHORITY or not deputised:
            return own.where(column, plus=plus)
        highest = approval_authority(user).where(column, plus=plus)
        sponsor = f"{at}sponsor_id"
        escalated = Q(**{f"{at}proposal__state": ProposalState.ESCALATED})
        filters = Q(**{sponsor: user.pk}) & own.where(column, plus=plus)
        for sponsor_id, limit in deputised.items():
            as_sponsor = _limit_authority(limit).where(column, plus=plus)
            filters |= Q(**{sponsor: sponsor_id}) & (
                (escalated & highest) | (~escalated & as_sponsor)
            )
        elsewhere = ~Q(**{sponsor: user.pk}) & ~Q(**{f"{sponsor}__in": list(deputised)})
        return filters | (elsewhere & highest)

    return where


@fact(where=_within_authority(lambda at: (f"{at}proposal__estimated_cost", "")))
def within_approval_limit(user: Any, obj: Any) -> bool:
    """The business case's estimated cost is within what this person may approve alone."""
    project = project_of(obj)
    return approval_authority(user, project).covers(proposal_of(obj).estimated_cost)


def funding_total_after(funding: Any) -> Decimal:
    """The project's approved funding once this funding counts too."""
    return project_of(funding).funded + funding.amount


# Asked of a funding (its project at "project__"): its amount plus what the project has.
@fact(where=_within_authority(lambda at: ("amount", f"{at}funded")))
def funding_within_approval_limit(user: Any, funding: Any) -> bool:
    """The project's funding, this one included, is within what this person approves alone."""
    return approval_authority(user, project_of(funding)).covers(funding_total_after(funding))


# Asked of a funding: the filter is on the funding itself.
@condition(
    where=lambda at: Q(state=FundingState.APPROVED, reverses__isnull=True, reversal__isnull=True)
)
def funding_correctable(funding: Funding) -> str:
    """An approved funding is corrected once, by a reversing entry; a reversal is final."""
    if funding.reverses_id:
        return "This is a reversal: it is final (correct the funding anew instead)."
    if hasattr(funding, "reversal"):
        corrected = timezone.localtime(funding.reversal.recorded_at)
        return f"This funding was corrected already on {day(corrected)}."
    if funding.state != FundingState.APPROVED:
        return (
            f"This funding is {funding.get_state_display().lower()}: only approved funding "
            "counts, so only approved funding is corrected."
        )
    return ""


@fact(where=lambda user, at: Q(**{f"{at}proposal__state": ProposalState.ESCALATED}))
def business_case_escalated(user: Any, obj: Any) -> bool:
    return proposal_of(obj).state == ProposalState.ESCALATED


@fact(where=lambda user, at: ~Q(**{f"{at}proposal__endorsed_by_id": user.pk}))
def did_not_endorse(user: Any, obj: Any) -> bool:
    """Four eyes: whoever endorsed a business case above their limit does not also approve it
    (a deputy may hold two limits)."""
    return proposal_of(obj).endorsed_by_id != user.pk


def change_budget_after(change: Any) -> Decimal | None:
    """The project's approved budget once this change request's cost impact counts too (None
    before the sponsor approved a plan)."""
    baseline = project_of(change).baseline_budget
    return None if baseline is None else baseline + change.cost_impact


# Asked of a change request (its project at "project__"): like funding, the project's new
# total is compared — the baseline budget plus the cost impact.
@fact(where=_within_authority(lambda at: ("cost_impact", f"{at}baseline_budget")))
def change_within_approval_limit(user: Any, change: Any) -> bool:
    """The project's budget, this change included, is within what this person approves alone."""
    return approval_authority(user, project_of(change)).covers(change_budget_after(change))


@fact(where=lambda user, at: ~Q(endorsed_by_id=user.pk))
def did_not_endorse_change(user: Any, change: Any) -> bool:
    """Four eyes, as for business cases: the endorser does not also approve (asked of the
    change request itself)."""
    return change.endorsed_by_id != user.pk


def _escalated_changes_within(user: Any, at: str) -> Q:
    escalated = ChangeRequest.objects.filter(state=ChangeRequestState.ESCALATED)
    within = escalated.filter(change_within_approval_limit.q(user, "project__"))
    return Q(**{f"{at}pk__in": within.values("project_id")})


@fact(where=_escalated_changes_within)
def change_escalated_to_them(user: Any, obj: Any) -> bool:
    """A change request of the project was escalated above its sponsor's limit, and this
    person's limit covers it: they see the project to decide it."""
    project = project_of(obj)
    escalated = project.change_requests.filter(state=ChangeRequestState.ESCALATED)
    authority = approval_authority(user, project)
    return any(authority.covers(change_budget_after(change)) for change in escalated)


# -- Delegations (asked of a sponsor's profile, or of a delegation) -----------------------------


@fact()
def is_the_sponsor(user: Any, obj: Sponsor | Delegation) -> bool:
    sponsor_id = obj.pk if isinstance(obj, Sponsor) else obj.sponsor_id
    return sponsor_id == user.pk


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


@condition(where=lambda at: Q(**{f"{at}proposal__state": ProposalState.APPROVED}))
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


# Asked of a goal: the filter is on the goal itself.
@condition(where=lambda at: Q(archived_at__isnull=True))
def goal_active(goal: Any) -> str:
    return "This goal is archived: it is kept as it was." if goal.archived else ""


@condition()
def delegation_in_force(delegation: Delegation) -> str:
    if delegation.revoked_at:
        return "This delegation was revoked already."
    if delegation.ends_on < timezone.localdate():
        return "This delegation has ended by itself."
    return ""


# -- Discussion and evidence (asked of a comment, or of an attachment) ----------------------------


@condition(
    where=lambda at: ~Q(**{f"{at}stage__in": (Stage.CLOSED, Stage.CANCELLED)}), everyone=True
)
def discussion_open(record: Any) -> str:
    """People talk until the project is closed or cancelled (on hold too: that is when a
    project needs talking about); then its threads are kept as they were."""
    project = project_of(record)
    if project.stage in (Stage.CLOSED, Stage.CANCELLED):
        return project.read_only_reason
    return ""


@fact()
def wrote_it(user: Any, comment: Comment) -> bool:
    return comment.author_id == user.pk


@condition()
def comment_fresh(comment: Comment) -> str:
    if comment.removed:
        return "This comment was removed."
    if timezone.now() > comment.editable_until:
        return "A comment can be edited for 15 minutes after it is written; add another instead."
    return ""


@condition()
def comment_present(comment: Comment) -> str:
    return "This comment was removed already." if comment.removed else ""


@condition()
def deliverable_pending(deliverable: ProjectDeliverable) -> str:
    if deliverable.state == DeliverableState.PENDING:
        return ""
    return (
        f"The deliverable is {deliverable.get_state_display().lower()}: its evidence is kept "
        "as it was."
    )


@fact()
def uploaded_it(user: Any, attachment: Attachment) -> bool:
    return attachment.uploaded_by_id == user.pk


def evidence_rule(record: Any) -> str:
    """The rule that says who may attach evidence to `record`, and when."""
    match record:
        case Proposal():
            return "may_attach_to_business_case"
        case Charter():
            return "may_attach_to_charter"
        case ProjectDeliverable():
            return "may_attach_to_deliverable"
        case ClosureReport():
            return "may_attach_to_closure"
        case Project():
            return "may_attach_gate_evidence"
    raise TypeError(f"No evidence is attached to a {type(record).__name__}.")


@condition()
def evidence_open(attachment: Attachment) -> str:
    """A file is removed while its record is a draft, and never once signed with a charter."""
    if attachment.frozen_at:
        return "This file was signed with the charter: it is kept with that revision."
    if attachment.gate and attachment.gate != next_stage(project_of(attachment)):
        return "The project has passed the gate this file was evidence for: it is kept."
    return RULEBOOK[evidence_rule(attachment.record)].reason_not_now(attachment.record)


# -- The RAID register (asked of a register item) -------------------------------------------------


# Asked of the item itself: the filter is on the item, whatever `at` says.
@fact(where=lambda user, at: Q(owner_id=user.pk))
def owns_item(user: Any, item: RaidItem) -> bool:
    """The person a register item names as its owner."""
    return item.owner_id == user.pk


@condition(where=lambda at: Q(status="open"))
def raid_item_open(item: RaidItem) -> str:
    return "" if item.is_open else "This item is closed: reopen it to change it."


@condition(where=lambda at: Q(status="closed"))
def raid_item_closed(item: RaidItem) -> str:
    return "This item is open already." if item.is_open else ""


# -- Personal access tokens (asked of the token) ------------------------------------------------


# Asked of the token itself: the filter is on the token, whatever `at` says.
@fact(where=lambda user, at: Q(owner_id=user.pk))
def owns_token(user: Any, token: Any) -> bool:
    """The person a personal access token acts for."""
    return token.owner_id == user.pk


@condition(where=lambda at: Q(revoked_at__isnull=True))
def token_not_revoked(token: Any) -> str:
    return "This token was revoked already." if token.revoked_at is not None else ""


# -- Advancing: whoever may take the forward transition out of the current stage -------------------


def _advances() -> list[Any]:
    field = Project._meta.get_field("stage")
    return [t for t in field.get_all_transitions(Project) if t.custom.get("kind") == "advance"]


def _advanceable(user: Any, at: str) -> Q:
    return reduce(
        or_,
        (Q(**{f"{at}stage": t.source}) & rule_of(t.permission).q(user, at) for t in _advances()),
    )


def next_stage(project: Project) -> str:
    """The stage the project's next gate leads to ("" when none: closed, cancelled)."""
    for transition in _advances():
        if transition.source == project.stage:
            return transition.target
    return ""


@fact(where=_advanceable)
def takes_next_gate(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return any(t.source == project.stage and t.has_perm(project, user) for t in _advances())


# -- The rulebook ----------------------------------------------------------------------------------

manager, sponsor = is_project_manager, is_project_sponsor
# Separation of duties: nobody decides, funds or signs what they manage (a person may hold
# every role at once: a manager with a sponsor profile in the PMO).
independent = ~is_project_manager
SPONSOR_DECIDES = (
    "The project's sponsor (or their deputy during a delegation) decides this, never the "
    "person who manages the project."
)
ABOVE_THE_LIMIT = (
    "A sponsor whose approval limit covers the cost, or the PMO, decides this — never the "
    "person who manages the project."
)


def _escalated_business_cases_within(user: Any, at: str) -> Q:
    """As a subquery of project ids (the few escalated business cases, by their index), not a
    join: a list or total over thousands of projects then reads only their own rows, not
    every business case beside them (half the portfolio's totals query at 10,000 projects)."""
    escalated = both(business_case_escalated.q(user), within_approval_limit.q(user))
    if is_nothing(escalated):
        return nothing(at)  # no limit of their own: a placeholder the filter leaves out
    return Q(**{f"{at}pk__in": Project.objects.filter(escalated).values("pk")})


@fact(where=_escalated_business_cases_within)
def escalated_to_them(user: Any, obj: Any) -> bool:
    """The business case was escalated above its sponsor's limit, and this person's limit
    covers it: they see the project to decide it."""
    return business_case_escalated.test(user, obj) and within_approval_limit.test(user, obj)


# Who sees a project, and so reads and joins every thread on its records.
sees_project = (
    is_pmo | manager | sponsor | is_project_member | escalated_to_them | change_escalated_to_them
)

RULEBOOK: dict[str, Rule] = {
    # Seeing a project (asked of a project). Deciders are recorded as members.
    "may_view_project": Rule(who=sees_project),
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
        who=within_approval_limit & independent & did_not_endorse,
        when=(identifying,),
        refusal=ABOVE_THE_LIMIT,
    ),
    # Taking a submission back before anyone decided on it (asked of the business case).
    "may_recall_business_case": Rule(
        who=manager,
        when=(identifying,),
        refusal="The project's manager recalls its business case.",
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
    # Correcting approved funding (asked of the funding): whoever may record it.
    "may_correct_funding": Rule(
        who=(sponsor | is_pmo) & independent,
        when=(project_open, funding_correctable),
        refusal="Funding is corrected by the project's sponsor or the PMO, never by its manager.",
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
    # Cancelling is for good: the sponsor it names, not a deputy, or the PMO.
    "may_cancel_project": Rule(
        who=is_named_sponsor | is_pmo,
        refusal="The project's sponsor or the PMO cancels a project (a deputy does not).",
    ),
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
    "may_recall_charter": Rule(
        who=manager, when=(project_open,), refusal="The project's manager recalls its charter."
    ),
    "may_discard_amendment": Rule(
        who=manager,
        when=(project_open,),
        refusal="The project's manager discards an amendment of its charter.",
    ),
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
    # After the plan (asked of the plan; of the project for raising a change request, of the
    # change request for deciding it, of the exception for deciding that): the manager
    # forecasts milestones and raises change requests while delivering; the sponsor decides
    # them within their approval limit like a business case (above it, their approval is an
    # endorsement and a sponsor whose limit covers the new budget, or the PMO, decides).
    "may_forecast_milestones": Rule(
        who=manager,
        when=(in_stage(Stage.DELIVERING),),
        refusal="The project's manager forecasts its milestones.",
    ),
    "may_raise_change_request": Rule(
        who=manager,
        when=(in_stage(Stage.DELIVERING),),
        refusal="The project's manager raises its change requests.",
    ),
    "may_withdraw_change_request": Rule(
        who=manager,
        when=(in_stage(Stage.DELIVERING),),
        refusal="The project's manager withdraws its change requests.",
    ),
    "may_approve_change_request": Rule(
        who=sponsor & independent & change_within_approval_limit,
        when=(in_stage(Stage.DELIVERING),),
        refusal=SPONSOR_DECIDES,
    ),
    "may_endorse_change_request": Rule(
        who=sponsor & independent & ~change_within_approval_limit,
        when=(in_stage(Stage.DELIVERING),),
        refusal=SPONSOR_DECIDES,
    ),
    "may_decide_change_request": Rule(
        who=sponsor & independent, when=(in_stage(Stage.DELIVERING),), refusal=SPONSOR_DECIDES
    ),
    "may_decide_escalated_change_request": Rule(
        who=change_within_approval_limit & independent & did_not_endorse_change,
        when=(in_stage(Stage.DELIVERING),),
        refusal=ABOVE_THE_LIMIT,
    ),
    "may_decide_exception": Rule(
        who=sponsor & independent, when=(in_stage(Stage.DELIVERING),), refusal=SPONSOR_DECIDES
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
    # The business case's one-page summary is what a sponsor or an escalated decider takes to
    # a board: whoever may read the business case asks for it (a page renders in a moment).
    "may_generate_business_case_pdf": Rule(
        who=sees_project,
        refusal="Only the people of this project print its business case.",
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
    # Costs (asked of the project): the manager books what was spent — typed in or imported
    # from a CSV file — and forecasts what is still to spend, while the project delivers and
    # closes (the plan's budget is the baseline by then).
    "may_record_actuals": Rule(
        who=manager,
        when=(in_stage(Stage.DELIVERING, Stage.CLOSING),),
        refusal="The project's manager records its actual costs and forecasts.",
    ),
    # Discussion (asked of the record discussed; editing and removing, of the comment): whoever
    # sees the project talks; an author corrects a comment for 15 minutes; the author or the
    # PMO removes one, leaving a marker.
    "may_comment": Rule(
        who=sees_project,
        when=(discussion_open,),
        refusal="Only the people of this project take part in its discussion.",
    ),
    "may_edit_comment": Rule(
        who=wrote_it,
        when=(discussion_open, comment_fresh),
        refusal="Only its author edits a comment.",
    ),
    "may_remove_comment": Rule(
        who=wrote_it | is_pmo,
        when=(discussion_open, comment_present),
        refusal="Its author or the PMO removes a comment.",
    ),
    # Evidence (asked of the record; removing, of the file): the manager attaches files while
    # the record is a draft; whoever sees the project downloads them.
    "may_attach_to_business_case": Rule(
        who=manager,
        when=(identifying, business_case_editable),
        refusal="The project's manager attaches evidence to its business case.",
    ),
    "may_attach_to_charter": Rule(
        who=manager,
        when=(project_open, charter_editable),
        refusal="The project's manager attaches evidence to its charter.",
    ),
    "may_attach_to_deliverable": Rule(
        who=manager,
        when=(in_stage(Stage.DELIVERING), deliverable_pending),
        refusal="The project's manager attaches evidence to its deliverables.",
    ),
    "may_attach_to_closure": Rule(
        who=manager,
        when=(in_stage(Stage.CLOSING),),
        refusal="The project's manager attaches evidence to its closure report.",
    ),
    "may_attach_gate_evidence": Rule(
        who=manager,
        when=(project_open,),
        refusal="The project's manager attaches evidence for its next gate.",
    ),
    "may_remove_attachment": Rule(
        who=(uploaded_it | manager) & sees_project,
        when=(project_open, evidence_open),
        refusal="Whoever attached a file, or the project's manager, removes it.",
    ),
    # The RAID register (asked of the project; an item's changes, of the item): the manager
    # keeps it from Initiating until Closing; an item's owner — someone who sees the project —
    # reviews it (response, scores, next review date) and closes it. Nothing is deleted:
    # a closed item stays, and the manager may reopen it.
    "may_add_raid_item": Rule(
        who=manager,
        when=(in_stage(*REGISTERING),),
        refusal="The project's manager keeps its register.",
    ),
    "may_edit_raid_item": Rule(
        who=manager,
        when=(in_stage(*REGISTERING), raid_item_open),
        refusal="The project's manager edits the items of its register.",
    ),
    "may_review_raid_item": Rule(
        who=manager | (owns_item & sees_project),
        when=(in_stage(*REGISTERING), raid_item_open),
        refusal="The item's owner or the project's manager reviews it.",
    ),
    "may_close_raid_item": Rule(
        who=manager | (owns_item & sees_project),
        when=(in_stage(*REGISTERING), raid_item_open),
        refusal="The item's owner or the project's manager closes it.",
    ),
    "may_reopen_raid_item": Rule(
        who=manager,
        when=(in_stage(*REGISTERING), raid_item_closed),
        refusal="The project's manager reopens the items of its register.",
    ),
    # What waits longer than ESCALATE_AFTER_DAYS anywhere (asked of nothing).
    "may_see_overdue": Rule(
        who=is_pmo, refusal="The PMO sees what is overdue across the portfolio."
    ),
    # Delegation (asked of the sponsor's profile; revoking, of the delegation): the sponsor
    # names their own deputy, the PMO names one for any sponsor.
    "may_name_deputies": Rule(
        who=is_sponsor | is_pmo, refusal="Sponsors and the PMO name deputies."
    ),
    "may_delegate": Rule(
        who=is_the_sponsor | is_pmo,
        refusal="A sponsor names their own deputy; the PMO may name one for any sponsor.",
    ),
    "may_revoke_delegation": Rule(
        who=is_the_sponsor | is_pmo,
        when=(delegation_in_force,),
        refusal="The sponsor who named the deputy, or the PMO, revokes a delegation.",
    ),
    # People (asked of nothing, or of the person): the People page — inviting, roles,
    # approval limits, deactivating.
    "may_manage_people": Rule(
        who=is_pmo, refusal="The PMO manages people, their roles and approval limits."
    ),
    # Webhooks (asked of nothing): the PMO registers the endpoints other systems receive
    # events at, sees every delivery and sends one again.
    "may_manage_webhooks": Rule(
        who=is_pmo, refusal="The PMO manages the webhooks other systems receive events from."
    ),
    # A project's manager (asked of the project): handed on by the PMO, say when the manager
    # leaves (a deactivated manager's projects wait for it in the PMO's Needs my action).
    "may_change_manager": Rule(
        who=is_pmo, when=(project_open,), refusal="The PMO changes a project's manager."
    ),
    # Personal access tokens (asked of nothing, or of the token): anyone signed in makes their
    # own; only its owner revokes one. What a token may do is its owner's rules, never more.
    "may_create_token": Rule(who=always_allow),
    "may_revoke_token": Rule(
        who=owns_token,
        when=(token_not_revoked,),
        refusal="Only the person a token acts for revokes it.",
    ),
}

declare(RULEBOOK, app_label="projects", acting_for=acting_for)
