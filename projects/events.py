"""What happens to a project, by name, and who hears about it (SPEC §6).

Every audit row carries one of these namespaced names (`AuditEntry.event`): the state machines
declare theirs on each transition (`custom={"event": …}`), the other services pass theirs to
`audit_record`. Who is told is declared here, per event — never guessed from a transition's
name — and `projects/notifications.py` turns an audience into people. Webhooks publish the
same names, except those declared unpublished (tokens, webhook endpoints).
"""

from dataclasses import dataclass
from enum import StrEnum

from lifecycle.stages import STAGE_CHANGED


class Audience(StrEnum):
    NOBODY = "nobody"
    SPONSOR = "sponsor"  # the project's sponsor (and deputy): something awaits their decision
    SPONSOR_NOTICE = "sponsor, for their information"  # e.g. a submission was recalled
    APPROVERS = "approvers"  # every sponsor whose approval limit covers the cost
    FUNDING_APPROVERS = "funding approvers"  # the sponsor if their limit covers it, else the PMO
    MANAGER = "manager"  # the project's manager: the sponsor decided
    EVERYONE = "everyone"  # manager, sponsor and members: the stage changed
    DEPUTY = "deputy"  # the deputy named in a delegation
    MENTIONED = "mentioned"  # the people a comment @mentions (newly, when it is edited)


@dataclass(frozen=True)
class Event:
    name: str
    audience: Audience
    page: str = "projects:detail"  # where a mail about it sends its reader
    # Whether webhook endpoints may subscribe to it. Not the events about the API's own keys
    # (tokens, webhook endpoints): they belong to the audit log, not to other systems.
    published: bool = True

    @property
    def awaits_decision(self) -> bool:
        return self.audience in (
            Audience.SPONSOR,
            Audience.APPROVERS,
            Audience.FUNDING_APPROVERS,
        )


BUSINESS_CASE_CREATED = "business_case.created"
BUSINESS_CASE_EDITED = "business_case.edited"
BUSINESS_CASE_SUBMITTED = "business_case.submitted"
BUSINESS_CASE_ENDORSED = "business_case.endorsed"
BUSINESS_CASE_APPROVED = "business_case.approved"
BUSINESS_CASE_REJECTED = "business_case.rejected"
BUSINESS_CASE_CHANGES_REQUESTED = "business_case.changes_requested"
BUSINESS_CASE_WITHDRAWN = "business_case.withdrawn"
BUSINESS_CASE_RECALLED = "business_case.recalled"
FUNDING_RECORDED = "funding.recorded"
FUNDING_PROPOSED = "funding.proposed"
FUNDING_APPROVED = "funding.approved"
FUNDING_REJECTED = "funding.rejected"
SPONSOR_CHANGED = "project.sponsor_changed"
MANAGER_CHANGED = "project.manager_changed"
CHARTER_EDITED = "charter.edited"
CHARTER_SUBMITTED = "charter.submitted"
CHARTER_SIGNED = "charter.signed"
CHARTER_RETURNED = "charter.returned"
CHARTER_AMENDED = "charter.amended"
CHARTER_RECALLED = "charter.recalled"
CHARTER_AMENDMENT_DISCARDED = "charter.amendment_discarded"
GOAL_SAVED = "goal.saved"
GOAL_ARCHIVED = "goal.archived"
MEASUREMENT_ADDED = "measurement.added"
SCOPE_EDITED = "scope.edited"
PLAN_EDITED = "plan.edited"
PLAN_SUBMITTED = "plan.submitted"
PLAN_APPROVED = "plan.approved"
PLAN_RETURNED = "plan.returned"
PLAN_REVISED = "plan.revised"
STATUS_REPORTED = "status_report.added"
DELIVERABLE_DELIVERED = "deliverable.delivered"
DELIVERABLE_ACCEPTED = "deliverable.accepted"
DELIVERABLE_SENT_BACK = "deliverable.sent_back"
CLOSURE_EDITED = "closure.edited"
COMMENT_ADDED = "comment.added"
COMMENT_EDITED = "comment.edited"
COMMENT_REMOVED = "comment.removed"
EVIDENCE_ATTACHED = "evidence.attached"
EVIDENCE_REMOVED = "evidence.removed"
FUNDING_CORRECTED = "funding.corrected"
ACTUALS_RECORDED = "actuals.recorded"
ACTUALS_IMPORTED = "actuals.imported"
FORECAST_UPDATED = "forecast.updated"
EXCEPTION_OPENED = "exception.opened"
EXCEPTION_DECIDED = "exception.decided"
CHANGE_REQUEST_RAISED = "change_request.raised"
CHANGE_REQUEST_ENDORSED = "change_request.endorsed"
CHANGE_REQUEST_APPROVED = "change_request.approved"
CHANGE_REQUEST_REJECTED = "change_request.rejected"
CHANGE_REQUEST_WITHDRAWN = "change_request.withdrawn"
RAID_ITEM_ADDED = "raid.added"
RAID_ITEM_EDITED = "raid.edited"
RAID_ITEM_CLOSED = "raid.closed"
DELEGATION_CREATED = "delegation.created"
DELEGATION_REVOKED = "delegation.revoked"
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
WEBHOOK_CREATED = "webhook.created"
WEBHOOK_UPDATED = "webhook.updated"
WEBHOOK_DEACTIVATED = "webhook.deactivated"
WEBHOOK_REACTIVATED = "webhook.reactivated"
WEBHOOK_REPLAYED = "webhook.replayed"

_CHARTER, _PLAN, _STATUS = "projects:charter", "projects:plan", "projects:status"
_COSTS, _CHANGES, _RAID = "projects:costs", "projects:changes", "projects:raid"

