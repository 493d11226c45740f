"""Goals with their measurements."""

from django.db.models import Prefetch, QuerySet

from projects.models import Goal, Measurement, Project


def project_goals(project: Project) -> QuerySet[Goal]:
    """The project's goals with their measurements, in two queries whatever their number."""
    return project.goals.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("date", "recorded_at", "pk"))
    )
