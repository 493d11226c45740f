"""Change after the plan is approved (PRINCE2's exceptions and change control): a forecast
beyond the sponsor's tolerance opens an exception; a change request, decided under the same
approval authority as business cases, makes a new plan baseline — immutable and hashed like a
signed charter revision."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, transition

from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.models import ImmutableModel
from lifecycle.rules import permission
from projects import events
from projects.models.delivery import BudgetLine, PlanMilestone
from projects.models.projects import MONEY_MAX, Project, ProjectRecord


class ChangeRequestState(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting decision"
    ESCALATED = "escalated", "Escalated (above the sponsor's approval limit)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Deciding: the same from the sponsor and, once escalated, from above (like a business case).
APPROVE = {"label": "Approve", "event": events.CHANGE_REQUEST_APPROVED, "decision": True}
REJECT = {
    "label": "Reject",
    "event": events.CHANGE_REQUEST_REJECTED,
    "comment_required": True,
    "decision": True,
}


class ChangeRequest(ProjectRecord, ConcurrentTransitions, models.Model):
    """What should change after the plan was approved, why, and what it does to cost, time and
    scope. Raised by the manager, decided by the sponsor within their approval limit (above
    it, endorsed and escalated like a business case)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="change_requests")
    number = models.PositiveIntegerField()  # CR-1, CR-2… within the project
    title = models.CharField("What changes", max_length=200)
    reason = models.TextField("Why", max_length=4000)
    cost_impact = models.DecimalField(
        "Cost impact",
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[
            MinValueValidator(-MONEY_MAX, "Enter an amount above -10,000,000,000."),
            MaxValueValidator(MONEY_MAX, "Enter an amount below 10,000,000,000."),
        ],
        help_text="Added to the budget (negative: a saving).",
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The budget line the cost impact changes.",
    )
    time_impact_days = models.IntegerField(
        "Time impact (days)",
        default=0,
        validators=[
            MinValueValidator(-3650, "Enter at most 3,650 days either way."),
            MaxValueValidator(3650, "Enter at most 3,650 days either way."),
        ],
        help_text="Days the milestone moves (negative: earlier).",
    )
    milestone = models.ForeignKey(
        PlanMilestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The milestone the time impact moves (later milestones move with it).",
    )
    scope_impact = models.TextField("Scope impact", max_length=4000, blank=True)
    state = FSMField(
        choices=ChangeRequestState.choices, default=ChangeRequestState.SUBMITTED, protected=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    audit_record = "Change request"
    FIELDS = (
        "title",
        "reason",
        "cost_impact",
        "budget_line",
        "time_impact_days",
        "milestone",
        "scope_impact",
    )

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["state", "raised_at"])]  # waiting for a decision
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="one_change_request_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"CR-{self.number}"

    @property
    def is_undecided(self) -> bool:
        return self.state in (ChangeRequestState.SUBMITTED, ChangeRequestState.ESCALATED)

    def _decided(self, by: AbstractBaseUser, comment: str) -> None:
        self.decided_at = timezone.now()
        self.decided_by = by
        self.decision_comment = comment

    @transition(
        field=state,
        source=ChangeRequestState.SUBMITTED,
        target=ChangeRequestState.APPROVED,
        permission=permission("may_approve_change_request"),
        custom=APPROVE,
    )
    @transition(
        field=state,
        source=ChangeRequestState.ESCALATED,
        target=ChangeRequestState.APPROVED,
        permission=permission("may_decide_escalated_change_request"),
        custom=APPROVE,
    )
    def approve(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The service applies the change to the plan and makes the next baseline."""
        self._decided(by, comment)

    @transition(
        field=state,
        source=ChangeRequestState.SUBMITTED,
        target=ChangeRequestState.ESCALATED,
        permission=permission("may_endorse_change_request"),
        custom={"label": "Endorse", "event": events.CHANGE_REQUEST_ENDORSED, "decision": True},
    )
    def endorse(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The sponsor's approval above their limit: it now waits for a higher authority."""
        self.endorsed_by = by
        self.endorsed_at = timezone.now()

    @transition(
        field=state,
        source=ChangeRequestState.SUBMITTED,
        target=ChangeRequestState.REJECTED,
        permission=permission("may_decide_change_request"),
        custom=REJECT,
    )
    @transition(
        field=state,
        source=ChangeRequestState.ESCALATED,
        target=ChangeRequestState.REJECTED,
        permission=permission("may_decide_escalated_change_request"),
        custom=REJECT,
    )
    def reject(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._decided(by, comment)

    @transition(
        field=state,
        source=[ChangeRequestState.SUBMITTED, ChangeRequestState.ESCALATED],
        target=ChangeRequestState.WITHDRAWN,
        permission=permission("may_withdraw_change_request"),
        custom={"label": "Withdraw", "event": events.CHANGE_REQUEST_WITHDRAWN},
    )
    def withdraw(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The manager takes back a change request nobody has decided yet."""


class PlanBaseline(ImmutableModel):
    """The approved plan, frozen: budget lines, milestones, tolerances and scope changes as
    JSON, with the SHA-256 of that JSON. Number 1 is made when the sponsor approves the plan;
    each approved change request makes the next."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="baselines")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    sha256 = models.CharField("SHA-256", max_length=64)
    change_request = models.OneToOneField(
        ChangeRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="baseline",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_baseline_per_number")
        ]

    def __str__(self) -> str:
        return f"Baseline {self.number} of {self.project}"


class ExceptionKind(models.TextChoices):
    COST = "cost", "Cost"
    TIME = "time", "Time"


class ExceptionState(models.TextChoices):
    OPEN = "open", "Open — waiting for the sponsor's decision"
    CHANGED = "changed", "Decided: a change request was approved"
    CANCELLED = "cancelled", "Decided: the project was cancelled"


class ToleranceException(ProjectRecord, models.Model):
    """A forecast beyond the tolerance the sponsor set: open until the sponsor decides it by
    approving a change request or cancelling the project; it blocks Advance to Closing."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="exceptions")
    kind = models.CharField(max_length=10, choices=ExceptionKind.choices)
    state = models.CharField(max_length=10, choices=ExceptionState.choices, default="open")
    detail = models.TextField(help_text="What crossed which tolerance, in figures.")
    figures = models.JSONField(default=dict)  # baseline, forecast, tolerance, as strings
    baseline = models.ForeignKey(
        PlanBaseline, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_request = models.ForeignKey(
        ChangeRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exceptions",
        help_text="The approved change request that decided it.",
    )

    audit_record = "Exception"

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["state", "opened_at"])]  # waiting for the sponsor
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(state="open"),
                name="one_open_exception_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} exception on {self.project}"

    @property
    def is_open(self) -> bool:
        return self.state == ExceptionState.OPEN