EVENTS: dict[str, Event] = {
    event.name: event
    for event in (
        Event(BUSINESS_CASE_CREATED, Audience.NOBODY),
        Event(BUSINESS_CASE_EDITED, Audience.NOBODY),
        Event(BUSINESS_CASE_SUBMITTED, Audience.SPONSOR),
        Event(BUSINESS_CASE_ENDORSED, Audience.APPROVERS),
        Event(BUSINESS_CASE_APPROVED, Audience.MANAGER),
        Event(BUSINESS_CASE_REJECTED, Audience.MANAGER),
        Event(BUSINESS_CASE_CHANGES_REQUESTED, Audience.MANAGER),
        Event(BUSINESS_CASE_WITHDRAWN, Audience.NOBODY),
        Event(BUSINESS_CASE_RECALLED, Audience.SPONSOR_NOTICE),
        Event(FUNDING_RECORDED, Audience.MANAGER),
        Event(FUNDING_PROPOSED, Audience.FUNDING_APPROVERS),
        Event(FUNDING_APPROVED, Audience.MANAGER),
        Event(FUNDING_REJECTED, Audience.MANAGER),
        Event(SPONSOR_CHANGED, Audience.SPONSOR),  # the new sponsor
        Event(MANAGER_CHANGED, Audience.MANAGER),  # the new manager
        Event(STAGE_CHANGED, Audience.EVERYONE),
        Event(CHARTER_EDITED, Audience.NOBODY, _CHARTER),
        Event(CHARTER_SUBMITTED, Audience.SPONSOR, _CHARTER),
        Event(CHARTER_SIGNED, Audience.MANAGER, _CHARTER),
        Event(CHARTER_RETURNED, Audience.MANAGER, _CHARTER),
        Event(CHARTER_AMENDED, Audience.NOBODY, _CHARTER),
        Event(CHARTER_RECALLED, Audience.SPONSOR_NOTICE, _CHARTER),
        Event(CHARTER_AMENDMENT_DISCARDED, Audience.NOBODY, _CHARTER),
        Event(GOAL_SAVED, Audience.NOBODY, "projects:goals"),
        Event(GOAL_ARCHIVED, Audience.NOBODY, "projects:goals"),
        Event(MEASUREMENT_ADDED, Audience.NOBODY, "projects:goals"),
        Event(SCOPE_EDITED, Audience.NOBODY, "projects:scope"),
        Event(PLAN_EDITED, Audience.NOBODY, _PLAN),
        Event(PLAN_SUBMITTED, Audience.SPONSOR, _PLAN),
        Event(PLAN_APPROVED, Audience.MANAGER, _PLAN),
        Event(PLAN_RETURNED, Audience.MANAGER, _PLAN),
        Event(PLAN_REVISED, Audience.NOBODY, _PLAN),
        Event(STATUS_REPORTED, Audience.NOBODY, _STATUS),
        Event(DELIVERABLE_DELIVERED, Audience.SPONSOR, _STATUS),
        Event(DELIVERABLE_ACCEPTED, Audience.MANAGER, _STATUS),
        Event(DELIVERABLE_SENT_BACK, Audience.MANAGER, _STATUS),
        Event(CLOSURE_EDITED, Audience.NOBODY, "projects:closure"),
        Event(COMMENT_ADDED, Audience.MENTIONED),
        Event(COMMENT_EDITED, Audience.MENTIONED),
        Event(COMMENT_REMOVED, Audience.NOBODY),
        Event(EVIDENCE_ATTACHED, Audience.NOBODY),
        Event(EVIDENCE_REMOVED, Audience.NOBODY),
        Event(FUNDING_CORRECTED, Audience.MANAGER),
        Event(ACTUALS_RECORDED, Audience.NOBODY, _COSTS),
        Event(ACTUALS_IMPORTED, Audience.NOBODY, _COSTS),
        Event(FORECAST_UPDATED, Audience.NOBODY, _COSTS),
        Event(EXCEPTION_OPENED, Audience.SPONSOR, _CHANGES),
        Event(EXCEPTION_DECIDED, Audience.MANAGER, _CHANGES),
        Event(CHANGE_REQUEST_RAISED, Audience.SPONSOR, _CHANGES),
        Event(CHANGE_REQUEST_ENDORSED, Audience.APPROVERS, _CHANGES),
        Event(CHANGE_REQUEST_APPROVED, Audience.MANAGER, _CHANGES),
        Event(CHANGE_REQUEST_REJECTED, Audience.MANAGER, _CHANGES),
        Event(CHANGE_REQUEST_WITHDRAWN, Audience.SPONSOR_NOTICE, _CHANGES),
        Event(RAID_ITEM_ADDED, Audience.NOBODY, _RAID),
        Event(RAID_ITEM_EDITED, Audience.NOBODY, _RAID),
        Event(RAID_ITEM_CLOSED, Audience.NOBODY, _RAID),
        Event(DELEGATION_CREATED, Audience.DEPUTY, "projects:delegations"),
        Event(DELEGATION_REVOKED, Audience.DEPUTY, "projects:delegations"),
        Event(TOKEN_CREATED, Audience.NOBODY, published=False),
        Event(TOKEN_REVOKED, Audience.NOBODY, published=False),
        Event(WEBHOOK_CREATED, Audience.NOBODY, published=False),
        Event(WEBHOOK_UPDATED, Audience.NOBODY, published=False),
        Event(WEBHOOK_DEACTIVATED, Audience.NOBODY, published=False),
        Event(WEBHOOK_REACTIVATED, Audience.NOBODY, published=False),
        Event(WEBHOOK_REPLAYED, Audience.NOBODY, published=False),
    )
}
