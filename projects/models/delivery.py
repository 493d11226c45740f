"""Planning, delivery and closure: the plan the sponsor approves, status reports, deliverables
the sponsor accepts, and the closure report."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, transition

from lifecycle import gates
from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.rules import permission
from projects import events
from projects.formats import day, money, number
from projects.models.definition import Goal, value_field
from projects.models.projects import (
    Project,
    ProjectRecord,
    SentBack,
    check_ends_after_start,
    money_field,
)

# -- Planning --------------------------------------------------------------------------------


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"


class Plan(ProjectRecord, ConcurrentTransitions, SentBack):
    """The refined work plan: tasks with owners, dates and dependencies, dated milestones and
    planned budget lines. Starts from the charter when the project enters Planning."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="plan")
    state = FSMField(choices=PlanState.choices, default=PlanState.DRAFT, protected=True)
    version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set by the sponsor when approving the plan (PRINCE2's tolerances): a forecast beyond
    # them opens an exception the sponsor decides before Closing (projects/models/change.py).
    cost_tolerance_pct = models.DecimalField(
        "Cost tolerance (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0"), "Enter a tolerance from 0 to 100%."),
            MaxValueValidator(Decimal("100"), "Enter a tolerance from 0 to 100%."),
        ],
    )
    time_tolerance_days = models.PositiveIntegerField(
        "Time tolerance (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650, "Enter a tolerance of at most 3,650 days.")],
    )
    updated_at = models.DateTimeField(auto_now=True)

    audit_record = "Plan"

    class Meta:
        indexes = [models.Index(fields=["state", "submitted_at"])]  # waiting for approval

    def __str__(self) -> str:
        return f"Plan of {self.project}"

    @property
    def is_editable(self) -> bool:
        return self.state == PlanState.DRAFT

    @property
    def is_approved(self) -> bool:
        return self.state == PlanState.APPROVED

    @property
    def budget_total(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines.all()), Decimal(0))

    @transition(
        field=state,
        source=PlanState.DRAFT,
        target=PlanState.SUBMITTED,
        conditions=[gates.PLAN_COMPLETE.is_open],
        permission=permission("may_submit_plan"),
        custom={
            "label": "Submit plan for approval",
            "event": events.PLAN_SUBMITTED,
            "gate": gates.PLAN_COMPLETE,
        },
    )
    def submit(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=PlanState.SUBMITTED,
        target=PlanState.APPROVED,
        conditions=[gates.PLAN_COMPLETE.is_open],
        permission=permission("may_approve_plan"),
        custom={
            "label": "Approve plan",
            "event": events.PLAN_APPROVED,
            "gate": gates.PLAN_COMPLETE,
            "decision": True,
        },
    )
    def approve(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.approved_at = timezone.now()
        self.approved_by = by
        self._clear_sent_back()

    @transition(
        field=state,
        source=PlanState.SUBMITTED,
        target=PlanState.DRAFT,
        permission=permission("may_return_plan"),
        custom={
            "label": "Return plan",
            "event": events.PLAN_RETURNED,
            "comment_required": True,
            "decision": True,
        },
    )
    def return_plan(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._send_back(by, comment)

    @transition(
        field=state,
        source=[PlanState.SUBMITTED, PlanState.APPROVED],
        target=PlanState.DRAFT,
        permission=permission("may_revise_plan"),
        custom={"label": "Revise plan", "event": events.PLAN_REVISED},
    )
    def revise(self, *, by: AbstractBaseUser, comment: str) -> None:
        """Editing an approved plan withdraws the approval until the sponsor gives it again."""
        self.approved_at = None
        self.approved_by = None


def plan_list(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(Plan, on_delete=models.CASCADE, related_name=related_name)


class PlanTask(models.Model):
    plan = plan_list("tasks")
    name = models.CharField(max_length=200)
    owner = models.CharField(max_length=120, blank=True)
    start_date = models.DateField("Start", null=True, blank=True)
    end_date = models.DateField("End", null=True, blank=True)
    depends_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Starts once this task has ended.",
    )

    FIELDS = ("name", "owner", "start_date", "end_date", "depends_on")

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date"))
                | Q(end_date__isnull=True)
                | Q(start_date__isnull=True),
                name="plan_task_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        check_ends_after_start(self)


class PlanMilestone(models.Model):
    plan = plan_list("milestones")
    name = models.CharField(max_length=200)
    due_date = models.DateField("Due", null=True, blank=True)  # the current baseline's date
    forecast_date = models.DateField(
        "Forecast", null=True, blank=True, help_text="When the manager now expects it."
    )

    FIELDS = ("name", "due_date")

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        STAFF = "staff", "Staff"
        CONTRACTORS = "contractors", "Contractors and services"
        HARDWARE = "hardware", "Hardware"
        SOFTWARE = "software", "Software and licences"
        TRAINING = "training", "Training"
        CONTINGENCY = "contingency", "Contingency"
        OTHER = "other", "Other"

    plan = plan_list("budget_lines")
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=200, blank=True)
    amount = money_field()  # the current baseline's figure
    forecast_to_complete = models.DecimalField(
        "Forecast to complete",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"), "Enter zero or more.")],
        help_text="What the manager expects still to spend (blank: what is left of the budget).",
    )

    FIELDS = ("category", "description", "amount")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {money(self.amount)}"


# -- Delivering ------------------------------------------------------------------------------


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class StatusReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="status_reports")
    date = models.DateField(default=timezone.localdate)
    schedule = models.CharField(max_length=5, choices=Rag.choices)
    budget = models.CharField(max_length=5, choices=Rag.choices)
    scope = models.CharField(max_length=5, choices=Rag.choices)
    summary = models.TextField(max_length=4000)
    next_steps = models.TextField("Next steps", max_length=4000, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Kept with the report as they were when it was written: the budget RAG the figures
    # proposed (the manager may choose another, and the difference shows) and the register's
    # five highest-scoring open risks.
    budget_proposed = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    top_risks = models.JSONField(default=list, blank=True)

    FIELDS = ("date", "schedule", "budget", "scope", "summary", "next_steps")

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Status of {self.project} on {day(self.date)}"


class DeliverableState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    ACCEPTED = "accepted", "Accepted"


class ProjectDeliverable(ProjectRecord, ConcurrentTransitions, SentBack):
    """A deliverable being delivered: taken from the charter when delivery starts, marked
    delivered by the manager, accepted (or sent back) by the sponsor."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="deliverables")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=1000, blank=True)
    state = FSMField(
        choices=DeliverableState.choices, default=DeliverableState.PENDING, protected=True
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    audit_record = "Deliverable"

    class Meta:
        ordering = ["pk"]
        verbose_name = "deliverable"
        indexes = [models.Index(fields=["state", "delivered_at"])]  # waiting for acceptance

    def __str__(self) -> str:
        return self.name

    @transition(
        field=state,
        source=DeliverableState.PENDING,
        target=DeliverableState.DELIVERED,
        permission=permission("may_deliver"),
        custom={"label": "Mark delivered", "event": events.DELIVERABLE_DELIVERED},
    )
    def deliver(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.delivered_at = timezone.now()

    @transition(
        field=state,
        source=DeliverableState.DELIVERED,
        target=DeliverableState.ACCEPTED,
        permission=permission("may_accept_deliverable"),
        custom={
            "label": "Accept deliverable",
            "event": events.DELIVERABLE_ACCEPTED,
            "decision": True,
        },
    )
    def accept(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.accepted_at = timezone.now()
        self.accepted_by = by
        self._clear_sent_back()

    @transition(
        field=state,
        source=DeliverableState.DELIVERED,
        target=DeliverableState.PENDING,
        permission=permission("may_send_back_deliverable"),
        custom={
            "label": "Send back",
            "event": events.DELIVERABLE_SENT_BACK,
            "comment_required": True,
            "decision": True,
        },
    )
    def send_back(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.delivered_at = None
        self._send_back(by, comment)


# -- Closing ---------------------------------------------------------------------------------


class ClosureReport(models.Model):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="closure")
    lessons_learned = models.TextField("Lessons learned", max_length=8000, blank=True)
    handover = models.TextField(
        "Handover to operations",
        max_length=8000,
        blank=True,
        help_text="Who runs the result from now on, and what they received.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    TEXT_FIELDS = ("lessons_learned", "handover")

    def __str__(self) -> str:
        return f"Closure report of {self.project}"


class ClosureGoal(models.Model):
    """The final value of one goal, as the closure report states it."""

    report = models.ForeignKey(ClosureReport, on_delete=models.CASCADE, related_name="goals")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    final_value = value_field("Final value", null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    FIELDS = ("final_value", "note")

    class Meta:
        ordering = ["goal_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "goal"], name="one_final_value_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {number(self.final_value)}"

    @property
    def achieved(self) -> bool | None:
        """Whether the final value reached the target (None until it is given)."""
        goal = self.goal
        if self.final_value is None or goal.target is None:
            return None
        if goal.target >= goal.baseline:
            return self.final_value >= goal.target
        return self.final_value <= goal.target
