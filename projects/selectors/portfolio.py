"""The portfolio a person may see: by stage, filtered, totalled, paged, as a board; its risks
and the gates blocked longest."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from lifecycle.stages import ACTIVE, Stage
from projects.addresses import project_url
from projects.filters import PortfolioFilter, with_money
from projects.formats import person_named
from projects.models import (
    Category,
    Project,
    ProposalState,
    RaidItem,
    RaidKind,
    RaidStatus,
    with_stored_gates,
)
from projects.models.projects import reference
from projects.rules import standing
from projects.selectors.projects import BIGGEST_ID, projects_visible_to
from projects.statements import Statement, compiled, records_by_id


def portfolio_by_stage(user: AbstractBaseUser) -> list[dict]:
    """Projects and estimated cost per stage, in life-cycle order (a statement compiled once
    for the person's standing)."""

    def build() -> QuerySet:
        projects = projects_visible_to(user).order_by().values_list("stage")
        return projects.annotate(projects=Count("pk"), estimated=Sum("estimated_cost"))

    counted = compiled(("by stage", standing(user)), build).rows()
    rows = {stage: (count, estimated) for stage, count, estimated in counted}
    return [
        {"stage": stage, "projects": count, "estimated": estimated}
        for stage in Stage
        for count, estimated in [rows.get(stage, (0, None))]
    ]


def portfolio_filter(user: AbstractBaseUser, params: Any) -> PortfolioFilter:
    projects = with_money(projects_visible_to(user)).select_related(
        "proposal", "sponsor__user", "manager"
    )
    return PortfolioFilter(params, queryset=projects)


def portfolio_totals(projects: QuerySet[Project]) -> dict[str, Any]:
    """Count, estimated cost, funding, actual cost, estimate at completion and variance of the
    filtered set, in one query. Sums run on the stored columns (SQLite mis-converts sums of
    annotated decimals): the variance is the estimates' sum less the baselines' sum, over the
    projects that have both — the sum of the rows' variances."""
    both = Q(forecast_cost__isnull=False, baseline_budget__isnull=False)
    totals = projects.order_by().aggregate(
        count=Count("pk"),
        estimated=Sum("estimated_cost"),
        funded=Sum("funded"),
        actual=Sum("actual_cost"),
        eac=Sum("forecast_cost"),
        eac_with_baseline=Sum("forecast_cost", filter=both),
        baseline=Sum("baseline_budget", filter=both),
    )
    eac, baseline = totals.pop("eac_with_baseline"), totals.pop("baseline")
    totals["variance"] = None if eac is None else eac - baseline
    return totals


# What a row of the list or a card of the board shows (projects/portfolio/_rows.jinja,
# _board.jinja), read as values: 50 projects as model instances, with their business cases and
# people, are 200 objects for Django to build (5 ms); as values, a dict each.
PERSON = ("first_name", "last_name", "username")
SHOWN = (
    "pk",
    "title",
    "category",
    "stage",
    "proposal__state",
    "estimated",
    "funded",
    "actual_cost",
    "forecast_cost",
    "variance",
    *(f"manager__{name}" for name in PERSON),
    *(f"sponsor__user__{name}" for name in PERSON),
)
CATEGORIES = dict(Category.choices)
STAGES = dict(Stage.choices)
STATES = dict(ProposalState.choices)


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """One project as the portfolio shows it."""

    pk: int
    url: str
    title: str
    category: str
    stage: str
    proposal_state: str | None
    estimated: Decimal
    funded: Decimal
    actual_cost: Decimal | None
    forecast_cost: Decimal | None
    variance: Decimal | None
    manager: str
    sponsor: str

    @property
    def reference(self) -> str:
        return reference(self.pk)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def proposal_state_label(self) -> str:
        return STATES.get(self.proposal_state, self.proposal_state or "—")


def _statement(
    name: str, user: AbstractBaseUser, filters: PortfolioFilter | None, build: Any, **kwargs: Any
) -> Statement:
    """`build`'s statement, compiled once for this person's standing and these filters' values
    (projects/statements.py): building the filters' queryset and compiling it cost more than
    running it. `filters` None: a statement of the set before the filters."""
    key = ("portfolio", name, standing(user), filters.key() if filters else None)
    return compiled(key, build, **kwargs)


def portfolio_rows(
    user: AbstractBaseUser, filters: PortfolioFilter, ids: list[int]
) -> dict[int, PortfolioRow]:
    """The rows of these projects by id, read from the set before the filters (the ids come
    from the filtered set already): one query."""
    if not ids:
        return {}
    statement = _statement(
        "rows",
        user,
        None,
        lambda some: filters.queryset.filter(pk__in=some).order_by().values_list(*SHOWN),
        ids=len(ids),
    )
    rows = {}
    for values in statement.rows(ids=ids):
        row = dict(zip(SHOWN, values, strict=True))
        pk = row["pk"]
        rows[pk] = PortfolioRow(
            pk=pk,
            url=project_url("projects:detail", pk),
            title=row["title"],
            category=row["category"],
            stage=row["stage"],
            proposal_state=row["proposal__state"],
            estimated=row["estimated"],
            funded=row["funded"],
            actual_cost=row["actual_cost"],
            forecast_cost=row["forecast_cost"],
            variance=row["variance"],
            manager=person_named(*(row[f"manager__{name}"] for name in PERSON)),
            sponsor=person_named(*(row[f"sponsor__user__{name}"] for name in PERSON)),
        )
    return rows


class _PageIds:
    """The filtered set's ids in the list's order, as `Paginator` slices them: each slice the
    statement's rows from an offset (the id first in each), read once."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.read: dict[int, list[tuple[Any, ...]]] = {}

    def rows(self, offset: int, limit: int) -> list[tuple[Any, ...]]:
        if offset not in self.read:
            self.read[offset] = self.statement.rows(limit=limit, offset=offset)
        return self.read[offset][:limit]

    def __getitem__(self, part: slice) -> list[int]:
        return [row[0] for row in self.rows(part.start, part.stop - part.start)]


def portfolio_page(
    user: AbstractBaseUser, filters: PortfolioFilter, number: Any, size: int
) -> Page:
    """One page of the filtered portfolio: the page's ids (sorting on the narrow query), then
    those rows (`portfolio_rows`). The set is counted by its own query, without the ordering
    and the columns — or, when a text is searched for, by the query that pages it
    (`COUNT(*) OVER ()`), so the search runs once: without one, a count in the page's query
    would number all the projects rather than read one page of them from its index."""
    searched = bool(dict(filters.key()).get("q"))
    if searched:
        ids = _PageIds(
            _statement(
                "counted ids",
                user,
                filters,
                lambda: filters.qs.annotate(counted=Window(Count("pk"))).values_list(
                    "pk", "counted"
                ),
            )
        )
        offset = (_page_number(number) - 1) * size
        first = ids.rows(offset, size) if offset <= BIGGEST_ID else []
        if first:
            count = first[0][1]
        elif offset == 0:
            count = 0
        else:  # past the last page: counted, then the last page is read
            count = _count(user, filters)
    else:
        ids = _PageIds(
            _statement("ids", user, filters, lambda: filters.qs.values_list("pk", flat=True))
        )
        count = _count(user, filters)
    paginator = Paginator(ids, size)
    paginator.count = count  # a cached property: the figure found above
    page = paginator.get_page(number)
    rows = portfolio_rows(user, filters, list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


def _page_number(number: Any) -> int:
    """The page asked for, as `Paginator.get_page` reads it before it knows the count."""
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1


def _count(user: AbstractBaseUser, filters: PortfolioFilter) -> int:
    return _statement("count", user, filters, lambda: filters.qs.order_by().values("pk")).count()


BOARD_CARDS = 25


def portfolio_board(user: AbstractBaseUser, filters: PortfolioFilter) -> list[dict[str, Any]]:
    """The portfolio as columns by stage, each with its count and its first cards, in the
    list's order: one narrow query reads each stage's first cards (a part per stage, each
    numbered and cut at the last card, so PostgreSQL reads 25 rows of the stage's index
    rather than every project), one counts each stage, one reads the cards
    (`portfolio_rows`) — not a query per stage. Numbering every project within its stage by
    one window function took 1.9 ms of the board's 2.2; a count over each stage as a second
    window function kept all 10,000 rows in PostgreSQL's window buffer (11 ms)."""

    def firsts() -> QuerySet:
        projects = filters.qs
        order = [
            _order_expression(term) for term in projects.query.order_by or Project._meta.ordering
        ]
        if not connection.features.supports_slicing_ordering_in_compound:
            # SQLite (`make run`'s default) refuses a LIMIT inside a UNION: every project
            # numbered within its stage.
            numbered = projects.annotate(
                rank=Window(RowNumber(), order_by=order, partition_by=F("stage"))
            )
            return numbered.filter(rank__lte=BOARD_CARDS).values_list("pk", "rank")
        parts = [
            projects.filter(stage=stage)
            .annotate(rank=Window(RowNumber(), order_by=order))
            .order_by(*order)  # the rank's order, which the stage's index reads in
            .values_list("pk", "rank")[:BOARD_CARDS]
            for stage in Stage
        ]
        return parts[0].union(*parts[1:], all=True)

    def stages() -> QuerySet:
        return filters.qs.order_by().values_list("stage").annotate(count=Count("pk"))

    ranks = dict(_statement("board", user, filters, firsts).rows())
    counts = dict(_statement("stages", user, filters, stages).rows())
    cards: dict[str, list[PortfolioRow]] = {stage: [] for stage in counts}
    shown = portfolio_rows(user, filters, list(ranks)).values()
    for row in sorted(shown, key=lambda row: ranks[row.pk]):
        cards.setdefault(row.stage, []).append(row)  # a stage may fill between the queries
    return [
        {"stage": stage, "count": counts.get(stage, 0), "cards": cards.get(stage, [])}
        for stage in Stage
    ]


def _order_expression(term: str | Any) -> Any:
    """An ordering as `order_by` takes it ("-created_at", an expression) as an expression."""
    if not isinstance(term, str):
        return term
    return F(term[1:]).desc() if term.startswith("-") else F(term).asc()


def _for_gates(ids: list[int]) -> QuerySet[Project]:
    return Project.objects.filter(pk__in=ids).for_gates()


def risk_counts(projects: QuerySet[Project]) -> dict[tuple[int, int], int]:
    """Open risks of the RAID registers of these projects while they are active (not closed,
    cancelled or on hold), counted by (likelihood, impact) in one query: the risks as their
    owners keep them, not the business cases' as they were approved."""
    rows = (
        RaidItem.objects.filter(
            kind=RaidKind.RISK,
            status=RaidStatus.OPEN,
            project__in=projects.order_by().filter(stage__in=ACTIVE).values("pk"),
        )
        .values_list("likelihood", "impact")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(likelihood, impact): n for likelihood, impact, n in rows}


def gates_blocked_longest(user: AbstractBaseUser, limit: int = 10) -> list[tuple[Project, Any]]:
    """Active projects whose next gate is still closed, longest in their stage first: found by
    the stored gate status (`gate_ready_since`, kept by every audited write, as the inboxes
    find the gates ready to advance), each with what it still misses as stored beside it
    (`gate_unmet`; evaluated, its lists read, only where nothing is stored yet). The stored
    status is trusted as the inboxes trust it: data changed around the services, or criteria
    changed in code, show as they were until `manage.py refresh_gates`. One whose stored
    checklist is met although not stored as ready is left out, and the next ones are read,
    up to five times `limit` in all: the list still shows `limit` when a few disagree, and
    stays cheap when many do."""
    candidates = _statement(
        "blocked",
        user,
        None,
        lambda: (
            projects_visible_to(user)
            .filter(stage__in=ACTIVE, gate_ready_since__isnull=True)
            .order_by("stage_entered_at", "pk")
            .values_list("pk", flat=True)
        ),
    )
    blocked: list[tuple[Project, Any]] = []
    for start in range(0, 5 * limit, limit):
        batch = [pk for (pk,) in candidates.rows(limit=limit, offset=start)]
        if not batch:
            break
        read = records_by_id(("for gates",), _for_gates, batch)
        projects = sorted(read, key=lambda project: (project.stage_entered_at, project.pk))
        blocked += [
            (project, gate)
            for project, gate in with_stored_gates(projects)
            if gate and not gate.ready
        ]
        if len(blocked) >= limit or len(batch) < limit:
            break
    return blocked[:limit]
