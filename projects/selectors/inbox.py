"""Needs my action (SPEC §10): what waits for a person now, oldest first.

Every kind of waiting is declared once, as a `Wait`, in `WAITS` below: which records wait
(`waiting`, a filter, and `test`, the same condition asked of one record), the rule that says
who may act on them (projects/rules.py, used as a queryset filter), to whom among those it is
assigned (`named`: the PMO may advance any project, but a gate waits for its manager or
sponsor), since when it waits, and why (the reason given when something was sent back). The
same declarations build a person's inbox and its count, the home page, the daily digest, the
PMO's overdue list and, on a project's page, who holds the ball ("Waiting for Dana Whitfield,
CIO, to sign the charter"). `tests/projects/test_inbox.py` checks that `waiting` and `test`
agree.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from lifecycle.rules import Fact, allows, rule
from lifecycle.stages import Stage
from projects.formats import person
from projects.models import (
    Charter,
    CharterState,
    DeliverableState,
    Funding,
    FundingState,
    Goal,
    Plan,
    PlanState,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
    StatusReport,
)
from projects.rules import (
    delegators,
    is_pmo,
    is_project_manager,
    is_project_sponsor,
    is_sponsor,
    project_of,
    read_delegators,
)

# Who can ever have a kind of item: asked in Python first, so a person who cannot costs no
# query for it (a viewer's inbox is free; a manager's skips the sponsors' decisions).
DECIDER, MANAGER, SPONSOR = "decider", "manager", "sponsor"


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
    sides: tuple[str, ...]  # who can ever have it: DECIDER, MANAGER, SPONSOR
    decision: bool = False  # a decision (Awaiting my decision) rather than work to do
    named: Fact | None = None  # to whom, among those the rule allows, it is assigned
    reason: Callable[[Any], tuple[str, Any]] | None = None  # why it was sent back, by whom
    note: Callable[[Any], str] = lambda record: ""  # what else the person should know
    waits: Callable[[Any], Any] = lambda record: project_of(record).manager  # who waits on it
    amount: Callable[[Any], Decimal | None] = lambda record: None
    others: str = ""  # who else may act, when the rule reaches beyond the project's people
    offset: Callable[[], timedelta] = timedelta  # `since` is `order` plus this
    annotate: Callable[[QuerySet], QuerySet] = lambda queryset: queryset
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
        return queryset.filter(waiting_since__lt=moment - self.offset())

    def _waiting(self, today: date) -> QuerySet:
        queryset = self.annotate(self.model.objects.all()).filter(self.waiting(today))
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
    return lambda record: reverse(f"projects:{name}", args=[project_of(record).pk])


def _sponsor(record: Any) -> Any:
    """Who waits for the manager's work: the project's sponsor."""
    return project_of(record).sponsor.user


def _sent_back(record: Any) -> tuple[str, Any]:
    return record.sent_back_reason, record.sent_back_by


def _states(*states: str) -> Callable[[date], Q]:
    return lambda today: Q(state__in=states)


def _in_state(*states: str) -> Callable[[Any, date], bool]:
    return lambda record, today: record.state in states


def _next_stage(project: Project) -> str:
    field = Project._meta.get_field("stage")
    for transition in field.get_all_transitions(Project):
        if transition.source == project.stage and transition.custom.get("kind") == "advance":
            return Stage(transition.target).label
    return ""


def _last_report(project: Project) -> date | None:
    return max((report.date for report in project.status_reports.all()), default=None)


def _report_every() -> timedelta:
    return timedelta(days=settings.STATUS_REPORT_EVERY_DAYS)


def _report_due(project: Project) -> datetime | None:
    """A status report is due every STATUS_REPORT_EVERY_DAYS while delivering: from the last
    one, or from the day delivery began."""
    # Listed from the database, the project carries its last report's date (`LAST_REPORT`).
    last = project.last_report if hasattr(project, "last_report") else _last_report(project)
    base = last or timezone.localdate(project.stage_entered_at)
    return _midnight(base + _report_every())


LAST_REPORT = Subquery(
    StatusReport.objects.filter(project=OuterRef("pk")).order_by("-date").values("date")[:1]
)
REPORT_BASE = Coalesce(F("last_report"), Cast("stage_entered_at", DateField()))


def _report_waiting(today: date) -> Q:
    return Q(stage=Stage.DELIVERING) & (
        Q(last_report__lte=today - _report_every())
        | Q(last_report__isnull=True, stage_entered_at__date__lte=today - _report_every())
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


def _escalated_by(proposal: Proposal) -> str:
    return f"Endorsed by {person(proposal.endorsed_by)}, above their approval limit."


WAITS: tuple[Wait, ...] = (
    # Decisions: the sponsor's (or their deputy's), an approver's above a limit, the PMO's.
    Wait(
        key="business_case",
        model=Proposal,
        rule="may_decide_business_case",
        waiting=_states(ProposalState.SUBMITTED),
        test=_in_state(ProposalState.SUBMITTED),
        what=lambda p: "Business case to decide" + (" (resubmitted)" if p.revision > 1 else ""),
        doing=lambda p: "decide the business case",
        since=lambda p: p.submitted_at,
        order=F("submitted_at"),
        page=_page("detail"),
        sides=(DECIDER,),
        decision=True,
        amount=lambda p: p.estimated_cost,
    ),
    Wait(
        key="escalated",
        model=Proposal,
        rule="may_decide_escalated_business_case",
        waiting=_states(ProposalState.ESCALATED),
        test=_in_state(ProposalState.ESCALATED),
        what=lambda p: "Escalated business case to decide",
        doing=lambda p: "decide the escalated business case",
        since=lambda p: p.endorsed_at,
        order=F("endorsed_at"),
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
        waiting=_states(FundingState.PROPOSED),
        test=_in_state(FundingState.PROPOSED),
        what=lambda f: "Funding to approve",
        doing=lambda f: "approve the funding recorded above a limit",
        since=lambda f: f.recorded_at,
        order=F("recorded_at"),
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
        waiting=_states(CharterState.SUBMITTED),
        test=_in_state(CharterState.SUBMITTED),
        what=lambda c: f"Charter to sign (revision {c.revision})",
        doing=lambda c: "sign the charter",
        since=lambda c: c.submitted_at,
        order=F("submitted_at"),
        page=_page("charter"),
        sides=(DECIDER,),
        decision=True,
    ),
    Wait(
        key="plan",
        model=Plan,
        rule="may_approve_plan",
        waiting=_states(PlanState.SUBMITTED),
        test=_in_state(PlanState.SUBMITTED),
        what=lambda p: "Plan to approve",
        doing=lambda p: "approve the plan",
        since=lambda p: p.submitted_at,
        order=F("submitted_at"),
        page=_page("plan"),
        sides=(DECIDER,),
        decision=True,
    ),
    Wait(
        key="deliverable",
        model=ProjectDeliverable,
        rule="may_accept_deliverable",
        waiting=_states(DeliverableState.DELIVERED),
        test=_in_state(DeliverableState.DELIVERED),
        what=lambda d: f"Deliverable to accept: {d.name}",
        doing=lambda d: f"accept the deliverable “{d.name}”",
        since=lambda d: d.delivered_at,
        order=F("delivered_at"),
        page=_page("status"),
        sides=(DECIDER,),
        decision=True,
    ),
    # The sponsor's work.
    Wait(
        key="funding_to_record",
        model=Project,
        rule="may_record_funding",
        waiting=_funding_to_record,
        test=_funding_to_record_test,
        what=lambda p: "Funding to record",
        doing=lambda p: "record funding",
        since=lambda p: p.proposal.decided_at,
        order=F("proposal__decided_at"),
        page=_page("detail"),
        sides=(SPONSOR,),
        named=is_project_sponsor,
        amount=lambda p: p.proposal.estimated_cost,
        related=("proposal",),
    ),
    Wait(
        key="on_hold",
        model=Project,
        rule="may_resume_project",
        waiting=lambda today: Q(stage=Stage.ON_HOLD),
        test=lambda p, today: p.stage == Stage.ON_HOLD,
        what=lambda p: "On hold: resume or cancel",
        doing=lambda p: "resume or cancel the project",
        since=lambda p: p.stage_entered_at,
        order=F("stage_entered_at"),
        page=_page("detail"),
        sides=(SPONSOR,),
        named=is_project_sponsor,
        reason=lambda p: (p.stage_reason, p.stage_reason_by),
        related=("stage_reason_by",),
    ),
    # Gates ready to advance: for whoever the stage's rule names among manager and sponsor.
    Wait(
        key="advance",
        model=Project,
        rule="may_advance",
        waiting=lambda today: Q(gate_ready_since__isnull=False),
        test=lambda p, today: p.gate_ready_since is not None,
        what=lambda p: f"Ready to advance to {_next_stage(p)}",
        doing=lambda p: f"advance to {_next_stage(p)}",
        since=lambda p: p.gate_ready_since,
        order=F("gate_ready_since"),
        page=_page("detail"),
        sides=(MANAGER, SPONSOR),
        named=is_project_manager | is_project_sponsor,
    ),
    # The manager's work: returned items first in the table by their age like any other.
    Wait(
        key="business_case_returned",
        model=Proposal,
        rule="may_submit_business_case",
        waiting=_states(ProposalState.CHANGES_REQUESTED),
        test=_in_state(ProposalState.CHANGES_REQUESTED),
        what=lambda p: "Business case sent back for changes",
        doing=lambda p: "revise and resubmit the business case",
        since=lambda p: p.decided_at,
        order=F("decided_at"),
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
        waiting=_states(ProposalState.DRAFT),
        test=_in_state(ProposalState.DRAFT),
        what=lambda p: "Business case draft to complete and submit",
        doing=lambda p: "complete and submit the business case",
        since=lambda p: p.updated_at,
        order=F("updated_at"),
        page=_page("detail"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
    Wait(
        key="charter_returned",
        model=Charter,
        rule="may_submit_charter",
        waiting=_states(CharterState.RETURNED),
        test=_in_state(CharterState.RETURNED),
        what=lambda c: "Charter returned",
        doing=lambda c: "revise the charter and submit it again",
        since=lambda c: c.sent_back_at,
        order=F("sent_back_at"),
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
        waiting=_states(CharterState.DRAFT),
        test=_in_state(CharterState.DRAFT),
        what=lambda c: (
            f"Charter amendment (revision {c.revision}) to complete"
            if c.revision > 1
            else "Charter to fill out and submit for sign-off"
        ),
        doing=lambda c: "complete the charter and submit it for sign-off",
        since=lambda c: c.updated_at,
        order=F("updated_at"),
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
        since=lambda p: p.stage_entered_at,
        order=F("stage_entered_at"),
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
        since=lambda p: p.sent_back_at,
        order=F("sent_back_at"),
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
        since=lambda p: p.updated_at,
        order=F("updated_at"),
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
        since=lambda d: d.sent_back_at,
        order=F("sent_back_at"),
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
        annotate=lambda queryset: queryset.annotate(last_report=LAST_REPORT),
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
        since=lambda p: p.stage_entered_at,
        order=F("stage_entered_at"),
        page=_page("closure"),
        sides=(MANAGER,),
        waits=_sponsor,
    ),
)
WAITS_BY_KEY = {wait.key: wait for wait in WAITS}


# -- One row --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing waiting: what, in which project, since when, why, and where to act."""

    wait: Wait
    record: Any
    for_whom: str = ""  # the sponsor a deputy sees it for

    @property
    def project(self) -> Project:
        return project_of(self.record)

    @property
    def what(self) -> str:
        return self.wait.what(self.record)

    @property
    def doing(self) -> str:
        return self.wait.doing(self.record)

    @property
    def since(self) -> datetime | None:
        return self.wait.since(self.record)

    @property
    def url(self) -> str:
        return self.wait.page(self.record)

    @property
    def decision(self) -> bool:
        return self.wait.decision

    @property
    def reason(self) -> str:
        return self.wait.reason(self.record)[0] if self.wait.reason else ""

    @property
    def reason_by(self) -> Any:
        return self.wait.reason(self.record)[1] if self.wait.reason else None

    @property
    def note(self) -> str:
        return self.wait.note(self.record)

    @property
    def waits(self) -> Any:
        return self.wait.waits(self.record)

    @property
    def amount(self) -> Decimal | None:
        return self.wait.amount(self.record)

    def older_than(self, days: int) -> bool:
        since = self.since
        return since is not None and since < timezone.now() - timedelta(days=days)

    @property
    def overdue(self) -> bool:
        """Waiting longer than ESCALATE_AFTER_DAYS: marked, and in the PMO's view."""
        return self.older_than(settings.ESCALATE_AFTER_DAYS)

    @property
    def reminded(self) -> bool:
        """Waiting longer than REMIND_AFTER_DAYS: in the person's daily digest."""
        return self.older_than(settings.REMIND_AFTER_DAYS)


