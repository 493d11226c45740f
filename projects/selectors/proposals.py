"""The business case: the decision a resubmission is compared with."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from lifecycle.models import AuditEntry
from projects.models import Project, Proposal
from projects.statements import records_by_id


def last_decision(proposal: Proposal) -> AuditEntry | None:
    """The latest decision on this business case, with the snapshot of what was decided on:
    the same SQL for every project, compiled once (projects/statements.py)."""

    def build(ids: list[int]) -> QuerySet[AuditEntry]:
        return (
            AuditEntry.objects.for_subject(Project(pk=ids[0]))
            .filter(record="Business case", action__in=DECISIONS)
            .select_related("actor", "on_behalf_of")
            .order_by("-at", "-pk")[:1]
        )

    # The content type's id is in the SQL: a flushed database's new one is a new statement.
    key = ("last decision", ContentType.objects.get_for_model(Project).pk)
    return next(iter(records_by_id(key, build, [proposal.project_id])), None)


DECISIONS = ("approve", "endorse", "reject", "request_changes")
