"""The one transition service, and the audit writer it shares with other services.

Every state change of a governed record — a project's stage, a business case, a charter —
runs through `transition_run`. In one database transaction it locks the row, checks the
user's permission, evaluates the gate, applies the django-fsm transition, saves, writes an
immutable audit row, and registers side effects to run only after the commit.

Models taking part provide:
- `roles_of(user)`, used by the transitions' permissions (see `lifecycle.stages.allowed`);
- `audit_subject`, the project the audit row belongs to;
- `audit_record`, the name of the record in the history ("Stage", "Business case").
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django_fsm import ConcurrentTransition, Transition, has_transition_perm

from lifecycle.gates import Check
from lifecycle.models import AuditEntry

COMMENT_MAX_LENGTH = 4000

SideEffect = Callable[[AuditEntry], object]


class TransitionError(Exception):
    """A refused transition. `code` is stable for tests; `status` is the HTTP answer."""

    code = "refused"
    status = 400
    field: str | None = None

    def __init__(self, message: str, *, checks: list[Check] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.checks = checks or []


class TransitionConflict(TransitionError):
    code = "already_decided"
    status = 409


class RecordChanged(TransitionError):
    """A form was filled in against a version of the record that is no longer current."""

    code = "stale"
    status = 409


class TransitionForbidden(TransitionError):
    code = "forbidden"
    status = 403


class GateClosed(TransitionError):
    code = "gate_closed"
    status = 409


class CommentInvalid(TransitionError):
    code = "comment_invalid"
    status = 400
    field = "comment"


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
    name: str,
    by: AbstractBaseUser,
    comment: str = "",
    data: dict[str, Any] | None = None,
    side_effect: SideEffect | None = None,
) -> AuditEntry:
    """Apply transition `name` to `instance` on behalf of `by`, or raise a TransitionError.

    `instance` may be stale: the row is re-read under a lock, so of two concurrent decisions
    exactly one wins and the other gets TransitionConflict ("already decided").
    """
    comment = comment.strip()
    with transaction.atomic():
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        method = getattr(locked, name)
        if not hasattr(method, "_django_fsm"):
            raise ValueError(f"{type(instance).__name__}.{name} is not a transition")
        record = locked.audit_record
        current = state_label(locked, name)
        fsm = fsm_transition(locked, name)
        if fsm is None:
            raise TransitionConflict(
                f"This was already decided: the {record.lower()} is now {current}."
            )
        label = fsm.custom.get("label", name)
        if not fsm.has_perm(locked, by):
            raise TransitionForbidden(f"You may not “{label}” here.")
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

        method(by=by, comment=comment)
        try:
            locked.save()
        except ConcurrentTransition as error:
            raise TransitionConflict("This was already decided by someone else.") from error
        entry = audit_record(
            subject=locked.audit_subject,
            record=record,
            action=name,
            label=label,
            from_state=current,
            to_state=state_label(locked, name),
            comment=comment,
            data=data,
            by=by,
        )
        if side_effect is not None:
            # robust: a broker that is down is logged, never turned into an error page.
            transaction.on_commit(partial(side_effect, entry), robust=True)
    return entry


def audit_record(
    *,
    subject: models.Model,
    record: str,
    action: str,
    label: str,
    by: AbstractBaseUser,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row. Services call it inside their own transaction."""
    return AuditEntry.objects.create(
        subject=subject,
        record=record,
        action=action,
        label=label,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
        actor=by,
    )