def _oldest_first(items: Iterable[Item]) -> list[Item]:
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(items, key=lambda item: (item.since or never, item.wait.key, item.record.pk))


@dataclass(frozen=True)
class Inbox:
    """What waits for one person: up to `limit` of each kind, oldest first (`items`), and how
    many there are in all."""

    items: list[Item]
    total: int
    decisions_total: int = 0
    limit: int | None = None

    @property
    def decisions(self) -> list[Item]:
        return [item for item in self.items if item.decision][: self.limit]

    @property
    def work(self) -> list[Item]:
        return [item for item in self.items if not item.decision][: self.limit]

    @property
    def work_total(self) -> int:
        return self.total - self.decisions_total

    @property
    def overdue(self) -> list[Item]:
        return [item for item in self.items if item.overdue]


# -- Whose items ----------------------------------------------------------------------------------


def kinds_for(user: AbstractBaseUser) -> list[Wait]:
    """The kinds of item this person can have at all (a viewer has none, a manager no
    sponsor's decisions): asked in Python, so the others cost no query."""
    if not user.is_authenticated:
        return []
    sides = set()
    if is_pmo.test(user) or is_sponsor.test(user):
        sides |= {DECIDER, SPONSOR}
    if Project.objects.filter(manager_id=user.pk).exists():
        sides.add(MANAGER)
    return [wait for wait in WAITS if sides.intersection(wait.sides)]


