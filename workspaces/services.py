"""Writes that are workflows: keyword-only, typed, validating before they save.

Pages, the API, the admin and management commands call these; none of them saves these models
directly. Every function raises `django.core.exceptions.ValidationError` with field-keyed
messages on bad input, which forms and the API turn into per-field errors.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.urls import reverse
from django.utils import timezone

from seqera import work
from seqera.db import unique_as_field_error
from seqera.exceptions import NotAllowed
from workspaces import audit, aws, crypto
from workspaces.models import (
    LABEL_PATTERN,
    MAX_LABELS_PER_WORKSPACE,
    ApiToken,
    Credentials,
    Invitation,
    Label,
    Organization,
    OrgMembership,
    Participant,
    Team,
    VerifiedEmail,
    Workspace,
    token_hash,
)
from workspaces.permissions import ROLE_RANK, OrgRole, WorkspaceRole

User = get_user_model()
ACCESS_KEY_PATTERN = re.compile(r"^[A-Z0-9]{16,128}$")
VALIDATION_PENDING = "Validation pending: queued for a background worker; the result appears here."


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude)


# --------------------------------------------------------------------------- who may grant what
def grantable_workspace_roles(*, workspace: Workspace, actor) -> list[str]:
    """The workspace roles `actor` may grant here: none below admin, else every role up to their own."""
    own = workspace.role_of(actor)
    if own is None or ROLE_RANK[own] < ROLE_RANK[WorkspaceRole.ADMIN]:
        return []
    return [role for role in WorkspaceRole.values if ROLE_RANK[role] <= ROLE_RANK[own]]


def _check_workspace_grant(*, workspace: Workspace, actor, role: str, current: str | None = None) -> None:
    """Nobody grants a role above their own; only an owner grants, changes or removes an owner
    (`current` is the target's role before the change, None when adding)."""
    own = workspace.role_of(actor)
    if own is None or ROLE_RANK[own] < ROLE_RANK[WorkspaceRole.ADMIN]:
        raise NotAllowed({"role": "Only workspace owners and admins manage participants."})
    if current == WorkspaceRole.OWNER and own != WorkspaceRole.OWNER:
        raise NotAllowed({"role": "Only an owner can change or remove an owner of this workspace."})
    if role and ROLE_RANK[role] > ROLE_RANK[own]:
        raise NotAllowed({"role": f"You cannot grant a role above your own ({own})."})


def grantable_org_roles(*, org: Organization, actor) -> list[str]:
    return list(OrgRole.values) if org.role_of(actor) == OrgRole.OWNER else []


def _check_org_owner(*, org: Organization, actor, field: str = "role") -> None:
    """Memberships and teams are managed by organization owners only (owners grant, change and
    remove owners; members and collaborators manage nothing). Operators (superusers) act for the
    organization from the admin."""
    if getattr(actor, "is_superuser", False):
        return
    if org.role_of(actor) != OrgRole.OWNER:
        raise NotAllowed({field: "Only an owner of the organization can do this."})


# --------------------------------------------------------------------------- e-mail addresses
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


# --------------------------------------------------------------------------- invitations
def _issue_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + Invitation.LIFETIME
    return token


def invitation_subject(invitation: Invitation) -> str:
    """What the invitation offers, on one line (names typed by users cannot break the mail headers)."""
    if invitation.workspace_id:
        ws = invitation.workspace
        text = f"the workspace {ws.full_name or ws.name} ({ws.org.name}/{ws.name}) as {invitation.role}"
    elif invitation.team_id:
        text = f"the team {invitation.team.name} of the organization {invitation.org.full_name or invitation.org.name}"
    else:
        text = f"the organization {invitation.org.full_name or invitation.org.name} as {invitation.role}"
    return " ".join(text.split())


def _send_invitation(invitation: Invitation, token: str, base_url: str) -> None:
    """The link goes to the invited address only; it is never returned to the inviter."""
    link = base_url + reverse("invitation_accept", kwargs={"token": token})
    inviter = invitation.invited_by.username if invitation.invited_by else "A colleague"
    what = invitation_subject(invitation)
    send_mail(
        subject=f"{inviter} invited you to {what}",
        message=(
            f"{inviter} invited you to join {what} on Seqera compute environments.\n\n"
            f"Open this link to accept (it works until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n{link}\n\n"
            "Without an account yet, the link lets you choose a user name and password. "
            "If you did not expect this, ignore this e-mail: nothing is granted until you accept."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def _invite(
    *, org: Organization, email: str, actor, role: str = "", team=None, workspace=None, base_url: str = ""
) -> Invitation:
    email = normalize_email(email)
    if Invitation.objects.pending().filter(org=org, team=team, workspace=workspace, email__iexact=email).exists():
        raise ValidationError({"email": f"An invitation to {email} is already pending; resend it from the list."})
    invitation = Invitation(org=org, team=team, workspace=workspace, role=role, email=email, invited_by=actor)
    token = _issue_token(invitation)
    invitation.save()
    _send_invitation(invitation, token, base_url)
    return invitation


def _check_invitation_manager(invitation: Invitation, actor) -> None:
    if invitation.workspace_id:
        _check_workspace_grant(workspace=invitation.workspace, actor=actor, role="", current=invitation.role)
    else:
        _check_org_owner(org=invitation.org, actor=actor)


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_invitation_manager(invitation, actor)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation was already {invitation.get_status_display().lower()}.")
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "last_updated"])
    return invitation


@transaction.atomic
def resend_invitation(*, invitation: Invitation, actor, base_url: str = "") -> Invitation:
    """A new link (the previous one stops working) valid for another 7 days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_invitation_manager(invitation, actor)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation was {invitation.get_status_display().lower()}; send a new one.")
    token = _issue_token(invitation)
    invitation.save(update_fields=["token_hash", "expires_at", "last_updated"])
    _send_invitation(invitation, token, base_url)
    return invitation


INVITATION_GONE = "This invitation no longer works: it was accepted, revoked or has expired. Ask for a new one."


def pending_invitation(token: str) -> Invitation | None:
    """The pending, unexpired invitation of a link's token, or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.pending()
        .select_related("org", "team", "workspace__org", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_needs_account(invitation: Invitation) -> bool:
    """True when no account has verified the invited address (the link holder may create one)."""
    return user_with_verified_email(invitation.email) is None


@transaction.atomic
def accept_invitation(*, token: str, user) -> Invitation:
    """Grants what the invitation offers to `user`, who follows the link e-mailed to the invited
    address. The account's verified address must be that address; an unverified account address
    equal to it becomes verified (following the link proves control of it)."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise ValidationError(INVITATION_GONE)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(INVITATION_GONE)
    verified = VerifiedEmail.objects.filter(user=user).values_list("email", flat=True).first() or ""
    if verified.lower() != invitation.email.lower():
        if (user.email or "").lower() != invitation.email.lower():
            raise ValidationError(
                f"This invitation was sent to {invitation.email}, which is not your account's address. "
                "Sign out, then open the link again to sign in with (or create) the account of that address."
            )
        _set_verified_email(user, user.email)
    org = invitation.org
    if invitation.workspace_id:
        OrgMembership.objects.get_or_create(org=org, user=user, defaults={"role": OrgRole.COLLABORATOR})
        participant, created = Participant.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        if not created and ROLE_RANK[invitation.role] > ROLE_RANK[participant.role]:
            participant.role = invitation.role
            participant.save(update_fields=["role"])
    else:
        role = invitation.role if not invitation.team_id else OrgRole.MEMBER
        membership, created = OrgMembership.objects.get_or_create(org=org, user=user, defaults={"role": role})
        order = [OrgRole.COLLABORATOR, OrgRole.MEMBER, OrgRole.OWNER]
        if not created and order.index(role) > order.index(membership.role):
            membership.role = role
            membership.save(update_fields=["role"])
        if invitation.team_id:
            invitation.team.members.add(user)
    invitation.status, invitation.accepted_by = Invitation.Status.ACCEPTED, user
    invitation.save(update_fields=["status", "accepted_by", "last_updated"])
    return invitation


@transaction.atomic
def accept_invitation_with_new_account(*, token: str, username: str, password: str):
    """Creates the account of the invited address (verified: the link came to it) and accepts.
    `username` and `password` were validated by the page's form (Django's user creation rules)."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise ValidationError(INVITATION_GONE)
    if not invitation_needs_account(invitation):
        raise ValidationError("An account already uses this address: sign in with it to accept.")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This user name is taken; choose another."})
    user = User(username=username, email=invitation.email)
    user.set_password(password)
    user.save()
    VerifiedEmail.objects.create(user=user, email=invitation.email)
    accept_invitation(token=token, user=user)
    return user


def suggested_username(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[:140] or "user"
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
    _clean_org(org)
    org.save()
    OrgMembership.objects.create(org=org, user=user, role=OrgRole.OWNER)
    return org


def _clean_org(org: Organization) -> None:
    """Field checks, and the name free ignoring case (reported beside the name, not as the
    database constraint's form-wide message)."""
    errors: dict = {}
    try:
        org.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if Organization.objects.filter(name__iexact=org.name).exclude(pk=org.pk).exists():
        errors["name"] = [f"An organization named {org.name} already exists (names ignore case)."]
    if errors:
        raise ValidationError(errors)


def update_organization(*, org: Organization, **fields) -> Organization:
    for key, value in fields.items():
        setattr(org, key, value)
    _clean_org(org)
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
    """Raises unless `org` keeps an owner without `leaving`. Locks every owner row of the org
    (in id order, before any other membership row, so two changes never deadlock) and reads the
    roles under the lock: two owners demoting or removing each other at once cannot both pass."""
    owners = list(
        OrgMembership.objects.select_for_update()
        .filter(org=org, role=OrgRole.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if leaving.pk in owners and len(owners) == 1:
        raise ValidationError({"role": "An organization must keep at least one owner: make someone else owner first."})


@transaction.atomic
def add_org_member(
    *, org: Organization, email: str, role: str = OrgRole.MEMBER, actor, base_url: str = ""
) -> Invitation:
    """Invites an address to the organization; the person becomes a member when they accept."""
    if role not in OrgRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(OrgRole.values)}."})
    _check_org_owner(org=org, actor=actor)
    email = normalize_email(email)
    user = user_with_verified_email(email)
    if user is not None and org.memberships.filter(user=user).exclude(role=OrgRole.COLLABORATOR).exists():
        raise ValidationError({"email": f"{email} is already a member of {org.name}."})
    return _invite(org=org, email=email, role=role, actor=actor, base_url=base_url)


@transaction.atomic
def change_org_member_role(*, membership: OrgMembership, role: str, actor) -> OrgMembership:
    if role not in OrgRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(OrgRole.values)}."})
    _check_org_owner(org=membership.org, actor=actor)
    if role != OrgRole.OWNER:
        _ensure_other_owner(membership.org, membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_org_member(*, membership: OrgMembership, actor) -> None:
    org = membership.org
    _check_org_owner(org=org, actor=actor)
    _ensure_other_owner(org, membership)
    Participant.objects.filter(workspace__org=org, user=membership.user).delete()
    for team in org.teams.filter(members=membership.user):
        team.members.remove(membership.user)
    membership.delete()


# --------------------------------------------------------------------------- teams
def create_team(*, org: Organization, name: str, description: str = "", actor) -> Team:
    _check_org_owner(org=org, actor=actor, field="name")
    team = Team(org=org, name=name, description=description)
    _full_clean(team)
    if Team.objects.filter(org=org, name__iexact=name).exists():
        raise ValidationError({"name": f"A team named {name} already exists in {org.name}."})
    with unique_as_field_error(
        "name", f"A team named {name} already exists in {org.name}.", constraint="unique_team_name"
    ):
        team.save()
    return team


def update_team(*, team: Team, name: str, description: str = "", actor) -> Team:
    _check_org_owner(org=team.org, actor=actor, field="name")
    team.name, team.description = name, description
    _full_clean(team)
    with unique_as_field_error(
        "name", f"A team named {name} already exists in {team.org.name}.", constraint="unique_team_name"
    ):
        team.save()
    return team


@transaction.atomic
def add_team_member(*, team: Team, actor, user=None, email: str = "", base_url: str = "") -> Invitation | None:
    """Adds a member of the organization (`user`) to the team at once; anyone else (`email`) is
    invited and joins the organization and the team when they accept. Returns the invitation."""
    _check_org_owner(org=team.org, actor=actor, field="email")
    if user is not None:
        if not OrgMembership.objects.filter(org=team.org, user=user).exists():
            raise ValidationError({"user": "Choose a member of this organization."})
        if team.members.filter(pk=user.pk).exists():
            raise ValidationError({"user": f"{user.username} is already in team {team.name}."})
        team.members.add(user)
        return None
    email = normalize_email(email)
    member = user_with_verified_email(email)
    if member is not None and team.members.filter(pk=member.pk).exists():
        raise ValidationError({"email": f"{email} is already in team {team.name}."})
    return _invite(org=team.org, team=team, email=email, actor=actor, base_url=base_url)


def remove_team_member(*, team: Team, user, actor) -> None:
    _check_org_owner(org=team.org, actor=actor)
    team.members.remove(user)


def delete_team(*, team: Team, actor) -> None:
    _check_org_owner(org=team.org, actor=actor)
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
    with unique_as_field_error(
        "name", f"A workspace named {name} already exists in {org.name}.", constraint="unique_workspace_name"
    ):
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
    with unique_as_field_error(
        "name",
        f"A workspace named {workspace.name} already exists in {workspace.org.name}.",
        constraint="unique_workspace_name",
    ):
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


def _lock_workspace_owners(workspace: Workspace) -> list[int]:
    """Locks every owner participant row of the workspace, in id order: every change of a
    participant takes these locks first, before its own row, so two changes never deadlock."""
    return list(
        Participant.objects.select_for_update()
        .filter(workspace=workspace, role=WorkspaceRole.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ensure_workspace_keeps_owner(workspace: Workspace, leaving: Participant) -> None:
    """Raises unless `workspace` keeps an owner without `leaving`. Reads the roles under the owner
    locks (`_lock_workspace_owners`), as `_ensure_other_owner` does for organizations."""
    owners = _lock_workspace_owners(workspace)
    if leaving.pk not in owners or len(owners) > 1:
        return
    if OrgMembership.objects.filter(org_id=workspace.org_id, role=OrgRole.OWNER).exists():
        return  # org owners are owners of every workspace (and an org always keeps one)
    raise ValidationError({"role": "A workspace must keep at least one owner."})


@transaction.atomic
def add_participant(
    *,
    workspace: Workspace,
    role: str,
    actor,
    email: str = "",
    user=None,
    team: Team | None = None,
    base_url: str = "",
) -> Participant | Invitation:
    """Adds a team or a member of the organization (`user`) at once; an e-mail address is invited
    (no one joins a workspace without consent) and participates once they accept."""
    if role not in WorkspaceRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(WorkspaceRole.values)}."})
    _check_workspace_grant(workspace=workspace, actor=actor, role=role)
    if team is not None:
        if team.org_id != workspace.org_id:
            raise ValidationError({"team": "Choose a team of this organization."})
        if workspace.participants.filter(team=team).exists():
            raise ValidationError({"team": f"Team {team.name} already participates in this workspace."})
        return Participant.objects.create(workspace=workspace, team=team, role=role)
    if user is not None:
        if not OrgMembership.objects.filter(org=workspace.org, user=user).exclude(role=OrgRole.COLLABORATOR).exists():
            raise ValidationError({"user": "Choose a member of this organization."})
        if workspace.participants.filter(user=user).exists():
            raise ValidationError({"user": f"{user.username} already participates in this workspace."})
        return Participant.objects.create(workspace=workspace, user=user, role=role)
    email = normalize_email(email)
    existing = user_with_verified_email(email)
    if existing is not None and workspace.participants.filter(user=existing).exists():
        raise ValidationError({"email": f"{email} already participates in this workspace."})
    return _invite(org=workspace.org, workspace=workspace, email=email, role=role, actor=actor, base_url=base_url)


@transaction.atomic
def change_participant_role(*, participant: Participant, role: str, actor) -> Participant:
    if role not in WorkspaceRole.values:
        raise ValidationError({"role": f"Choose one of {', '.join(WorkspaceRole.values)}."})
    _lock_workspace_owners(participant.workspace)
    current = Participant.objects.select_for_update().values_list("role", flat=True).get(pk=participant.pk)
    _check_workspace_grant(workspace=participant.workspace, actor=actor, role=role, current=current)
    if role != WorkspaceRole.OWNER:
        _ensure_workspace_keeps_owner(participant.workspace, participant)
    participant.role = role
    participant.save(update_fields=["role"])
    return participant


@transaction.atomic
def remove_participant(*, participant: Participant, actor) -> None:
    _lock_workspace_owners(participant.workspace)
    current = Participant.objects.select_for_update().values_list("role", flat=True).get(pk=participant.pk)
    _check_workspace_grant(workspace=participant.workspace, actor=actor, role="", current=current)
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
    with unique_as_field_error(
        "name", f"A label with key {label.name} already exists in this workspace.", constraint="unique_label_key"
    ):
        label.save()
    return label


@transaction.atomic
def update_label(*, label: Label, name: str, value: str = "", is_default: bool | None = None) -> Label:
    label.name, label.value = name.strip(), value.strip()
    if is_default is not None:
        label.is_default = is_default
    _check_label(label)
    with unique_as_field_error(
        "name", f"A label with key {label.name} already exists in this workspace.", constraint="unique_label_key"
    ):
        label.save()
    return label


def delete_label(*, label: Label) -> None:
    try:
        label.delete()
    except (ProtectedError, RestrictedError) as exc:
        users = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        raise ValidationError(f"Label {label} is used by {len(users)} object(s) and cannot be deleted.") from None


# --------------------------------------------------------------------------- API tokens
def create_api_token(*, user, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is shown once and never stored.
    `expires_at` (optional): the token is refused from then on."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": "Give the token a name of at most 50 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose an expiry in the future."})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": f"You already have a token named {name}."})
    plaintext = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(plaintext), expires_at=expires_at)
    return token, plaintext


def revoke_api_token(*, token: ApiToken) -> None:
    token.delete()


def revoke_all_api_tokens(*, user) -> int:
    """Revokes every personal access token of `user` (e.g. after a password change); returns how many."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count
