"""Every write to a project's records goes through a function here.

Each one is atomic, checks who may do it, and leaves an audit row. State changes go through
`lifecycle.services.transition_run`; e-mails are enqueued only after the commit
(`notifications.enqueue`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from lifecycle.models import AuditEntry
from lifecycle.services import TransitionForbidden, audit_record, transition_run
from lifecycle.stages import ACTIVE, Role
from projects import notifications
from projects.models import Funding, Project, Proposal, ProposalState, Risk, Sponsor
from projects.roles import can_write_business_case

PROJECT_FIELDS = ("title", "category", "sponsor")
RISK_FIELDS = ("description", "likelihood", "impact", "mitigation")


@dataclass(frozen=True)
class RiskRow:
    """One risk as the form gives it; `id` is None for a new one."""

    id: int | None
    description: str
    likelihood: int
    impact: int
    mitigation: str = ""


# -- The business case ----------------------------------------------------------------------


def business_case_create(
    *,
    by: AbstractBaseUser,
    title: str,
    category: str,
    sponsor: Sponsor,
    risks: list[RiskRow],
    **fields: Any,
) -> Project:
    """A new project in Identifying with a draft business case written by `by`."""
    if not can_write_business_case(by):
        raise PermissionDenied("You may not write business cases.")
    with transaction.atomic():
        project = Project.objects.create(
            title=title, category=category, sponsor=sponsor, manager=by
        )
        proposal = Proposal.objects.create(project=project, **_proposal_fields(fields))
        _risks_replace(proposal, risks)
        audit_record(
            subject=project,
            record=Proposal.audit_record,
            action="create",
            label="Created",
            to_state=ProposalState.DRAFT.label,
            by=by,
        )
    return project


def business_case_update(
    *, proposal: Proposal, by: AbstractBaseUser, risks: list[RiskRow], **fields: Any
) -> Proposal:
    """Save the manager's edits to a draft (or a business case sent back for changes)."""
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update().select_related("project").get(pk=proposal.pk)
        )
        project = proposal.project
        if Role.MANAGER not in project.roles_of(by):
            raise PermissionDenied("Only the project's manager edits its business case.")
        if not proposal.is_editable:
            raise PermissionDenied(
                f"A {proposal.get_state_display().lower()} business case cannot be edited."
            )
        changed = []
        for name in PROJECT_FIELDS:
            if name in fields and getattr(project, name) != fields[name]:
                setattr(project, name, fields[name])
                changed.append(name)
        for name, value in _proposal_fields(fields).items():
            if getattr(proposal, name) != value:
                setattr(proposal, name, value)
                changed.append(name)
        if _risks_replace(proposal, risks):
            changed.append("risks")
        project.save(update_fields=[n for n in PROJECT_FIELDS if n in changed] or None)
        proposal.save()
        audit_record(
            subject=project,
            record=Proposal.audit_record,
            action="edit",
            label="Edited",
            data={"changed": changed},
            by=by,
        )
    return proposal


def _proposal_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in Proposal.CASE_FIELDS if name in fields}