def needs_action(user: AbstractBaseUser, limit: int | None = None) -> Inbox:
    """Everything waiting for `user`, oldest first: each kind's oldest `limit` (all of them
    when None) — a narrow query per kind for the ids and how many there are (a window), then
    the rows to show, one query per kind of record — merged; the decisions and the work to do
    each show their oldest `limit`."""
    today = timezone.localdate()
    found: list[tuple[Wait, int]] = []
    total = decisions_total = 0
    for wait in kinds_for(user):
        ids, count = _first(wait.waiting_for(user, today), limit)
        found += [(wait, pk) for pk in ids]
        total += count
        decisions_total += count if wait.decision else 0
    deputised = delegators(user)
    items = [
        Item(wait, record, _for_whom(record, user, deputised)) for wait, record in _read(found)
    ]
    return Inbox(_oldest_first(items), total, decisions_total, limit)


def needs_action_count(user: AbstractBaseUser) -> int:
    """How many items wait for `user` (the count beside **Needs my action**): one query."""
    today = timezone.localdate()
    counted = [
        wait.waiting_for(user, today).order_by().values_list("pk") for wait in kinds_for(user)
    ]
    if not counted:
        return 0
    return counted[0].union(*counted[1:], all=True).count()


def _first(queryset: QuerySet, limit: int | None) -> tuple[list[int], int]:
    """The ids of the first `limit` rows (all when None) and how many rows there are."""
    counted = queryset.annotate(total=Window(Count("pk"))).values_list("pk", "total")
    rows = list(counted[:limit] if limit else counted)
    return [pk for pk, _ in rows], rows[0][1] if rows else 0


