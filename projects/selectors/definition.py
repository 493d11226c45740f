"""Goals with their measurements."""

from django.db.models import Prefetch, QuerySet

from projects.models import Goal, Measurement, Project
from projects.statements import prefetched


def project_goals(project: Project) -> QuerySet[Goal]:
    """The project's goals with their measurements, in two queries whatever their number."""
    return project.goals.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("date", "recorded_at", "pk"))
    )


def goals_of(project: Project) -> list[Goal]:
    """The project's goals with their measurements (`Measurement.Meta.ordering`, as above),
    as lists: goals its gate has read already (`with_gates`) are not read again, and both
    lists come from statements compiled once (projects/statements.py)."""
    prefetched([project], "goals")
    goals = list(project.goals.all())
    prefetched(goals, "measurements")
    return goals
