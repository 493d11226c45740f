"""Needs my action (SPEC §10): what waits for a person now, oldest first — read from the
kinds declared in projects/waiting.py. The same reads build a person's inbox and its count,
the home page, the daily digest, the PMO's overdue list and, on a project's page, who holds
the ball ("Waiting for Dana Whitfield, CIO, to sign the charter")."""

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    Window,
    prefetch_related_objects,
)
from django.utils import timezone

from lifecycle.rules import allows, rule
from projects.formats import person
from projects.models import (
    ChangeRequest,
    Charter,
    Funding,
    Goal,
    Plan,
    Project,
    ProjectDeliverable,
    Proposal,
    ToleranceException,
)
from projects.rules import (
    delegators,
    is_pmo,
    is_sponsor,
    project_of,
    read_delegators,
    standing,
)
from projects.statements import compiled, prefetched, records_by_ids
from projects.waiting import ANYONE, DECIDER, MANAGER, PMO, SPONSOR, WAITS, Wait

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


def _age(since: datetime | None, wait: Wait, pk: int) -> tuple[datetime, str, int]:
    """The order items are shown in: oldest first, then by kind and record (never: last)."""
    return (since or datetime.max.replace(tzinfo=UTC), wait.key, pk)


def _oldest_first(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=lambda item: _age(item.since, item.wait, item.record.pk))


def _overdue_since() -> datetime:
    """Items waiting since before this are overdue (ESCALATE_AFTER_DAYS)."""
    return timezone.now() - timedelta(days=settings.ESCALATE_AFTER_DAYS)


@dataclass(frozen=True)
class Inbox:
    """What waits for one person: a page of `limit` decisions and a page of `limit` pieces of
    work, oldest first (`items`: the first pages unless asked for others); how many there are
    in all, and how many are overdue."""

    items: list[Item]
    total: int
    decisions_total: int = 0
    limit: int | None = None
    decides: bool = False  # decisions can wait for this person (a sponsor, the PMO)
    overdue_total: int = 0  # waiting longer than ESCALATE_AFTER_DAYS, shown or not
    decisions_page: int = 1  # which page of `limit` decisions `items` holds, from 1
    work_page: int = 1

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
    def decisions_pager(self) -> Page:
        """The page of decisions shown, for the pager under them."""
        return self._pager(self.decisions_total, self.decisions_page)

    @property
    def work_pager(self) -> Page:
        return self._pager(self.work_total, self.work_page)

    def _pager(self, total: int, number: int) -> Page:
        """Page `number` of `total` items in pages of `limit` (all on one when None); the last
        when there are fewer pages than that."""
        return Paginator(range(total), self.limit or max(total, 1)).get_page(number)


# A page further than this is not looked for: each page asks every kind for its first
# `limit × page` rows (the pages before it included).
LAST_PAGE = 1000


# -- Whose items ----------------------------------------------------------------------------------


def kinds_for(user: AbstractBaseUser) -> list[Wait]:
    """The kinds of item this person can have at all (a viewer has none, a manager no
    sponsor's decisions): asked in Python, so the others cost no query."""
    if not user.is_authenticated:
        return []
    sides = {ANYONE}
    if is_pmo.test(user):
        sides |= {DECIDER, SPONSOR, PMO}
    elif is_sponsor.test(user):
        sides |= {DECIDER, SPONSOR}
    if _manages_any(user):
        sides.add(MANAGER)
    return [wait for wait in WAITS if sides.intersection(wait.sides)]


def _manages_any(user: AbstractBaseUser) -> bool:
    """Whether `user` manages a project, open or not: a statement compiled once."""

    def build(ids: list[int]) -> QuerySet:
        return Project.objects.filter(manager_id__in=ids).order_by().values_list("pk")[:1]

    return bool(compiled(("manages any",), build, ids=1).rows(ids=[user.pk]))


def needs_action(
    user: AbstractBaseUser,
    limit: int | None = None,
    *,
    decisions_page: int = 1,
    work_page: int = 1,
) -> Inbox:
    """Everything waiting for `user`, oldest first: the oldest `limit` decisions and the oldest
    `limit` pieces of work (all of them when None) — or, given pages (from 1), the decisions
    and the work on those pages of `limit` each. A page beyond the last is the last."""
    decisions_page = min(max(decisions_page, 1), LAST_PAGE)
    work_page = min(max(work_page, 1), LAST_PAGE)
    inbox = _needs_action(user, limit, decisions_page, work_page)
    pages = inbox.decisions_pager.number, inbox.work_pager.number
    if pages != (decisions_page, work_page):  # asked beyond the last pages: those, once more
        inbox = _needs_action(user, limit, *pages)
    return inbox


