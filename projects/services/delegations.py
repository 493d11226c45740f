"""Deputies: a sponsor (or the PMO for them) names someone to decide for them over a date
range; the rulebook lets the deputy act as the sponsor while it runs (projects/rules.py)."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.formats import day, person
from projects.models import Delegation, Sponsor
from projects.services.audit import audit


def delegation_create(
    *,
    sponsor: Sponsor,
    deputy: AbstractBaseUser,
    starts_on: date,
    ends_on: date,
    note: str = "",
    by: AbstractBaseUser,
) -> Delegation:
    """Name `deputy` for `sponsor` from `starts_on` to `ends_on` (both included). Refused,
    with the reason by field, for oneself, someone who is not a sponsor, a range that is over
    or overlaps another of the sponsor's delegations."""
    with transaction.atomic():
        # One sponsor's delegations are checked for overlaps one request at a time.
        sponsor = Sponsor.objects.select_for_update().select_related("user").get(pk=sponsor.pk)
        require(by, "may_delegate", sponsor)
        errors: dict[str, str] = {}
        if deputy.pk == sponsor.pk:
            errors["deputy"] = "A sponsor cannot be their own deputy: choose someone else."
        elif not Sponsor.objects.filter(pk=deputy.pk).exists() or not deputy.is_active:
            errors["deputy"] = (
                f"{person(deputy)} has no sponsor role: a deputy decides as a sponsor, so the "
                "PMO makes them a sponsor first."
            )
        if ends_on < starts_on:
            errors["ends_on"] = "The end must not be before the start."
        elif starts_on < timezone.localdate():
            errors["starts_on"] = "A delegation starts today or later: it cannot decide the past."
        overlapping = (
            Delegation.objects.filter(sponsor=sponsor, revoked_at__isnull=True)
            .filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
            .select_related("deputy")
            .first()
        )
        if overlapping and not errors:
            errors["starts_on"] = (
                f"{person(sponsor.user)} has a deputy then already: {person(overlapping.deputy)}, "
                f"{day(overlapping.starts_on)} to {day(overlapping.ends_on)}. Revoke it first, or "
                "choose other dates."
            )
        if errors:
            raise ValidationError(errors)
        delegation = Delegation.objects.create(
            sponsor=sponsor,
            deputy=deputy,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
            created_by=by,
        )
        audit(
            subject=delegation,
            record=Delegation.audit_record,
            action="create",
            event=events.DELEGATION_CREATED,
            label="Name deputy",
            comment=(
                f"{person(deputy)} for {person(sponsor.user)}, {day(starts_on)} to {day(ends_on)}"
            ),
            by=by,
        )
    return delegation


def delegation_revoke(*, delegation: Delegation, by: AbstractBaseUser) -> Delegation:
    """End a delegation before its last day (or before it starts); it stays listed."""
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update()
            .select_related("sponsor__user", "deputy")
            .get(pk=delegation.pk)
        )
        require(by, "may_revoke_delegation", delegation)
        delegation.revoked_at = timezone.now()
        delegation.revoked_by = by
        delegation.save(update_fields=["revoked_at", "revoked_by"])
        audit(
            subject=delegation,
            record=Delegation.audit_record,
            action="revoke",
            event=events.DELEGATION_REVOKED,
            label="Revoke delegation",
            comment=f"{person(delegation.deputy)} for {person(delegation.sponsor.user)}",
            by=by,
        )
    return delegation
