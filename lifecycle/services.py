"""The one transition service, and the audit writer it shares with other services.

Every state change of a governed record — a project's stage, a business case, a charter —
runs through `transition_run`. In one database transaction it locks the row, checks the
transition's named rule (`lifecycle.rules`: when first, then who), evaluates the gate,
applies the django-fsm transition, saves, writes an immutable audit row with the event the
transition declares, and registers side effects to run only after the commit.

Models taking part provide:
- `audit_subject`, the project the audit row belongs to (it answers `read_only_reason` and
  `add_decider`, see `lifecycle.machine.StageMachine`); a record of a project lets it be set,
  so the record read under lock refers to the project row locked before it;
- `audit_record`, the name of the record in the history ("Stage", "Business case").
Transitions declare in `custom`: `label`, `event` (the namespaced name it announces),
`gate`, `comment_required`, `decision` (the person taking it keeps reading the project), and
`not_now`: what a refusal says when a condition other than the gate does not hold.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, Transition, has_transition_perm

from lifecycle import rules
from lifecycle.errors import (
    CommentInvalid,
    GateClosed,
    NotNow,
    RecordChanged,
    TransitionConflict,
    TransitionForbidden,
)
from lifecycle.machine import StageMachine
from lifecycle.models import AuditEntry
from lifecycle.selectors import forget_gate_checks, next_gate, other_conditions_hold

COMMENT_MAX_LENGTH = 4000

SideEffect = Callable[[AuditEntry], object]
# What a decision records beside the comment, computed once the decision is allowed.
Data = dict[str, Any] | Callable[[Any], dict[str, Any]]


def fsm_transition(instance: models.Model, name: str) -> Transition | None:
    """The django-fsm transition `name` from the instance's current state, if there is one."""
    method = getattr(instance, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return None
    state = meta.field.get_state(instance)
    return meta.get_transition(state) if meta.has_transition(state) else None


def state_label(instance: models.Model, name: str) -> str:
    field = getattr(instance, name)._django_fsm.field
    state = field.get_state(instance)
    return str(dict(field.flatchoices).get(state, state))


def transition_run(
    *,
    instance: models.Model,
    name: str | Callable[[Any], str],
    by: AbstractBaseUser,
    comment: str = "",
    data: Data | None = None,
    side_effect: SideEffect | None = None,
    seen: str = "",
    fingerprint: Callable[[Any], str] | None = None,
) -> AuditEntry:
    """Apply transition `name` to `instance` on behalf of `by`, or raise a TransitionError.

    `instance` may be stale: the row is re-read under a lock, so of two concurrent decisions
    exactly one wins and the other gets TransitionConflict ("already decided"). `name` may be
    a function of the locked record, for a decision whose transition depends on the record as
    it is now (Approve above the decider's limit is an endorsement). `data` may be a function
    of the locked record: it runs only once every check has passed. Neither may write: the
    gate status is then evaluated on the locked rows as they are in memory. `seen` is the
    `fingerprint` of the record as the person saw it when they opened the page: if the record
    has changed since, nothing is decided (RecordChanged, 409).
    """
    comment = comment.strip()
    with transaction.atomic():
        subject = instance.audit_subject
        if subject is not instance:
            # The project first, then its record: its stage cannot change under the rule, and
            # every service takes the two locks in this order.
            held = _locked(subject)
        locked = _locked(instance)
        if subject is not instance:
            locked.audit_subject = held  # the rule, the gate and the audit read the locked row
        if callable(name):
            name = name(locked)
        method = getattr(locked, name)
        if not hasattr(method, "_django_fsm"):
            raise ValueError(f"{type(instance).__name__}.{name} is not a transition")
        record = locked.audit_record
        current = state_label(locked, name)
        fsm = fsm_transition(locked, name)
        if fsm is None:
            moved_on = state_label(instance, name) != current
            read_only = locked.audit_subject.read_only_reason
            if read_only and not moved_on:
                raise NotNow(read_only)  # a closed project, not a decision taken meanwhile
            raise TransitionConflict(
                f"This was already decided: the {record.lower()} is now {current}."
            )
        if seen and fingerprint is not None and fingerprint(locked) != seen:
            raise RecordChanged(
                f"The {record.lower()} changed after you opened it, so nothing was decided: "
                "look at it again, then decide."
            )
        label = fsm.custom.get("label", name)
        rule = rules.rule_of(fsm.permission)
        if rule is not None and (refusal := rule.refuse(by, locked, label=label)):
            raise refusal
        if not fsm.has_perm(locked, by):
            raise TransitionForbidden(f"You may not “{label}” here.")
        if not other_conditions_hold(locked, fsm):
            raise NotNow(fsm.custom.get("not_now", f"“{label}” is not possible now."))
        gate = fsm.custom.get("gate")
        if gate is not None and (unmet := gate.unmet(locked)):
            raise GateClosed(
                f"“{label}” is not possible yet: {len(unmet)} gate criteria are unmet.",
                checks=gate.evaluate(locked),
            )
        if fsm.custom.get("comment_required") and not comment:
            raise CommentInvalid(f"Give a reason to “{label}”.")
        if len(comment) > COMMENT_MAX_LENGTH:
            raise CommentInvalid(f"Keep the comment under {COMMENT_MAX_LENGTH} characters.")
        # django-fsm's own check of state, conditions and permission, as the last word.
        if not has_transition_perm(method, by):
            raise TransitionForbidden(f"You may not “{label}” here.")

        recorded = data(locked) if callable(data) else data
        on_behalf_of = rules.acting_for(by, rule, locked) if rule is not None else None
        method(by=by, comment=comment)
        try:
            locked.save()
        except ConcurrentTransition as error:
            raise TransitionConflict("This was already decided by someone else.") from error
        if fsm.custom.get("decision"):
            locked.audit_subject.add_decider(by)
        entry = audit_record(
            subject=locked.audit_subject,
            subject_locked=True,
            record=record,
            action=name,
            event=fsm.custom.get("event", ""),
            label=label,
            from_state=current,
            to_state=state_label(locked, name),
            comment=comment,
            data=recorded,
            by=by,
            on_behalf_of=on_behalf_of,
        )
        if side_effect is not None:
            # robust: a broker that is down is logged, never turned into an error page.
            transaction.on_commit(partial(side_effect, entry), robust=True)
    return entry


def _locked(instance: models.Model) -> models.Model:
    """`instance`'s row read again and locked for this transaction, with what its model says
    a decision reads of it besides (`locked_with`: the people a business case names)."""
    related = getattr(instance, "locked_with", ())
    return row_locked(type(instance)._default_manager.select_related(*related), instance.pk)


def row_locked(rows: models.QuerySet, pk: Any) -> Any:
    """Row `pk` of `rows`, locked until the transaction ends; the rows it joins are read, not
    locked. When the row changed while this waited for the lock (say, a new sponsor),
    PostgreSQL checks the new row against the joined rows it had read, which no longer match,
    and answers nothing: then once more, against the rows committed now. A row that is gone is
    still gone (DoesNotExist)."""
    rows = rows.select_for_update(of=("self",))
    try:
        return rows.get(pk=pk)
    except rows.model.DoesNotExist:
        if not rows.query.select_related:
            raise
        return rows.get(pk=pk)


def audit_record(
    *,
    subject: models.Model,
    subject_locked: bool = False,
    record: str,
    action: str,
    label: str,
    by: AbstractBaseUser,
    event: str = "",
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    on_behalf_of: AbstractBaseUser | None = None,
) -> AuditEntry:
    """Write one audit row. Services call it inside their own transaction, after their
    writes (`on_behalf_of`: whose authority a deputy used, `rules.acting_for`); the project's
    stored gate status is brought up to date with what was just written (`subject_locked`:
    see `gate_status_refresh`)."""
    entry = AuditEntry.objects.create(
        subject=subject,
        record=record,
        action=action,
        event=event,
        label=label,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
        actor=by,
        on_behalf_of=on_behalf_of,
    )
    gate_status_refresh(subject, locked=subject_locked)
    return entry


def gate_status_refresh(subject: models.Model, *, locked: bool = False) -> None:
    """Store since when every criterion of the project's next gate has been met (None while
    one is not) and the labels of those not met (`gate_unmet`). Every audited write calls it,
    so inboxes can find the projects ready to advance with one indexed query, and lists show
    what each project misses without evaluating its gate; `manage.py refresh_gates`
    recomputes every project (after a gate's criteria change in code). The project is read
    again, as a service may hand over one read before its writes — unless `locked`:
    `transition_run` read it under its lock, and since then only the transition changed it
    and its record, in memory as in the row."""
    if not isinstance(subject, StageMachine):
        return
    manager = type(subject)._default_manager
    if locked:
        forget_gate_checks(subject)  # a checklist a rule asked for before the transition
    fresh = subject if locked else manager.get(pk=subject.pk)
    since, unmet = gate_status(fresh, timezone.now())
    stored = (fresh.gate_ready_since, fresh.gate_unmet)  # `fresh` may be `subject` itself
    subject.gate_ready_since, subject.gate_unmet = since, unmet
    if (since, unmet) != stored:
        manager.filter(pk=subject.pk).update(gate_ready_since=since, gate_unmet=unmet)


def gate_status(project: Any, now: datetime) -> tuple[datetime | None, list[str]]:
    """The gate status to store for `project` (its lists read): since when its next gate has
    been ready — as stored, or `now` if it just became so; None while a criterion is unmet —
    and the labels of the criteria unmet."""
    gate = next_gate(project)
    unmet = [check.label for check in gate.unmet] if gate else []
    if gate is None or unmet:
        return None, unmet
    return project.gate_ready_since or now, unmet
