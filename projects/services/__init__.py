"""Every write to a project's records goes through a function here, one module per concept.

Each one is atomic, checks who may do it, and leaves an audit row. State changes go through
`lifecycle.services.transition_run`; e-mails and renders are enqueued only after the commit.
"""

from projects.services.charters import (
    CHARTER_ACTIONS,
    charter_amend,
    charter_discard_amendment,
    charter_open,
    charter_recall,
    charter_return,
    charter_sign,
    charter_submit,
    charter_update,
)
from projects.services.pdfs import charter_pdf_request
from projects.services.projects import (
    FUNDING_ACTIONS,
    funding_approve,
    funding_correct,
    funding_record,
    funding_reject,
    project_sponsor_change,
    project_transition,
)
from projects.services.proposals import (
    PROPOSAL_ACTIONS,
    business_case_create,
    business_case_update,
    proposal_approve,
    proposal_recall,
    proposal_reject,
    proposal_request_changes,
    proposal_submit,
    proposal_withdraw,
)

__all__ = [
    "CHARTER_ACTIONS",
    "FUNDING_ACTIONS",
    "PROPOSAL_ACTIONS",
    "business_case_create",
    "business_case_update",
    "charter_amend",
    "charter_discard_amendment",
    "charter_open",
    "charter_pdf_request",
    "charter_recall",
    "charter_return",
    "charter_sign",
    "charter_submit",
    "charter_update",
    "funding_approve",
    "funding_correct",
    "funding_record",
    "funding_reject",
    "project_sponsor_change",
    "project_transition",
    "proposal_approve",
    "proposal_recall",
    "proposal_reject",
    "proposal_request_changes",
    "proposal_submit",
    "proposal_withdraw",
]
