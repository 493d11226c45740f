"""The charter: the Initiating stage's output, filled out by the manager, signed by the sponsor.

`Charter` is the working copy with its sign-off state machine and its lists (stakeholders,
milestones, deliverables, assumptions, constraints, strengths, weaknesses, work plan, key
risks). Signing freezes a `CharterRevision`: a JSON snapshot of every section and its SHA-256,
never changed afterwards. Amending a signed charter reopens the working copy as the next
revision's draft; the last signed revision stays the baseline until the next signature.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, transition

from lifecycle import gates
from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.models import ImmutableModel
from lifecycle.rules import permission
from projects import events
from projects.models.projects import Project, ProjectRecord, SentBack, check_ends_after_start
from projects.models.proposals import RiskFields, risk_scores_constraint


class CharterState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for sign-off"
    SIGNED = "signed", "Signed"
    RETURNED = "returned", "Returned"


def has_signed_baseline(charter: "Charter") -> bool:
    """The working copy is an amendment: an earlier revision was signed and stays the
    baseline (revision 1 is the first draft; `amend` counts up)."""
    return charter.revision > 1


class Charter(ProjectRecord, ConcurrentTransitions, SentBack):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="charter")
    purpose = models.TextField("Purpose", max_length=4000, blank=True)
    justification = models.TextField("Justification", max_length=4000, blank=True)
    objectives = models.TextField("Objectives summary", max_length=4000, blank=True)
    budget_notes = models.TextField(
        "Budget notes", max_length=2000, blank=True, help_text="The figures come from funding."
    )
    state = FSMField(choices=CharterState.choices, default=CharterState.DRAFT, protected=True)
    revision = models.PositiveIntegerField(
        default=1, help_text="The number the working copy will have once signed."
    )
    version = models.PositiveIntegerField(
        default=0, help_text="Counts saves, so a form opened before a change is refused."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_record = "Charter"
    TEXT_FIELDS = ("purpose", "justification", "objectives", "budget_notes")

    class Meta:
        indexes = [
            models.Index(fields=["state", "submitted_at"]),  # waiting for signatures
            models.Index(fields=["state", "updated_at"]),  # a draft to complete (issue 20)
        ]

    def __str__(self) -> str:
        return f"Charter of {self.project}"

    @property
    def is_editable(self) -> bool:
        return self.state in (CharterState.DRAFT, CharterState.RETURNED)

    @property
    def is_signed(self) -> bool:
        return self.state == CharterState.SIGNED

    @transition(
        field=state,
        source=[CharterState.DRAFT, CharterState.RETURNED],
        target=CharterState.SUBMITTED,
        conditions=[gates.CHARTER_COMPLETE.is_open],
        permission=permission("may_submit_charter"),
        custom={
            "label": "Submit charter for sign-off",
            "event": events.CHARTER_SUBMITTED,
            "gate": gates.CHARTER_COMPLETE,
        },
    )
    def submit(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=CharterState.SUBMITTED,
        target=CharterState.SIGNED,
        permission=permission("may_sign_charter"),
        custom={"label": "Sign charter", "event": events.CHARTER_SIGNED, "decision": True},
    )
    def sign(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The service freezes the revision in the same transaction."""
        self._clear_sent_back()

    @transition(
        field=state,
        source=CharterState.SUBMITTED,
        target=CharterState.RETURNED,
        permission=permission("may_return_charter"),
        custom={
            "label": "Return charter",
            "event": events.CHARTER_RETURNED,
            "comment_required": True,
            "decision": True,
        },
    )
    def return_charter(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._send_back(by, comment)

    @transition(
        field=state,
        source=CharterState.SUBMITTED,
        target=CharterState.DRAFT,
        permission=permission("may_recall_charter"),
        custom={"label": "Recall", "event": events.CHARTER_RECALLED},
    )
    def recall(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The manager takes the charter back before the sponsor decided on it."""

    @transition(
        field=state,
        source=CharterState.SIGNED,
        target=CharterState.DRAFT,
        permission=permission("may_amend_charter"),
        custom={"label": "Amend charter", "event": events.CHARTER_AMENDED},
    )
    def amend(self, *, by: AbstractBaseUser, comment: str) -> None:
        self.revision += 1

    @transition(
        field=state,
        source=[CharterState.DRAFT, CharterState.RETURNED],
        target=CharterState.SIGNED,
        conditions=[has_signed_baseline],
        permission=permission("may_discard_amendment"),
        custom={
            "label": "Discard amendment",
            "event": events.CHARTER_AMENDMENT_DISCARDED,
            "not_now": "This is the charter's first draft: there is no signed revision to go "
            "back to.",
        },
    )
    def discard_amendment(self, *, by: AbstractBaseUser, comment: str) -> None:
        """Back to the signed baseline: the service restores its sections from the revision."""
        self.revision -= 1
        self._clear_sent_back()


class CharterRevision(ImmutableModel):
    """A signed charter, frozen: every section as JSON, and the SHA-256 of that JSON."""

    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    sha256 = models.CharField("SHA-256", max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="one_revision_per_number")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.charter}"


# -- The charter's lists ---------------------------------------------------------------------


def charter_list(related_name: str) -> models.ForeignKey:
    """The charter a list row belongs to; rows go with their draft charter."""
    return models.ForeignKey(Charter, on_delete=models.CASCADE, related_name=related_name)


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Stakeholder(models.Model):
    charter = charter_list("stakeholders")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    organisation = models.CharField(max_length=120, blank=True)
    email = models.EmailField("E-mail", blank=True)
    influence = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)
    interest = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)

    FIELDS = ("name", "role", "organisation", "email", "influence", "interest")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    charter = charter_list("milestones")
    name = models.CharField(max_length=200)
    due_date = models.DateField("Due", null=True, blank=True)

    FIELDS = ("name", "due_date")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Deliverable(models.Model):
    charter = charter_list("deliverables")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=1000, blank=True)

    FIELDS = ("name", "description")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class CharterItem(models.Model):
    """One line of the charter's short lists: assumptions, constraints, strengths, weaknesses."""

    charter = charter_list("items")

    class Kind(models.TextChoices):
        ASSUMPTION = "assumption", "Assumptions"
        CONSTRAINT = "constraint", "Constraints"
        STRENGTH = "strength", "Strengths"
        WEAKNESS = "weakness", "Weaknesses"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=500)

    FIELDS = ("text",)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class Task(models.Model):
    """A line of the work plan."""

    charter = charter_list("tasks")

    name = models.CharField(max_length=200)
    owner = models.CharField(max_length=120, blank=True)
    start_date = models.DateField("Start", null=True, blank=True)
    end_date = models.DateField("End", null=True, blank=True)

    FIELDS = ("name", "owner", "start_date", "end_date")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date"))
                | Q(end_date__isnull=True)
                | Q(start_date__isnull=True),
                name="task_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        check_ends_after_start(self)


class CharterRisk(RiskFields):
    """A key risk, carried over from the business case and edited in the charter."""

    charter = charter_list("risks")

    class Meta(RiskFields.Meta):
        constraints = [risk_scores_constraint("charter_risk_scores_1_to_5")]
