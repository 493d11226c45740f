"""Projects and the people around them: sponsors, managers, members; the money committed."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.machine import StageMachine
from lifecycle.rules import permission, rule
from lifecycle.selectors import Action, gate_reads, next_gate_as_stored
from lifecycle.services import row_locked
from projects import events
from projects.addresses import project_url
from projects.formats import money, person
from projects.statements import prefetched

MONEY_MAX = Decimal("10000000000")  # ten billion: anything above is a typo, not a project
money_validators = [
    MinValueValidator(Decimal("0.01"), "Enter an amount above zero."),
    MaxValueValidator(MONEY_MAX, "Enter an amount below 10,000,000,000."),
]
SCORE_VALIDATORS = [
    MinValueValidator(1, "Use a value from 1 to 5."),
    MaxValueValidator(5, "Use a value from 1 to 5."),
]


def check_ends_after_start(record: Any) -> None:
    """For `clean()` of anything with a start and an end date: the form shows it by the end."""
    if record.start_date and record.end_date and record.end_date < record.start_date:
        raise ValidationError({"end_date": "The end must not be before the start."})


def money_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        max_digits=14, decimal_places=2, validators=money_validators, **kwargs
    )


class Category(models.TextChoices):
    SOFTWARE = "software", "Software development"
    HARDWARE = "hardware", "Hardware installation/upgrade"
    NETWORK = "network", "Network upgrade"
    ANALYTICS = "analytics", "Business analytics"
    DATA = "data", "Data management"
    OTHER = "other", "Other"


class Sponsor(models.Model):
    """A user who may sponsor projects, up to an approval limit (blank = unlimited)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="sponsor_profile",
    )
    title = models.CharField(max_length=120)
    business_unit = models.CharField(max_length=120)
    approval_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Blank means unlimited.",
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{person(self.user)}, {self.title}"

    def holds_anything(self) -> bool:
        """Whether they sponsor a project or have named a deputy: then they stay a sponsor
        until the PMO hands those on (the People page and single sign-on alike)."""
        return self.projects.exists() or self.delegations.exists()


class ProjectQuerySet(models.QuerySet):
    def locked(self, pk: int) -> "Project":
        """The project row, locked until the transaction ends (its related rows are not):
        services that check a stage rule and then write take it first, so two requests
        cannot both pass the check."""
        return row_locked(self, pk)

    def visible_to(self, user: AbstractBaseUser) -> "ProjectQuerySet":
        """SPEC §5, as the rule `may_view_project` says (projects/rules.py)."""
        return self.filter(rule("may_view_project").q(user))

    def for_gates(self) -> "ProjectQuerySet":
        """The one-to-one records every gate reads, joined in (lists add `with_gates`)."""
        return self.select_related(
            "proposal", "charter", "plan", "closure", "manager", "sponsor__user"
        )


def with_gates(projects: list["Project"]) -> list["Project"]:
    """Fetch, for a list of projects, the related records their next gates read — only
    those, each relation in one query — so a list's query count does not grow with it."""
    prefetched(projects, *sorted(gate_reads(projects)))
    return projects


def with_stored_gates(projects: list["Project"]) -> list[tuple["Project", Action | None]]:
    """Each project with its next gate as its stored status says (`next_gate_as_stored`:
    what a list shows — ready, or the criteria unmet); the records the criteria read are
    read only for the projects with nothing stored yet."""
    with_gates([project for project in projects if project.gate_unmet is None])
    return [(project, next_gate_as_stored(project)) for project in projects]


def reference(pk: int) -> str:
    """How people name a project: “TG-0042”."""
    return f"TG-{pk:04d}"


