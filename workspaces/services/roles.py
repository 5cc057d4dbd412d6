"""Who may grant what: the role checks every grant runs."""

from __future__ import annotations

from seqera.exceptions import NotAllowed
from workspaces.models import (
    Organization,
    Workspace,
)
from workspaces.permissions import ROLE_RANK, OrgRole, WorkspaceRole


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
