"""People and their accounts: the PMO invites, gives roles and approval limits, deactivates and
reactivates (the People page); anyone asks for a password reset e-mail; the PMO hands a
project to a new manager.

The e-mails with a set-password link (an invitation, a reset) are built and sent by a Celery
task after the commit (`tasks.send_password_mail`): the link's token is made there, from the
person's row as it is then, so it never travels through the broker.
"""

import hashlib
import logging
import time
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from lifecycle.errors import CommentInvalid, NotNow
from lifecycle.rules import require
from projects import events, tasks
from projects.formats import money, person
from projects.models import Profile, Project, Sponsor
from projects.roles import SPONSORS_GROUP
from projects.services.audit import audit

log = logging.getLogger(__name__)

PERSON = "Person"  # the audit rows' record for a person's account
INVITATION, RESET = "invitation", "reset"


def _origin(base_url: str) -> str:
    return base_url.rstrip("/")


def _send_password_mail(user: AbstractBaseUser, kind: str, base_url: str) -> None:
    transaction.on_commit(
        partial(tasks.enqueue, tasks.send_password_mail, user.pk, kind, _origin(base_url)),
        robust=True,
    )


# -- Password reset ----------------------------------------------------------------------------

HOUR = 3600


def _over_limit(kind: str, value: str, limit: int) -> int:
    """Count one request for `value` in this hour; the seconds until the next hour when the
    count is past `limit`, else 0. A fixed window in the shared cache (`throttle`): the count
    starts at 0 each hour. A cache that does not answer lets the request through — a reset
    e-mail is less harm than a login page nobody can recover from."""
    now = time.time()
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}:{int(now // HOUR)}"
    cache = caches["throttle"]
    try:
        cache.add(key, 0, timeout=HOUR + 60)
        count = cache.incr(key)
    except (RedisError, ValueError) as error:
        log.warning("Password reset throttle not counted: %s", error)
        return 0
    return int(HOUR - now % HOUR) + 1 if count > limit else 0


def password_reset_throttle(*, email: str, ip: str) -> int:
    """Count a password reset request for `email` from `ip`; the seconds to wait when either
    has asked more than its hourly limit (PASSWORD_RESETS_PER_ADDRESS, _PER_IP), else 0.
    Counted whether or not the address is anyone's, so the answer says nothing about that."""
    waits = [
        _over_limit("address", email, settings.PASSWORD_RESETS_PER_ADDRESS),
        _over_limit("ip", ip, settings.PASSWORD_RESETS_PER_IP),
    ]
    return max(waits)


def password_reset_request(*, email: str, base_url: str) -> int:
    """Send a reset link to every active person with this address and a password (Django's
    rule: an invited person who never chose one asks the PMO to invite them again). Returns
    how many are sent, for tests only: the page says the same either way."""
    users = [
        user
        for user in get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        if user.has_usable_password()
    ]
    for user in users:
        _send_password_mail(user, RESET, base_url)
    return len(users)


# -- The People page ---------------------------------------------------------------------------


def _check_unique(
    *, username: str | None, email: str, besides: AbstractBaseUser | None = None
) -> None:
    """Usernames and e-mail addresses are one person's each (case aside): a reset link goes to
    the address, so two people must never share one."""
    people = get_user_model()._default_manager.all()
    if besides is not None:
        people = people.exclude(pk=besides.pk)
    errors = {}
    if username is not None and people.filter(username__iexact=username).exists():
        errors["username"] = "Someone has this username already: choose another."
    if email and people.filter(email__iexact=email).exists():
        errors["email"] = "Someone has this e-mail address already."
    if errors:
        raise ValidationError(errors)


def _sponsor_fields(
    *, groups: list[Group], title: str, business_unit: str, approval_limit: Decimal | None
) -> bool:
    """Whether the person is to be a sponsor; the fields a sponsor needs, checked."""
    sponsor = any(group.name == SPONSORS_GROUP for group in groups)
    errors = {}
    if sponsor and not title.strip():
        errors["sponsor_title"] = "A sponsor needs a title (shown beside their name)."
    if sponsor and not business_unit.strip():
        errors["business_unit"] = "A sponsor needs a business unit."
    if approval_limit is not None and approval_limit < 0:
        errors["approval_limit"] = "An approval limit cannot be negative (blank is unlimited)."
    if errors:
        raise ValidationError(errors)
    return sponsor


def _limit(value: Decimal | None) -> str:
    return "unlimited" if value is None else money(value)


def person_invite(
    *,
    by: AbstractBaseUser,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    groups: list[Group],
    sponsor_title: str = "",
    business_unit: str = "",
    approval_limit: Decimal | None = None,
    base_url: str,
) -> AbstractBaseUser:
    """Create an account with no password and e-mail the person a link to choose one; a
    sponsor gets their title, business unit and approval limit (blank: unlimited)."""
    require(by, "may_manage_people")
    with transaction.atomic():
        _check_unique(username=username, email=email)
        sponsor = _sponsor_fields(
            groups=groups,
            title=sponsor_title,
            business_unit=business_unit,
            approval_limit=approval_limit,
        )
        user = get_user_model()(
            username=username, first_name=first_name, last_name=last_name, email=email
        )
        user.set_unusable_password()
        user.save()
        user.groups.set(groups)
        Profile.objects.create(user=user, title=title)
        if sponsor:
            Sponsor.objects.create(
                user=user,
                title=sponsor_title,
                business_unit=business_unit,
                approval_limit=approval_limit,
            )
        audit(
            subject=user,
            record=PERSON,
            action="invite",
            label="Invite",
            comment=f"{person(user)} ({email}) as {_roles(groups)}",
            data=person_snapshot(user),
            by=by,
        )
        _send_password_mail(user, INVITATION, base_url)
    return user


def person_invite_again(*, user: AbstractBaseUser, by: AbstractBaseUser, base_url: str) -> None:
    """A new invitation e-mail for someone who never chose a password (the first expired)."""
    require(by, "may_manage_people", user)
    if user.has_usable_password() or not user.is_active:
        raise NotNow(f"{person(user)} has an active account with a password already.")
    with transaction.atomic():
        audit(
            subject=user,
            record=PERSON,
            action="invite_again",
            label="Invite again",
            comment=user.email,
            by=by,
        )
        _send_password_mail(user, INVITATION, base_url)


def person_changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """ "email: a@x → b@x; roles: …" for the audit row's comment ("" when nothing changed)."""
    return "; ".join(
        f"{key}: {before[key]} → {after[key]}" for key in after if before[key] != after[key]
    )


def _roles(groups: Any) -> str:
    return ", ".join(sorted(group.name for group in groups)) or "no role"


def person_snapshot(user: AbstractBaseUser) -> dict[str, Any]:
    """What a person's audit rows keep of them (the People page's and single sign-on's)."""
    # Recorded, never compared: the rulebook alone compares approval limits.
    sponsor = Sponsor.objects.filter(user=user).values("approval_limit").first()
    return {
        "name": person(user),
        "email": user.email,
        "roles": _roles(user.groups.all()),
        "approval_limit": None if sponsor is None else _limit(sponsor["approval_limit"]),
    }


def person_update(
    *,
    user: AbstractBaseUser,
    by: AbstractBaseUser,
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    groups: list[Group],
    sponsor_title: str = "",
    business_unit: str = "",
    approval_limit: Decimal | None = None,
) -> AbstractBaseUser:
    """The PMO changes someone's name, e-mail, roles and, for a sponsor, their title,
    business unit and approval limit. The sponsor role stays with a person who sponsors a
    project or has named a deputy: another sponsor takes over their projects first."""
    require(by, "may_manage_people", user)
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        _check_unique(username=None, email=email, besides=user)
        sponsor_wanted = _sponsor_fields(
            groups=groups,
            title=sponsor_title,
            business_unit=business_unit,
            approval_limit=approval_limit,
        )
        sponsor = Sponsor.objects.filter(user=user).first()
        if sponsor is not None and not sponsor_wanted and sponsor.holds_anything():
            projects = sponsor.projects.count()
            raise ValidationError(
                {
                    "groups": (
                        f"{person(user)} sponsors {projects} project(s) or has named a "
                        "deputy: they stay a sponsor. Change those projects' sponsor "
                        "first, or deactivate the person."
                    )
                }
            )
        before = person_snapshot(user)
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.save(update_fields=["first_name", "last_name", "email"])
        user.groups.set(groups)
        Profile.objects.update_or_create(user=user, defaults={"title": title})
        if sponsor_wanted:
            Sponsor.objects.update_or_create(
                user=user,
                defaults={
                    "title": sponsor_title,
                    "business_unit": business_unit,
                    "approval_limit": approval_limit,
                },
            )
        elif sponsor is not None:
            sponsor.delete()  # a sponsor of nothing: the role goes, no record names it
        after = person_snapshot(user)
        audit(
            subject=user,
            record=PERSON,
            action="update",
            label="Change person",
            comment=person_changes(before, after) or "No change",
            data={"before": before, "after": after},
            by=by,
        )
    return user


def person_deactivate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> AbstractBaseUser:
    """The person can no longer log in (their sessions end with it); what waited for them as a
    project's manager or sponsor waits in the PMO's Needs my action for a new one."""
    require(by, "may_manage_people", user)
    if user.pk == by.pk:
        raise NotNow("You cannot deactivate yourself: another member of the PMO can.")
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise NotNow(f"{person(user)} is deactivated already.")
        user.is_active = False
        user.save(update_fields=["is_active"])
        Profile.objects.update_or_create(user=user, defaults={"deactivated_at": timezone.now()})
        audit(subject=user, record=PERSON, action="deactivate", label="Deactivate", by=by)
    return user


def person_reactivate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> AbstractBaseUser:
    """The person may log in again, with the roles they had."""
    require(by, "may_manage_people", user)
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise NotNow(f"{person(user)} is active already.")
        user.is_active = True
        user.save(update_fields=["is_active"])
        Profile.objects.filter(user=user).update(deactivated_at=None)
        audit(subject=user, record=PERSON, action="reactivate", label="Reactivate", by=by)
    return user


# -- A project's manager -----------------------------------------------------------------------


def project_manager_change(
    *, project: Project, by: AbstractBaseUser, manager: AbstractBaseUser, comment: str
) -> Project:
    """The PMO hands a project to another manager, with a reason, audited; the new manager is
    told. Never its sponsor: nobody decides what they manage."""
    comment = comment.strip()
    with transaction.atomic():
        project = Project.objects.select_related("manager", "sponsor__user").locked(project.pk)
        require(by, "may_change_manager", project)
        if not comment:
            raise CommentInvalid("Give a reason to change the manager.")
        if manager.pk in (project.manager_id, project.sponsor_id) or not manager.is_active:
            raise ValidationError(
                {"manager": "Choose an active person who is neither the manager nor the sponsor."}
            )
        before = project.manager
        project.manager = manager
        project.save(update_fields=["manager"])
        audit(
            subject=project,
            record="Project",
            action="change_manager",
            event=events.MANAGER_CHANGED,
            label="Change manager",
            comment=comment,
            data={"from": person(before), "to": person(manager)},
            by=by,
        )
    return project