class Project(StageMachine):
    # The portfolio's text search has a trigram index on the title (PostgreSQL only; migration
    # 0026_text_search_trigram_indexes).
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_projects",
        help_text="Wrote the business case and manages the project.",
    )
    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="projects")
    locked_with = ("sponsor__user",)
    created_at = models.DateTimeField(default=timezone.now)
    # The business case's estimated cost (`Proposal.estimated_cost`), copied here by the
    # database itself (triggers, migration 0027) whatever writes the business case: the
    # portfolio's totals, sorting and stage sums read one table instead of joining thousands of
    # business cases. Read it only in queries; the business case's own field is the figure.
    estimated_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    # The date of its latest status report (`StatusReport.date`), kept here by the database
    # (triggers, migration 0030): "Status report due" is counted from it on every list of
    # what waits, without a subquery per delivering project.
    last_report_on = models.DateField(null=True, blank=True, editable=False)
    # The sum of the project's fundings, kept by `funding_record` in the same transaction as
    # each funding: lists total and sort money without summing thousands of rows.
    funded = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    # Kept the same way by the cost services (projects/services/costs.py and change.py): the
    # sum of actual costs, the estimate at completion (actuals plus the forecast to complete,
    # per budget line) and the budget of the current plan baseline. The last two are blank
    # until the sponsor approves the plan.
    actual_cost = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    forecast_cost = models.DecimalField(
        "Estimate at completion",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    baseline_budget = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, editable=False
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("view_portfolio", "Can see and administer every project (PMO)")]
        indexes = [
            # A stage's projects in the list's default order: the board numbers each stage's
            # rows from it, without sorting the portfolio. With the estimate beside each entry,
            # the PMO's projects and estimates by stage and the board's count per stage are read
            # from this index alone, not the table (2.1 → 1.3 ms and 1.2 → 1.0 ms at 10,000
            # projects, while the visibility map says the rows are current: issue 20).
            models.Index(
                fields=["stage", "-created_at", "-id"],
                include=["estimated_cost"],
                name="projects_stage_created",
            ),
            models.Index(fields=["sponsor", "stage", "-created_at"]),
            models.Index(fields=["manager", "stage", "-created_at"]),
            models.Index(fields=["stage_entered_at"]),  # gates blocked longest
            # What has waited longest across the portfolio (the PMO's overdue list): a stage's
            # work not yet ready for its gate by the day the stage began, and the gates ready
            # for their decision by the day they became so — not a scan of every project for
            # each (issue 20).
            models.Index(
                fields=["stage", "stage_entered_at"],
                condition=models.Q(gate_ready_since__isnull=True),
                name="projects_stage_work_since",
            ),
            models.Index(
                fields=["gate_ready_since"],
                condition=models.Q(gate_ready_since__isnull=False),
                name="projects_gate_ready_since",
            ),
            models.Index(fields=["-created_at", "-id"]),  # the portfolio's default order
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    # What only the database writes (triggers, migrations 0027 and 0030).
    KEPT_BY_THE_DATABASE = ("estimated_cost", "last_report_on")

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a project writes every field it was read with but those only the database
        writes (`KEPT_BY_THE_DATABASE`): a project read before its business case's estimate
        changed, or before a status report was written, must not put the old value back."""
        adding = self._state.adding or kwargs.get("force_insert")
        if not adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()  # as Django's save: what was not read stays
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in self.KEPT_BY_THE_DATABASE
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return reference(self.pk)

    def get_absolute_url(self) -> str:
        return project_url("projects:detail", self.pk)

    def add_decider(self, user: AbstractBaseUser) -> None:
        """Whoever decided on one of its records keeps reading the project (SPEC §5)."""
        # One statement (INSERT … ON CONFLICT DO NOTHING): a member already keeps their kind.
        Membership.objects.bulk_create(
            [Membership(project=self, user=user, kind=Membership.Kind.DECIDER)],
            ignore_conflicts=True,
        )


class ProjectRecord:
    """A record that belongs to one project: audited against it, decided by its people."""

    project: Project

    @property
    def audit_subject(self) -> Project:
        return self.project

    @audit_subject.setter
    def audit_subject(self, project: Project) -> None:
        """The transition service hands the record the project row it holds locked."""
        self.project = project


class SentBack(models.Model):
    """A record its decider may send back with a reason (a returned charter or plan, a
    deliverable sent back): the reason stays on the record, beside its state, until the next
    decision on it."""

    sent_back_at = models.DateTimeField(null=True, blank=True)
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_back_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    def _send_back(self, by: AbstractBaseUser, reason: str) -> None:
        self.sent_back_at, self.sent_back_by, self.sent_back_reason = timezone.now(), by, reason

    def _clear_sent_back(self) -> None:
        """The next decision replaces the last send-back."""
        self.sent_back_at, self.sent_back_by, self.sent_back_reason = None, None, ""


class Membership(models.Model):
    """Who reads the project beside its manager and sponsor: stakeholders, team members, and
    whoever decided on one of its records (an approver above the sponsor's limit)."""

    class Kind(models.TextChoices):
        STAKEHOLDER = "stakeholder", "Stakeholder"
        TEAM = "team", "Team member"
        DECIDER = "decider", "Decided on a record"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STAKEHOLDER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.project}"


class FundingState(models.TextChoices):
    PROPOSED = "proposed", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Funding(ProjectRecord, ConcurrentTransitions, FSMModelMixin, models.Model):
    """Money committed to a project; recorded by its sponsor or the PMO. Within the recorder's
    approval limit and the approved cost it is approved as it is recorded; beyond either it
    waits, proposed, for someone whose approval authority covers the project's new total
    (SPEC §4, like business cases). Only approved funding counts (`Project.funded`)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="fundings")
    amount = money_field()
    source = models.CharField("Source / cost centre", max_length=200)
    approved_on = models.DateField("Approved on", default=timezone.localdate)
    state = FSMField(choices=FundingState.choices, default=FundingState.PROPOSED, protected=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who approved it: the recorder within their authority, else the approver.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # A correction is never an edit: a reversing entry (the negative of the amount it
    # reverses, approved at once) with the reason, then a new entry with the right figure.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    reason = models.TextField("Reason for the correction", max_length=2000, blank=True)

    audit_record = "Funding"

    class Meta:
        ordering = ["approved_on", "pk"]
        indexes = [models.Index(fields=["state", "recorded_at"])]  # waiting for approval
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) | models.Q(reverses__isnull=False),
                name="funding_positive_unless_reversal",
            )
        ]

    def __str__(self) -> str:
        return f"{money(self.amount)} from {self.source}"

    @property
    def is_approved(self) -> bool:
        return self.state == FundingState.APPROVED

    def _decided(self, by: AbstractBaseUser) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=FundingState.PROPOSED,
        target=FundingState.APPROVED,
        permission=permission("may_approve_funding"),
        custom={"label": "Approve funding", "event": events.FUNDING_APPROVED, "decision": True},
    )
    def approve(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.approved_by = by
        self._decided(by)

    @transition(
        field=state,
        source=FundingState.PROPOSED,
        target=FundingState.REJECTED,
        permission=permission("may_approve_funding"),
        custom={
            "label": "Reject funding",
            "event": events.FUNDING_REJECTED,
            "comment_required": True,
            "decision": True,
        },
    )
    def reject(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._decided(by)
