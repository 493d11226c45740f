"""Pages kept in the shared cache while nothing they could show has changed.

The pages people open most — home with the PMO's overdue panel, **Needs my action** and its
count, the portfolio (list, board and risk heat map), every tab of a project's page
(`views.common.project_tab`) — are built from many queries and shown again and again between
changes. `cached(request, build)` keeps the HTML `build()`
returned, for this person, this address and this day, and serves it again while the data's
*generation* has not moved.

Invalidation is one rule, the one projects/permissions.py uses for permission sets: every
statement that may write a row, sent through Django's database connection from a page, a task,
the admin or a shell (`QuerySet.update()`, raw SQL, CTEs and composed SQL included: anything
but a read counts), starts a new generation when it runs and again when its transaction
commits, so a page built from the rows as they were in between is never served after the commit
(a later write of the same transaction starts one only if its thread has kept a page since:
only pages built on its connection can show what it has not committed). A write to a table no
kept page shows (sessions, login attempts, API tokens' last use, digests, webhook deliveries)
does not count; a write to who holds which role also starts a new generation of the permission
sets. What is not in the database is in the key: the release (code, templates, static files),
the person (so whatever the rules let them see and do), the address with its query string,
htmx's headers, and the day (what has waited how long, deputies' date ranges). A kept page also
expires after ``PAGE_CACHE_SECONDS`` (a minute by default; 0 turns the cache off): the bound on
"waiting 5 hours" and on what no statement announces (PostgreSQL's COPY through the raw driver,
a commit in manual transaction management, a Redis that failed to answer at the commit).

A request that says ``Cache-Control: no-cache`` (a browser's forced reload, or the benchmark's
"built afresh" rows) gets the page built afresh, and keeps it. A page asked for with a query
parameter no kept page reads is built and not kept (made-up addresses cannot fill Redis). What
is per request stays per request: the CSRF token is put back into every form on the way out, a
page with messages to show is built afresh, and only a plain 200 with no headers or cookies of
its own is kept. Access is still asked on every request: views look the project up through the
person's own queryset (404 for outsiders) before they ask for the kept page.
"""

import functools
import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from redis.exceptions import RedisError

from projects import permissions
from projects.pause import Pause

logger = logging.getLogger(__name__)

CACHE = "pages"
GENERATION = "generation"
# After the cache failed to answer, pages are built for 10 s without asking it.
PAUSE = Pause(10, "Page cache unreachable (%s): pages are built afresh")
# Written on every request or by the background, and shown by no kept page.
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
# Who holds which role: a write there also starts a new generation of the permission sets
# (projects/permissions.py announces the ORM's own changes; this catches raw SQL too).
ROLE_TABLES = frozenset(
    {
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "auth_user_groups",
        "auth_user_user_permissions",
    }
)
# Statements that write nothing; any other counts as a write (a CTE, MERGE, several statements).
# A compound query opens with a parenthesis, "(SELECT …) UNION ALL (SELECT …)": PostgreSQL
# refuses a data-modifying WITH anywhere but at the top level, so those only read too.
READS = re.compile(
    r"(?:\(\s*)*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|SET|SHOW|DECLARE|FETCH|CLOSE)\b"
    r"(?!.*;\s*\S)",
    re.IGNORECASE | re.DOTALL,
)
ONE_TABLE = re.compile(
    r'(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?(\w+)"?\s', re.IGNORECASE
)
# A statement this module cannot place that names a role table (see ROLE_TABLES).
ROLE_TEXT = re.compile(r"\bauth_(?:group|permission|user_groups|user_user_permissions)\b")
LEADING_COMMENT = re.compile(r"\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/)", re.DOTALL)
# The query parameters kept pages read (the portfolio's filters, sort, page and view; the
# register's `show`): a page asked for with any other is built and not kept, so made-up
# addresses cannot fill Redis.
PARAMETERS = frozenset({"q", "stage", "sponsor", "category", "sort", "page", "view", "show"})
LONGEST_VALUE = 200
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
CSRF_PLACE = "\x00csrf\x00"
_writes_unannounced = False  # this process wrote while the cache did not answer
_release = ""
_tried_in_pause = 0.0  # the pause (its end) during which a commit last tried the cache
# `kept`: this thread (its own database connection) read the generation to keep a page since
# it last started one — only then can a page it keeps show a transaction's write that a later
# write of the same transaction changes. Unknown counts as kept.
_thread = threading.local()


# -- Keeping pages ----------------------------------------------------------------------------


def cached(
    request: HttpRequest,
    build: Callable[[], HttpResponse],
    *,
    before_kept: Callable[[], None] = lambda: None,
) -> HttpResponse:
    """The page `build()` makes for this request: kept from an earlier request while nothing
    it could show has changed, or built now (and kept when it can be). A forced reload
    (`Cache-Control: no-cache`) builds it and keeps what it built. `before_kept()` is asked
    before a kept page is served — whether this person may see what it shows (raising
    Http404), which `build()` asks itself as it reads."""
    key = _key(request)
    if key is None or (_writes_unannounced and not _new_generation(even_if_paused=True)):
        return build()
    reload = "no-cache" in request.headers.get("Cache-Control", "")
    cache = caches[CACHE]
    _thread.kept = True
    try:
        found = cache.get_many([GENERATION] if reload else [GENERATION, key])
        generation = found.get(GENERATION)
        if generation is None:  # a new Redis, or the key was evicted
            cache.add(GENERATION, secrets.token_hex(8), timeout=None)
            generation = cache.get(GENERATION)
        kept = found.get(key)
        if kept is not None and kept[0] == generation:
            before_kept()
            return _with_token(request, kept[1], kept[2])
    except RedisError as error:
        PAUSE.start(error)
        return build()
    response = build()
    if generation is not None and _keepable(response):
        content = CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACE}\g<2>", response.content.decode())
        try:
            cache.set(key, (generation, response["Content-Type"], content), _seconds())
        except RedisError as error:
            PAUSE.start(error)
    return response


