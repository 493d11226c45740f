"""The RAID register: the manager adds and edits items from Initiating until Closing; an
item's owner reviews it (response, scores, next review date) and closes it. Nothing is
deleted: a closed item stays, and may be reopened. Risks start as those of the business case
(on entering Initiating) and of each signed charter revision (its new key risks), carried
over once: resuming from hold or signing again adds nothing twice."""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.models import (
    Charter,
    CharterRevision,
    Project,
    RaidItem,
    RaidKind,
    RaidSource,
    RaidStatus,
)
from projects.selectors.raid import possible_owners
from projects.services.audit import audit

# A carried-over risk is first reviewed this long after it lands in the register.
FIRST_REVIEW_AFTER = timedelta(days=30)
REVIEWED = ("response", "likelihood", "impact", "review_date")


def raid_check(
    *,
    project: Project,
    kind: str,
    likelihood: int | None,
    impact: int | None,
    review_date: date | None,
    owner: AbstractBaseUser | None = None,
    before: date | None = None,
) -> None:
    """What an item must be, whoever writes it: a risk is scored (1–5 each), its owner sees
    the project, and a review date moved is not moved into the past (`before`: the date it
    had)."""
    errors: dict[str, str] = {}
    if kind == RaidKind.RISK:
        if likelihood is None:
            errors["likelihood"] = "A risk needs a likelihood from 1 (rare) to 5 (almost certain)."
        if impact is None:
            errors["impact"] = "A risk needs an impact from 1 (minor) to 5 (severe)."
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if value is not None and not 1 <= value <= 5 and name not in errors:
            errors[name] = "Score it from 1 to 5."
    if review_date is not None and review_date != before and review_date < timezone.localdate():
        errors["review_date"] = "Choose today or a later day for the next review."
    if owner is not None and not possible_owners(project).filter(pk=owner.pk).exists():
        errors["owner"] = "Choose the manager, the sponsor or a member of the project."
    if errors:
        raise ValidationError(errors)


def _audit(
    item: RaidItem,
    *,
    by: AbstractBaseUser,
    event: str,
    action: str,
    label: str,
    comment: str = "",
    changed: list[str] | None = None,
) -> None:
    audit(
        subject=item.project,
        record=f"Register {item.get_kind_display().lower()}",
        action=action,
        event=event,
        label=label,
        comment=comment or item.title,
        data={"raid_item_id": item.pk, "kind": item.kind, "changed": changed or []},
        by=by,
    )


