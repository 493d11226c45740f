"""Single sign-on: the person an OpenID provider vouches for, as a Tollgate account.

The account is found by the provider's stable identity (the id_token's `iss` and `sub`, kept on
the profile). On someone's first sign-in it is the account of their username (the provider's
`OIDC_USERNAME_CLAIM`, else its e-mail address if the provider verified it), which is then bound
to that identity, or a new one; an account already bound to another identity, and the
administrators' and break-glass accounts (superuser, staff, `OIDC_PASSWORD_USERS`), are never
bound by a sign-in: it is refused. The name and e-mail follow the provider's claims; the role
groups follow its group claim through `OIDC_ROLE_MAP`. Only the groups the map names are added
or removed: a role the PMO gave by hand in Tollgate stays. A sponsor's
approval limit is Tollgate's, never the provider's: someone who becomes a sponsor through the
provider starts with a limit of zero, so every decision with money waits for the PMO until the
PMO sets one on the People page.
"""

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Profile, Sponsor
from projects.roles import SPONSORS_GROUP
from projects.services.accounts import PERSON, person_changes, person_snapshot
from projects.services.audit import audit

log = logging.getLogger(__name__)

NO_ROLE, DEACTIVATED, NO_USERNAME = "no_role", "deactivated", "no_username"
NOT_LINKABLE = "not_linkable"  # the username's account is not for single sign-on to take
SPONSOR_TITLE = "Sponsor"  # until the PMO gives the real one on the People page


