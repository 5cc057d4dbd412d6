"""`seqera.pgtime.FastTzLoader` reads every ``timestamptz`` exactly as Django's own loader does
(value, zone and fold, or the same error), over values PostgreSQL itself writes: in the UTC
session Django opens (the fast path) and in other session time zones (Django's path)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import Format

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL loader")

FIXED = [
    "infinity",
    "-infinity",
    "0044-03-15 12:00:00+00 BC",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00+00",
    "2026-10-25 01:30:00.5+00",
    "2026-01-01 00:00:00.000001+00",
    "2026-06-01 12:00:00.12+00",
]
zones = st.sampled_from([dt.UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata"), ZoneInfo("America/St_Johns")])
moments = st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(min_value=dt.datetime(1, 1, 2)), zones)


def loaders():
    """(the connection's loader class, Django's class under it)."""
    connection.ensure_connection()
    fast = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert fast.__name__ == "FastTzLoader"
    return fast, fast.__mro__[1]


def outcome(loader, data: bytes):
    try:
        value = loader.load(data)
    except Exception as exc:  # noqa: BLE001 (the error itself is compared)
        return type(exc).__name__, str(exc)
    return value, value.tzinfo, value.fold


def texts(cursor, values) -> list[bytes]:
    """The text PostgreSQL writes for each value (what a timestamptz column sends)."""
    cursor.execute("SELECT v::text FROM unnest(%s::timestamptz[]) AS v", [list(values)])
    return [row[0].encode() for row in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("session_zone", ["UTC", "Europe/London", "Asia/Kolkata"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(moments, min_size=1, max_size=20))
def test_the_fast_loader_reads_what_djangos_reads(session_zone, values):
    fast_class, django_class = loaders()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [session_zone])
        try:
            fast, django = fast_class(1184, cursor.cursor), django_class(1184, cursor.cursor)
            assert fast._fast is (session_zone == "UTC")
            written = texts(cursor, values) + texts(cursor, FIXED)
            for data in written:
                assert outcome(fast, data) == outcome(django, data), data
                assert outcome(fast, memoryview(data)) == outcome(django, data), data
        finally:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")


@pytest.mark.django_db
def test_rows_read_through_the_orm_are_utc_values():
    """What a query returns with the loader installed: ``datetime.timezone.utc`` values."""
    loaders()
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-12-02 10:11:12.5+01'::timestamptz")
        (value,) = cursor.fetchone()
    assert value == dt.datetime(2026, 12, 2, 9, 11, 12, 500000, tzinfo=dt.UTC) and value.tzinfo is dt.UTC
