"""The business case: written by the manager, decided by the sponsor."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from lifecycle.models import AuditEntry
from lifecycle.rules import allows, require
from lifecycle.services import transition_run
from projects import events, proposal_document, tasks
from projects.lists import RISKS, Row
from projects.models import (
    Project,
    Proposal,
    ProposalState,
    Sponsor,
)
from projects.rules import approval_authority
from projects.services.audit import audit
from projects.statements import prefetched

PROJECT_FIELDS = ("title", "category", "sponsor")
# -- The business case ----------------------------------------------------------------------


def business_case_create(
    *,
    by: AbstractBaseUser,
    title: str,
    category: str,
    sponsor: Sponsor,
    risks: list[Row],
    **fields: Any,
) -> Project:
    """A new project in Identifying with a draft business case written by `by`."""
    require(by, "may_create_business_case")
    with transaction.atomic():
        project = Project.objects.create(
            title=title, category=category, sponsor=sponsor, manager=by
        )
        proposal = Proposal.objects.create(project=project, **_proposal_fields(fields))
        RISKS.store(risks, proposal)
        audit(
            subject=project,
            record=Proposal.audit_record,
            action="create",
            event=events.BUSINESS_CASE_CREATED,
            label="Created",
            to_state=ProposalState.DRAFT.label,
            by=by,
        )
    return project


def business_case_update(
    *, proposal: Proposal, by: AbstractBaseUser, risks: list[Row], **fields: Any
) -> Proposal:
    """Save the manager's edits to a draft (or a business case sent back for changes)."""
    with transaction.atomic():
        project = Project.objects.locked(proposal.project_id)  # the project first, as everywhere
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        proposal.project = project
        require(by, "may_edit_business_case", proposal)
        if "sponsor" in fields and fields["sponsor"] != project.sponsor:
            require(by, "may_choose_sponsor", proposal)
        changed = []
        for name in PROJECT_FIELDS:
            if name in fields and getattr(project, name) != fields[name]:
                setattr(project, name, fields[name])
                changed.append(name)
        for name, value in _proposal_fields(fields).items():
            if getattr(proposal, name) != value:
                setattr(proposal, name, value)
                changed.append(name)
        if RISKS.store(risks, proposal):
            changed.append("risks")
        project.save(update_fields=[n for n in PROJECT_FIELDS if n in changed] or None)
        proposal.save()
        audit(
            subject=project,
            record=Proposal.audit_record,
            action="edit",
            event=events.BUSINESS_CASE_EDITED,
            label="Edited",
            data={"changed": changed},
            by=by,
        )
    return proposal


def _proposal_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in Proposal.CASE_FIELDS if name in fields}


def proposal_submit(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """Submit for approval: first time from draft, again after changes were requested."""
    return transition_run(
        instance=proposal,
        name="submit",
        by=by,
        comment=comment,
        side_effect=tasks.announce,
        seen=seen,
        fingerprint=proposal_document.version,
    )


def _decision_data(by: AbstractBaseUser) -> Any:
    """What every decision records — the limit that applied, and the version decided on —
    taken from the locked business case once the decision is allowed."""

    def data(proposal: Proposal) -> dict[str, Any]:
        prefetched([proposal], "risks")  # the locked record's, by a kept statement
        cost = proposal.estimated_cost
        return {
            "approval_limit": approval_authority(by, proposal.project).recorded,
            "estimated_cost": f"{cost:.2f}" if cost is not None else None,
            "snapshot": proposal_document.snapshot(proposal),
        }

    return data


def _decide(
    name: str | Callable[[Proposal], str],
    proposal: Proposal,
    by: AbstractBaseUser,
    comment: str,
    seen: str,
) -> AuditEntry:
    """A decision on the business case as the decider saw it (`seen`: its version then)."""
    return transition_run(
        instance=proposal,
        name=name,
        by=by,
        comment=comment,
        data=_decision_data(by),
        side_effect=tasks.announce,
        seen=seen,
        fingerprint=proposal_document.version,
    )


def proposal_approve(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """**Approve**. Above the sponsor's own approval limit it is recorded as an endorsement and
    the business case is escalated to a sponsor whose limit covers the cost (or the PMO):
    which of the two, the business case under the lock decides."""

    def approve_or_endorse(proposal: Proposal) -> str:
        endorses = proposal.state == ProposalState.SUBMITTED and allows(
            by, "may_endorse_business_case", proposal
        )
        return "endorse" if endorses else "approve"

    return _decide(approve_or_endorse, proposal, by, comment, seen)


def proposal_request_changes(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str, seen: str = ""
) -> AuditEntry:
    return _decide("request_changes", proposal, by, comment, seen)


def proposal_reject(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str, seen: str = ""
) -> AuditEntry:
    """Reject the business case; its project is cancelled with the sponsor's reason."""
    with transaction.atomic():
        entry = _decide("reject", proposal, by, comment, seen)
        _cancel_with_business_case(proposal, by=by, comment=comment)
    return entry


def proposal_withdraw(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """The manager withdraws the business case; its project is cancelled, history kept."""
    with transaction.atomic():
        entry = transition_run(
            instance=proposal,
            name="withdraw",
            by=by,
            comment=comment,
            side_effect=tasks.announce,
        )
        _cancel_with_business_case(proposal, by=by, comment=comment)
    return entry


def proposal_recall(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """**Recall**: the manager takes a submitted business case back before anyone decided on
    it (a decision taken meanwhile answers "already decided"); the sponsor is told."""
    return transition_run(
        instance=proposal, name="recall", by=by, comment=comment, side_effect=tasks.announce
    )


def _cancel_with_business_case(proposal: Proposal, *, by: AbstractBaseUser, comment: str) -> None:
    project = Project.objects.select_related("proposal").get(pk=proposal.project_id)
    reason = comment or f"The business case was {project.proposal.get_state_display().lower()}."
    transition_run(
        instance=project,
        name="cancel_with_business_case",
        by=by,
        comment=reason,
        side_effect=tasks.announce,
    )


# The business-case transitions the decision panel and the manager's buttons may post.
PROPOSAL_ACTIONS = {
    "submit": proposal_submit,
    "approve": proposal_approve,
    "request_changes": proposal_request_changes,
    "reject": proposal_reject,
    "withdraw": proposal_withdraw,
    "recall": proposal_recall,
}
