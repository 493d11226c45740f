"""A project's sponsor, its funding, and the stage transitions a user asks for."""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lifecycle.errors import CommentInvalid, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.rules import acting_for, require
from lifecycle.services import gate_status, gate_status_refresh, transition_run
from lifecycle.stages import Stage
from projects import events, tasks
from projects.formats import money, person
from projects.models import ExceptionState, Funding, FundingState, Project, Sponsor, with_gates
from projects.rules import approval_authority
from projects.services.audit import audit
from projects.services.change import change_requests_withdraw_undecided, exceptions_decide
from projects.services.charters import charter_open
from projects.services.delivery import closure_open, delivery_open, plan_open
from projects.services.raid import raid_business_case_risks

# -- Funding ---------------------------------------------------------------------------------


def funding_record(
    *,
    project: Project,
    by: AbstractBaseUser,
    amount: Decimal,
    source: str,
    approved_on: date,
) -> Funding:
    """The sponsor (or the PMO) commits money to an approved, active project. Within their
    approval limit and the approved cost it counts at once; beyond either it is proposed and
    waits for someone whose authority covers the project's new total (`funding_approve`)."""
    with transaction.atomic():
        project = Project.objects.select_related("proposal").locked(project.pk)
        require(by, "may_record_funding", project)
        return _funding_add(
            project=project, by=by, amount=amount, source=source, approved_on=approved_on
        )


def _funding_add(
    *, project: Project, by: AbstractBaseUser, amount: Decimal, source: str, approved_on: date
) -> Funding:
    """One new funding on the locked `project`, approved at once or proposed (see
    `funding_record`), the stored total kept in step, audited."""
    total = project.funded + amount
    cost = project.proposal.estimated_cost or Decimal(0)
    counts = total <= cost and approval_authority(by, project).covers(total)
    funding = Funding.objects.create(
        project=project,
        amount=amount,
        source=source,
        approved_on=approved_on,
        state=FundingState.APPROVED if counts else FundingState.PROPOSED,
        approved_by=by if counts else None,
        decided_at=timezone.now() if counts else None,
        recorded_by=by,
    )
    if counts:
        Project.objects.filter(pk=project.pk).update(funded=F("funded") + amount)
        project.funded = total
    audit(
        subject=project,
        record="Funding",
        action="record_funding",
        event=events.FUNDING_RECORDED if counts else events.FUNDING_PROPOSED,
        label="Record funding",
        to_state=funding.get_state_display(),
        comment=f"{money(amount)} from {source}",
        data={
            "funding_id": funding.pk,
            "amount": str(amount),
            "total": str(total),
            "approval_limit": approval_authority(by, project).recorded,
        },
        by=by,
        on_behalf_of=acting_for(by, "may_record_funding", project),
    )
    return funding


class Correction(NamedTuple):
    reversal: Funding
    replacement: Funding | None  # the right amount, when one was given


def funding_correct(
    *, funding: Funding, by: AbstractBaseUser, reason: str, amount: Decimal | None = None
) -> Correction:
    """**Correct** an approved funding: never an edit, but a reversing entry (the negative of
    its amount, approved at once, with the reason) and, when the right amount is given, a new
    funding for it — approved at once or proposed, exactly as `funding_record` decides. One
    transaction, the project locked: a funding is reversed once, whoever clicks twice."""
    reason = reason.strip()
    with transaction.atomic():
        project = Project.objects.select_related("proposal").locked(funding.project_id)
        original = Funding.objects.select_related("reversal").get(pk=funding.pk)
        original.project = project
        require(by, "may_correct_funding", original)
        if not reason:
            raise CommentInvalid("Give the reason for the correction.")
        reversal = Funding.objects.create(
            project=project,
            amount=-original.amount,
            source=original.source,
            approved_on=timezone.localdate(),
            state=FundingState.APPROVED,
            approved_by=by,
            decided_at=timezone.now(),
            recorded_by=by,
            reverses=original,
            reason=reason,
        )
        before = project.funded
        Project.objects.filter(pk=project.pk).update(funded=F("funded") - original.amount)
        project.funded -= original.amount
        replacement = None
        if amount is not None:
            replacement = _funding_add(
                project=project,
                by=by,
                amount=amount,
                source=original.source,
                approved_on=original.approved_on,
            )
        corrected = f"{money(original.amount)} from {original.source} reversed"
        if replacement is not None:
            corrected += f", {money(amount)} recorded instead"
        audit(
            subject=project,
            record="Funding",
            action="correct_funding",
            event=events.FUNDING_CORRECTED,
            label="Correct funding",
            to_state="Corrected",
            comment=f"{corrected}: {reason}",
            data={
                "funding_id": original.pk,
                "reversal_id": reversal.pk,
                "reversed_amount": str(original.amount),
                "new_funding_id": replacement.pk if replacement else None,
                "new_amount": str(amount) if amount is not None else None,
                "new_state": replacement.state if replacement else None,
                "reason": reason,
                "total_before": str(before),
                "total": str(project.funded),  # approved: a proposed new amount counts later
            },
            by=by,
            on_behalf_of=acting_for(by, "may_correct_funding", original),
        )
    return Correction(reversal, replacement)