def raid_item_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    kind: str,
    title: str,
    response: str = "",
    owner: AbstractBaseUser | None = None,
    likelihood: int | None = None,
    impact: int | None = None,
    review_date: date | None = None,
) -> RaidItem:
    """The manager adds a risk, issue, assumption or decision to the register."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_add_raid_item", project)
        raid_check(
            project=project,
            kind=kind,
            likelihood=likelihood,
            impact=impact,
            review_date=review_date,
            owner=owner,
        )
        item = RaidItem.objects.create(
            project=project,
            kind=kind,
            title=title,
            response=response,
            owner=owner,
            likelihood=likelihood,
            impact=impact,
            review_date=review_date,
            source=RaidSource.REGISTER,
            created_by=by,
        )
        _audit(item, by=by, event=events.RAID_ITEM_ADDED, action="raid_add", label="Added")
    return item


def _change(item: RaidItem, fields: dict[str, Any]) -> list[str]:
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, fields[name])
    item.save()
    return changed


def _locked_item(item: RaidItem) -> RaidItem:
    project = Project.objects.locked(item.project_id)
    item = RaidItem.objects.select_for_update().get(pk=item.pk, project=project)
    item.project = project
    return item


def raid_item_update(*, item: RaidItem, by: AbstractBaseUser, **fields: Any) -> RaidItem:
    """The manager edits an open item: any of `RaidItem.FIELDS`."""
    with transaction.atomic():
        item = _locked_item(item)
        require(by, "may_edit_raid_item", item)
        fields = {name: fields[name] for name in RaidItem.FIELDS if name in fields}
        merged = {name: fields.get(name, getattr(item, name)) for name in RaidItem.FIELDS}
        raid_check(
            project=item.project,
            kind=merged["kind"],
            likelihood=merged["likelihood"],
            impact=merged["impact"],
            review_date=merged["review_date"],
            owner=merged["owner"] if "owner" in fields and merged["owner"] != item.owner else None,
            before=item.review_date,
        )
        changed = _change(item, fields)
        _audit(
            item,
            by=by,
            event=events.RAID_ITEM_EDITED,
            action="raid_edit",
            label="Edited",
            changed=changed,
        )
    return item


def raid_item_review(
    *,
    item: RaidItem,
    by: AbstractBaseUser,
    response: str,
    likelihood: int | None,
    impact: int | None,
    review_date: date | None,
) -> RaidItem:
    """The owner (or the manager) reviews an open item: its response, its scores and when it
    is next reviewed. A review moves the review date on, so the item leaves the owner's
    Needs my action."""
    with transaction.atomic():
        item = _locked_item(item)
        require(by, "may_review_raid_item", item)
        raid_check(
            project=item.project,
            kind=item.kind,
            likelihood=likelihood,
            impact=impact,
            review_date=review_date,
            before=item.review_date,
        )
        if review_date is None or review_date < timezone.localdate():
            raise ValidationError({"review_date": "Set the date of the next review."})
        fields = {"response": response, "likelihood": likelihood, "impact": impact}
        changed = _change(item, fields | {"review_date": review_date})
        _audit(
            item,
            by=by,
            event=events.RAID_ITEM_EDITED,
            action="raid_review",
            label="Reviewed",
            changed=changed,
        )
    return item


def raid_item_close(*, item: RaidItem, by: AbstractBaseUser, comment: str = "") -> RaidItem:
    """The owner or the manager closes an item: it stays in the register, closed."""
    with transaction.atomic():
        item = _locked_item(item)
        require(by, "may_close_raid_item", item)
        item.status, item.closed_at = RaidStatus.CLOSED, timezone.now()
        item.save()
        _audit(
            item,
            by=by,
            event=events.RAID_ITEM_CLOSED,
            action="raid_close",
            label="Closed",
            comment=f"{item.title}: {comment}" if comment else "",
        )
    return item


def raid_item_reopen(*, item: RaidItem, by: AbstractBaseUser, comment: str = "") -> RaidItem:
    """The manager reopens a closed item."""
    with transaction.atomic():
        item = _locked_item(item)
        require(by, "may_reopen_raid_item", item)
        item.status, item.closed_at = RaidStatus.OPEN, None
        item.save()
        _audit(
            item,
            by=by,
            event=events.RAID_ITEM_EDITED,
            action="raid_reopen",
            label="Reopened",
            comment=f"{item.title}: {comment}" if comment else "",
        )
    return item


# -- Carried over --------------------------------------------------------------------------------


def _same(text: str) -> str:
    return " ".join(text.split()).casefold()


def _carry(
    project: Project, risks: list[dict[str, Any]], *, source: str, by: AbstractBaseUser
) -> list[RaidItem]:
    """Risks (description, likelihood, impact, mitigation) as open register risks owned by
    the manager, first reviewed FIRST_REVIEW_AFTER from today; one audit row for them all."""
    review = timezone.localdate() + FIRST_REVIEW_AFTER
    items = RaidItem.objects.bulk_create(
        RaidItem(
            project=project,
            kind=RaidKind.RISK,
            title=risk["description"],
            response=risk["mitigation"],
            owner_id=project.manager_id,
            likelihood=risk["likelihood"],
            impact=risk["impact"],
            review_date=review,
            source=source,
            created_by=by,
        )
        for risk in risks
    )
    if items:
        label = RaidSource(source).label.lower()
        audit(
            subject=project,
            record="Register risk",
            action="raid_carry_over",
            event=events.RAID_ITEM_ADDED,
            label=f"Carried over from the {label}",
            comment="; ".join(item.title for item in items)[:1000],
            data={"raid_item_ids": [item.pk for item in items], "source": source},
            by=by,
        )
    return items


def raid_business_case_risks(*, project: Project, by: AbstractBaseUser) -> list[RaidItem]:
    """Entering Initiating: the business case's risks become the register's first risks —
    once (resuming from hold into Initiating carries nothing again)."""
    if project.raid_items.filter(source=RaidSource.BUSINESS_CASE).exists():
        return []
    risks = list(project.proposal.risks.values("description", "likelihood", "impact", "mitigation"))
    return _carry(project, risks, source=RaidSource.BUSINESS_CASE, by=by)


def raid_charter_risks(
    *, charter: Charter, document: dict[str, Any], by: AbstractBaseUser
) -> list[RaidItem]:
    """A charter revision is signed: its key risks that are new since the revision before
    (the business case, for the first) and not in the register already — by description,
    case and spacing aside — join the register. A risk renamed in the register is not
    carried again by the next signature."""
    project = Project.objects.get(pk=charter.project_id)
    previous = (
        CharterRevision.objects.filter(charter_id=charter.pk, number__lt=document["revision"])
        .order_by("-number")
        .first()
    )
    if previous is not None:
        known = {_same(risk["description"]) for risk in previous.snapshot.get("risks", [])}
    else:
        known = {
            _same(text) for text in project.proposal.risks.values_list("description", flat=True)
        }
    known |= {
        _same(title)
        for title in project.raid_items.filter(kind=RaidKind.RISK).values_list("title", flat=True)
    }
    new, seen = [], set()
    for risk in document.get("risks", []):
        key = _same(risk["description"])
        if key and key not in known and key not in seen:
            seen.add(key)
            new.append(risk)
    return _carry(project, new, source=RaidSource.CHARTER, by=by)
