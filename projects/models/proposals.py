"""The business case: the Identifying stage's record, and its risks."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, transition

from lifecycle import gates
from lifecycle.concurrency import ConcurrentTransitions
from lifecycle.rules import permission
from projects import events
from projects.models.projects import (
    SCORE_VALIDATORS,
    Project,
    ProjectRecord,
    check_ends_after_start,
    money_field,
)


class ProposalState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ESCALATED = "escalated", "Escalated (above the sponsor's approval limit)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Rejecting and requesting changes: the same from the sponsor and, once escalated, from above.
REJECT = {
    "label": "Reject",
    "event": events.BUSINESS_CASE_REJECTED,
    "comment_required": True,
    "decision": True,
}
REQUEST_CHANGES = {
    "label": "Request changes",
    "event": events.BUSINESS_CASE_CHANGES_REQUESTED,
    "comment_required": True,
    "decision": True,
}


class Proposal(ProjectRecord, ConcurrentTransitions, models.Model):
    """The business case: the Identifying stage's record, decided by the project's sponsor.

    A draft may be incomplete; submission requires what `gates.BUSINESS_CASE_COMPLETE` lists.
    """

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="proposal")
    # The goal and the description have trigram indexes for the portfolio's text search
    # (PostgreSQL only; migration 0026_text_search_trigram_indexes).
    goal = models.TextField(
        "Goal", max_length=2000, blank=True, help_text="What should the project achieve?"
    )
    need = models.TextField("Need", max_length=2000, blank=True, help_text="Why is it needed now?")
    description = models.TextField(max_length=5000, blank=True)
    estimated_cost = money_field(null=True, blank=True)
    start_date = models.DateField("Start", null=True, blank=True)
    end_date = models.DateField("End", null=True, blank=True)
    benefits = models.TextField("Expected benefits", max_length=2000, blank=True)
    state = FSMField(choices=ProposalState.choices, default=ProposalState.DRAFT, protected=True)
    revision = models.PositiveIntegerField(default=0, help_text="How many times it was submitted.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_comment = models.TextField(blank=True)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_record = "Business case"
    # What the manager writes: the form's fields, the service's, the snapshot's.
    CASE_FIELDS = (
        "goal",
        "need",
        "description",
        "estimated_cost",
        "start_date",
        "end_date",
        "benefits",
    )

    class Meta:
        # What waits on a business case, by state and since when (issue 20): submitted (the
        # sponsor's decision), decided (funding to record, changes to make), a draft.
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["state", "decided_at"]),
            models.Index(fields=["state", "updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date"))
                | Q(end_date__isnull=True)
                | Q(start_date__isnull=True),
                name="proposal_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Business case for {self.project}"

    def clean(self) -> None:
        check_ends_after_start(self)

    @property
    def is_approved(self) -> bool:
        return self.state == ProposalState.APPROVED

    @property
    def is_closed(self) -> bool:
        return self.state in (ProposalState.REJECTED, ProposalState.WITHDRAWN)

    @property
    def is_editable(self) -> bool:
        return self.state in (ProposalState.DRAFT, ProposalState.CHANGES_REQUESTED)

    def _decided(self, by: AbstractBaseUser, comment: str) -> None:
        self.decided_at = timezone.now()
        self.decided_by = by
        self.decision_comment = comment

    @transition(
        field=state,
        source=[ProposalState.DRAFT, ProposalState.CHANGES_REQUESTED],
        target=ProposalState.SUBMITTED,
        conditions=[gates.BUSINESS_CASE_COMPLETE.is_open],
        permission=permission("may_submit_business_case"),
        custom={
            "label": "Submit for approval",
            "event": events.BUSINESS_CASE_SUBMITTED,
            "gate": gates.BUSINESS_CASE_COMPLETE,
        },
    )
    def submit(self, *, by: AbstractBaseUser, comment: str) -> None:
        """First submission, or resubmission after the sponsor asked for changes. The earlier
        decision stays in the history; the record shows the one still to come."""
        self.revision += 1
        self.submitted_at = timezone.now()
        self.decided_at = self.decided_by = self.endorsed_at = self.endorsed_by = None
        self.decision_comment = ""

    @transition(
        field=state,
        source=ProposalState.SUBMITTED,
        target=ProposalState.APPROVED,
        permission=permission("may_approve_business_case"),
        custom={"label": "Approve", "event": events.BUSINESS_CASE_APPROVED, "decision": True},
    )
    @transition(
        field=state,
        source=ProposalState.ESCALATED,
        target=ProposalState.APPROVED,
        permission=permission("may_decide_escalated_business_case"),
        custom={"label": "Approve", "event": events.BUSINESS_CASE_APPROVED, "decision": True},
    )
    def approve(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._decided(by, comment)

    @transition(
        field=state,
        source=ProposalState.SUBMITTED,
        target=ProposalState.ESCALATED,
        permission=permission("may_endorse_business_case"),
        custom={"label": "Endorse", "event": events.BUSINESS_CASE_ENDORSED, "decision": True},
    )
    def endorse(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The sponsor's approval above their limit: it now waits for a higher authority."""
        self.endorsed_by = by
        self.endorsed_at = timezone.now()

    @transition(
        field=state,
        source=ProposalState.SUBMITTED,
        target=ProposalState.REJECTED,
        permission=permission("may_decide_business_case"),
        custom=REJECT,
    )
    @transition(
        field=state,
        source=ProposalState.ESCALATED,
        target=ProposalState.REJECTED,
        permission=permission("may_decide_escalated_business_case"),
        custom=REJECT,
    )
    def reject(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._decided(by, comment)

    @transition(
        field=state,
        source=ProposalState.SUBMITTED,
        target=ProposalState.CHANGES_REQUESTED,
        permission=permission("may_decide_business_case"),
        custom=REQUEST_CHANGES,
    )
    @transition(
        field=state,
        source=ProposalState.ESCALATED,
        target=ProposalState.CHANGES_REQUESTED,
        permission=permission("may_decide_escalated_business_case"),
        custom=REQUEST_CHANGES,
    )
    def request_changes(self, *, by: AbstractBaseUser, comment: str) -> None:
        self._decided(by, comment)

    @transition(
        field=state,
        source=ProposalState.SUBMITTED,
        target=ProposalState.DRAFT,
        permission=permission("may_recall_business_case"),
        custom={"label": "Recall", "event": events.BUSINESS_CASE_RECALLED},
    )
    def recall(self, *, by: AbstractBaseUser, comment: str) -> None:
        """The manager takes a business case back before anyone decided on it: a draft again,
        to correct and submit once more (submissions still count in `revision`)."""

    @transition(
        field=state,
        source=[ProposalState.DRAFT, ProposalState.CHANGES_REQUESTED],
        target=ProposalState.WITHDRAWN,
        permission=permission("may_withdraw_business_case"),
        custom={"label": "Withdraw", "event": events.BUSINESS_CASE_WITHDRAWN},
    )
    def withdraw(self, *, by: AbstractBaseUser, comment: str) -> None:
        pass


class RiskFields(models.Model):
    """A risk as the business case states it and the charter carries it over."""

    description = models.CharField(max_length=500)
    likelihood = models.PositiveSmallIntegerField(
        validators=SCORE_VALIDATORS, help_text="1 (rare) to 5 (almost certain)"
    )
    impact = models.PositiveSmallIntegerField(
        validators=SCORE_VALIDATORS, help_text="1 (minor) to 5 (severe)"
    )
    mitigation = models.TextField(max_length=2000, blank=True)

    FIELDS = ("description", "likelihood", "impact", "mitigation")

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


def risk_scores_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
        name=name,
    )


class Risk(RiskFields):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="risks")

    class Meta(RiskFields.Meta):
        constraints = [risk_scores_constraint("risk_scores_1_to_5")]
