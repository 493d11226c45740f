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
from projects.models.pdfs import PdfJob
from projects.models.projects import (
    Category,
    Funding,
    Membership,
    Project,
    ProjectQuerySet,
    Sponsor,
)
from projects.models.proposals import Proposal, ProposalState, Risk

__all__ = [
    "Category",
    "Charter",
    "CharterItem",
    "CharterRevision",
    "CharterRisk",
    "CharterState",
    "Deliverable",
    "Direction",
    "Funding",
    "Goal",
    "Measurement",
    "Membership",
    "Milestone",
    "PdfJob",
    "Project",
    "ProjectQuerySet",
    "Proposal",
    "ProposalState",
    "Requirement",
    "Risk",
    "ScopeItem",
    "Sponsor",
    "Stakeholder",
    "Task",
]
