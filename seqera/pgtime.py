"""A faster loader for PostgreSQL ``timestamptz`` values read as text, with Django's values exactly.

Django (psycopg 3) reads every ``timestamptz`` through its `BaseTzLoader`, a subclass of
psycopg's pure-Python `TimestamptzLoader` (a regular expression, eight ``int()`` calls, a
``timedelta``, a subtraction, ``astimezone`` and ``replace``): about 3 µs a value, 2 ms of a
100-run API page. On this project's connections (``USE_TZ``, no database ``TIME_ZONE``: Django
sets the session time zone to UTC and wants ``datetime.timezone.utc`` values), PostgreSQL writes
every value as ``YYYY-MM-DD HH:MM:SS[.ffffff]+00``; for exactly that shape `FastTzLoader` parses
with ``datetime.fromisoformat`` (C) and attaches Django's zone. Anything else (another session
or Django time zone, BC dates, years beyond 9999, infinity, another offset) goes through Django's
own loader unchanged.

Guarantee: `FastTzLoader.load(data)` equals (value, ``tzinfo`` and ``fold``) what Django's loader
for the same connection returns; `install` (connected to ``connection_created``) registers it
only on a PostgreSQL connection whose session time zone is UTC and whose Django zone is
``datetime.timezone.utc`` (tests compare both loaders over values read back from PostgreSQL).
"""

from __future__ import annotations

import datetime
from typing import Any

_UTC = datetime.UTC
_SHAPES = frozenset({22, 24, 25, 26, 27, 28, 29})  # no fraction, or 1 to 6 fraction digits


def loader_class(base: type) -> type:
    """The fast loader over Django's loader class `base` (its ``timezone`` is Django's zone)."""

    class FastTzLoader(base):  # type: ignore[misc,valid-type]
        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            zone = self._timezone  # psycopg's: the session time zone
            session_utc = zone is _UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")
            self._fast = session_utc and self.timezone is _UTC

        def load(self, data: Any) -> datetime.datetime:
            if (
                self._fast
                and len(data) in _SHAPES
                and data[-3:] == b"+00"
                and data[4] == 45  # "-": a four-digit year (a fifth digit, or " BC", is not this shape)
                and data[10] == 32  # " "
                and (len(data) == 22 or data[19] == 46)  # "." before the fraction
            ):
                # +00 in a UTC session: the wall time is UTC's; fromisoformat pads the fraction
                # to microseconds as psycopg does
                value = datetime.datetime.fromisoformat(bytes(data).decode())
                return value if value.tzinfo is _UTC else value.replace(tzinfo=_UTC)  # CPython: UTC's already
            return super().load(data)

    return FastTzLoader


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the fast loader on a new PostgreSQL connection whose Django
    zone is UTC (Django's create_cursor keeps a connection's loader whose ``timezone`` it agrees
    with, and registers its own on the cursor otherwise)."""
    if connection.vendor != "postgresql" or connection.timezone is not _UTC:
        return
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return
    from psycopg.pq import Format

    adapters = connection.connection.adapters
    current = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    if current is None or getattr(current, "timezone", None) is not _UTC:
        return
    fast = loader_class(current)
    fast.__name__ = fast.__qualname__ = "FastTzLoader"
    adapters.register_loader("timestamptz", fast)