def _needs_action(
    user: AbstractBaseUser, limit: int | None, decisions_page: int, work_page: int
) -> Inbox:
    """One narrow query finds each kind's oldest ids up to the page asked for (`limit × page`),
    with since when they wait, and counts them (all, and overdue); then only the rows shown
    are read, one query per kind of record."""
    today = timezone.localdate()
    kinds = kinds_for(user)
    limits = [
        limit * (decisions_page if wait.decision else work_page) if limit else None
        for wait in kinds
    ]

    def parts(overdue_since: datetime) -> list[QuerySet]:
        return _parts(
            [wait.waiting_for(user, today) for wait in kinds],
            limits,
            overdue=[wait.waiting_before(overdue_since) for wait in kinds],
        )

    # The first pages' statement is kept; one for a page further is built for this request:
    # made-up page numbers must not crowd the kept statements out.
    first = decisions_page == work_page == 1
    key = ("needs_action", *_person(user, kinds, today), limit) if first else None
    found = _firsts(key, parts, len(kinds))
    waiting = [
        _Waiting(wait, pk, at + wait.offset() if at else None)
        for wait, kind in zip(kinds, found, strict=True)
        for pk, at in kind.rows
    ]
    decisions = [row for row in waiting if row.wait.decision]
    work = [row for row in waiting if not row.wait.decision]
    shown = _oldest(decisions, limit, decisions_page) + _oldest(work, limit, work_page)
    deputised = delegators(user)
    items = [
        Item(wait, record, _for_whom(record, user, deputised))
        for wait, record in _read([(row.wait, row.pk) for row in shown])
    ]
    return Inbox(
        _oldest_first(items),
        total=sum(kind.total for kind in found),
        decisions_total=sum(
            kind.total for wait, kind in zip(kinds, found, strict=True) if wait.decision
        ),
        limit=limit,
        decides=any(wait.decision for wait in kinds),
        overdue_total=sum(kind.overdue for kind in found),
        decisions_page=decisions_page,
        work_page=work_page,
    )


def _person(user: AbstractBaseUser, kinds: list[Wait], today: date) -> tuple[Any, ...]:
    """What a person's statements depend on: their standing, their kinds of item, the day and
    the time zone the day is in (a date lookup names it in the SQL)."""
    return (standing(user), tuple(wait.key for wait in kinds), today, _zone())


def _zone() -> str:
    return timezone.get_current_timezone_name()


class _Waiting(NamedTuple):
    """An item found but not read yet: its kind, id and since when it waits."""

    wait: Wait
    pk: int
    since: datetime | None


def _oldest(waiting: list[_Waiting], limit: int | None, page: int = 1) -> list[_Waiting]:
    """The oldest `limit` (all when None), or those on `page` of `limit` each, in the order
    `_oldest_first` shows them."""
    ordered = sorted(waiting, key=lambda row: _age(row.since, row.wait, row.pk))
    return ordered[(page - 1) * limit : page * limit] if limit else ordered


def needs_action_count(user: AbstractBaseUser) -> int:
    """How many items wait for `user` (the count beside **Needs my action**): one query."""
    today = timezone.localdate()
    kinds = kinds_for(user)
    if not kinds:
        return 0

    def union() -> QuerySet:
        return _union(
            [wait.waiting_for(user, today).order_by().values_list("pk") for wait in kinds]
        )

    return compiled(("count", *_person(user, kinds, today)), union, planned_once=True).count()


@dataclass
class _Found:
    """One kind's first rows — (id, since when it waits, by the database's order) — and how
    many rows it has, and how many of them are overdue."""

    rows: list[tuple[int, datetime | None]] = field(default_factory=list)
    total: int = 0
    overdue: int = 0


