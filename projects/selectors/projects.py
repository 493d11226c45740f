"""The projects a person may see — the start of every read — and the lists of their own."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from lifecycle.models import AuditEntry
from lifecycle.rules import allows
from lifecycle.selectors import gate_reads
from lifecycle.stages import ACTIVE, Stage
from projects import costs
from projects.models import Funding, Project, ProjectQuerySet
from projects.rules import is_project_manager, is_project_sponsor, standing
from projects.statements import prefetched, records_by_id

BIGGEST_ID = 2**63 - 1  # a bigint
# A project's fundings as its page lists them: with who recorded, approved and reversed each.
FUNDINGS = Funding.objects.select_related(
    "recorded_by", "approved_by", "reverses", "reversal__recorded_by"
)


def projects_visible_to(user: AbstractBaseUser) -> ProjectQuerySet:
    return Project.objects.visible_to(user)


def project_get(*, user: AbstractBaseUser, pk: int, gates: bool = False) -> Project:
    """The project if `user` may see it; 404 otherwise, whether it exists or not. Its query
    is compiled once per person's standing (projects/statements.py). `gates`: the lists its
    next gate reads too (`with_gates`: every tab shows the gate), sent with its fundings."""

    def visible(ids: list[int]) -> QuerySet[Project]:
        # One project, its one-to-one records joined; the lists its gate reads are read
        # after it (`gates`, or `with_gates` when a page asks), all in one round trip.
        return (
            projects_visible_to(user)
            .select_related(
                "proposal__decided_by",
                "proposal__endorsed_by",
                "charter__sent_back_by",
                "plan__sent_back_by",
                "closure",
                "manager",
                "sponsor__user",
                "stage_reason_by",
            )
            .filter(pk__in=ids)
        )

    if not 0 < pk <= BIGGEST_ID:  # no such row (and past what the database's ids can hold)
        raise Http404("No such project.")
    found = records_by_id(("project", standing(user)), visible, [pk])
    if not found:
        raise Http404("No such project.")
    # The fundings, for what waits on the project, with the people the business case tab's
    # list names (a few joined rows); the business case's risks are read by its own tab
    # (`business_case_page`), not here: every other tab would pay for what it does not show.
    lists = sorted(gate_reads(found)) if gates else []
    prefetched(found, Prefetch("fundings", queryset=FUNDINGS), *lists)
    return found[0]


def fundings_of(project: Project) -> list[Funding]:
    """The project's fundings with who recorded, approved and reversed each: read once, by a
    kept statement (`project_get` has read them already for the project it gives)."""
    prefetched([project], Prefetch("fundings", queryset=FUNDINGS))
    return list(project.fundings.all())


def project_to_act_on(*, user: AbstractBaseUser, pk: int, record: str = "") -> Project:
    """The project an action is posted to, if `user` may see it; 404 otherwise, whether it
    exists or not. Only its own row, with the one `record` the action is on if named
    (`proposal`, `charter`, `plan`: the same query), and the rule `may_view_project` asked of
    it rather than built into the query: the person is most often its manager or sponsor,
    which the rule's first facts answer without a query. The services re-read what they
    decide on under a lock; the whole page (`project_get`) is read only to show it again with
    an error."""

    def row(ids: list[int]) -> QuerySet[Project]:
        projects = Project.objects.select_related(record) if record else Project.objects
        return projects.filter(pk__in=ids).order_by()

    if not 0 < pk <= BIGGEST_ID:
        raise Http404("No such project.")
    # The same SQL for every project: compiled once (projects/statements.py).
    found = records_by_id(("project to act on", record), row, [pk])
    project = found[0] if found else None
    if project is None or not allows(user, "may_view_project", project):
        raise Http404("No such project.")  # the same answer, whether it exists or not
    return project


def project_seen(*, user: AbstractBaseUser, pk: int) -> None:
    """404 unless `user` may see the project, whether it exists or not: the check alone, one
    narrow query, asked before a kept page is served (projects/page_cache.py)."""
    if not projects_visible_to(user).filter(pk=pk).exists():
        raise Http404


def projects_managed_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """The manager's open projects: active or on hold (closed and cancelled ones are done)."""
    return (
        Project.objects.filter(is_project_manager.q(user), stage__in=[*ACTIVE, Stage.ON_HOLD])
        .for_gates()
        .order_by("-created_at")
    )


def projects_sponsored_by(user: AbstractBaseUser) -> ProjectQuerySet:
    """Active projects this sponsor is accountable for."""
    return (
        Project.objects.filter(is_project_sponsor.q(user), stage__in=ACTIVE)
        .for_gates()
        .order_by("-created_at")
    )


def history_of(project: Project) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.for_subject(project).select_related("actor", "on_behalf_of")


@dataclass(frozen=True)
class AboveEstimate:
    """Funding that would bring the project's total this far above its estimated cost."""

    total: Decimal
    cost: Decimal
    pct: Decimal


def funding_above_estimate(*, project: Project, total: Decimal) -> AboveEstimate | None:
    """Whether approved funding of `total` lies more than `FUNDING_WARN_PCT` above the
    business case's estimated cost (None when it does not, or there is no estimate)."""
    cost = project.proposal.estimated_cost or Decimal(0)
    if cost <= 0 or not costs.beyond_cost_tolerance(total, cost, settings.FUNDING_WARN_PCT):
        return None
    return AboveEstimate(total=total, cost=cost, pct=costs.variance_pct(total, cost))
