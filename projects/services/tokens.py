"""Personal access tokens: made and revoked by their owner on the profile page, each audited
on the owner (its name, scope and expiry; never the secret)."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.formats import day
from projects.models import AccessToken
from projects.models.tokens import TOKEN_PREFIX, token_digest
from projects.services.audit import audit

# A token's last use is written at most once a minute, not on every request.
LAST_USED_EVERY_SECONDS = 60


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown to its owner once and never kept."""

    token: AccessToken
    secret: str


def token_create(
    *, owner: AbstractBaseUser, name: str, scope: str, expires_on: date | None = None
) -> NewToken:
    """A new token for `owner`, valid until the end of `expires_on` (never expires if None)."""
    require(owner, "may_create_token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None
    if expires_on is not None:
        expires_at = timezone.make_aware(datetime.combine(expires_on, time.max))
    with transaction.atomic():
        token = AccessToken.objects.create(
            owner=owner,
            name=name,
            scope=scope,
            digest=token_digest(secret),
            hint=secret[:8],
            expires_at=expires_at,
        )
        audit(
            subject=owner,
            record=AccessToken.audit_record,
            action="create",
            event=events.TOKEN_CREATED,
            label="Create API token",
            comment=_described(token),
            data=_snapshot(token),
            by=owner,
        )
    return NewToken(token=token, secret=secret)


def _described(token: AccessToken) -> str:
    expiry = f"until {day(token.expires_at)}" if token.expires_at else "never expires"
    return f"“{token.name}”, {token.get_scope_display().lower()}, {expiry}"


def _snapshot(token: AccessToken) -> dict[str, Any]:
    """What the audit row keeps of a token: never its secret, nor the digest of it."""
    return {
        "token": token.pk,
        "name": token.name,
        "scope": token.scope,
        "expires_on": token.expires_at and timezone.localdate(token.expires_at).isoformat(),
    }


def token_revoke(*, token: AccessToken, by: AbstractBaseUser) -> AccessToken:
    """Revoke at once: the next request with it answers 401. The row stays, as history."""
    with transaction.atomic():
        token = AccessToken.objects.select_for_update().get(pk=token.pk)
        require(by, "may_revoke_token", token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            subject=token.owner,
            record=AccessToken.audit_record,
            action="revoke",
            event=events.TOKEN_REVOKED,
            label="Revoke API token",
            comment=_described(token),
            data=_snapshot(token),
            by=by,
        )
    return token


def token_authenticate(secret: str) -> AccessToken | None:
    """The usable token behind `secret` (None if unknown, revoked, expired, or its owner was
    deactivated), its last use remembered."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        AccessToken.objects.usable().select_related("owner").filter(digest=token_digest(secret))
    ).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > (
        LAST_USED_EVERY_SECONDS
    ):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
