"""Database helpers of the base layer: constraint violations as field errors."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

UNIQUE_VIOLATION = "23505"  # PostgreSQL SQLSTATE


def _violated(exc: IntegrityError) -> tuple[bool, str | None]:
    """(is a unique violation, the constraint's name when the database says it)."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        diag = getattr(cause, "diag", None)
        return sqlstate == UNIQUE_VIOLATION, getattr(diag, "constraint_name", None)
    return "UNIQUE constraint failed" in str(exc), None  # SQLite names columns, not constraints


@contextmanager
def unique_as_field_error(field: str, message: str, *, constraint: str | None = None):
    """Runs the block in a savepoint; a unique-constraint violation inside it (two requests
    creating the same name at once: the check before saving passed for both) becomes
    ``ValidationError({field: message})`` instead of a 500. With `constraint`, only a violation
    of that constraint is translated (where the database names it)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        unique, name = _violated(exc)
        if not unique or (constraint and name and name != constraint):
            raise
        raise ValidationError({field: message}) from None
