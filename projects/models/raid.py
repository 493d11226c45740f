"""The RAID register: a project's live risks, issues, assumptions and decisions, each with an
owner, a status, a score and a review date. Risks start as those of the business case and the
charter; the register then lives on with the project."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.models.projects import SCORE_VALIDATORS, Project, ProjectRecord


class RaidKind(models.TextChoices):
    RISK = "risk", "Risk"
    ISSUE = "issue", "Issue"
    ASSUMPTION = "assumption", "Assumption"
    DECISION = "decision", "Decision"


class RaidStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RaidSource(models.TextChoices):
    BUSINESS_CASE = "business_case", "Business case"
    CHARTER = "charter", "Charter"
    REGISTER = "register", "Register"


class RaidItem(ProjectRecord, models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="raid_items")
    kind = models.CharField(max_length=12, choices=RaidKind.choices)
    title = models.CharField("Description", max_length=500)
    response = models.TextField(
        "Response",
        max_length=4000,
        blank=True,
        help_text="Mitigation of a risk, action on an issue, basis of an assumption or decision.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RaidStatus.choices, default=RaidStatus.OPEN)
    likelihood = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
        help_text="1 (rare) to 5 (almost certain)",
    )
    impact = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=SCORE_VALIDATORS, help_text="1 (minor) to 5 (severe)"
    )
    review_date = models.DateField("Review by", null=True, blank=True)
    source = models.CharField(max_length=15, choices=RaidSource.choices, default="register")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    audit_record = "Register item"
    FIELDS = ("kind", "title", "response", "owner", "likelihood", "impact", "review_date")

    class Meta:
        ordering = ["kind", "status", "-pk"]
        verbose_name = "register item"
        indexes = [
            models.Index(fields=["project", "kind", "status"]),
            models.Index(fields=["status", "review_date"]),  # reviews overdue
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5))
                & (Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5)),
                name="raid_scores_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(kind="risk") | Q(likelihood__isnull=False, impact__isnull=False),
                name="raid_risk_is_scored",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    @property
    def is_open(self) -> bool:
        return self.status == RaidStatus.OPEN
