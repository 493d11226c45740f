"""Moments read by Python's ISO parser (projects/timestamps.py): the same values, of the same
time zone, as Django's own loader gives; what it cannot read goes to Django's loader."""

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types

from projects.timestamps import UtcLoader

MOMENTS = """SELECT '2026-12-05 01:20:44.520634+00'::timestamptz,
    '2026-12-05 01:20:44.5+00'::timestamptz, '2026-12-05 01:20:44+00'::timestamptz,
    '0999-01-02 03:04:05+00'::timestamptz, '2026-06-01 12:00:00+02'::timestamptz,
    NULL::timestamptz"""


def moments() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(MOMENTS)
        return cursor.fetchone()


class DjangosLoader(BaseTzLoader):
    timezone = UTC


def test_a_connection_reads_moments_as_djangos_loader_does(db):
    connection.ensure_connection()
    oid = types["timestamptz"].oid
    assert connection.connection.adapters.get_loader(oid, 0) is UtcLoader
    ours = moments()
    connection.connection.adapters.register_loader("timestamptz", DjangosLoader)
    try:
        theirs = moments()
    finally:
        connection.connection.adapters.register_loader("timestamptz", UtcLoader)
    assert ours == theirs and ours[0] == datetime(2026, 12, 5, 1, 20, 44, 520634, tzinfo=UTC)
    assert [m.tzinfo for m in ours if m] == [m.tzinfo for m in theirs if m] == [UTC] * 5


def test_what_the_iso_parser_cannot_read_fails_as_before(db):
    with pytest.raises(DataError, match="year"), transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT '-infinity'::timestamptz")
        c.fetchone()
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT '0044-03-15 12:00:00+00 BC'::timestamptz")
        c.fetchone()