class SignInRefused(Exception):
    """The provider vouched for the person, but Tollgate does not let them in; `reason` is
    one of the codes above, and the page they see says why."""

    def __init__(self, reason: str, username: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.username = username


def password_login_allowed(*, username: str) -> bool:
    """Whether this username may log in with a local password: always without single sign-on;
    with it, everyone unless `OIDC_PASSWORD_USERS` names the few who still may."""
    allowed = settings.OIDC_PASSWORD_USERS
    if not settings.OIDC_ENABLED or not allowed:
        return True
    return username.casefold() in {name.casefold() for name in allowed}


def roles_from_claims(claims: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The role groups the claims give, and every group the map may touch."""
    values = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(values, str):
        values = values.split()
    given = {role for value in values for role in settings.OIDC_ROLE_MAP.get(str(value), [])}
    managed = {role for roles in settings.OIDC_ROLE_MAP.values() for role in roles}
    return given, managed


def _verified(claims: dict[str, Any]) -> bool:
    # A boolean by the standard; some providers send the string.
    return claims.get("email_verified") in (True, "true", "True")


def username_from_claims(claims: dict[str, Any]) -> str:
    """The provider's username claim, else its e-mail address if it verified it (anyone can
    give themselves an address they do not own at many providers)."""
    email = claims.get("email") if _verified(claims) else ""
    username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or email or "").strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return ""
    return username if 0 < len(username) <= 150 else ""


def _has_role(user: AbstractBaseUser) -> bool:
    return user.is_superuser or user.groups.exists() or Sponsor.objects.filter(user=user).exists()


def _sync_sponsor(user: AbstractBaseUser, groups: set[str]) -> None:
    """The sponsor profile follows the Sponsors group: made with a limit of zero when the group
    comes, removed when it goes — unless they sponsor a project or have named a deputy, when
    they stay a sponsor (group included) until the PMO hands those on."""
    sponsor = Sponsor.objects.filter(user=user).first()
    if SPONSORS_GROUP in groups and sponsor is None:
        Sponsor.objects.create(
            user=user, title=SPONSOR_TITLE, business_unit="", approval_limit=Decimal("0")
        )
    elif SPONSORS_GROUP not in groups and sponsor is not None:
        if sponsor.holds_anything():
            groups.add(SPONSORS_GROUP)
            log.warning(
                "Single sign-on: %s lost the sponsor group at the provider but sponsors "
                "projects or has a deputy; they stay a sponsor until the PMO hands those on.",
                user.get_username(),
            )
        else:
            sponsor.delete()


def _audit_sign_in(
    user: AbstractBaseUser, *, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """An audit row on the person, as the People page writes one: their account made, or
    what the sign-in changed (nothing changed, no row)."""
    if before is None:
        comment = f"{after['name']} ({after['email']}) as {after['roles']}"
        audit(
            subject=user,
            record=PERSON,
            action="sso_create",
            label="Account from single sign-on",
            comment=comment,
            data=after,
            by=user,
        )
    elif after != before:
        audit(
            subject=user,
            record=PERSON,
            action="sso_update",
            label="Changed by single sign-on",
            comment=person_changes(before, after),
            data={"before": before, "after": after},
            by=user,
        )


def identity_from_claims(claims: dict[str, Any]) -> tuple[str, str]:
    """The provider's stable identity: the id_token's issuer and subject (both required there)."""
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    return (issuer, subject) if 0 < len(issuer) <= 255 and 0 < len(subject) <= 255 else ("", "")


def _linkable(user: AbstractBaseUser) -> bool:
    """Whether a sign-in may bind this account to the identity it brings: an account of nobody's
    yet, and never an administrator's or a break-glass account (reached by password alone)."""
    profile = Profile.objects.filter(user=user).first()
    bound = profile is not None and profile.sso_subject != ""
    break_glass = {name.casefold() for name in settings.OIDC_PASSWORD_USERS}
    privileged = user.is_superuser or user.is_staff
    return not bound and not privileged and user.get_username().casefold() not in break_glass


def _account(claims: dict[str, Any], issuer: str, subject: str) -> AbstractBaseUser | None:
    """The account bound to the identity, else the username's, bound now (None: no account)."""
    users = get_user_model()._default_manager.select_for_update()
    user = users.filter(profile__sso_issuer=issuer, profile__sso_subject=subject).first()
    if user is not None:
        if not user.is_active:
            raise SignInRefused(DEACTIVATED, user.get_username())
        return user
    username = username_from_claims(claims)
    if not username:
        raise SignInRefused(NO_USERNAME)
    user = users.filter(username__iexact=username).first()
    if user is None:
        return None
    if not _linkable(user):
        log.warning(
            "Single sign-on: %s at %s asked for the account %s, which a sign-in may not take.",
            subject,
            issuer,
            user.get_username(),
        )
        raise SignInRefused(NOT_LINKABLE, username)
    if not user.is_active:
        raise SignInRefused(DEACTIVATED, username)
    Profile.objects.update_or_create(
        user=user, defaults={"sso_issuer": issuer, "sso_subject": subject}
    )
    audit(
        subject=user,
        record=PERSON,
        action="sso_link",
        label="Linked to single sign-on",
        comment=f"{settings.OIDC_PROVIDER_NAME} user {subject} ({issuer})",
        data={"issuer": issuer, "subject": subject},
        by=user,
    )
    return user


def person_sign_in(*, claims: dict[str, Any]) -> AbstractBaseUser:
    """The account for a person the provider vouched for, made or brought up to date from its
    claims. Raises `SignInRefused` for someone deactivated in Tollgate, or with no role, or
    whose username names an account a sign-in may not take."""
    issuer, subject = identity_from_claims(claims)
    if not subject:
        raise SignInRefused(NO_USERNAME)
    given, managed = roles_from_claims(claims)
    users = get_user_model()._default_manager
    with transaction.atomic():
        user = _account(claims, issuer, subject)
        if user is None:
            username = username_from_claims(claims)
            if not Group.objects.filter(name__in=given).exists():
                raise SignInRefused(NO_ROLE, username)
            user = users.create_user(username=username)
            Profile.objects.create(user=user, sso_issuer=issuer, sso_subject=subject)
            before = None
        else:
            before = person_snapshot(user)
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        email = str(claims.get("email") or "")[:254]
        if email and not users.filter(email__iexact=email).exclude(pk=user.pk).exists():
            user.email = email  # an address another account has stays theirs (resets go there)
        user.save(update_fields=["first_name", "last_name", "email"])
        groups = (set(user.groups.values_list("name", flat=True)) - managed) | given
        _sync_sponsor(user, groups)
        unknown = groups - set(Group.objects.filter(name__in=groups).values_list("name", flat=True))
        if unknown:
            log.error("OIDC_ROLE_MAP names groups Tollgate does not have: %s", sorted(unknown))
        user.groups.set(Group.objects.filter(name__in=groups))
        _audit_sign_in(user, before=before, after=person_snapshot(user))
    if not _has_role(user):
        # The roles the provider took away stay taken away: a password cannot bring them back.
        raise SignInRefused(NO_ROLE, user.get_username())
    return user
