"""People beyond their role: their preferences, and the deputies who decide for a sponsor on
leave."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from projects.formats import day
from projects.models.projects import Sponsor


class Profile(models.Model):
    """What a person chooses for themselves (created when first saved; absent means the
    defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    digest = models.BooleanField(
        "Daily digest e-mail",
        default=True,
        help_text="Once a day, what has waited for you longer than a few days.",
    )
    mention_emails = models.BooleanField(
        "E-mail me when someone mentions me",
        default=True,
        help_text="Mentions wait in Needs my action either way.",
    )
    title = models.CharField(
        max_length=120, blank=True, help_text="Your job title, shown beside your name."
    )
    # When the PMO last deactivated the person (they cannot log in while `is_active` is off):
    # since when their projects wait for a new manager or sponsor.
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who single sign-on vouched for (the id_token's `iss` and `sub`, the provider's stable
    # identity): set on the first sign-in, then the account is found by them alone, whatever
    # the person's username at the provider becomes. Blank: never signed in that way.
    sso_issuer = models.CharField(max_length=255, blank=True, editable=False)
    sso_subject = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sso_issuer", "sso_subject"],
                condition=~Q(sso_subject=""),
                name="profile_one_account_per_sso_identity",
            )
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class DelegationQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> "DelegationQuerySet":
        """In force on `on` (today): started, not ended, not revoked."""
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True)


class Delegation(models.Model):
    """A sponsor names a deputy for a date range (say, their leave): during it the deputy sees
    the sponsor's items and decides them within the sponsor's approval limit, recorded as
    "Lee Park for Dana Whitfield". Delegations end by themselves; revoking one keeps it."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="delegations")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deputising"
    )
    starts_on = models.DateField("From")
    ends_on = models.DateField("Until", help_text="The last day the deputy decides.")
    note = models.CharField(max_length=200, blank=True, help_text="e.g. “Annual leave”.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DelegationQuerySet.as_manager()

    audit_record = "Delegation"

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["deputy", "starts_on", "ends_on"]),
            models.Index(fields=["sponsor", "starts_on", "ends_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(deputy=F("sponsor")), name="delegation_to_someone_else"
            ),
        ]

    def __str__(self) -> str:
        span = f"from {day(self.starts_on)} to {day(self.ends_on)}"
        return f"{self.deputy} for {self.sponsor.user} {span}"

    @property
    def status(self) -> str:
        today = timezone.localdate()
        if self.revoked_at:
            return "Revoked"
        if self.ends_on < today:
            return "Ended"
        if self.starts_on > today:
            return "Upcoming"
        return "Active"
