"""The portfolio a person may see: by stage, filtered, totalled, paged, as a board; its risks
and the gates blocked longest."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from lifecycle.selectors import next_gate
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
    with_gates,
)
from projects.models.projects import reference
from projects.selectors.projects import projects_visible_to


def portfolio_by_stage(user: AbstractBaseUser) -> list[dict]:
    """Projects and estimated cost per stage, in life-cycle order."""
    rows = {
        row["stage"]: row
        for row in projects_visible_to(user)
        .order_by()
        .values("stage")
        .annotate(projects=Count("pk"), estimated=Sum("estimated_cost"))
    }
    return [
        {
            "stage": stage,
            "projects": rows.get(stage, {}).get("projects", 0),
            "estimated": rows.get(stage, {}).get("estimated"),
        }
        for stage in Stage
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


def portfolio_rows(projects: QuerySet[Project], ids: Iterable[int]) -> dict[int, PortfolioRow]:
    """The rows of these projects (`projects`, filtered by `ids`), by id: one query.
    `projects` carries `with_money`'s columns (`PortfolioFilter.queryset` does)."""
    rows = {}
    for values in projects.filter(pk__in=list(ids)).order_by().values(*SHOWN):
        pk = values["pk"]
        rows[pk] = PortfolioRow(
            pk=pk,
            url=project_url("projects:detail", pk),
            title=values["title"],
            category=values["category"],
            stage=values["stage"],
            proposal_state=values["proposal__state"],
            estimated=values["estimated"],
            funded=values["funded"],
            actual_cost=values["actual_cost"],
            forecast_cost=values["forecast_cost"],
            variance=values["variance"],
            manager=person_named(*(values[f"manager__{name}"] for name in PERSON)),
            sponsor=person_named(*(values[f"sponsor__user__{name}"] for name in PERSON)),
        )
    return rows


def portfolio_page(
    projects: QuerySet[Project], number: Any, size: int, unfiltered: QuerySet[Project]
) -> Any:
    """One page of the filtered portfolio: the set counted (without its joins), the page's
    ids (sorting on the narrow query), then those rows (`portfolio_rows`). `unfiltered` is
    the same set before the filters (`PortfolioFilter.queryset`): the rows are read from it
    by id, so the text search is not run a third time for the ids it already gave."""
    paginator = Paginator(projects.values_list("pk", flat=True), size)
    # Paginator.count is a cached property: this is its cached value, counted without the
    # ordering and the columns the ids' query carries.
    paginator.count = projects.order_by().count()
    page = paginator.get_page(number)
    rows = portfolio_rows(unfiltered, page.object_list)
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


BOARD_CARDS = 25


def portfolio_board(
    projects: QuerySet[Project], unfiltered: QuerySet[Project]
) -> list[dict[str, Any]]:
    """The portfolio as columns by stage, each with its count and its first cards, in the
    list's order: one narrow query numbers the projects within their stage (a window function
    PostgreSQL stops counting at the last card), one counts each stage, one reads the cards
    (from `unfiltered` by id, as in `portfolio_page`) — not a query per stage. A count over
    each stage as a second window function kept all 10,000 rows in PostgreSQL's window buffer:
    11 ms, against 3 for the two queries."""
    order = [_order_expression(term) for term in projects.query.order_by or Project._meta.ordering]
    firsts = projects.annotate(
        rank=Window(RowNumber(), order_by=order, partition_by=F("stage"))
    ).filter(rank__lte=BOARD_CARDS)
    ranks = dict(firsts.values_list("pk", "rank"))
    counts = dict(projects.order_by().values_list("stage").annotate(count=Count("pk")))
    cards: dict[str, list[PortfolioRow]] = {stage: [] for stage in counts}
    shown = portfolio_rows(unfiltered, ranks).values() if ranks else []
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
    find the gates ready to advance), and only those shown have their gates evaluated, to
    count what each still misses. One whose checklist says otherwise than its stored status
    (data written around the services, criteria changed before `manage.py refresh_gates`) is
    left out, and the next ones are read, up to five times `limit` in all: the list still
    shows `limit` when a few disagree, and stays cheap when many do (until refresh_gates)."""
    candidates = (
        projects_visible_to(user)
        .filter(stage__in=ACTIVE, gate_ready_since__isnull=True)
        .order_by("stage_entered_at", "pk")
        .values_list("pk", flat=True)
    )
    blocked: list[tuple[Project, Any]] = []
    for start in range(0, 5 * limit, limit):
        batch = list(candidates[start : start + limit])
        projects = sorted(
            Project.objects.filter(pk__in=batch).for_gates(),
            key=lambda project: (project.stage_entered_at, project.pk),
        )
        blocked += [
            (project, gate)
            for project in with_gates(projects)
            if (gate := next_gate(project)) and not gate.ready
        ]
        if len(blocked) >= limit or len(batch) < limit:
            break
    return blocked[:limit]
