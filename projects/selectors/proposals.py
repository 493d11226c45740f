"""The business case: the decision a resubmission is compared with."""

from lifecycle.models import AuditEntry
from projects.models import Proposal


def last_decision(proposal: Proposal) -> AuditEntry | None:
    """The latest decision on this business case, with the snapshot of what was decided on."""
    return (
        AuditEntry.objects.for_subject(proposal.project)
        .filter(record="Business case", action__in=DECISIONS)
        .select_related("actor", "on_behalf_of")
        .order_by("-at", "-pk")
        .first()
    )


DECISIONS = ("approve", "endorse", "reject", "request_changes")
