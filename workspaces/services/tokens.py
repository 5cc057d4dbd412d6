"""Personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from workspaces.models import (
    ApiToken,
)


def create_api_token(*, user, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is shown once and never stored.
    `expires_at` (optional): the token is refused from then on."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": "Give the token a name of at most 50 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose an expiry in the future."})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": ValidationError(f"You already have a token named {name}.", code="duplicate")})
    plaintext = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(plaintext), expires_at=expires_at)
    return token, plaintext


def revoke_api_token(*, token: ApiToken) -> None:
    token.delete()


def revoke_all_api_tokens(*, user) -> int:
    """Revokes every personal access token of `user` (e.g. after a password change); returns how many."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count
