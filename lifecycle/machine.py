"""The stage state machine every project runs on (SPEC §3).

`StageMachine` is an abstract model: `projects.Project` inherits it, so the dependency runs
projects -> lifecycle. Each transition names the rule that says who may take it
(`permission("may_…")`, declared in projects/rules.py), the gate that opens it (`conditions`
and `custom["gate"]`, the same object), its label and the event it announces. Nothing calls
these methods directly: `lifecycle.services.transition_run` locks, checks, applies, saves
and audits.

Adding a stage's transition is one method here, one `Gate` in `gates.py` and one rule in
projects/rules.py.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import GET_STATE, FSMField, transition

from lifecycle import gates
from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.rules import permission
from lifecycle.stages import ACTIVE, STAGE_CHANGED, Stage


def _previous_stage(instance: "StageMachine", *args: Any, **kwargs: Any) -> str:
    return instance.previous_stage


class StageMachine(ConcurrentTransitions, models.Model):
    stage = FSMField(choices=Stage.choices, default=Stage.IDENTIFYING, protected=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    # The stage left for On hold or Cancelled: Resume returns to it, the stage bar shows it.
    previous_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    # Why it was put on hold or cancelled, and by whom: shown on the project until it moves on.
    stage_reason = models.TextField(blank=True)
    stage_reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Since when every criterion of the next gate has been met (None while one is unmet),
    # kept by every audited write (`lifecycle.services.gate_status_refresh`): inboxes find the
    # projects ready to advance without evaluating thousands of checklists.
    gate_ready_since = models.DateTimeField(null=True, blank=True)
    # The labels of the next gate's criteria not met yet, as the same writes last found them
    # ([] when ready or no gate is ahead; None until stored): lists of projects show what each
    # still misses without reading what the criteria read (`next_gate_as_stored`).
    gate_unmet = models.JSONField(null=True, blank=True, editable=False)

    audit_record = "Stage"
    # What a decision reads of the project besides its row (the people a business case's
    # snapshot names): read by the query that locks it (`lifecycle.services.transition_run`).
    locked_with: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def audit_subject(self) -> "StageMachine":
        return self

    @property
    def read_only_reason(self) -> str:
        """Why nothing of the project may be written now ("" while it is active)."""
        if self.stage == Stage.CLOSED:
            return f"{self} is closed: its records are read-only."
        if self.stage == Stage.CANCELLED:
            return f"{self} is cancelled: its records are read-only."
        if self.stage == Stage.ON_HOLD:
            return f"{self} is on hold: nothing changes until the sponsor or the PMO resumes it."
        return ""

    def add_decider(self, user: Any) -> None:
        """Remember that `user` decided on a record of this project (they keep reading it)."""
        raise NotImplementedError

    def _enter_stage(self, *, by: Any = None, reason: str = "") -> None:
        self.stage_entered_at = timezone.now()
        self.gate_ready_since = None  # the next gate is another one now
        self.gate_unmet = None
        self.stage_reason = reason
        self.stage_reason_by = by if reason else None

    @transition(
        field="stage",
        source=Stage.IDENTIFYING,
        target=Stage.INITIATING,
        conditions=[gates.INITIATING.is_open],
        permission=permission("may_advance_to_initiating"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Initiating",
            "kind": "advance",
            "gate": gates.INITIATING,
        },
    )
    def advance_to_initiating(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=Stage.INITIATING,
        target=Stage.DEFINING,
        conditions=[gates.DEFINING.is_open],
        permission=permission("may_advance_to_defining"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Defining",
            "kind": "advance",
            "gate": gates.DEFINING,
        },
    )
    def advance_to_defining(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=Stage.DEFINING,
        target=Stage.PLANNING,
        conditions=[gates.PLANNING.is_open],
        permission=permission("may_advance_to_planning"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Planning",
            "kind": "advance",
            "gate": gates.PLANNING,
        },
    )
    def advance_to_planning(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=Stage.PLANNING,
        target=Stage.DELIVERING,
        conditions=[gates.DELIVERING.is_open],
        permission=permission("may_advance_to_delivering"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Delivering",
            "kind": "advance",
            "gate": gates.DELIVERING,
        },
    )
    def advance_to_delivering(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=Stage.DELIVERING,
        target=Stage.CLOSING,
        conditions=[gates.CLOSING.is_open],
        permission=permission("may_advance_to_closing"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Closing",
            "kind": "advance",
            "gate": gates.CLOSING,
        },
    )
    def advance_to_closing(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=Stage.CLOSING,
        target=Stage.CLOSED,
        conditions=[gates.CLOSED.is_open],
        permission=permission("may_advance_to_closed"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Advance to Closed",
            "kind": "advance",
            "gate": gates.CLOSED,
        },
    )
    def advance_to_closed(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=ACTIVE,
        target=Stage.ON_HOLD,
        permission=permission("may_hold_project"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Put on hold",
            "kind": "hold",
            "comment_required": True,
        },
    )
    def hold(self, *, by: Any, comment: str) -> None:
        self.previous_stage = self.stage
        self._enter_stage(by=by, reason=comment)

    @transition(
        field="stage",
        source=Stage.ON_HOLD,
        target=GET_STATE(_previous_stage, states=ACTIVE),
        permission=permission("may_resume_project"),
        custom={"event": STAGE_CHANGED, "label": "Resume", "kind": "resume"},
    )
    def resume(self, *, by: Any, comment: str) -> None:
        self._enter_stage()

    @transition(
        field="stage",
        source=[*ACTIVE, Stage.ON_HOLD],
        target=Stage.CANCELLED,
        permission=permission("may_cancel_project"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Cancel project",
            "kind": "cancel",
            "comment_required": True,
        },
    )
    def cancel(self, *, by: Any, comment: str) -> None:
        if self.stage != Stage.ON_HOLD:
            self.previous_stage = self.stage
        self._enter_stage(by=by, reason=comment)

    @transition(
        field="stage",
        source=Stage.IDENTIFYING,
        target=Stage.CANCELLED,
        conditions=[gates.BUSINESS_CASE_CLOSED.is_open],
        permission=permission("may_cancel_with_business_case"),
        custom={
            "event": STAGE_CHANGED,
            "label": "Cancel with its business case",
            "kind": "automatic",
            "gate": gates.BUSINESS_CASE_CLOSED,
        },
    )
    def cancel_with_business_case(self, *, by: Any, comment: str) -> None:
        self.previous_stage = self.stage
        self._enter_stage(by=by, reason=comment)
