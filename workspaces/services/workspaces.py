"""Workspaces and their participants."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from seqera.db import unique_as_field_error
from workspaces.models import (
    Invitation,
    Organization,
    OrgMembership,
    Participant,
    Team,
    Workspace,
)
from workspaces.permissions import OrgRole, WorkspaceRole
from workspaces.services._common import _full_clean
from workspaces.services.emails import normalize_email, user_with_verified_email
from workspaces.services.invitations import _invite
from workspaces.services.roles import _check_workspace_grant


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
