"""Project records, one module per concept."""

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
from projects.models.notifications import NotificationFailure
from projects.models.pdfs import PdfJob
from projects.models.projects import (
    Category,
    Funding,
    Membership,
    Project,
    ProjectQuerySet,
    Sponsor,
    with_gates,
)
from projects.models.proposals import Proposal, ProposalState, Risk

__all__ = [
    "BudgetLine",
    "Category",
    "Charter",
    "CharterItem",
    "CharterRevision",
    "CharterRisk",
    "CharterState",
    "ClosureGoal",
    "ClosureReport",
    "Deliverable",
    "DeliverableState",
    "Direction",
    "Funding",
    "Goal",
    "Measurement",
    "Membership",
    "Milestone",
    "NotificationFailure",
    "PdfJob",
    "Plan",
    "PlanMilestone",
    "PlanState",
    "PlanTask",
    "Project",
    "ProjectDeliverable",
    "ProjectQuerySet",
    "Proposal",
    "ProposalState",
    "Rag",
    "Requirement",
    "Risk",
    "ScopeItem",
    "Sponsor",
    "Stakeholder",
    "StatusReport",
    "Task",
    "with_gates",
]
