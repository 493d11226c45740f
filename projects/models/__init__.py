"""Project records, one module per concept."""

from projects.models.change import (
    ChangeRequest,
    ChangeRequestState,
    ExceptionKind,
    ExceptionState,
    PlanBaseline,
    ToleranceException,
)
from projects.models.charters import (
    Charter,
    CharterItem,
    CharterRevision,
    CharterRisk,
    CharterState,
    Deliverable,
    Milestone,
    Stakeholder,
    Task,
)
from projects.models.costs import ActualCost, ActualImport
from projects.models.definition import Direction, Goal, Measurement, Requirement, ScopeItem
from projects.models.delivery import (
    BudgetLine,
    ClosureGoal,
    ClosureReport,
    DeliverableState,
    Plan,
    PlanMilestone,
    PlanState,
    PlanTask,
    ProjectDeliverable,
    Rag,
    StatusReport,
)
from projects.models.discussion import Comment, Mention
from projects.models.evidence import Attachment
from projects.models.notifications import Digest, NotificationFailure
from projects.models.pdfs import PdfJob
from projects.models.people import Delegation, Profile
from projects.models.projects import (
    Category,
    Funding,
    FundingState,
    Membership,
    Project,
    ProjectQuerySet,
    Sponsor,
    with_gates,
    with_stored_gates,
)
from projects.models.proposals import Proposal, ProposalState, Risk
from projects.models.raid import RaidItem, RaidKind, RaidSource, RaidStatus
from projects.models.tokens import AccessToken, TokenScope
from projects.models.webhooks import (
    AttemptOutcome,
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "AccessToken",
    "ActualCost",
    "ActualImport",
    "Attachment",
    "AttemptOutcome",
    "BudgetLine",
    "Category",
    "ChangeRequest",
    "ChangeRequestState",
    "Charter",
    "CharterItem",
    "CharterRevision",
    "CharterRisk",
    "CharterState",
    "ClosureGoal",
    "ClosureReport",
    "Comment",
    "Delegation",
    "Deliverable",
    "DeliverableState",
    "DeliveryState",
    "Digest",
    "Direction",
    "ExceptionKind",
    "ExceptionState",
    "Funding",
    "FundingState",
    "Goal",
    "Measurement",
    "Membership",
    "Mention",
    "Milestone",
    "NotificationFailure",
    "PdfJob",
    "Plan",
    "PlanBaseline",
    "PlanMilestone",
    "PlanState",
    "PlanTask",
    "Profile",
    "Project",
    "ProjectDeliverable",
    "ProjectQuerySet",
    "Proposal",
    "ProposalState",
    "Rag",
    "RaidItem",
    "RaidKind",
    "RaidSource",
    "RaidStatus",
    "Requirement",
    "Risk",
    "ScopeItem",
    "Sponsor",
    "Stakeholder",
    "StatusReport",
    "Task",
    "TokenScope",
    "ToleranceException",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "with_gates",
    "with_stored_gates",
]
