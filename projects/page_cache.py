"""Pages kept in the shared cache while nothing they could show has changed.

The pages people open most — home, **Needs my action** and its count, the portfolio and its
board, every tab of a project's page (`views.common.project_tab`) — are built from many queries
and shown again and again between changes. `cached(request, build)` keeps the HTML `build()`
returned, for this person, this address and this day, and serves it again while the data's
*generation* has not moved.

Invalidation is one rule, the one projects/permissions.py uses for permission sets: every
statement that writes a row (an ``INSERT``, ``UPDATE`` or ``DELETE`` through Django's database
connection, from a page, a task, the admin or a shell — `QuerySet.update()` and raw SQL
included) starts a new generation, when it runs and again when its transaction commits, so a
page built from the rows as they were in between is never served after the commit. A few tables
that no cached page shows (sessions, login attempts, API tokens' last use, digests, webhook
deliveries) do not count. What is not in the database is in the key: the person (so whatever
the rules let them see and do), the address with its query string, htmx's headers, and the day
(what has waited how long, deputies' date ranges). A kept page also expires after
``PAGE_CACHE_SECONDS`` (a minute by default; 0 turns the cache off): the bound on "waiting
5 hours" and on a write made while Redis was unreachable.

A request that says ``Cache-Control: no-cache`` (a browser's forced reload, or the benchmark's
"built afresh" rows) gets the page built afresh. What is per request stays per request: the
CSRF token is put back into every form on the way out, a page with messages to show is built
afresh, and only a plain 200 with no headers or cookies of its own is kept. Access is still
asked on every request: views look the project up through the person's own queryset (404 for
outsiders) before they ask for the kept page.
"""

import functools
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE = "pages"
GENERATION = "generation"
PAUSE = 10  # seconds the cache is left alone after it failed to answer
# Written on every request or by the background, and shown by no cached page.
UNSEEN_TABLES = frozenset(
    {
        "django_session",
        "django_admin_log",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "projects_accesstoken",
        "projects_digest",
        "projects_webhookattempt",
        "projects_webhookdelivery",
    }
)
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?(\w+)', re.IGNORECASE)
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
CSRF_PLACE = "\x00csrf\x00"
_unreachable_until = 0.0
_writes_unannounced = False  # this process wrote while the cache did not answer


# -- Keeping pages ----------------------------------------------------------------------------


def cached(request: HttpRequest, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `build()` makes for this request: kept from an earlier request while nothing
    it could show has changed, or built now (and kept when it can be)."""
    key = _key(request)
    if key is None:
        return build()
    if _writes_unannounced:
        _new_generation()
    cache = caches[CACHE]
    try:
        found = cache.get_many([GENERATION, key])
        generation = found.get(GENERATION)
        if generation is None:  # a new Redis, or the key was evicted
            cache.add(GENERATION, secrets.token_hex(8), timeout=None)
            generation = cache.get(GENERATION)
        kept = found.get(key)
        if kept is not None and kept[0] == generation:
            return _with_token(request, kept[1], kept[2])
    except RedisError as error:
        _unreachable(error)
        return build()
    response = build()
    if generation is not None and _keepable(response):
        content = CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACE}\g<2>", response.content.decode())
        try:
            cache.set(key, (generation, response["Content-Type"], content), _seconds())
        except RedisError as error:
            _unreachable(error)
    return response


def _key(request: HttpRequest) -> str | None:
    """Whose page, which address, which day — or None: not a page to keep."""
    if (
        not _seconds()
        or time.monotonic() < _unreachable_until
        or request.method not in ("GET", "HEAD")
        or not request.user.is_authenticated
        or "no-cache" in request.headers.get("Cache-Control", "")  # a forced reload
        or len(get_messages(request))  # shown once: counted without being used up
    ):
        return None
    htmx = f"{request.headers.get('HX-Request', '')}|{request.headers.get('HX-Target', '')}"
    address = hashlib.sha256(f"{request.get_full_path()}|{htmx}".encode()).hexdigest()[:32]
    return f"page:{request.user.pk}:{timezone.localdate().isoformat()}:{address}"


def _keepable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and set(response.headers) == {"Content-Type"}
        and response["Content-Type"].startswith("text/html")
    )


def _with_token(request: HttpRequest, content_type: str, content: str) -> HttpResponse:
    if CSRF_PLACE in content:
        content = content.replace(CSRF_PLACE, get_token(request))
    return HttpResponse(content, content_type=content_type)


def _seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


# -- Knowing when the data changed --------------------------------------------------------------


def watch_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created`: every connection of every process reports its writes."""
    if _on_write not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _on_write)


def _on_write(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    written = WRITE.match(sql)
    if written and written[1] not in UNSEEN_TABLES:
        changed(context["connection"])
    return result


def changed(connection: Any) -> None:
    """A row was written: a new generation now, and once more after the commit."""
    _new_generation()
    if connection.in_atomic_block and not any(
        func is _new_generation for _, func, _ in connection.run_on_commit
    ):
        transaction.on_commit(_new_generation, using=connection.alias)


def _new_generation() -> None:
    global _writes_unannounced
    if time.monotonic() < _unreachable_until:
        _writes_unannounced = True  # announced when the cache answers again
        return
    try:
        caches[CACHE].set(GENERATION, secrets.token_hex(8), timeout=None)
        _writes_unannounced = False
    except RedisError as error:
        _writes_unannounced = True
        _unreachable(error)
        logger.error("A change shows on kept pages within %s s, when they expire", _seconds())


def _unreachable(error: Exception) -> None:
    """Leave the cache alone for a few seconds: a hung Redis costs one timeout, not one per
    request or per write."""
    global _unreachable_until
    _unreachable_until = time.monotonic() + PAUSE
    logger.warning("Page cache unreachable (%s): pages are built afresh", error)


def kept(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view whose page is kept (`cached`): for the person's own pages (home, Needs my
    action, the portfolio), which look nothing up by address, so there is no access to ask."""

    @functools.wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return cached(request, lambda: view(request, *args, **kwargs))

    return page
