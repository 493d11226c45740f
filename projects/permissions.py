"""Each user's permission set, kept in the shared cache between requests.

Django's `ModelBackend` reads a user's permissions with two queries (their own and their
groups') on every request that asks `has_perm` — every page does, through the navigation and
`roles.is_pmo` — and building those queries costs more than running them: 3.5 ms of a page's
time on the benchmark machine. `CachedPermissionsBackend` keeps the set in the
``permissions`` cache (Redis when ``CACHE_URL`` is set; with no shared cache it is Django's
dummy cache, so nothing is kept and every process sees a change at once).

Invalidation is one rule: any change to who is in which group, to a user's or a group's
permissions, or to groups and permissions themselves starts a new *generation*, and a cached
set counts only if it was stored under the current one. The generation moves when the change
is made and again when its transaction commits, so a process that read the old rows in between
cannot keep them. Changes made with raw SQL or `QuerySet.update()` bypass the signals; they
are seen when the entry expires (`CachedPermissionsBackend.timeout`).
"""

import logging
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE = "permissions"
GENERATION = "generation"


def cache_key(user: Any) -> str:
    return f"user:{user.pk}:{'superuser' if user.is_superuser else 'user'}"


class CachedPermissionsBackend(ModelBackend):
    """`ModelBackend`, with `get_all_permissions` answered from the cache when it can be.
    Authentication, `is_active` and object permissions behave exactly as Django's."""

    timeout = 300  # seconds: the bound on a change that bypassed the signals

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = self._cached(user_obj)
        return user_obj._perm_cache

    def _cached(self, user: Any) -> set[str]:
        cache = caches[CACHE]
        key = cache_key(user)
        try:
            found = cache.get_many([GENERATION, key])
            generation = found.get(GENERATION)
            if generation is None:
                cache.add(GENERATION, secrets.token_hex(8), timeout=None)
                generation = cache.get(GENERATION)
            stored = found.get(key)
            if stored is not None and stored[0] == generation:
                return set(stored[1])
        except RedisError:
            logger.warning("Permission cache unreachable: reading permissions from the database")
            return super().get_all_permissions(user)
        permissions = super().get_all_permissions(user)
        try:
            cache.set(key, (generation, sorted(permissions)), timeout=self.timeout)
        except RedisError:
            logger.warning("Permission cache unreachable: could not keep permissions")
        return permissions


def new_generation(action: str = "post_save", **kwargs: Any) -> None:
    """Invalidate every cached permission set: now, and once more after the commit."""
    if not action.startswith("post_"):
        return  # m2m_changed also sends pre_add, pre_remove, pre_clear
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        caches[CACHE].set(GENERATION, secrets.token_hex(8), timeout=None)
    except RedisError:
        logger.error(
            "Permission cache unreachable: a permission change shows within %s s",
            CachedPermissionsBackend.timeout,
        )


def connect_signals() -> None:
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(new_generation, sender=through, dispatch_uid=f"perms-{through}")
    for model in (Group, Permission):
        post_save.connect(new_generation, sender=model, dispatch_uid=f"perms-save-{model}")
        post_delete.connect(new_generation, sender=model, dispatch_uid=f"perms-delete-{model}")
