"""Errors services raise that every front end translates the same way."""

from django.core.exceptions import ValidationError


class NotAllowed(ValidationError):
    """The acting user's role does not allow this change (pages show it beside the field; the API
    answers 403 with the message)."""
