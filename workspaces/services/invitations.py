"""Invitations: issue, resend, revoke, accept."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from workspaces.models import (
    Invitation,
    Organization,
    OrgMembership,
    Participant,
    VerifiedEmail,
    token_hash,
)
from workspaces.permissions import ROLE_RANK, OrgRole
from workspaces.services._common import User
from workspaces.services.emails import _set_verified_email, normalize_email, user_with_verified_email
from workspaces.services.roles import _check_org_owner, _check_workspace_grant


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
