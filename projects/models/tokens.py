"""Personal access tokens: how another system calls the API as a person (SPEC §12).

Only the SHA-256 of a token is kept; the token itself is shown once, when it is made. A token
acts as its owner with the owner's rules, never more; a read token may only read.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

# Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "tg_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class AccessTokenQuerySet(models.QuerySet):
    def usable(self) -> "AccessTokenQuerySet":
        """Neither revoked nor expired, of an active person."""
        return self.filter(revoked_at__isnull=True, owner__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class AccessToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “Jira sync”.")
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, to tell tokens apart on the profile page.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    audit_record = "API token"  # on its owner's audit trail: the person is the subject

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.WRITE