def _read(found: list[tuple[Wait, int]], *, also: Iterable[str] = ()) -> list[tuple[Wait, Any]]:
    """The records behind (kind, id) pairs with what their rows show: one query per model."""
    by_model: dict[type[Model], list[tuple[Wait, int]]] = {}
    for wait, pk in found:
        by_model.setdefault(wait.model, []).append((wait, pk))
    records: dict[tuple[type[Model], int], Any] = {}
    for model, pairs in by_model.items():
        reads = sorted({path for wait, _ in pairs for path in wait.reads})
        at = pairs[0][0].at
        queryset = model.objects.select_related(*reads, *(f"{at}{path}" for path in also))
        if model is Project:
            queryset = queryset.annotate(last_report=LAST_REPORT)
        for record in queryset.filter(pk__in={pk for _, pk in pairs}):
            records[model, record.pk] = record
    return [(wait, records[wait.model, pk]) for wait, pk in found]


def _for_whom(record: Any, user: AbstractBaseUser, deputised: dict[int, Any]) -> str:
    project = project_of(record)
    if project.sponsor_id != user.pk and project.sponsor_id in deputised:
        return person(project.sponsor.user)
    return ""


def reminders_for(user: AbstractBaseUser) -> list[Item]:
    """What has waited for `user` longer than REMIND_AFTER_DAYS: their daily digest."""
    return [item for item in needs_action(user).items if item.reminded]


