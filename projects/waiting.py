"""What waits for whom (SPEC §10), declared once per kind: `WAITS`.

Each `Wait` says which records wait (`waiting`, a filter, and `test`, the same condition asked
of one record), the rule that says who may act on them (projects/rules.py, used as a queryset
filter), to whom among those it is assigned (`named`: the PMO may advance any project, but a
gate ready to advance waits for its manager or sponsor), since when it waits, and why (the
reason given when something was sent back). Reading them — a person's inbox, its count, the
PMO's overdue list, who holds the ball on a project page — is projects/selectors/inbox.py;
`tests/projects/test_inbox.py` checks that each kind's filter and test agree.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import DateField, DateTimeField, F, Model, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from lifecycle.rules import Fact, fact, rule
from lifecycle.stages import Stage
from projects.addresses import project_url
from projects.discussion import kind_of_model
from projects.formats import money, person
from projects.models import (
    ChangeRequest,
    ChangeRequestState,
    Charter,
    CharterState,
    DeliverableState,
    ExceptionState,
    Funding,
    FundingState,
    Goal,
    Mention,
    Plan,
    PlanState,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
    RaidItem,
    RaidStatus,
    ToleranceException,
)
from projects.rules import (
    change_budget_after,
    is_project_manager,
    is_project_sponsor,
    next_stage,
    owns_item,
    project_of,
)

# Who can ever have a kind of item: asked in Python first, so a person who cannot costs no
# query for it (a viewer's inbox is free; a manager's skips the sponsors' decisions).
DECIDER, MANAGER, SPONSOR = "decider", "manager", "sponsor"
PMO = "pmo"  # only the PMO's: a sponsor's inbox never asks for them
ANYONE = "anyone"  # whoever sees a project can be mentioned in its discussions


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


@dataclass(frozen=True)
class Wait:
    key: str
    model: type[Model]
    rule: str  # who may act on the record now (its `when` also says in which stage)
    waiting: Callable[[date], Q]  # the records that wait, as a filter (given today)
    test: Callable[[Any, date], bool]  # the same, asked of one record
    what: Callable[[Any], str]  # the row's title
    doing: Callable[[Any], str]  # what the person does: "Waiting for Dana Whitfield to …"
    since: Callable[[Any], datetime | None]  # since when it waits
    order: Any  # the same, as a field or an expression the database sorts by
    page: Callable[[Any], str]  # where to act on it
    sides: tuple[str, ...]  # who can ever have it: DECIDER, MANAGER, SPONSOR, PMO, ANYONE
    decision: bool = False  # a decision (Awaiting my decision) rather than work to do
    on_the_card: bool = False  # its action is a button of the project's Actions card
    # Only in its person's own inbox: not who holds a project's ball, not the PMO's overdue.
    personal: bool = False
    named: Fact | None = None  # to whom, among those the rule allows, it is assigned
    reason: Callable[[Any], tuple[str, Any]] | None = None  # why it was sent back, by whom
    note: Callable[[Any], str] = lambda record: ""  # what else the person should know
    waits: Callable[[Any], Any] = lambda record: project_of(record).manager  # who waits on it
    amount: Callable[[Any], Decimal | None] = lambda record: None
    others: str = ""  # who else may act, when the rule reaches beyond the project's people
    offset: Callable[[], timedelta] = timedelta  # `since` is `order` plus this
    related: tuple[str, ...] = ()

    @property
    def at(self) -> str:
        """The path from the record to its project."""
        return "" if self.model is Project else "project__"

    def waiting_for(self, user: AbstractBaseUser, today: date) -> QuerySet:
        """The records of this kind waiting for `user`, oldest first (a narrow query: the
        rows to show are read afterwards, `read`)."""
        queryset = self._waiting(today).filter(rule(self.rule).q(user, self.at))
        if self.named is not None:
            queryset = queryset.filter(self.named.q(user, self.at))
        return queryset

    def waiting_anywhere(self, today: date) -> QuerySet:
        """The records of this kind waiting for anyone, in projects that allow it now."""
        return self._waiting(today).filter(rule(self.rule).when_q(self.at))

    def older_than(self, queryset: QuerySet, moment: datetime) -> QuerySet:
        return queryset.filter(self.waiting_before(moment))

    def waiting_before(self, moment: datetime) -> Q:
        """Waiting since before `moment` (`since` is `order` plus the offset), as a filter on
        `waiting_for` or `waiting_anywhere`."""
        return Q(waiting_since__lt=moment - self.offset())

    def _waiting(self, today: date) -> QuerySet:
        queryset = self.model.objects.filter(self.waiting(today))
        return queryset.alias(waiting_since=self.order).order_by("waiting_since", "pk")

    @property
    def reads(self) -> list[str]:
        """What a row of this kind shows besides the record: its project and people."""
        project = self.at
        return [f"{project}manager", f"{project}sponsor__user", *self.related] + (
            ["project"] if project else []
        )


# -- The kinds ------------------------------------------------------------------------------------


def _page(name: str) -> Callable[[Any], str]:
    return lambda record: project_url(f"projects:{name}", project_of(record).pk)


def _sponsor(record: Any) -> Any:
    """Who waits for the manager's work: the project's sponsor."""
    return project_of(record).sponsor.user


def _sent_back(record: Any) -> tuple[str, Any]:
    return record.sent_back_reason, record.sent_back_by


def in_state(state: str) -> dict[str, Any]:
    """A record waits while it is in `state`: the filter and the test, alike."""
    return {
        "waiting": lambda today: Q(state=state),
        "test": lambda record, today: record.state == state,
    }


def waiting_since(path: str) -> dict[str, Any]:
    """It waits since the moment in `path` (a field, through relations with "__"): what the
    database sorts by and what a row shows, alike."""

    def since(record: Any) -> datetime | None:
        for name in path.split("__"):
            record = getattr(record, name)
        return record

    return {"order": F(path), "since": since}


def _next_stage(project: Project) -> str:
    return Stage(next_stage(project)).label


def _report_every() -> timedelta:
    return timedelta(days=settings.STATUS_REPORT_EVERY_DAYS)


def _report_due(project: Project) -> datetime | None:
    """A status report is due every STATUS_REPORT_EVERY_DAYS while delivering: from the last
    one (`Project.last_report_on`, kept by the database: migration 0030), or from the day
    delivery began."""
    base = project.last_report_on or timezone.localdate(project.stage_entered_at)
    return _midnight(base + _report_every())


REPORT_BASE = Coalesce(F("last_report_on"), Cast("stage_entered_at", DateField()))


def _report_waiting(today: date) -> Q:
    return Q(stage=Stage.DELIVERING) & (
        Q(last_report_on__lte=today - _report_every())
        | Q(last_report_on__isnull=True, stage_entered_at__date__lte=today - _report_every())
    )


def _report_test(project: Project, today: date) -> bool:
    due = _report_due(project) if project.stage == Stage.DELIVERING else None
    return due is not None and due.date() <= today


def _funding_to_record(today: date) -> Q:
    return Q(stage=Stage.IDENTIFYING, proposal__state=ProposalState.APPROVED, funded=0) & ~Q(
        fundings__state=FundingState.PROPOSED
    )


def _funding_to_record_test(project: Project, today: date) -> bool:
    return (
        project.stage == Stage.IDENTIFYING
        and project.proposal.is_approved
        and project.funded == 0
        and not any(f.state == FundingState.PROPOSED for f in project.fundings.all())
    )


def _deactivated_at(user: AbstractBaseUser) -> datetime | None:
    """When the PMO deactivated `user` (None when someone unticked "active" in the admin)."""
    profile = getattr(user, "profile", None)
    return profile.deactivated_at if profile else None


def _escalated_by(proposal: Proposal) -> str:
    return f"Endorsed by {person(proposal.endorsed_by)}, above their approval limit."


@fact(where=lambda user, at: Q(user_id=user.pk))
def is_mentioned(user: Any, mention: Mention) -> bool:
    """The person a mention names (asked of the mention itself, whatever `at` says)."""
    return mention.user_id == user.pk


def _mention_page(mention: Mention) -> str:
    comment = mention.comment
    kind = kind_of_model(comment.thread_type.model_class())
    return kind.link(mention.project_id, comment.thread_id) + f"#comment-{comment.pk}"


def _mention_noun(mention: Mention) -> str:
    return kind_of_model(mention.comment.thread_type.model_class()).noun


def _review_waits(item: RaidItem) -> Any:
    """Who waits for a register item's review: the manager, or, when the manager owns it,
    the sponsor."""
    project = project_of(item)
    return project.sponsor.user if item.owner_id == project.manager_id else project.manager


WAITS: tuple[Wait, ...] = (
    # Decisions: the sponsor's (or their deputy's), an approver's above a limit, the PMO's.
    Wait(
        key="business_case",
        model=Proposal,
        rule="may_decide_business_case",
        **in_state(ProposalState.SUBMITTED),
        what=lambda p: "Business case to decide" + (" (resubmitted)" if p.revision > 1 else ""),
        doing=lambda p: "decide the business case",
        **waiting_since("submitted_at"),
        page=_page("detail"),
        sides=(DECIDER,),
        decision=True,
        amount=lambda p: p.estimated_cost,
    ),
    Wait(
        key="escalated",
        model=Proposal,
        rule="may_decide_escalated_business_case",
        **in_state(ProposalState.ESCALATED),
        what=lambda p: "Escalated business case to decide",
        doing=lambda p: "decide the escalated business case",
        **waiting_since("endorsed_at"),
        page=_page("detail"),
        sides=(DECIDER,),
        decision=True,
        note=_escalated_by,
        amount=lambda p: p.estimated_cost,
        others="a sponsor whose approval limit covers its cost, or the PMO",
        related=("endorsed_by",),
    ),
    Wait(
        key="funding",
        model=Funding,
        rule="may_approve_funding",
        **in_state(FundingState.PROPOSED),
        what=lambda f: "Funding to approve",
        doing=lambda f: "approve the funding recorded above a limit",
        **waiting_since("recorded_at"),
        page=_page("detail"),
        sides=(DECIDER,),
        decision=True,
        waits=lambda f: f.recorded_by,
        amount=lambda f: f.amount,
        others="the PMO",
        related=("recorded_by",),
    ),
    Wait(
        key="charter",
        model=Charter,
        rule="may_sign_charter",
        **in_state(CharterState.SUBMITTED),
        what=lambda c: f"Charter to sign (revision {c.revision})",
        doing=lambda c: "sign the charter",
        **waiting_since("submitted_at"),
        page=_page("charter"),
        sides=(DECIDER,),
        decision=True,
    ),
    Wait(
        key="plan",
        model=Plan,
        rule="may_approve_plan",
        **in_state(PlanState.SUBMITTED),
        what=lambda p: "Plan to approve",
        doing=lambda p: "approve the plan",
        **waiting_since("submitted_at"),
        page=_page("plan"),
        sides=(DECIDER,),
        decision=True,
    ),
    Wait(
        key="deliverable",
        model=ProjectDeliverable,
        rule="may_accept_deliverable",
        **in_state(DeliverableState.DELIVERED),
        what=lambda d: f"Deliverable to accept: {d.name}",
        doing=lambda d: f"accept the deliverable “{d.name}”",
        **waiting_since("delivered_at"),
        page=_page("status"),
        sides=(DECIDER,),
        decision=True,
    ),
    # After the plan: a forecast beyond tolerance, and the change requests that answer it.
    Wait(
        key="exception",
        model=ToleranceException,
        rule="may_decide_exception",
        waiting=lambda today: Q(state=ExceptionState.OPEN),
        test=lambda e, today: e.state == ExceptionState.OPEN,
        what=lambda e: (
            f"Decide the {e.get_kind_display().lower()} exception: approve a change request "
            "or cancel the project"
        ),
        doing=lambda e: f"decide the {e.get_kind_display().lower()} exception",
        **waiting_since("opened_at"),
        page=_page("changes"),
        sides=(DECIDER,),
        decision=True,
        note=lambda e: e.detail,
    ),
    Wait(
        key="change_request",
        model=ChangeRequest,
        rule="may_decide_change_request",
        **in_state(ChangeRequestState.SUBMITTED),
        what=lambda c: f"Change request to decide: {c.reference} {c.title}",
        doing=lambda c: f"decide change request {c.reference}",
        **waiting_since("raised_at"),
        page=lambda c: reverse("projects:change-request", args=[c.project_id, c.pk]),
        sides=(DECIDER,),
        decision=True,
        waits=lambda c: c.raised_by,
        amount=lambda c: c.cost_impact,
        related=("raised_by",),
    ),
    Wait(
        key="change_request_escalated",
        model=ChangeRequest,
        rule="may_decide_escalated_change_request",
        **in_state(ChangeRequestState.ESCALATED),
        what=lambda c: f"Escalated change request to decide: {c.reference} {c.title}",
        doing=lambda c: f"decide the escalated change request {c.reference}",
        **waiting_since("endorsed_at"),
        page=lambda c: reverse("projects:change-request", args=[c.project_id, c.pk]),
        sides=(DECIDER,),
        decision=True,
        note=lambda c: (
            f"Endorsed by {person(c.endorsed_by)}, above their approval limit: the budget "
            f"would be {money(change_budget_after(c))}."
        ),
        waits=lambda c: c.raised_by,
        amount=lambda c: c.cost_impact,
        others="a sponsor whose approval limit covers the new budget, or the PMO",
        related=("raised_by", "endorsed_by"),
    ),
    # Whoever is @mentioned: until they write in that thread, or mark it read.
    Wait(
        key="mention",
        model=Mention,
        rule="may_view_project",
        waiting=lambda today: Q(answered_at__isnull=True),
        test=lambda m, today: m.answered_at is None,
        what=lambda m: f"Mentioned by {person(m.comment.author)} on {_mention_noun(m)}",
        doing=lambda m: f"answer in the discussion of {_mention_noun(m)}",
        **waiting_since("created_at"),
        page=_mention_page,
        sides=(ANYONE,),
        personal=True,
        named=is_mentioned,
        waits=lambda m: m.comment.author,
        reason=lambda m: (m.comment.body, m.comment.author),
        related=("comment__author", "comment__thread_type"),
    ),
    # The sponsor's work.
    Wait(
        key="funding_to_record",
        on_the_card=True,
        model=Project,
        rule="may_record_funding",
        waiting=_funding_to_record,
        test=_funding_to_record_test,
        what=lambda p: "Funding to record",
        doing=lambda p: "record funding",
        **waiting_since("proposal__decided_at"),
        page=_page("detail"),
        sides=(SPONSOR,),
        named=is_project_sponsor,
        amount=lambda p: p.proposal.estimated_cost,
        related=("proposal",),
    ),
    Wait(
        key="on_hold",
        on_the_card=True,
        model=Project,
        rule="may_resume_project",
        waiting=lambda today: Q(stage=Stage.ON_HOLD),
        test=lambda p, today: p.stage == Stage.ON_HOLD,
        what=lambda p: "On hold: resume or cancel",
        doing=lambda p: "resume or cancel the project",
        **waiting_since("stage_entered_at"),
        page=_page("detail"),
        sides=(SPONSOR,),
        named=is_project_sponsor,
        reason=lambda p: (p.stage_reason, p.stage_reason_by),
        related=("stage_reason_by",),
    ),
    # Gates ready to advance: for whoever the stage's rule names among manager and sponsor.
    Wait(
        key="advance",
        on_the_card=True,
        model=Project,
        rule="may_advance",
        waiting=lambda today: Q(gate_ready_since__isnull=False),
        test=lambda p, today: p.gate_ready_since is not None,
        what=lambda p: f"Ready to advance to {_next_stage(p)}",
        doing=lambda p: f"advance to {_next_stage(p)}",
        **waiting_since("gate_ready_since"),
        page=_page("detail"),
        sides=(MANAGER, SPONSOR),
        named=is_project_manager | is_project_sponsor,
    ),
    # The manager's work: returned items first in the table by their age like any other.
    Wait(
        key="business_case_returned",
        model=Proposal,
        rule="may_submit_business_case",
        **in_state(ProposalState.CHANGES_REQUESTED),
        what=lambda p: "Business case sent back for changes",
        doing=lambda p: "revise and resubmit the business case",
        **waiting_since("decided_at"),
        page=_page("detail"),
        sides=(MANAGER,),
        waits=lambda p: p.decided_by,
        reason=lambda p: (p.decision_comment, p.decided_by),
        related=("decided_by",),
    ),
    Wait(
        key="business_case_draft",
        model=Proposal,
        rule="may_submit_business_case",
        **in_state(ProposalState.DRAFT),
        what=lambda p: "Business case draft to complete and submit",
        doing=lambda p: "complete and submit the business case",
        **waiting_since("updated_at"),
        page=_page("detail"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="charter_returned",
        model=Charter,
        rule="may_submit_charter",
        **in_state(CharterState.RETURNED),
        what=lambda c: "Charter returned",
        doing=lambda c: "revise the charter and submit it again",
        **waiting_since("sent_back_at"),
        page=_page("charter"),
        sides=(MANAGER,),
        waits=lambda record: record.sent_back_by,
        reason=_sent_back,
        related=("sent_back_by",),
    ),
    Wait(
        key="charter_draft",
        model=Charter,
        rule="may_submit_charter",
        **in_state(CharterState.DRAFT),
        what=lambda c: (
            f"Charter amendment (revision {c.revision}) to complete"
            if c.revision > 1
            else "Charter to fill out and submit for sign-off"
        ),
        doing=lambda c: "complete the charter and submit it for sign-off",
        **waiting_since("updated_at"),
        page=_page("charter"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="definition",
        model=Project,
        rule="may_edit_scope",
        waiting=lambda today: Q(stage=Stage.DEFINING, gate_ready_since__isnull=True),
        test=lambda p, today: p.stage == Stage.DEFINING and p.gate_ready_since is None,
        what=lambda p: "Goals and scope to define",
        doing=lambda p: "define a SMART goal and the scope",
        **waiting_since("stage_entered_at"),
        page=_page("goals"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="plan_returned",
        model=Plan,
        rule="may_submit_plan",
        waiting=lambda today: Q(state=PlanState.DRAFT, sent_back_at__isnull=False),
        test=lambda p, today: p.state == PlanState.DRAFT and p.sent_back_at is not None,
        what=lambda p: "Plan returned",
        doing=lambda p: "revise the plan and submit it again",
        **waiting_since("sent_back_at"),
        page=_page("plan"),
        sides=(MANAGER,),
        waits=lambda record: record.sent_back_by,
        reason=_sent_back,
        related=("sent_back_by",),
    ),
    Wait(
        key="plan_draft",
        model=Plan,
        rule="may_submit_plan",
        waiting=lambda today: Q(state=PlanState.DRAFT, sent_back_at__isnull=True),
        test=lambda p, today: p.state == PlanState.DRAFT and p.sent_back_at is None,
        what=lambda p: "Plan to complete and submit",
        doing=lambda p: "complete the plan and submit it for approval",
        **waiting_since("updated_at"),
        page=_page("plan"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="deliverable_returned",
        model=ProjectDeliverable,
        rule="may_deliver",
        waiting=lambda today: Q(state=DeliverableState.PENDING, sent_back_at__isnull=False),
        test=lambda d, today: d.state == DeliverableState.PENDING and d.sent_back_at is not None,
        what=lambda d: f"Deliverable sent back: {d.name}",
        doing=lambda d: f"deliver “{d.name}” again",
        **waiting_since("sent_back_at"),
        page=_page("status"),
        sides=(MANAGER,),
        waits=lambda record: record.sent_back_by,
        reason=_sent_back,
        related=("sent_back_by",),
    ),
    Wait(
        key="status_report",
        model=Project,
        rule="may_add_status_report",
        waiting=_report_waiting,
        test=_report_test,
        what=lambda p: "Status report due",
        doing=lambda p: "write a status report",
        since=_report_due,
        order=Cast(REPORT_BASE, DateTimeField()),
        offset=_report_every,
        page=_page("status"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="reading",
        model=Goal,
        rule="may_add_measurement",
        waiting=lambda today: Q(reading_due_on__lt=today),
        test=lambda g, today: g.reading_due_on is not None and g.reading_due_on < today,
        what=lambda g: f"Reading due: {g.statement}",
        doing=lambda g: f"add a measurement to “{g.statement}”",
        since=lambda g: _midnight(g.reading_due_on),
        order=Cast("reading_due_on", DateTimeField()),
        page=lambda g: reverse("projects:goal", args=[g.project_id, g.pk]),
        sides=(MANAGER,),
        waits=_sponsor,
        named=is_project_manager,
    ),
    Wait(
        key="closure",
        model=Project,
        rule="may_edit_closure",
        waiting=lambda today: Q(stage=Stage.CLOSING, gate_ready_since__isnull=True),
        test=lambda p, today: p.stage == Stage.CLOSING and p.gate_ready_since is None,
        what=lambda p: "Closure report to complete",
        doing=lambda p: "complete the closure report",
        **waiting_since("stage_entered_at"),
        page=_page("closure"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    # A register item past its review date: its owner's, whoever they are on the project —
    # only in their own inbox (the Register tab marks it overdue for everyone else).
    Wait(
        key="raid_review",
        model=RaidItem,
        rule="may_review_raid_item",
        waiting=lambda today: Q(status=RaidStatus.OPEN, review_date__lt=today),
        test=lambda i, today: i.is_open and i.review_date is not None and i.review_date < today,
        what=lambda i: f"Review the {i.get_kind_display().lower()} “{i.title}”",
        doing=lambda i: f"review the {i.get_kind_display().lower()} “{i.title}”",
        since=lambda i: _midnight(i.review_date),
        order=Cast("review_date", DateTimeField()),
        page=lambda i: reverse("projects:raid", args=[i.project_id]) + f"#item-{i.pk}",
        sides=(ANYONE,),
        personal=True,
        named=owns_item,
        waits=_review_waits,
        related=("owner",),
    ),
    # A person the PMO deactivated leaves their projects to it: whatever waited for them
    # waits for a new sponsor or manager (the rules then give it to that person).
    Wait(
        key="sponsor_deactivated",
        model=Project,
        rule="may_change_sponsor",
        waiting=lambda today: Q(sponsor__user__is_active=False),
        test=lambda p, today: not p.sponsor.user.is_active,
        what=lambda p: "Sponsor deactivated: name a new sponsor",
        doing=lambda p: "name a new sponsor",
        since=lambda p: _deactivated_at(p.sponsor.user),
        order=F("sponsor__user__profile__deactivated_at"),
        page=_page("sponsor-change"),
        sides=(PMO,),
        note=lambda p: f"{person(p.sponsor.user)} was deactivated.",
        related=("sponsor__user__profile",),
    ),
    Wait(
        key="manager_deactivated",
        model=Project,
        rule="may_change_manager",
        waiting=lambda today: Q(manager__is_active=False),
        test=lambda p, today: not p.manager.is_active,
        what=lambda p: "Manager deactivated: name a new manager",
        doing=lambda p: "name a new manager",
        since=lambda p: _deactivated_at(p.manager),
        order=F("manager__profile__deactivated_at"),
        page=_page("manager-change"),
        sides=(PMO,),
        note=lambda p: f"{person(p.manager)} was deactivated.",
        waits=_sponsor,
        related=("manager__profile",),
    ),
)
WAITS_BY_KEY = {wait.key: wait for wait in WAITS}
