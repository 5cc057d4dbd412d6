"""E-mail addresses: normalising, verification."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from workspaces import audit
from workspaces.models import (
    VerifiedEmail,
)
from workspaces.services._common import User

EMAIL_LINK_SALT = "workspaces.email-verification"
EMAIL_LINK_MAX_AGE = 3 * 24 * 3600


def normalize_email(email: str) -> str:
    email = User.objects.normalize_email((email or "").strip())
    if not email or "@" not in email or len(email) > 254:
        raise ValidationError({"email": "Enter a valid e-mail address."})
    return email


def user_with_verified_email(email: str):
    """The account whose owner verified `email` (the only kind of match an address takes part in)."""
    return User.objects.filter(verified_email__email__iexact=email).first()


def is_email_verified(user) -> bool:
    verified = VerifiedEmail.objects.filter(user=user).values_list("email", flat=True).first()
    return bool(verified and user.email and verified.lower() == user.email.lower())


def _set_verified_email(user, email: str) -> None:
    holder = user_with_verified_email(email)
    if holder is not None and holder.pk != user.pk:
        raise ValidationError(
            {"email": "This address cannot be used for your account. Contact support if it is yours."}
        )
    VerifiedEmail.objects.update_or_create(user=user, defaults={"email": email, "date_verified": timezone.now()})
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])


def request_email_verification(*, user, email: str, base_url: str = "") -> str:
    """E-mails a link to `email` that, followed by `user` signed in, makes it their verified address.

    The account's current address keeps working until then. The answer is the same whether or not
    another account uses the address (no account oracle); such a link simply fails when followed.
    """
    email = normalize_email(email)
    token = signing.dumps({"u": user.pk, "e": email, "c": user.email}, salt=EMAIL_LINK_SALT, compress=True)
    link = base_url + reverse("email_verify", kwargs={"token": token})
    send_mail(
        subject="Confirm your e-mail address",
        message=(
            f"The account {user.username} on Seqera compute environments asked to use this address.\n\n"
            f"Sign in as {user.username} and open this link within 3 days to confirm it:\n{link}\n\n"
            "If you did not ask for this, ignore this e-mail: nothing changes."
        ),
        from_email=None,
        recipient_list=[email],
    )
    # No row changes until the link is followed; the request is recorded all the same (a link that
    # can move an account to another address is worth knowing about). The link itself is not.
    audit.record(audit.AuditAction.EMAIL_VERIFICATION_SENT, instance=user, after={"email": email})
    return email


@transaction.atomic
def verify_email(*, token: str, user) -> str:
    """Makes the address of a link from `request_email_verification` the user's verified address."""
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError("This link is not valid or has expired (links work for 3 days).") from None
    if data.get("u") != user.pk:
        raise ValidationError("This link was sent for another account: sign in with the account that asked for it.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email != data.get("c"):
        raise ValidationError("This link no longer works: your address changed since it was sent.")
    _set_verified_email(user, data["e"])
    return data["e"]
