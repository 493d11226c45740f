"""Each user's permission set, kept in the shared cache between requests.

Django's `ModelBackend` reads a user's permissions with two queries (their own and their
groups') on every request that asks `has_perm` — every page does, through the navigation and
`rules.is_pmo` — and building those queries costs more than running them: 3.5 ms of a page's
time on the benchmark machine. `CachedPermissionsBackend` keeps the set in the
``permissions`` cache (Redis when ``CACHE_URL`` is set; with no shared cache it is Django's
dummy cache, so nothing is kept and every process sees a change at once).

Invalidation is one rule: any change to who is in which group, to a user's or a group's
permissions, or to groups and permissions themselves starts a new *generation*, and a cached
set counts only if it was stored under the current one. The generation moves when the change
is made and again when its transaction commits, so a process that read the old rows in between
cannot keep them. A cached set also expires after `TIMEOUT` (a minute): that bounds what the
signals cannot announce — a change made outside Django's connection (statements through it,
raw SQL and `QuerySet.update()` included, are announced by projects/page_cache.py's write
hook, `roles_changed`), a change made while Redis was unreachable, entries brought back by a
Redis restored from an old snapshot. While Redis fails to answer (down, or hanging past the
0.5 s timeout), each process reads permissions from the database for ten seconds (`PAUSE`,
projects/pause.py) before it tries again.
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

from projects.pause import Pause
from projects.statements import records_by_id

logger = logging.getLogger(__name__)

CACHE = "permissions"
GENERATION = "generation"
TIMEOUT = 60  # seconds a cached set lives: the bound on a change the signals could not announce
# After the cache failed to answer, the process reads from the database for 10 s.
PAUSE = Pause(10, "Permission cache unreachable (%s): reading from the database")


def _signed_in(ids: list[Any]) -> Any:
    return get_user_model()._default_manager.select_related("sponsor_profile").filter(pk__in=ids)


def cache_key(user: Any) -> str:
    return f"user:{user.pk}:{'superuser' if user.is_superuser else 'user'}"


class CachedPermissionsBackend(ModelBackend):
    """`ModelBackend`, with `get_all_permissions` answered from the cache when it can be.
    Authentication, `is_active` and object permissions behave exactly as Django's."""

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person of each request, with their sponsor profile (none for most)
        read in the same query — the rules ask whether they are a sponsor on nearly every
        page, and a second query answered it — compiled once (projects/statements.py)."""
        found = records_by_id(("signed-in person",), _signed_in, [user_id])
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = self._cached(user_obj)
        return user_obj._perm_cache

    def _cached(self, user: Any) -> set[str]:
        if PAUSE.active:
            return super().get_all_permissions(user)
        cache = caches[CACHE]
        key = cache_key(user)
        try:
            found = cache.get_many([GENERATION, key])
            generation = found.get(GENERATION)
            if generation is None:  # a new Redis, or the key was evicted
                cache.add(GENERATION, secrets.token_hex(8), timeout=None)
                generation = cache.get(GENERATION)
            stored = found.get(key)
            if generation is not None and stored is not None and stored[0] == generation:
                return set(stored[1])
            permissions = super().get_all_permissions(user)
            if generation is not None:
                cache.set(key, (generation, sorted(permissions)), timeout=TIMEOUT)
            return permissions
        except RedisError as error:
            PAUSE.start(error)
            return super().get_all_permissions(user)


def new_generation(action: str = "post_save", pk_set: Any = "", **kwargs: Any) -> None:
    """Invalidate every cached permission set: now, and once more after the commit."""
    if not action.startswith("post_") or pk_set == set():
        return  # m2m_changed also sends pre_add, pre_remove, pre_clear, and adds of nothing
    _bump()
    transaction.on_commit(_bump)


def roles_changed(connection: Any) -> None:
    """A statement wrote to who holds which role (seen by projects/page_cache.py, raw SQL
    included): a new generation now, and once more after the commit."""
    _bump()
    if connection.in_atomic_block:
        transaction.on_commit(_bump, using=connection.alias)


def _bump() -> None:
    try:
        caches[CACHE].set(GENERATION, secrets.token_hex(8), timeout=None)
    except RedisError as error:
        PAUSE.start(error)
        logger.error("A permission change shows within %s s, when cached sets expire", TIMEOUT)


def connect_signals() -> None:
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(new_generation, sender=through, dispatch_uid=f"perms-{through}")
    for model in (Group, Permission):
        post_save.connect(new_generation, sender=model, dispatch_uid=f"perms-save-{model}")
        post_delete.connect(new_generation, sender=model, dispatch_uid=f"perms-delete-{model}")
