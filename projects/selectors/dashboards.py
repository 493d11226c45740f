"""The first rows of a long list, with its length: what dashboards show. (What waits for a
person is projects/selectors/inbox.py.)"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Window

from projects.statements import compiled, records_by_id


@dataclass(frozen=True)
class Shortlist:
    """The first rows of a longer list, and how long the list is."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def shortlist(key: Hashable, build: Callable[[], QuerySet], limit: int) -> Shortlist:
    """The first `limit` rows of `build()`: their ids first, on the narrow query the indexes
    serve, then the rows with all their joins — so a sponsor of thousands of projects costs
    what one of ten does. Both statements are compiled once under `key`, which names all that
    the queryset depends on (projects/statements.py)."""

    def counted() -> QuerySet:
        return build().annotate(total=Window(Count("pk"))).values_list("pk", "total")[:limit]

    ids = dict(compiled(("shortlist", key, limit), counted).rows())
    if not ids:
        return Shortlist([], 0)
    rows = records_by_id(("shortlist rows", key), lambda some: build().filter(pk__in=some), [*ids])
    return Shortlist(rows, next(iter(ids.values())))