def _firsts(
    key: tuple[Any, ...] | None, parts: Callable[[datetime], list[QuerySet]], kinds: int
) -> list[_Found]:
    """Each kind's first rows and counts, from `parts(overdue_since)`: one query for all of
    them (a UNION ALL of the parts), compiled once per `key` (projects/statements.py) and run
    with this moment's `overdue_since` — built for this request alone when `key` is None —
    or, on SQLite, a query per kind built each time."""
    if not kinds:
        return []
    overdue_since = _overdue_since()
    rows: Iterable[tuple]
    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (`make run`'s default) refuses a LIMIT inside a UNION: a query per kind
        rows = itertools.chain.from_iterable(parts(overdue_since))
    elif key is None:
        rows = _union(parts(overdue_since))
    else:
        union = compiled(
            key, lambda moment: _union(parts(moment)), at_moment=True, planned_once=True
        )
        rows = union.rows(overdue_since)
    found = [_Found() for _ in range(kinds)]
    for number, pk, at, total, overdue_count in rows:
        found[number].rows.append((pk, at))
        found[number].total, found[number].overdue = total, overdue_count
    return found


def _union(parts: list[QuerySet]) -> QuerySet:
    return parts[0].union(*parts[1:], all=True)


def _parts(
    querysets: list[QuerySet], limits: list[int | None], *, overdue: list[Q] | None = None
) -> list[QuerySet]:
    """Each queryset's first rows (as many as its limit, all when None), how many rows it has
    and how many of them pass its `overdue` filter, as the parts of one UNION ALL: each
    numbered, with its own order, limit and counts."""
    parts = []
    for number, (queryset, limit) in enumerate(zip(querysets, limits, strict=True)):
        overdue_count: Any = Value(0, IntegerField())
        if overdue is not None:
            overdue_count = Window(Count("pk", filter=overdue[number]))
        counted = queryset.annotate(
            waiting_part=Value(number, IntegerField()),
            waiting_at=F("waiting_since"),
            waiting_total=Window(Count("pk")),
            waiting_overdue=overdue_count,
        ).values_list("waiting_part", "pk", "waiting_at", "waiting_total", "waiting_overdue")
        parts.append(counted[:limit] if limit else counted)
    return parts


def _read(found: list[tuple[Wait, int]], *, also: Iterable[str] = ()) -> list[tuple[Wait, Any]]:
    """The records behind (kind, id) pairs with what their rows show: one query per model,
    all of them sent together."""
    by_model: dict[type[Model], list[tuple[Wait, int]]] = {}
    for wait, pk in found:
        by_model.setdefault(wait.model, []).append((wait, pk))
    reads = []
    for model, pairs in by_model.items():
        paths = sorted({path for wait, _ in pairs for path in wait.reads})
        at = pairs[0][0].at
        joined = (*paths, *(f"{at}{path}" for path in also))
        ids = sorted({pk for _, pk in pairs})
        # The same joins for any ids: compiled once, and every model's read sent together
        # (projects/statements.py).
        reads.append((("read", model._meta.label, joined), _by_id(model, joined), ids))
    records = {
        (model, record.pk): record
        for model, read in zip(by_model, records_by_ids(reads), strict=True)
        for record in read
    }
    return [(wait, records[wait.model, pk]) for wait, pk in found]


def _by_id(model: type[Model], joined: tuple[str, ...]) -> Callable[[list[int]], QuerySet]:
    def build(ids: list[int]) -> QuerySet:
        return model.objects.select_related(*joined).filter(pk__in=ids)

    return build


def _for_whom(record: Any, user: AbstractBaseUser, deputised: dict[int, Any]) -> str:
    project = project_of(record)
    if project.sponsor_id != user.pk and project.sponsor_id in deputised:
        return person(project.sponsor.user)
    return ""


def reminders_for(user: AbstractBaseUser, limit: int) -> list[Item]:
    """What has waited for `user` longer than REMIND_AFTER_DAYS, the oldest `limit`: their
    daily digest (Needs my action has the rest)."""
    return [item for item in needs_action(user, limit).items if item.reminded][:limit]


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
    found: list[tuple[Wait, int]] = []
    total = 0
    kinds = [wait for wait in WAITS if not wait.personal]

    def parts(cutoff: datetime) -> list[QuerySet]:
        return _parts(
            [wait.older_than(wait.waiting_anywhere(today), cutoff) for wait in kinds],
            [limit] * len(kinds),
        )

    firsts = _firsts(("overdue", today, _zone(), limit), parts, len(kinds))
    for wait, kind in zip(kinds, firsts, strict=True):
        found += [(wait, pk) for pk, _ in kind.rows]
        total += kind.total
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


def _listed(project: Project, name: str) -> list[Any]:
    """The project's list `name`, read by a kept statement unless read already."""
    prefetched([project], name)
    return list(getattr(project, name).all())


def _deliverables(project: Project) -> list[ProjectDeliverable]:
    deliverables = _listed(project, "deliverables")
    prefetch_related_objects(deliverables, "sent_back_by")  # a query only if one was sent back
    return deliverables


# Each kind of record a project's waits are about, read as `.all()`: the lists the next gate
# reads too are prefetched once for both (`project_get(gates=True)`, `with_gates`).
RECORDS: dict[type[Model], Callable[[Project], list[Any]]] = {
    Project: lambda project: [project],
    Proposal: lambda project: [project.proposal],
    Charter: lambda project: [c] if (c := getattr(project, "charter", None)) else [],
    Plan: lambda project: [p] if (p := getattr(project, "plan", None)) else [],
    Funding: lambda project: _listed(project, "fundings"),
    ProjectDeliverable: _deliverables,
    Goal: lambda project: _listed(project, "goals"),
    ToleranceException: lambda project: [e for e in _listed(project, "exceptions") if e.is_open],
    ChangeRequest: lambda project: [
        c for c in _listed(project, "change_requests") if c.state in ("submitted", "escalated")
    ],
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
        if wait.personal:
            continue
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
