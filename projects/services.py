"""Every write to a project's records goes through a function here.

Each one is atomic, checks who may do it, and leaves an audit row. State changes go through
`lifecycle.services.transition_run`; e-mails are enqueued only after the commit
(`notifications.enqueue`).
"""

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from lifecycle.models import AuditEntry
from lifecycle.services import RecordChanged, TransitionForbidden, audit_record, transition_run
from lifecycle.stages import ACTIVE, Role, Stage
from projects import charter_document, notifications
from projects.models import (
    Charter,
    CharterItem,
    CharterRevision,
    CharterRisk,
    Deliverable,
    Funding,
    Milestone,
    Project,
    Proposal,
    ProposalState,
    Risk,
    Sponsor,
    Stakeholder,
    Task,
)
from projects.roles import can_write_business_case
from projects.rows import Row, sync_rows

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
    if not can_write_business_case(by):
        raise PermissionDenied("You may not write business cases.")
    with transaction.atomic():
        project = Project.objects.create(
            title=title, category=category, sponsor=sponsor, manager=by
        )
        proposal = Proposal.objects.create(project=project, **_proposal_fields(fields))
        sync_rows(Risk, risks, Risk.FIELDS, proposal=proposal)
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
    *, proposal: Proposal, by: AbstractBaseUser, risks: list[Row], **fields: Any
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
        if sync_rows(Risk, risks, Risk.FIELDS, proposal=proposal):
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
    with transaction.atomic():
        entry = transition_run(
            instance=project, name=name, by=by, comment=comment, side_effect=notifications.enqueue
        )
        project = Project.objects.select_related("proposal").get(pk=project.pk)
        if project.stage in STAGE_RECORDS:
            STAGE_RECORDS[project.stage](project)
    return entry


# -- The charter -----------------------------------------------------------------------------

# Every list of the charter: the model, the fields a form edits, what is fixed for the list.
CHARTER_LISTS: dict[str, tuple[type[models.Model], tuple[str, ...], dict[str, str]]] = {
    "stakeholders": (Stakeholder, Stakeholder.FIELDS, {}),
    "milestones": (Milestone, Milestone.FIELDS, {}),
    "deliverables": (Deliverable, Deliverable.FIELDS, {}),
    **{kind: (CharterItem, CharterItem.FIELDS, {"kind": kind}) for kind in CharterItem.Kind.values},
    "tasks": (Task, Task.FIELDS, {}),
    "risks": (CharterRisk, CharterRisk.FIELDS, {}),
}


def charter_open(project: Project) -> Charter:
    """Entering Initiating: the charter starts from the business case — its goal as the
    purpose, its need as the justification, its risks as the key risks."""
    proposal = project.proposal
    charter, created = Charter.objects.get_or_create(
        project=project,
        defaults={"purpose": proposal.goal, "justification": proposal.need},
    )
    if created:
        CharterRisk.objects.bulk_create(
            CharterRisk(charter=charter, **{name: getattr(risk, name) for name in Risk.FIELDS})
            for risk in proposal.risks.all()
        )
    return charter


def charter_update(
    *,
    charter: Charter,
    by: AbstractBaseUser,
    version: int,
    lists: dict[str, list[Row]],
    **fields: Any,
) -> Charter:
    """Save the manager's draft: all of it or, if the charter moved on, nothing."""
    with transaction.atomic():
        locked = (
            Charter.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=charter.pk)
        )
        if Role.MANAGER not in locked.project.roles_of(by):
            raise PermissionDenied("Only the project's manager edits its charter.")
        if locked.project.stage not in ACTIVE:
            raise PermissionDenied("The project is not active: its charter is read-only.")
        if not locked.is_editable:
            raise RecordChanged(
                f"The charter is {locked.get_state_display().lower()}, so it cannot be edited. "
                "Nothing was saved."
            )
        if locked.version != version:
            raise RecordChanged(
                "The charter was saved elsewhere after you opened this form. Nothing was saved: "
                "reopen the charter to see the current version."
            )
        changed = [name for name in Charter.TEXT_FIELDS if getattr(locked, name) != fields[name]]
        for name in changed:
            setattr(locked, name, fields[name])
        for key, rows in lists.items():
            model, model_fields, fixed = CHARTER_LISTS[key]
            if sync_rows(model, rows, model_fields, charter=locked, **fixed):
                changed.append(key)
        locked.version += 1
        locked.save()
        audit_record(
            subject=locked.project,
            record=Charter.audit_record,
            action="edit",
            label="Edited",
            data={"changed": changed, "revision": locked.revision},
            by=by,
        )
    return locked


def charter_submit(*, charter: Charter, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    return transition_run(
        instance=charter, name="submit", by=by, comment=comment, side_effect=notifications.enqueue
    )


def charter_sign(*, charter: Charter, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    """The sponsor signs: the working copy is frozen as an immutable revision with its SHA-256."""
    with transaction.atomic():
        Charter.objects.select_for_update(of=("self",)).get(pk=charter.pk)
        document = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
        digest = charter_document.sha256(document)
        entry = transition_run(
            instance=charter,
            name="sign",
            by=by,
            comment=comment,
            data={"revision": document["revision"], "sha256": digest},
            side_effect=notifications.enqueue,
        )
        CharterRevision.objects.create(
            charter_id=charter.pk,
            number=document["revision"],
            snapshot=document,
            sha256=digest,
            signed_by=by,
        )
    return entry


def charter_return(*, charter: Charter, by: AbstractBaseUser, comment: str) -> AuditEntry:
    return transition_run(
        instance=charter,
        name="return_charter",
        by=by,
        comment=comment,
        side_effect=notifications.enqueue,
    )


def charter_amend(*, charter: Charter, by: AbstractBaseUser, comment: str = "") -> AuditEntry:
    """Reopen a signed charter as the next revision's draft; the signed one stays the baseline."""
    return transition_run(instance=charter, name="amend", by=by, comment=comment)


CHARTER_ACTIONS = {
    "submit": charter_submit,
    "sign": charter_sign,
    "return_charter": charter_return,
    "amend": charter_amend,
}


# Entering a stage prepares the record its work happens in (idempotent: resuming is harmless).
STAGE_RECORDS = {Stage.INITIATING: charter_open}
