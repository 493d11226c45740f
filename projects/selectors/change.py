"""Reading change after the plan: a project's change requests, and its baselines each with
what changed from the one before."""

from django.db.models import QuerySet

from projects import plan_baseline
from projects.models import ChangeRequest, PlanBaseline, Project


def change_requests_of(project: Project) -> QuerySet[ChangeRequest]:
    return project.change_requests.select_related("raised_by", "decided_by", "endorsed_by")


def baselines_with_diffs(project: Project) -> list[tuple[PlanBaseline, list[str]]]:
    """Newest first, each with its field-by-field diff from the previous one (none for the
    first)."""
    baselines = list(
        project.baselines.select_related("created_by", "change_request").order_by("number")
    )
    rows = []
    previous = None
    for baseline in baselines:
        diff = plan_baseline.diff(previous.snapshot, baseline.snapshot) if previous else []
        rows.append((baseline, diff))
        previous = baseline
    return rows[::-1]


def first_and_last_baseline(project: Project) -> tuple[PlanBaseline | None, PlanBaseline | None]:
    baselines = list(project.baselines.order_by("number"))
    if not baselines:
        return None, None
    return baselines[0], baselines[-1]
