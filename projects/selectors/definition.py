"""Goals with their measurements."""

from django.db.models import Prefetch, QuerySet

from projects.goals import Reading
from projects.models import Goal, Measurement, Project
from projects.statements import compiled, prefetched


def project_goals(project: Project) -> QuerySet[Goal]:
    """The project's goals with their measurements, in two queries whatever their number."""
    return project.goals.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("date", "recorded_at", "pk"))
    )


def goals_of(project: Project) -> list[Goal]:
    """The project's goals, each with its `readings` (the day and value of each measurement,
    in `Measurement.Meta.ordering`: all the Goals tab shows of them): goals its gate has read
    already (`with_gates`) are not read again, and both lists come from statements compiled
    once (projects/statements.py). Values rather than records: building 100 measurements
    cost more than reading them."""
    prefetched([project], "goals")
    goals = list(project.goals.all())
    readings: dict[int, list[Reading]] = {goal.pk: [] for goal in goals}
    if goals:

        def build(ids: list[int]) -> QuerySet:
            return Measurement.objects.filter(goal__in=ids).values_list("goal", "date", "value")

        statement = compiled(("goal readings",), build, ids=len(readings))
        for goal, day, value in statement.rows(ids=list(readings)):
            readings[goal].append(Reading(day, value))
    for goal in goals:
        goal.readings = readings[goal.pk]
    return goals
