"""Statements compiled once per process: SQL the ORM would build the same way again.

Needs my action, its count and the PMO's overdue list are built from the rulebook's filters:
up to fourteen kinds of item, each a queryset narrowed by the rules that say who may act on it
(projects/waiting.py). Building those filters and compiling them to SQL cost more than
running the SQL — for a sponsor's count, about 12 of 20 ms — and they come out the same for
the same person on the same day: the rules' filters read nothing but the person's *standing*
(`projects.rules.standing`: who they are, whether they are the PMO, their approval limit and
whom they deputise for today). So `compiled(key, build)` keeps the SQL and its parameters
under a key that names all of that, and each request runs the kept SQL: the rows are read
afresh every time, exactly as before — only the building is skipped. A new standing (a
delegation begins, a limit changes, someone joins the PMO), a new day or a changed setting
is a new key or an emptied store, never a stale statement; `tests/projects/test_statements.py`
checks that building the filters reads nothing the standing leaves out.

One value may change between requests without changing the statement: the moment the query
is asked at (what has waited longer than ESCALATE_AFTER_DAYS is overdue). A statement built
`at_moment` is compiled at two moments; the parameters that differ are the moment's, each
kept as its distance from it, and bound to the moment of each request.

Kept per process (up to SIZE statements of 5–20 kilobytes, the least recently used dropped
first), so nothing is shared and a deploy starts empty.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import QuerySet
from django.dispatch import receiver

# Statements kept per process: three a person (home, Needs my action, the count), so about
# 340 people a day per process before the least recently used are built again.
SIZE = 1024
# The two moments a statement `at_moment` is compiled at: different down to the microsecond, so
# a parameter cut from the moment (to the day, the hour, the second) differs too and is found.
_FIRST = datetime(2001, 1, 1, 3, 17, 29, 123457, tzinfo=UTC)
_SECOND = datetime(2002, 2, 2, 14, 41, 53, 654321, tzinfo=UTC)
_REFUSED = "A statement's moment may change its parameters by a fixed distance, nothing else."


@dataclass(frozen=True)
class Statement:
    """A query's SQL and parameters; `moments` are the parameters that are the moment it is
    asked at, each as (its position, its distance from the moment)."""

    sql: str  # "" when the filters leave nothing to ask for (as Django, no query is sent)
    params: tuple[Any, ...]
    moments: tuple[tuple[int, timedelta], ...] = ()

    def rows(self, moment: datetime | None = None) -> list[tuple[Any, ...]]:
        if not self.sql:
            return []
        params = list(self.params)
        for position, distance in self.moments:
            assert moment is not None, "this statement is asked at a moment"
            params[position] = moment + distance
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        """How many rows the statement returns, counted by the database."""
        if not self.sql:
            return 0
        # The ORM's own SQL, wrapped as Django wraps a union it counts; its values stay params.
        sql = f"SELECT COUNT(*) FROM ({self.sql}) AS counted"  # noqa: S608
        return Statement(sql, self.params).rows()[0][0]


_kept: OrderedDict[Hashable, Statement] = OrderedDict()
_lock = threading.Lock()


def compiled(
    key: Hashable, build: Callable[..., QuerySet], *, at_moment: bool = False
) -> Statement:
    """The statement `build()` compiles to, kept under `key`: the key must name everything
    the queryset depends on. `at_moment`: `build(moment)` takes the moment it is asked at."""
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    statement = _compile(build, at_moment=at_moment)
    with _lock:
        _kept[key] = statement
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return statement


def _compile(build: Callable[..., QuerySet], *, at_moment: bool) -> Statement:
    if not at_moment:
        return Statement(*_sql(build()))
    sql, first = _sql(build(_FIRST))
    again, second = _sql(build(_SECOND))
    if again != sql or len(second) != len(first):
        raise ValueError(_REFUSED)
    moments = []
    for position, (one, other) in enumerate(zip(first, second, strict=True)):
        if one == other:
            continue
        if not (isinstance(one, datetime) and isinstance(other, datetime)):
            raise ValueError(_REFUSED)  # a date or a text made from the moment
        if other - _SECOND != one - _FIRST:
            raise ValueError(_REFUSED)  # cut from the moment, not moved by a distance
        moments.append((position, one - _FIRST))
    return Statement(sql, first, tuple(moments))


def _sql(queryset: QuerySet) -> tuple[str, tuple[Any, ...]]:
    try:
        return queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # every part filtered to nothing: Django sends no query either
        return "", ()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    """A statement may read a setting (how many days until overdue): tests change them."""
    forget()


def forget() -> None:
    with _lock:
        _kept.clear()