def funding_approve(
    *, funding: Funding, by: AbstractBaseUser, comment: str = "", seen: str = ""
) -> AuditEntry:
    """**Approve funding** above the recorder's limit or the approved cost: it counts now —
    in the project's total, and so in the gate status stored with the decision."""
    with transaction.atomic():
        entry = transition_run(
            instance=funding,
            name="approve",
            by=by,
            comment=comment,
            data=lambda locked: {"amount": str(locked.amount), "funding_id": locked.pk},
            side_effect=tasks.announce,
        )
        Project.objects.filter(pk=funding.project_id).update(funded=F("funded") + funding.amount)
        funding.project.funded += funding.amount  # the caller's project, as `_funding_add` keeps it
        gate_status_refresh(funding.project)  # the transition stored it with the total before
    return entry


def funding_reject(
    *, funding: Funding, by: AbstractBaseUser, comment: str, seen: str = ""
) -> AuditEntry:
    """**Reject funding**: it never counts; the row and the reason stay in the history."""
    return transition_run(
        instance=funding,
        name="reject",
        by=by,
        comment=comment,
        data={"amount": str(funding.amount), "funding_id": funding.pk},
        side_effect=tasks.announce,
    )


FUNDING_ACTIONS = {"approve": funding_approve, "reject": funding_reject}


# -- The sponsor -----------------------------------------------------------------------------


def project_sponsor_change(
    *, project: Project, by: AbstractBaseUser, sponsor: Sponsor, comment: str
) -> Project:
    """The PMO names another sponsor (once a business case was submitted, only the PMO may),
    audited with the reason; a sponsor who decided on one of its records keeps reading it."""
    comment = comment.strip()
    with transaction.atomic():
        project = Project.objects.select_related("sponsor__user").locked(project.pk)
        require(by, "may_change_sponsor", project)
        if not comment:
            raise CommentInvalid("Give a reason to change the sponsor.")
        if sponsor.user_id in (project.manager_id, project.sponsor_id):
            raise ValidationError(
                {"sponsor": "Choose someone who is neither the manager nor the sponsor now."}
            )
        before = project.sponsor  # keeps reading the project if they decided on it
        project.sponsor = sponsor
        project.save(update_fields=["sponsor"])
        audit(
            subject=project,
            record="Project",
            action="change_sponsor",
            event=events.SPONSOR_CHANGED,
            label="Change sponsor",
            comment=comment,
            data={"from": person(before.user), "to": person(sponsor.user)},
            by=by,
        )
    return project


# -- Stage transitions -----------------------------------------------------------------------


def stage_transition_names() -> list[str]:
    """The stage transitions a user may ask for by name: advancing, hold, resume, cancel."""
    field = Project._meta.get_field("stage")
    names = {
        fsm.name
        for fsm in field.get_all_transitions(Project)
        if fsm.custom.get("kind") != "automatic"
    }
    return sorted(names)


def _requestable(name: str) -> bool:
    """Stage transitions a user may ask for by name (not the automatic ones)."""
    return name in stage_transition_names()


def project_transition(
    *, project: Project, name: str, by: AbstractBaseUser, comment: str = ""
) -> AuditEntry:
    """Advance, hold, resume or cancel: the stage transitions a user may ask for."""
    if not _requestable(name):
        raise TransitionForbidden("There is no such action.")
    with transaction.atomic():
        entry = transition_run(
            instance=project, name=name, by=by, comment=comment, side_effect=tasks.announce
        )
        project = Project.objects.select_related("proposal").get(pk=project.pk)
        if project.stage == Stage.CANCELLED:  # the sponsor's decision on any open exception
            exceptions_decide(project=project, by=by, state=ExceptionState.CANCELLED)
            change_requests_withdraw_undecided(project=project, by=by)
        if project.stage in STAGE_RECORDS:
            STAGE_RECORDS[project.stage](project)
            if project.stage in CARRIED_OVER:
                CARRIED_OVER[project.stage](project=project, by=by)
            gate_status_refresh(project)  # the records the new stage starts with count too
    return entry


# Entering a stage prepares the record its work happens in (idempotent: resuming is harmless).
STAGE_RECORDS = {
    Stage.INITIATING: charter_open,
    Stage.PLANNING: plan_open,
    Stage.DELIVERING: delivery_open,
    Stage.CLOSING: closure_open,
}
# ...and carries over what the stage before settled, in the name of whoever advanced
# (idempotent too): the business case's risks start the RAID register.
CARRIED_OVER = {Stage.INITIATING: raid_business_case_risks}


def gate_statuses_refresh(batch: int = 500) -> int:
    """Recompute every project's stored gate status (`Project.gate_ready_since` and
    `gate_unmet`) from its gate's criteria, a batch at a time; returns how many changed.
    Audited writes keep it up to date on their own: this is for data written around the
    services (a bulk load), after a gate's criteria change in code and for projects stored
    before `gate_unmet` was (`manage.py refresh_gates`)."""
    changed = 0
    now = timezone.now()
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():  # locked: a write meanwhile waits, then refreshes its own
            locked = Project.objects.for_gates().select_for_update(of=("self",))
            projects = with_gates(list(locked.filter(pk__in=chunk).order_by("pk")))
            stale = []
            for project in projects:
                since, unmet = gate_status(project, now)
                if (since, unmet) != (project.gate_ready_since, project.gate_unmet):
                    project.gate_ready_since, project.gate_unmet = since, unmet
                    stale.append(project)
            Project.objects.bulk_update(stale, ["gate_ready_since", "gate_unmet"])
        changed += len(stale)
    return changed
