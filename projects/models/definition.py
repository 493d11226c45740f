"""The Definition stage: measurable goals with their measurements, and the scope."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from projects.formats import day, number
from projects.models.projects import Project

# Goal values: visitors per day, percentages, hours, money… ample room, four decimals.
VALUE_LIMIT = Decimal("1000000000000")
value_validators = [
    MinValueValidator(-VALUE_LIMIT, "Enter a value above -1,000,000,000,000."),
    MaxValueValidator(VALUE_LIMIT, "Enter a value below 1,000,000,000,000."),
]


def value_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=17, decimal_places=4, validators=value_validators, **kwargs
    )


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"


class Goal(models.Model):
    """A measurable target: `metric` moves from `baseline` to `target` between two dates."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="goals")
    statement = models.CharField(
        max_length=300, help_text="What should be achieved, in one sentence."
    )
    metric = models.CharField(
        max_length=120, blank=True, help_text="What is measured, e.g. “visitors per day”."
    )
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. “visitors”, “%”, “hours”.")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    baseline = value_field("Baseline")
    target = value_field("Target", null=True, blank=True)
    start_date = models.DateField("Start", null=True, blank=True)
    due_date = models.DateField("Due", null=True, blank=True)
    owner = models.CharField(max_length=120, blank=True, help_text="Who answers for it.")
    reading_every_days = models.PositiveSmallIntegerField(
        "Reading every (days)",
        default=7,
        validators=[
            MinValueValidator(1, "Take a reading at least every day."),
            MaxValueValidator(366, "Take a reading at least once a year."),
        ],
        help_text="How often a measurement is due; a late one is in the manager's inbox.",
    )
    # When the next reading is due (the last one, or the start, plus the cadence; None once
    # a reading on or after the due date is in): kept by the services, so inboxes find late
    # readings with one indexed query.
    reading_due_on = models.DateField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    FIELDS = (
        "statement",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "start_date",
        "due_date",
        "owner",
        "reading_every_days",
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["reading_due_on"])]  # late readings

    def __str__(self) -> str:
        return self.statement

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def next_reading_due(self, last_reading: date | None) -> date | None:
        """When a reading is due after `last_reading` (the date of the latest one, if any):
        every `reading_every_days` from the start; none once the final reading — on or after
        the due date — is in."""
        if last_reading and self.due_date and last_reading >= self.due_date:
            return None
        since = last_reading or self.start_date or timezone.localdate(self.created_at)
        return since + timedelta(days=self.reading_every_days)


class Measurement(models.Model):
    """A reading of a goal's metric. Never edited or deleted: a wrong one is corrected by the
    next one, and the history shows both."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="measurements")
    date = models.DateField()
    value = value_field("Value")
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    FIELDS = ("date", "value", "note")

    class Meta:
        ordering = ["date", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{number(self.value)} on {day(self.date)}"


class ScopeItem(models.Model):
    class Kind(models.TextChoices):
        IN = "in", "In scope"
        OUT = "out", "Out of scope"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="scope_items")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    text = models.CharField(max_length=300)

    FIELDS = ("text",)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class Requirement(models.Model):
    """A demand on the result, prioritised MoSCoW, with how it will be accepted."""

    class Priority(models.TextChoices):
        MUST = "must", "Must have"
        SHOULD = "should", "Should have"
        COULD = "could", "Could have"
        WONT = "wont", "Won't have (this time)"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="requirements")
    text = models.CharField("Requirement", max_length=300)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MUST)
    acceptance_criterion = models.TextField(max_length=1000, blank=True)

    FIELDS = ("text", "priority", "acceptance_criterion")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text
