"""Writes that are workflows: keyword-only, typed, validating before they save.

Pages, the API, the admin and management commands call these; none of them saves these models
directly. Every function raises `django.core.exceptions.ValidationError` with field-keyed
messages on bad input, which forms and the API turn into per-field errors.
"""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from workspaces import aws
from workspaces.models import (
    LABEL_PATTERN,
    MAX_LABELS_PER_WORKSPACE,
    ApiToken,
    Credentials,
    Label,
    Organization,
    OrgMembership,
    Participant,
    Team,
    Workspace,
)
from workspaces.permissions import OrgRole, WorkspaceRole

User = get_user_model()
ACCESS_KEY_PATTERN = re.compile(r"^[A-Z0-9]{16,128}$")


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude)


# --------------------------------------------------------------------------- users and invitations
def invitation_link(user) -> str:
    """A one-time link to set a password (Django's token is void once the password changes)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invitation_accept", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def find_or_invite_user(*, email: str, invited_by, base_url: str = "") -> tuple[User, str | None]:
    """Returns (user, invitation link or None). A new address gets an account without a
    password and an e-mail with the link; the link is also returned for the inviter to see."""
    email = User.objects.normalize_email((email or "").strip())
    if not email or "@" not in email:
        raise ValidationError({"email": "Enter a valid e-mail address."})
    existing = User.objects.filter(email__iexact=email).first()
    if existing:
        return existing, None
    username = _free_username(email.split("@")[0])
    user = User(username=username, email=email)
    user.set_unusable_password()
    user.save()
    link = base_url + invitation_link(user)
    inviter = getattr(invited_by, "username", "A colleague")
    send_mail(
        subject="You are invited to Seqera compute environments",
        message=(
            f"{inviter} added you to a team on Seqera compute environments.\n\n"
            f"Set your password to sign in (user name: {username}):\n{link}\n\n"
            "The link works once."
        ),
        from_email=None,
        recipient_list=[email],
    )
    return user, link


def _free_username(base: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", base)[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


# --------------------------------------------------------------------------- organizations
@transaction.atomic
def create_organization(
    *, user, name: str, full_name: str, description: str = "", location: str = "", website: str = ""
) -> Organization:
    org = Organization(
        name=name, full_name=full_name or name, description=description, location=location, website=website
    )
    _full_clean(org)
    org.save()
    OrgMembership.objects.create(org=org, user=user, role=OrgRole.OWNER)
    return org


def update_organization(*, org: Organization, **fields) -> Organization:
    for key, value in fields.items():
        setattr(org, key, value)
    _full_clean(org)
    org.save()
    return org


def delete_organization(*, org: Organization) -> bool:
    """Deletes the organization now (True), or, when workspaces must first dispose AWS resources,
    once they have (False; see `signals.workspace_deleting`)."""
    from workspaces.signals import workspace_deleting

    deferred = [
        ws
        for ws in org.workspaces.all()
        if any(r for _, r in workspace_deleting.send(sender=Workspace, workspace=ws, organization=org))
    ]
    if deferred:
        return False
    org.delete()
    return True


def _ensure_other_owner(org: Organization, leaving: OrgMembership) -> None:
    if leaving.role == OrgRole.OWNER and not org.memberships.filter(role=OrgRole.OWNER).exclude(pk=leaving.pk).exists():
        raise ValidationError({"role": "An organization must keep at least one owner: make someone else owner first."})


@transaction.atomic
def add_org_member(
    *, org: Organization, email: str, role: str = OrgRole.MEMBER, invited_by, base_url: str = ""
) -> tuple[OrgMembership, str | None]:
    if role not in OrgRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(OrgRole.values)}."})
    user, link = find_or_invite_user(email=email, invited_by=invited_by, base_url=base_url)
    membership, created = OrgMembership.objects.get_or_create(org=org, user=user, defaults={"role": role})
    if not created:
        if membership.role == OrgRole.COLLABORATOR and role != OrgRole.COLLABORATOR:
            membership.role = role
            membership.save(update_fields=["role"])
        else:
            raise ValidationError({"email": f"{user.email or user.username} is already a member of {org.name}."})
    return membership, link


@transaction.atomic
def change_org_member_role(*, membership: OrgMembership, role: str) -> OrgMembership:
    if role not in OrgRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(OrgRole.values)}."})
    if role != OrgRole.OWNER:
        _ensure_other_owner(membership.org, OrgMembership.objects.select_for_update().get(pk=membership.pk))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_org_member(*, membership: OrgMembership) -> None:
    org = membership.org
    _ensure_other_owner(org, OrgMembership.objects.select_for_update().get(pk=membership.pk))
    Participant.objects.filter(workspace__org=org, user=membership.user).delete()
    for team in org.teams.filter(members=membership.user):
        team.members.remove(membership.user)
    membership.delete()


# --------------------------------------------------------------------------- teams
def create_team(*, org: Organization, name: str, description: str = "") -> Team:
    team = Team(org=org, name=name, description=description)
    _full_clean(team)
    if Team.objects.filter(org=org, name__iexact=name).exists():
        raise ValidationError({"name": f"A team named {name} already exists in {org.name}."})
    team.save()
    return team


def update_team(*, team: Team, name: str, description: str = "") -> Team:
    team.name, team.description = name, description
    _full_clean(team)
    team.save()
    return team


@transaction.atomic
def add_team_member(*, team: Team, email: str, invited_by, base_url: str = "") -> tuple[User, str | None]:
    user, link = find_or_invite_user(email=email, invited_by=invited_by, base_url=base_url)
    OrgMembership.objects.get_or_create(org=team.org, user=user, defaults={"role": OrgRole.MEMBER})
    if team.members.filter(pk=user.pk).exists():
        raise ValidationError({"email": f"{user.email or user.username} is already in team {team.name}."})
    team.members.add(user)
    return user, link


def remove_team_member(*, team: Team, user) -> None:
    team.members.remove(user)


def delete_team(*, team: Team) -> None:
    team.delete()


# --------------------------------------------------------------------------- workspaces
@transaction.atomic
def create_workspace(
    *,
    org: Organization,
    creator,
    name: str,
    full_name: str = "",
    description: str = "",
    visibility: str = Workspace.Visibility.PRIVATE,
) -> Workspace:
    workspace = Workspace(
        org=org, name=name, full_name=full_name or name, description=description, visibility=visibility
    )
    _full_clean(workspace, exclude=None)
    if Workspace.objects.filter(org=org, name__iexact=name).exists():
        raise ValidationError({"name": f"A workspace named {name} already exists in {org.name}."})
    workspace.save()
    if org.role_of(creator) != OrgRole.OWNER:
        Participant.objects.create(workspace=workspace, user=creator, role=WorkspaceRole.OWNER)
    return workspace


def update_workspace(*, workspace: Workspace, **fields) -> Workspace:
    for key, value in fields.items():
        setattr(workspace, key, value)
    _full_clean(workspace)
    if Workspace.objects.filter(org=workspace.org, name__iexact=workspace.name).exclude(pk=workspace.pk).exists():
        raise ValidationError({"name": f"A workspace named {workspace.name} already exists in {workspace.org.name}."})
    workspace.save()
    return workspace


def delete_workspace(*, workspace: Workspace) -> bool:
    """Deletes the workspace now (True), or, when it must first dispose AWS resources, once it has
    (False; see `signals.workspace_deleting`)."""
    from workspaces.signals import workspace_deleting

    if any(r for _, r in workspace_deleting.send(sender=Workspace, workspace=workspace, organization=None)):
        return False
    workspace.delete()
    return True


def _ensure_workspace_keeps_owner(workspace: Workspace, leaving: Participant) -> None:
    if leaving.role != WorkspaceRole.OWNER:
        return
    if workspace.org.memberships.filter(role=OrgRole.OWNER).exists():
        return  # org owners are owners of every workspace
    if not workspace.participants.filter(role=WorkspaceRole.OWNER).exclude(pk=leaving.pk).exists():
        raise ValidationError({"role": "A workspace must keep at least one owner."})


@transaction.atomic
def add_participant(
    *, workspace: Workspace, role: str, invited_by, email: str = "", team: Team | None = None, base_url: str = ""
) -> tuple[Participant, str | None]:
    """Adds a user (by e-mail; not yet in the org -> collaborator) or a team of the same org."""
    if role not in WorkspaceRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(WorkspaceRole.values)}."})
    link = None
    if team is not None:
        if team.org_id != workspace.org_id:
            raise ValidationError({"team": "Choose a team of this organization."})
        if workspace.participants.filter(team=team).exists():
            raise ValidationError({"team": f"Team {team.name} already participates in this workspace."})
        participant = Participant.objects.create(workspace=workspace, team=team, role=role)
        return participant, None
    user, link = find_or_invite_user(email=email, invited_by=invited_by, base_url=base_url)
    OrgMembership.objects.get_or_create(org=workspace.org, user=user, defaults={"role": OrgRole.COLLABORATOR})
    if workspace.participants.filter(user=user).exists():
        raise ValidationError({"email": f"{user.email or user.username} already participates in this workspace."})
    participant = Participant.objects.create(workspace=workspace, user=user, role=role)
    return participant, link


@transaction.atomic
def change_participant_role(*, participant: Participant, role: str) -> Participant:
    if role not in WorkspaceRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(WorkspaceRole.values)}."})
    if role != WorkspaceRole.OWNER:
        _ensure_workspace_keeps_owner(participant.workspace, participant)
    participant.role = role
    participant.save(update_fields=["role"])
    return participant


@transaction.atomic
def remove_participant(*, participant: Participant) -> None:
    _ensure_workspace_keeps_owner(participant.workspace, participant)
    participant.delete()


# --------------------------------------------------------------------------- credentials
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
    credentials.status, credentials.message = "", ""
    credentials.save()
    request_credentials_validation(credentials=credentials)
    return credentials


class CredentialsInUse(ValidationError):
    def __init__(self, users: list):
        self.users = users
        names = ", ".join(f"{type(u)._meta.verbose_name} {getattr(u, 'name', u)}" for u in users[:10])
        super().__init__(f"These credentials are still used by {names}. Delete or change those first.")


def credentials_users(credentials: Credentials) -> list:
    """Objects that still reference the credentials (through PROTECT foreign keys)."""
    try:
        Collector(using=credentials._state.db or "default").collect([credentials])
    except ProtectedError as exc:
        return list(exc.protected_objects)
    except RestrictedError as exc:
        return list(exc.restricted_objects)
    return []


def delete_credentials(*, credentials: Credentials) -> None:
    try:
        credentials.delete()
    except ProtectedError as exc:
        raise CredentialsInUse(list(exc.protected_objects)) from None
    except RestrictedError as exc:
        raise CredentialsInUse(list(exc.restricted_objects)) from None


def request_credentials_validation(*, credentials: Credentials) -> None:
    """Enqueues the validation actor after commit, with ids only."""
    from workspaces.actors import validate_credentials as actor

    credential_id, workspace_id = credentials.id, credentials.workspace_id
    transaction.on_commit(lambda: actor.send(credential_id, workspace_id))


def validate_credentials(*, credentials: Credentials) -> Credentials:
    """Checks the credentials against AWS (STS, assuming the role when set) and records the result."""
    try:
        identity = aws.caller_identity(credentials)
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


# --------------------------------------------------------------------------- labels
def _check_label(label: Label) -> None:
    errors: dict[str, str] = {}
    pattern = re.compile(LABEL_PATTERN)
    if not (2 <= len(label.name) <= 39) or not pattern.match(label.name):
        errors["name"] = "2–39 letters and digits, separated by single '-' or '_', not at the start or end."
    elif label.resource and label.name.lower().startswith(("aws", "user")):
        errors["name"] = "Resource label keys cannot start with 'aws' or 'user' (reserved by AWS)."
    if label.resource:
        if not label.value:
            errors["value"] = "A resource label needs a value."
        elif not (2 <= len(label.value) <= 39) or not pattern.match(label.value):
            errors["value"] = "2–39 letters and digits, separated by single '-' or '_', not at the start or end."
        elif label.value.lower().startswith(("aws", "user")):
            errors["value"] = "Resource label values cannot start with 'aws' or 'user' (reserved by AWS)."
    else:
        if label.value:
            errors["value"] = "Only resource labels have a value."
        if label.is_default:
            errors["is_default"] = "Only resource labels can be used as defaults for new compute environments."
    if Label.objects.filter(workspace=label.workspace, name=label.name).exclude(pk=label.pk).exists():
        errors["name"] = f"A label with key {label.name} already exists in this workspace."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_label(
    *, workspace: Workspace, name: str, value: str = "", resource: bool = False, is_default: bool = False
) -> Label:
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()  # serialise the quota check
    if Label.objects.filter(workspace=workspace).count() >= MAX_LABELS_PER_WORKSPACE:
        raise ValidationError({"name": f"A workspace can have at most {MAX_LABELS_PER_WORKSPACE} labels."})
    label = Label(workspace=workspace, name=name.strip(), value=value.strip(), resource=resource, is_default=is_default)
    _check_label(label)
    label.save()
    return label


@transaction.atomic
def update_label(*, label: Label, name: str, value: str = "", is_default: bool | None = None) -> Label:
    label.name, label.value = name.strip(), value.strip()
    if is_default is not None:
        label.is_default = is_default
    _check_label(label)
    label.save()
    return label


def delete_label(*, label: Label) -> None:
    try:
        label.delete()
    except (ProtectedError, RestrictedError) as exc:
        users = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        raise ValidationError(f"Label {label} is used by {len(users)} object(s) and cannot be deleted.") from None


# --------------------------------------------------------------------------- API tokens
def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": "Give the token a name of at most 50 characters."})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": f"You already have a token named {name}."})
    plaintext = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(plaintext))
    return token, plaintext


def revoke_api_token(*, token: ApiToken) -> None:
    token.delete()
