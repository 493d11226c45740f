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

The portfolio's list and board (projects/selectors/portfolio.py) are kept the same way, under
the person's standing and the filters' cleaned values. Their rows are read by id: a statement
built `ids=n` is compiled twice with n different ids of its own, and the ids of each request
are bound where those stood. A page of the list is the statement with `LIMIT` and `OFFSET`
added. A statement may take texts the same way (`texts=m`: a PDF's fingerprint). Each
statement keeps Django's converters for its columns, so its values are the ones the ORM would
give (SQLite's decimals, for one).

Records are read the same way where their query is widest: a project page's project with the
eight records it joins (`project_get`), and the records behind what waits. Compiling such a
query — some 150 columns — took 2.6 of the 3.1 ms its read cost; a kept statement also keeps
what Django's `ModelIterable` works out to build the instances from its rows, and builds them
as it does (`Statement.records`).

The unions of what waits are also *planned* once (`planned_once`): their constants written
into the SQL, they run with PostgreSQL's generic plan, which each connection makes once —
PostgreSQL had planned the PMO's union of 25 parts on every request, for longer than it ran.

Reads that do not depend on each other are sent together (`together`, `records_by_ids`, and
the lists `prefetched` reads): in one pipeline, one round trip for all of them — the records
behind seven kinds of what waits, a gate's three lists, a charter's sections.

Kept per process (up to SIZE statements of 5–20 kilobytes, the least recently used dropped
first), so nothing is shared and a deploy starts empty.
"""

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, get_related_populators
from django.dispatch import receiver
from psycopg.sql import Literal

# Statements kept per process: three a person for what waits (home, Needs my action, the
# count), two to four for each filter of the portfolio a person uses, and one for each number
# of ids a read by id is asked with. The least recently used are built again when needed (a
# few milliseconds each): a day of many different searches costs speed, never memory.
SIZE = 1024
# The two moments a statement `at_moment` is compiled at: different down to the microsecond, so
# a parameter cut from the moment (to the day, the hour, the second) differs too and is found.
_FIRST = datetime(2001, 1, 1, 3, 17, 29, 123457, tzinfo=UTC)
_SECOND = datetime(2002, 2, 2, 14, 41, 53, 654321, tzinfo=UTC)
_REFUSED = "A statement's moment may change its parameters by a fixed distance, nothing else."
# The ids a statement `ids=n` is compiled with (never run with them): what differs between
# the two compilations is where they stand. Within every integer field's range, since Django
# compiles a lookup past its field's range to nothing (a positive field and a negative id).
_FIRST_IDS = 2_000_000_000
_SECOND_IDS = 1_000_000_000
_REFUSED_IDS = "A statement's ids and texts must each stand once among its parameters, as given."
# The texts a statement `texts=m` is compiled with: no record has them either.
_FIRST_TEXTS = "(a statement's first text {})"
_SECOND_TEXTS = "(a statement's second text {})"


@dataclass(frozen=True)
class Statement:
    """A query's SQL and parameters; `moments` are the parameters that are the moment it is
    asked at, each as (its position, its distance from the moment)."""

    sql: str  # "" when the filters leave nothing to ask for (as Django, no query is sent)
    params: tuple[Any, ...]
    moments: tuple[tuple[int, timedelta], ...] = ()
    ids: tuple[int, ...] = ()  # where each id stands among the parameters, in the ids' order
    texts: tuple[int, ...] = ()  # where each text stands, the same way
    # Django's converters of the columns that have any: (column, its converters, expression).
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...] = ()
    built: "_Instances | None" = None  # how a row becomes a model instance (a query of models)
    generic: bool = False  # run with PostgreSQL's generic plan (`planned_once`)

    def rows(
        self,
        moment: datetime | None = None,
        *,
        ids: Sequence[int] = (),
        texts: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple[Any, ...]]:
        """The rows, at `moment` (a statement `at_moment`) of these `ids` (a statement
        `ids=n`, n of them) and `texts` (`texts=m`), `limit` rows from `offset` when given."""
        asked = self.asked(moment, ids=ids, texts=texts, limit=limit, offset=offset)
        return together([asked])[0]

    def asked(
        self,
        moment: datetime | None = None,
        *,
        ids: Sequence[int] = (),
        texts: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> "Asked":
        """The SQL and parameters that ask for the rows `rows()` gives: to send with others
        (`together`)."""
        if not self.sql:
            return Asked(self, "", [])
        params = list(self.params)
        for position, distance in self.moments:
            assert moment is not None, "this statement is asked at a moment"
            params[position] = moment + distance
        assert len(ids) == len(self.ids), "this statement is asked with as many ids as it has"
        assert len(texts) == len(self.texts), "and with as many texts"
        for position, value in zip(self.ids + self.texts, [*ids, *texts], strict=True):
            params[position] = value
        sql = self.sql
        if limit is not None:  # the ORM's own SQL ends with its ORDER BY: a page of it
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]
        return Asked(self, sql, params)

    def records(self, *, ids: Sequence[int] = (), texts: Sequence[str] = ()) -> list[Model]:
        """The rows as model instances, with the records `select_related` joined in, as the
        queryset would give them (Django's `ModelIterable`)."""
        return self.records_of(self.rows(ids=ids, texts=texts))

    def records_of(self, rows: list[tuple[Any, ...]]) -> list[Model]:
        """These rows of the statement as model instances (`records`)."""
        assert self.built is not None, "this statement reads values, not records"
        joined: dict[tuple[int, Any], Model] = {}  # one object per joined record, as said below
        return [self.built.instance(row, joined) for row in rows]

    def _converted(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """What Django's compiler does with each row (`SQLCompiler.apply_converters`)."""
        converted = []
        for row in rows:
            values = list(row)
            for column, converters, expression in self.converters:
                for converter in converters:
                    values[column] = converter(values[column], expression, connection)
            converted.append(tuple(values))
        return converted

    def count(self) -> int:
        """How many rows the statement returns, counted by the database."""
        assert not (self.ids or self.texts or self.moments), (
            "a statement asked with values is not counted"
        )
        if not self.sql:
            return 0
        # The ORM's own SQL, wrapped as Django wraps a union it counts; its values stay params.
        sql = f"SELECT COUNT(*) FROM ({self.sql}) AS counted"  # noqa: S608
        return Statement(sql, self.params, generic=self.generic).rows()[0][0]


@dataclass(frozen=True)
class Asked:
    """A statement with what it is asked with: the SQL and parameters of one query ("" for
    none: its filters leave nothing to ask for)."""

    statement: Statement
    sql: str
    params: list[Any]


def together(asked: Sequence[Asked]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement as asked, the statements sent to PostgreSQL together: in
    one pipeline, so that the round trips of several small reads — a page's lists, the
    records behind seven kinds of what waits — cost one (each about 0.1 ms on a quiet
    machine). The rows and errors are the ones each query gives on its own. A statement with
    nothing to ask sends nothing; one planned once runs on its own (its plan's setting wraps
    it: `_run_generic`); elsewhere than PostgreSQL they run one by one."""
    found: list[list[tuple[Any, ...]]] = [[] for _ in asked]
    sent = [(number, one) for number, one in enumerate(asked) if one.sql]
    piped = [(number, one) for number, one in sent if not one.statement.generic]
    if len(piped) > 1 and _pipelines():
        _piped(piped, found)
        sent = [(number, one) for number, one in sent if one.statement.generic]
    for number, one in sent:
        with connection.cursor() as cursor:
            if one.statement.generic:
                found[number] = _run_generic(cursor, one.sql, one.params)
            else:
                cursor.execute(one.sql, one.params)
                found[number] = cursor.fetchall()
    return [
        one.statement._converted(rows) if one.statement.converters else rows
        for one, rows in zip(asked, found, strict=True)
    ]


def _pipelines() -> bool:
    """Whether this connection sends queries in a pipeline: PostgreSQL through psycopg 3 with
    a libpq that can (14 or later)."""
    if connection.vendor != "postgresql":
        return False
    import psycopg

    return psycopg.Pipeline.is_supported()


def _piped(piped: list[tuple[int, Asked]], found: list[list[tuple[Any, ...]]]) -> None:
    """Each query through a cursor of Django's own (its execute wrappers see it, as always),
    sent in one pipeline; the rows read once PostgreSQL has answered them all."""
    cursors = []
    try:
        cursors += [connection.cursor() for _ in piped]
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (_, one) in zip(cursors, piped, strict=True):
                cursor.execute(one.sql, one.params)
        for cursor, (number, _) in zip(cursors, piped, strict=True):
            found[number] = cursor.fetchall()
    finally:
        for cursor in cursors:
            cursor.close()


@dataclass(frozen=True)
class _Instances:
    """What Django's `ModelIterable` works out from a compiled query to build its instances:
    the model's columns, and a populator for each record joined by `select_related`."""

    model: type[Model]
    columns: slice
    names: tuple[str, ...]
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, compiler: Any) -> "_Instances":
        info = compiler.klass_info
        fields = info["select_fields"]
        columns = slice(fields[0], fields[-1] + 1)
        return cls(
            model=info["model"],
            columns=columns,
            names=tuple(column[0].target.attname for column in compiler.select[columns]),
            populators=tuple(get_related_populators(info, compiler.select, connection.alias)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )

    def instance(self, row: tuple[Any, ...], joined: dict[tuple[int, Any], Model]) -> Model:
        record = self.model.from_db(connection.alias, self.names, row[self.columns])
        for populator in self.populators:
            _populate(populator, row, record, joined)
        for name, column in self.annotations:
            setattr(record, name, row[column])
        return record


def _populate(populator: Any, row: tuple[Any, ...], owner: Model, joined: dict) -> None:
    """Django's `RelatedPopulator.populate`, but a record joined by the same path to several
    rows — the sponsor of 96 business cases, a project of several fundings — is built once
    and shared by them, as Django's `prefetch_related` shares it (`joined`, by path and
    primary key, for one statement's rows): building those objects again and again took a
    third of reading a sponsor's Needs my action."""
    if populator.reorder_for_init:
        values = populator.reorder_for_init(row)
    else:
        values = row[populator.cols_start : populator.cols_end]
    pk = values[populator.pk_idx]
    record = None
    if pk is not None:
        record = joined.get((id(populator), pk))
        if record is None:
            record = populator.model_cls.from_db(populator.db, populator.init_list, values)
            for related in populator.related_populators:
                _populate(related, row, record, joined)
            joined[id(populator), pk] = record
    populator.local_setter(owner, record)
    if record is not None:
        populator.remote_setter(record, owner)


_kept: OrderedDict[Hashable, Statement] = OrderedDict()
_lock = threading.Lock()


def compiled(
    key: Hashable,
    build: Callable[..., QuerySet],
    *,
    at_moment: bool = False,
    ids: int | None = None,
    texts: int = 0,
    planned_once: bool = False,
) -> Statement:
    """The statement `build()` compiles to, kept under `key`: the key must name everything
    the queryset depends on. `at_moment`: `build(moment)` takes the moment it is asked at;
    `ids=n`: `build(ids)` takes a list of n ids (n is added to the key); `texts=m` as well:
    `build(ids, texts)` takes m texts besides. `planned_once`: see `_planned_once`."""
    if texts:
        assert ids is not None, "a statement asked with texts is asked with ids (maybe none)"
    if ids is not None:
        assert not at_moment, "a statement is asked at a moment or with ids, not both"
        key = (key, "ids", ids, texts)
    if planned_once:
        key = (key, "planned once")
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    if ids is not None:
        statement = _compile_with_ids(build, ids, texts)
    else:
        statement = _compile(build, at_moment=at_moment)
    if planned_once:
        statement = _planned_once(statement)
    with _lock:
        _kept[key] = statement
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return statement


ReadById = tuple[Hashable, Callable[[list[Any]], QuerySet], list[Any]]


def records_by_id(key: Hashable, build: Callable[[list[Any]], QuerySet], ids: list[Any]) -> list:
    """The records `build(ids)` reads, its statement compiled once under `key` for each number
    of ids (a statement `ids=n`): the read by id every page repeats with other ids."""
    return records_by_ids([(key, build, ids)])[0]


def records_by_ids(reads: Sequence[ReadById]) -> list[list[Model]]:
    """Several reads by id (`records_by_id`), sent together: one round trip (`together`)."""
    statements = [(compiled(key, build, ids=len(ids)), ids) for key, build, ids in reads if ids]
    rows = together([statement.asked(ids=ids) for statement, ids in statements])
    found = iter(zip(statements, rows, strict=True))
    records = []
    for *_, ids in reads:
        if not ids:
            records.append([])
            continue
        (statement, _), its_rows = next(found)
        records.append(statement.records_of(its_rows))
    return records


def _compile(build: Callable[..., QuerySet], *, at_moment: bool) -> Statement:
    if not at_moment:
        return _statement(build())
    first = _statement(build(_FIRST))
    second = _statement(build(_SECOND))
    if second.sql != first.sql or len(second.params) != len(first.params):
        raise ValueError(_REFUSED)
    moments = []
    for position, (one, other) in enumerate(zip(first.params, second.params, strict=True)):
        if one == other:
            continue
        if not (isinstance(one, datetime) and isinstance(other, datetime)):
            raise ValueError(_REFUSED)  # a date or a text made from the moment
        if other - _SECOND != one - _FIRST:
            raise ValueError(_REFUSED)  # cut from the moment, not moved by a distance
        moments.append((position, one - _FIRST))
    return replace(first, moments=tuple(moments))


def _compile_with_ids(build: Callable[..., QuerySet], count: int, texts: int) -> Statement:
    """Compiled with two lists of `count` ids (and `texts` texts) of its own: the parameters
    that differ are the ids and texts, each found where it stands in both."""
    first_ids = [_FIRST_IDS - number for number in range(count)]
    second_ids = [_SECOND_IDS - number for number in range(count)]
    first_texts = [_FIRST_TEXTS.format(number) for number in range(texts)]
    second_texts = [_SECOND_TEXTS.format(number) for number in range(texts)]
    if texts:
        first, second = build(first_ids, first_texts), build(second_ids, second_texts)
    else:
        first, second = build(first_ids), build(second_ids)
    first, second = _statement(first), _statement(second)
    if second.sql != first.sql or len(second.params) != len(first.params):
        raise ValueError(_REFUSED_IDS)
    given, other_given = [*first_ids, *first_texts], [*second_ids, *second_texts]
    where: dict[Any, int] = {}
    for position, (one, other) in enumerate(zip(first.params, second.params, strict=True)):
        if one == other:
            continue
        if one not in given or other != other_given[given.index(one)] or one in where:
            raise ValueError(_REFUSED_IDS)
        where[one] = position
    if len(where) != len(given):
        raise ValueError(_REFUSED_IDS)
    return replace(
        first,
        ids=tuple(where[pk] for pk in first_ids),
        texts=tuple(where[text] for text in first_texts),
    )


def _planned_once(statement: Statement) -> Statement:
    """The statement with its constants (the states, stages, limits and people its filters
    name) written into its SQL as literals, only what each run binds (its moment, ids,
    texts) left as parameters, and run with PostgreSQL's generic plan: planned once for each
    connection, where a custom plan is made again on every run. With the constants as
    parameters a generic plan knows none of them and is slower; as literals it is the plan
    the constants call for. The union of what waits across the portfolio (25 parts) took
    longer to plan than to run. Only on PostgreSQL with prepared statements (settings:
    DB_PREPARE_THRESHOLD); elsewhere the statement is as compiled."""
    options = connection.settings_dict.get("OPTIONS", {})
    if (
        not statement.sql
        or connection.vendor != "postgresql"
        or options.get("prepare_threshold") is None
    ):
        return statement
    bound = {position for position, _ in statement.moments}
    bound |= {*statement.ids, *statement.texts}
    connection.ensure_connection()
    written, params, moved = [], [], {}
    position = 0
    for token in re.split(r"(%%|%s)", statement.sql):
        if token != "%s":
            written.append(token)  # SQL, or a percent sign written `%%`
            continue
        value = statement.params[position]
        if position in bound or not _written_as_literal(value):
            moved[position] = len(params)
            params.append(value)
            written.append(token)
        else:  # quoted by psycopg as it would send it; a percent sign in it doubled
            written.append(Literal(value).as_string(connection.connection).replace("%", "%%"))
        position += 1
    assert position == len(statement.params), "a placeholder for every parameter"
    return replace(
        statement,
        sql="".join(written),
        params=tuple(params),
        moments=tuple((moved[position], distance) for position, distance in statement.moments),
        ids=tuple(moved[position] for position in statement.ids),
        texts=tuple(moved[position] for position in statement.texts),
        generic=True,
    )


def _written_as_literal(value: Any) -> bool:
    """A constant written into the SQL: a number, a day or moment, a truth value, or a text
    without `;`. Any other stays a parameter (projects/page_cache.py counts SQL with `;` and
    more after it as a write: it cannot tell it from two statements)."""
    if isinstance(value, str):
        return ";" not in value
    return value is None or isinstance(value, int | float | Decimal | date)  # bool is an int


def _run_generic(cursor: Any, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """`query`'s rows, run with the generic plan its prepared statement keeps. The setting is
    `SET LOCAL`, in a transaction of its own (a savepoint inside one already open): whatever
    fails, the rollback restores it, and behind a pooler in transaction mode the three
    statements reach the same server connection. Inside a transaction the setting is put back
    for the rest of it."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(query, params)
        rows = cursor.fetchall()
        if nested:
            cursor.execute("SET LOCAL plan_cache_mode = DEFAULT")
    return rows


def _statement(queryset: QuerySet) -> Statement:
    """The queryset's SQL and parameters, the converters Django applies to its columns, and
    how its rows become records (a queryset of models)."""
    # What Django adds to the rows beside its SQL is not kept: the records they name.
    assert not queryset._prefetch_related_lookups, "prefetch after reading the records"
    assert not queryset._known_related_objects, "a related manager's records are not kept"
    compiler = queryset.query.get_compiler(connection=connection)
    # Columns Django adds to a DISTINCT query's select for its ORDER BY, and leaves out of the
    # rows it returns: not trimmed here.
    assert not queryset.query.distinct, "a DISTINCT statement is not kept"
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # every part filtered to nothing: Django sends no query either
        return Statement("", ())
    columns = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(columns)
    return Statement(
        sql,
        tuple(params),
        built=_Instances.of(compiler) if queryset._iterable_class is ModelIterable else None,
        converters=tuple(
            (column, tuple(functions), expression)
            for column, (functions, expression) in sorted(converters.items())
        ),
    )


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    """A statement may read a setting (how many days until overdue): tests change them."""
    forget()


def forget() -> None:
    with _lock:
        _kept.clear()


def prefetched(records: Sequence[Model], *lookups: str | Prefetch) -> None:
    """Django's `prefetch_related_objects(records, *lookups)`, each list read by a statement
    compiled once when the lookup ends in a reverse foreign key to a primary key (a project's
    goals, its charter's stakeholders) and its steps before are records already joined (a
    `select_related` one-to-one). A `Prefetch` whose queryset only joins records
    (`select_related`) and orders them is read the same way, and those lists are read
    together (one round trip: `together`). The lists are kept on each record as Django keeps
    them (`record.goals.all()` reads no more), each item knowing its record. Any other lookup
    is Django's, in its turn (a proxy's lists at once); a lookup named twice is read once."""
    kept: list[_Listing] = []
    for lookup in dict.fromkeys(lookups):
        through, queryset = lookup, None
        if isinstance(lookup, Prefetch):
            through, queryset = lookup.prefetch_through, lookup.queryset
            if lookup.to_attr or not _joins_only(queryset):
                _read_lists(kept)
                prefetch_related_objects(list(records), lookup)
                continue
        *path, name = through.split("__")
        owners = _joined(records, path)
        if owners == []:
            continue  # no record at the end of the path: nothing to list
        relation = None if owners is None else _reverse_foreign_key(owners, name)
        if relation is None:
            _read_lists(kept)
            prefetch_related_objects(list(records), lookup)
        elif (listing := _listing(owners, name, relation, queryset)) is not None:
            kept.append(listing)
    _read_lists(kept)


def _joins_only(queryset: QuerySet | None) -> bool:
    """The queryset adds nothing to its model's but joined records and an order."""
    if queryset is None:
        return True
    query = queryset.query
    return (
        not query.where
        and not query.annotations
        and not query.extra
        and not query.extra_order_by
        and not query.distinct
        and not query.select_for_update
        and not query.deferred_loading[0]
        and query.low_mark == 0
        and query.high_mark is None
        and query.default_ordering
        and query.standard_ordering
        and not queryset._prefetch_related_lookups
        and queryset._iterable_class is ModelIterable
    )


def _joined(records: Sequence[Model], path: list[str]) -> list[Model] | None:
    """The records at the end of `path` from these, when every step is joined already; None
    when one is not (Django's prefetch reads it)."""
    for step in path:
        following = []
        for record in records:
            field = record._meta.get_field(step)
            if not (field.one_to_one or field.many_to_one) or not field.is_cached(record):
                return None
            if (joined := getattr(record, step, None)) is not None:
                following.append(joined)
        records = following
    return list(records)


def _reverse_foreign_key(owners: list[Model], name: str) -> Any:
    try:
        field = owners[0]._meta.get_field(name)
    except FieldDoesNotExist:  # an accessor that is not the relation's query name: Django's
        return None
    if not (field.one_to_many and field.remote_field.target_field.primary_key):
        return None
    return field.remote_field  # the foreign key on the listed records


@dataclass(frozen=True)
class _Listing:
    """The lists of one relation to read for some records, and how to read them."""

    by_pk: dict[Any, list[Model]]  # the records to list, by id (a record read twice: twice)
    name: str
    key: Any  # the foreign key on the listed records
    read: ReadById


def _listing(
    owners: list[Model], name: str, key: Any, queryset: QuerySet | None
) -> _Listing | None:
    """What to read for the records whose lists of `name` are not read yet: a `_Listing`,
    None when all are; a proxy's lists are Django's, read here."""
    waiting = [o for o in owners if key.remote_field.cache_name not in _lists_of(o)]
    by_pk: dict[Any, list[Model]] = {}
    for owner in waiting:
        by_pk.setdefault(owner.pk, []).append(owner)
    if not by_pk:
        return None
    items = key.model._default_manager.all() if queryset is None else queryset
    if items.model is not key.model:  # a proxy: its own manager and instances
        prefetch_related_objects(owners, Prefetch(name, queryset=queryset))
        return None

    def build(ids: list[Any]) -> QuerySet:
        return items.filter(**{f"{key.name}__in": ids})

    # What the queryset joins and its order are part of the SQL, so of its key.
    shape = (repr(items.query.select_related), tuple(map(str, items.query.order_by)))
    label = (type(owners[0])._meta.label, name, shape)
    return _Listing(by_pk, name, key, (("prefetch", label), build, sorted(by_pk)))


def _read_lists(listings: list[_Listing]) -> None:
    """Read these lists together and keep each on its records; then forget them."""
    found = records_by_ids([listing.read for listing in listings])
    for listing, items in zip(listings, found, strict=True):
        _keep_lists(listing, items)
    listings.clear()


def _keep_lists(listing: _Listing, items: list[Model]) -> None:
    by_pk, key = listing.by_pk, listing.key
    listed: dict[Any, list[Model]] = {pk: [] for pk in by_pk}
    for item in items:
        owner = by_pk[getattr(item, key.attname)][0]
        key.set_cached_value(item, owner)  # `item.project` is its record, as Django's prefetch
        listed[owner.pk].append(item)
    for pk, same in by_pk.items():
        for owner in same:
            kept = getattr(owner, listing.name).get_queryset()
            kept._result_cache = listed[pk]
            kept._prefetch_done = True
            _lists_of(owner)[key.remote_field.cache_name] = kept


def _lists_of(record: Model) -> dict[str, QuerySet]:
    if not hasattr(record, "_prefetched_objects_cache"):
        record._prefetched_objects_cache = {}
    return record._prefetched_objects_cache