# -- Overdue across the portfolio (the PMO) ---------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    """An item waiting longer than ESCALATE_AFTER_DAYS anywhere, with who holds it."""

    item: Item
    holders: list[str]


def overdue_everywhere(limit: int = 50) -> tuple[list[Overdue], int]:
    """Items waiting longer than ESCALATE_AFTER_DAYS in every active project, oldest first,
    each with who holds it: for the PMO's home and digest."""
    today = timezone.localdate()
    cutoff = timezone.now() - timedelta(days=settings.ESCALATE_AFTER_DAYS)
    found: list[tuple[Wait, int]] = []
    total = 0
    for wait in WAITS:
        ids, count = _first(wait.older_than(wait.waiting_anywhere(today), cutoff), limit)
        found += [(wait, pk) for pk in ids]
        total += count
    people = ("manager__sponsor_profile", "sponsor__user__sponsor_profile")
    ordered = _oldest_first(Item(wait, record) for wait, record in _read(found, also=people))
    ordered = ordered[:limit]
    _one_object_per_person(item.project for item in ordered)
    return [Overdue(item, holders_of(item.wait, item.record)) for item in ordered], total


def _one_object_per_person(projects: Iterable[Project]) -> None:
    """The rows' managers and sponsors as one object per person, their delegations read at
    once: asking the rules who holds each row costs the same for 5 rows or 50."""
    people: dict[int, Any] = {}
    for project in projects:
        project.manager = people.setdefault(project.manager_id, project.manager)
        project.sponsor.user = people.setdefault(project.sponsor.user_id, project.sponsor.user)
    read_delegators(people.values())


# -- One project: who holds the ball --------------------------------------------------------------

RECORDS: dict[type[Model], Callable[[Project], list[Any]]] = {
    Project: lambda project: [project],
    Proposal: lambda project: [project.proposal],
    Charter: lambda project: [c] if (c := getattr(project, "charter", None)) else [],
    Plan: lambda project: [p] if (p := getattr(project, "plan", None)) else [],
    Funding: lambda project: list(project.fundings.all()),
    ProjectDeliverable: lambda project: list(project.deliverables.select_related("sent_back_by")),
    Goal: lambda project: list(project.goals.all()),
}


@dataclass(frozen=True)
class Step:
    """Something waiting on one project: for the people in `holders`, or for this person."""

    item: Item
    holders: list[str]
    mine: bool


def _label(user: AbstractBaseUser, project: Project) -> str:
    if user.pk == project.sponsor_id:
        return f"{person(user)}, {project.sponsor.title}"
    return person(user)


def _assigned(wait: Wait, user: AbstractBaseUser, record: Any) -> bool:
    """The rule allows `user` to act on `record` now, and it is theirs to do."""
    return allows(user, wait.rule, record) and (wait.named is None or wait.named.test(user, record))


def holders_of(wait: Wait, record: Any) -> list[str]:
    """Who may act on `record` now among the project's manager and sponsor, by the rule (and
    who else may, when the rule reaches beyond them): ["Dana Whitfield, CIO"]."""
    project = project_of(record)
    people = [project.manager, project.sponsor.user]
    named = [_label(someone, project) for someone in people if _assigned(wait, someone, record)]
    if wait.others and not named:
        named.append(wait.others)
    return list(dict.fromkeys(named)) or ["the PMO"]


def waiting_on(project: Project, user: AbstractBaseUser) -> list[Step]:
    """What waits on this project now, oldest first, each with who holds it and whether it is
    this person's: the project page's Actions card tells the truth from it."""
    today = timezone.localdate()
    deputised = delegators(user)
    records: dict[type[Model], list[Any]] = {}  # each kind of record read once, if at all
    steps = []
    for wait in WAITS:
        if rule(wait.rule).reason_not_now(project, everyone=True):
            continue  # not in this stage: its records need not even be read
        if wait.model not in records:
            records[wait.model] = RECORDS[wait.model](project)
        for record in records[wait.model]:
            if not wait.test(record, today) or rule(wait.rule).reason_not_now(record):
                continue
            mine = _assigned(wait, user, record)
            item = Item(wait, record, _for_whom(record, user, deputised) if mine else "")
            steps.append(Step(item, holders_of(wait, record), mine))
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(steps, key=lambda step: step.item.since or never)