def _key(request: HttpRequest) -> str | None:
    """Which release, whose page, which day, which address — or None: not a page to keep."""
    if (
        not _seconds()
        or PAUSE.active
        or request.method not in ("GET", "HEAD")
        or not request.user.is_authenticated
        or len(get_messages(request))  # shown once: counted without being used up
        or not _known_parameters(request)
    ):
        return None
    htmx = f"{request.headers.get('HX-Request', '')}|{request.headers.get('HX-Target', '')}"
    address = hashlib.sha256(f"{request.get_full_path()}|{htmx}".encode()).hexdigest()[:32]
    day = timezone.localdate().isoformat()
    return f"page:{release()}:{request.user.pk}:{day}:{address}"


def _known_parameters(request: HttpRequest) -> bool:
    return all(
        name in PARAMETERS and all(len(value) <= LONGEST_VALUE for value in values)
        for name, values in request.GET.lists()
    )


def release() -> str:
    """This release: a digest of the code, templates, static files and dependencies' pins,
    taken once when the process starts (`ProjectsConfig.ready`), so old and new processes of a
    rolling deploy never serve each other's pages, however the files arrived."""
    global _release
    if not _release:
        digest = hashlib.sha256()
        root = Path(settings.BASE_DIR)
        files = [root / "pyproject.toml"]
        for folder in ("config", "lifecycle", "projects", "templates", "static"):
            files += sorted((root / folder).rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root)}\n".encode())
                digest.update(path.read_bytes())
        _release = digest.hexdigest()[:12]
    return _release


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


def _on_write(execute: Callable, sql: Any, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    tables = _written(sql)
    if tables:
        roles = bool(tables & ROLE_TABLES) or (
            "?" in tables and bool(ROLE_TEXT.search(sql if isinstance(sql, str) else str(sql)))
        )
        changed(context["connection"], roles=roles)
    return result


def _written(sql: Any) -> set[str]:
    """The tables a statement may have written to that a kept page could show: none for a
    read or a write to UNSEEN_TABLES; {"?"} when it cannot tell which."""
    if not isinstance(sql, str):  # psycopg's composed SQL, bytes
        return {"?"}
    statement = sql
    while comment := LEADING_COMMENT.match(statement):
        if comment[0].count("/*") > 1:  # PostgreSQL nests block comments; this does not
            return {"?"}
        statement = statement[comment.end() :]
    statement = statement.lstrip()
    if READS.match(statement):
        return set()
    one = ONE_TABLE.match(statement)
    if one and ";" not in statement.rstrip().rstrip(";"):
        return set() if one[1] in UNSEEN_TABLES else {one[1]}
    return {"?", *ROLE_TABLES} if statement[:8].upper() == "TRUNCATE" else {"?"}


def changed(connection: Any, *, roles: bool = False) -> None:
    """A row was written: a new generation now, as the same transaction may read the page
    next, and once more after the commit — the one other processes need. A later write of
    the same transaction starts one only if this thread may have kept a page since the last
    (only pages built on its connection can show what it has not committed): a decision's
    three writes cost two trips to Redis, not four."""
    if roles:
        permissions.roles_changed(connection)
    if not _seconds():
        return
    if not connection.in_atomic_block:
        _committed()  # autocommit: the statement is committed already
        return
    first = not any(getattr(f, "announces_commit", False) for _, f, _ in connection.run_on_commit)
    if first or getattr(_thread, "kept", True):
        _new_generation()
    if first:
        transaction.on_commit(_committed, using=connection.alias, robust=True)


def _committed() -> None:
    """Committed: other processes must hear of it, even while this one leaves the cache alone
    after a failure — but a Redis that hangs costs one timeout per pause, not one per commit."""
    global _tried_in_pause, _writes_unannounced
    paused = PAUSE.active
    if paused and _tried_in_pause == PAUSE.until:
        _writes_unannounced = True
        return
    _new_generation(even_if_paused=True)
    if paused:
        _tried_in_pause = PAUSE.until  # after the try: a failure starts a new pause


_committed.announces_commit = True  # type: ignore[attr-defined]


def _new_generation(*, even_if_paused: bool = False) -> bool:
    """Start a new generation. While the cache is left alone after a failure only a commit
    tries (one attempt per transaction); whatever is not announced is, before this process
    serves a kept page again. False when it was not announced."""
    global _writes_unannounced
    if not even_if_paused and PAUSE.active:
        _writes_unannounced = True
        return False
    try:
        caches[CACHE].set(GENERATION, secrets.token_hex(8), timeout=None)
    except RedisError as error:
        _writes_unannounced = True
        PAUSE.start(error)
        logger.error("A change shows on kept pages within %s s, when they expire", _seconds())
        return False
    _writes_unannounced = False
    _thread.kept = False
    PAUSE.end()  # it answered
    return True


def kept(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view whose page is kept (`cached`): for the person's own pages (home, Needs my
    action, the portfolio), which look nothing up by address, so there is no access to ask."""

    @functools.wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return cached(request, lambda: view(request, *args, **kwargs))

    return page