def _risks_replace(proposal: Proposal, rows: list[RiskRow]) -> bool:
    """Make the proposal's risks exactly `rows`. Returns whether anything changed."""
    existing = {risk.pk: risk for risk in proposal.risks.all()}
    changed = False
    kept = set()
    for row in rows:
        values = {name: getattr(row, name) for name in RISK_FIELDS}
        risk = existing.get(row.id) if row.id is not None else None
        if risk is None:
            Risk.objects.create(proposal=proposal, **values)
            changed = True
            continue
        kept.add(risk.pk)
        if any(getattr(risk, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(risk, name, value)
            risk.save()
            changed = True
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        Risk.objects.filter(pk__in=removed).delete()
        changed = True
    return changed


def proposal_submit(*, proposal: Proposal, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    """Submit for approval: first time from draft, again after changes were requested."""
    return transition_run(
        instance=proposal, name="submit", by=by, comment=comment, side_effect=notifications.enqueue
    )


def proposal_approve(*, proposal: Proposal, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    return transition_run(
        instance=proposal,
        name="approve",
        by=by,
        comment=comment,
        side_effect=notifications.enqueue,
    )


def proposal_request_changes(
    *, proposal: Proposal, by: AbstractBaseUser, comment: str
) -> AuditEntry:
    return transition_run(
        instance=proposal,
        name="request_changes",
        by=by,
        comment=comment,
        side_effect=notifications.enqueue,
    )


def proposal_reject(*, proposal: Proposal, by: AbstractBaseUser, comment: str) -> AuditEntry:
    """Reject the business case; its project is cancelled with the sponsor's reason."""
    with transaction.atomic():
        entry = transition_run(
            instance=proposal,
            name="reject",
            by=by,
            comment=comment,
            side_effect=notifications.enqueue,
        )
        _cancel_with_business_case(proposal, by=by, comment=comment)
    return entry


def proposal_withdraw(*, proposal: Proposal, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    """The manager withdraws the business case; its project is cancelled, history kept."""
    with transaction.atomic():
        entry = transition_run(
            instance=proposal,
            name="withdraw",
            by=by,
            comment=comment,
            side_effect=notifications.enqueue,
        )
        _cancel_with_business_case(proposal, by=by, comment=comment)
    return entry


def _cancel_with_business_case(proposal: Proposal, *, by: AbstractBaseUser, comment: str) -> None:
    project = Project.objects.select_related("proposal").get(pk=proposal.project_id)
    reason = comment or f"The business case was {project.proposal.get_state_display().lower()}."
    transition_run(
        instance=project,
        name="cancel_with_business_case",
        by=by,
        comment=reason,
        side_effect=notifications.enqueue,
    )


# The business-case transitions the decision panel and the manager's buttons may post.
PROPOSAL_ACTIONS = {
    "submit": proposal_submit,
    "approve": proposal_approve,
    "request_changes": proposal_request_changes,
    "reject": proposal_reject,
    "withdraw": proposal_withdraw,
}


# -- Funding ---------------------------------------------------------------------------------


def funding_record(
    *,
    project: Project,
    by: AbstractBaseUser,
    amount: Decimal,
    source: str,
    approved_on: date,
) -> Funding:
    """The sponsor (or the PMO) commits money to an approved, active project."""
    with transaction.atomic():
        project = (
            Project.objects.select_for_update(of=("self",))
            .select_related("proposal")
            .get(pk=project.pk)
        )
        if not funding_allowed(project, by):
            raise PermissionDenied(
                "Funding is recorded by the project's sponsor or the PMO, "
                "once the business case is approved and while the project is active."
            )
        funding = Funding.objects.create(
            project=project,
            amount=amount,
            source=source,
            approved_on=approved_on,
            approved_by=project.sponsor.user,
            recorded_by=by,
        )
        entry = audit_record(
            subject=project,
            record="Funding",
            action="record_funding",
            label="Record funding",
            comment=f"{amount:,.2f} from {source}",
            data={"funding_id": funding.pk, "amount": str(amount)},
            by=by,
        )
        transaction.on_commit(partial(notifications.enqueue, entry), robust=True)
    return funding


def funding_allowed(project: Project, user: AbstractBaseUser) -> bool:
    return (
        bool({Role.SPONSOR, Role.PMO} & project.roles_of(user))
        and project.proposal.is_approved
        and project.stage in ACTIVE
    )


# -- Stage transitions -----------------------------------------------------------------------


def _requestable(name: str) -> bool:
    """Stage transitions a user may ask for by name (not the automatic ones)."""
    field = Project._meta.get_field("stage")
    return any(
        fsm.name == name and fsm.custom.get("kind") != "automatic"
        for fsm in field.get_all_transitions(Project)
    )


def project_transition(
    *, project: Project, name: str, by: AbstractBaseUser, comment: str = ""
) -> AuditEntry:
    """Advance, hold, resume or cancel: the stage transitions a user may ask for."""
    if not _requestable(name):
        raise TransitionForbidden("There is no such action.")
    return transition_run(
        instance=project, name=name, by=by, comment=comment, side_effect=notifications.enqueue
    )
