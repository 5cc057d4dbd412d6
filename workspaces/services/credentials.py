"""AWS credentials: create, change, validate, delete."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from seqera import work
from seqera.db import unique_as_field_error
from workspaces import aws, crypto
from workspaces.models import (
    Credentials,
    Workspace,
)
from workspaces.services._common import ACCESS_KEY_PATTERN, VALIDATION_PENDING


def _check_keys(*, access_key: str, secret_key: str, assume_role_arn: str, creating: bool) -> dict:
    errors: dict[str, str] = {}
    if access_key and not ACCESS_KEY_PATTERN.match(access_key):
        errors["access_key"] = "An AWS access key id is 16 to 128 upper-case letters and digits (AKIA…)."
    if creating and bool(access_key) != bool(secret_key):
        field = "secret_key" if access_key else "access_key"
        errors.setdefault(field, "Give both the access key id and the secret access key, or neither.")
    if secret_key and len(secret_key) < 16:
        errors["secret_key"] = "This does not look like an AWS secret access key (40 characters)."
    if not access_key and not assume_role_arn:
        errors["access_key"] = "Give access keys, an IAM role ARN to assume, or both."
    elif not access_key and not settings.ALLOW_INSTANCE_CREDENTIALS:
        # Without keys the role would be assumed with the service's own AWS identity, which any
        # tenant could then borrow: only installations that mean it (ALLOW_INSTANCE_CREDENTIALS) allow it.
        errors["access_key"] = (
            "This installation does not use its own AWS identity for credentials: give an access key pair "
            "(the IAM role ARN is then assumed with it)."
        )
    return errors


def credentials_name_taken(*, workspace: Workspace, name: str, exclude: Credentials | None = None) -> str | None:
    """The message when `name` already names credentials in `workspace` (compared ignoring case)."""
    others = Credentials.objects.filter(workspace=workspace, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return f"Credentials named {name} already exist in this workspace." if others.exists() else None


@transaction.atomic
def create_credentials(
    *,
    workspace: Workspace,
    name: str,
    created_by,
    description: str = "",
    access_key: str = "",
    secret_key: str = "",
    assume_role_arn: str = "",
) -> Credentials:
    access_key, assume_role_arn = access_key.strip(), assume_role_arn.strip()
    creds = Credentials(
        workspace=workspace,
        name=name,
        description=description,
        access_key=access_key,
        assume_role_arn=assume_role_arn,
        created_by=created_by,
    )
    errors = _check_keys(access_key=access_key, secret_key=secret_key, assume_role_arn=assume_role_arn, creating=True)
    try:
        creds.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if taken := credentials_name_taken(workspace=workspace, name=name):
        errors["name"] = taken
    if errors:
        raise ValidationError(errors)
    if assume_role_arn:
        creds.external_id = secrets.token_hex(16)
    creds.set_secret(secret_key)
    creds.message = VALIDATION_PENDING
    with unique_as_field_error(
        "name", f"Credentials named {name} already exist in this workspace.", constraint="unique_credentials_name"
    ):
        creds.save()
    request_credentials_validation(credentials=creds)
    return creds


@transaction.atomic
def update_credentials(
    *, credentials: Credentials, name: str, description: str = "", assume_role_arn: str | None = None
) -> Credentials:
    credentials.name, credentials.description = name, description
    changed_auth = False
    if assume_role_arn is not None and assume_role_arn.strip() != credentials.assume_role_arn:
        credentials.assume_role_arn = assume_role_arn.strip()
        if credentials.assume_role_arn and not credentials.external_id:
            credentials.external_id = secrets.token_hex(16)
        changed_auth = True
    errors = _check_keys(
        access_key=credentials.access_key, secret_key="", assume_role_arn=credentials.assume_role_arn, creating=False
    )
    try:
        credentials.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if taken := credentials_name_taken(workspace=credentials.workspace, name=name, exclude=credentials):
        errors["name"] = taken
    if errors:
        raise ValidationError(errors)
    if changed_auth:
        credentials.status, credentials.message = "", VALIDATION_PENDING
    with unique_as_field_error(
        "name", f"Credentials named {name} already exist in this workspace.", constraint="unique_credentials_name"
    ):
        credentials.save()
    if changed_auth:
        request_credentials_validation(credentials=credentials)
    return credentials


@transaction.atomic
def replace_secret(*, credentials: Credentials, access_key: str, secret_key: str) -> Credentials:
    """Replaces the key pair (AWS users rotate by making a new key, so this is a replace)."""
    access_key = access_key.strip()
    errors = _check_keys(
        access_key=access_key, secret_key=secret_key, assume_role_arn=credentials.assume_role_arn, creating=True
    )
    if not secret_key:
        errors["secret_key"] = "Enter the new secret access key."
    if errors:
        raise ValidationError(errors)
    credentials.access_key = access_key
    credentials.set_secret(secret_key)
    credentials.status, credentials.message = "", VALIDATION_PENDING
    credentials.save()
    request_credentials_validation(credentials=credentials)
    return credentials


@transaction.atomic
def change_credentials(
    *,
    credentials: Credentials,
    name: str,
    description: str = "",
    assume_role_arn: str | None = None,
    access_key: str = "",
    secret_key: str = "",
) -> Credentials:
    """Name, description, role and, with `secret_key`, the key pair in one change (the API's
    update). A new access key id without its secret key is refused: it would pair the old secret
    with another key."""
    access_key = access_key.strip()
    if access_key and access_key != credentials.access_key and not secret_key:
        raise ValidationError({"secret_key": "Give the secret access key of the new access key id."})
    update_credentials(credentials=credentials, name=name, description=description, assume_role_arn=assume_role_arn)
    if secret_key:
        replace_secret(credentials=credentials, access_key=access_key or credentials.access_key, secret_key=secret_key)
    return credentials


class CredentialsInUse(ValidationError):
    def __init__(self, users: list):
        self.users = users
        names = ", ".join(f"{type(u)._meta.verbose_name} {getattr(u, 'name', u)}" for u in users[:10])
        super().__init__(f"These credentials are still used by {names}. Delete or change those first.")


@transaction.atomic
def delete_credentials(*, credentials: Credentials) -> None:
    # Lock the row before looking for users, so a compute environment created on these credentials
    # at the same moment either commits first (and is found here) or waits and finds them gone.
    if not Credentials.objects.select_for_update().filter(pk=credentials.pk).exists():
        return  # deleted meanwhile
    try:
        credentials.delete()
    except ProtectedError as exc:
        raise CredentialsInUse(list(exc.protected_objects)) from None
    except RestrictedError as exc:
        raise CredentialsInUse(list(exc.restricted_objects)) from None


@transaction.atomic
def request_credentials_validation(*, credentials: Credentials) -> None:
    """Records the validation as durable work (sent after commit, ids only; re-sent until it ends)."""
    from workspaces.actors import validate_credentials as actor

    work.submit(actor, credentials.id, credentials.workspace_id, key=f"credentials.validate:{credentials.id}")


def credentials_validation_gave_up(*, credentials: Credentials, reason: str) -> Credentials:
    """The validation never completed (retries ran out or its deadline passed): INVALID, saying why."""
    credentials.status = Credentials.Status.INVALID
    credentials.message = f"Validation could not complete: {reason}"[:4096]
    credentials.save(update_fields=["status", "message", "last_updated"])
    return credentials


def validate_credentials(*, credentials: Credentials) -> Credentials:
    """Checks the credentials against AWS (STS, assuming the role when set) and records the result."""
    try:
        identity = aws.caller_identity(credentials)
    except crypto.DecryptionError as exc:
        credentials.status = Credentials.Status.INVALID
        credentials.message = f"The secret key cannot be decrypted ({exc}): enter it again."
    except aws.AwsError as exc:
        credentials.status = Credentials.Status.INVALID
        credentials.message = aws.error_message(exc)[:4096]
    else:
        credentials.status = Credentials.Status.AVAILABLE
        credentials.account_id = identity.get("Account", "")
        credentials.message = f"Authenticated as {identity.get('Arn', 'unknown')}"
    credentials.last_validated = timezone.now()
    credentials.save(update_fields=["status", "message", "account_id", "last_validated", "last_updated"])
    return credentials
