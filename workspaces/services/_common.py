"""Shared pieces of the workspace services."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

User = get_user_model()
ACCESS_KEY_PATTERN = re.compile(r"^[A-Z0-9]{16,128}$")
VALIDATION_PENDING = "Validation pending: queued for a background worker; the result appears here."


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude)
