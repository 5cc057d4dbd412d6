"""Reads of the workspaces app used by more than one view, serializer or service. Nothing here writes."""

from __future__ import annotations

import json

from django.db.models import OuterRef, ProtectedError, Q, RestrictedError, Subquery
from django.db.models.deletion import Collector

from workspaces.models import Credentials, Organization, OrgMembership, Participant, Workspace
from workspaces.permissions import OrgRole, WorkspaceRole, higher_role


def credentials_users(credentials: Credentials) -> list:
    """Objects that still reference the credentials (through PROTECT foreign keys)."""
    try:
        Collector(using=credentials._state.db or "default").collect([credentials])
    except ProtectedError as exc:
        return list(exc.protected_objects)
    except RestrictedError as exc:
        return list(exc.restricted_objects)
    return []


def member_orgs(user):
    """Organizations `user` belongs to, annotated with their membership (`member_id`, `member_role`)."""
    mine = OrgMembership.objects.filter(org=OuterRef("pk"), user=user)
    return Organization.objects.annotate(
        member_id=Subquery(mine.values("id")[:1]), member_role=Subquery(mine.values("role")[:1])
    ).filter(member_id__isnull=False)


def workspace_roles(user, *, owned_org_ids: set[int] | None = None) -> list[tuple[Workspace, str]]:
    """Each workspace `user` can open with their effective role there: owner in the organizations
    they own (`owned_org_ids` when the caller has them at hand), else the higher of their direct
    role and their teams' roles."""
    owned_orgs = owned_org_ids
    if owned_orgs is None:
        owned_orgs = set(OrgMembership.objects.filter(user=user, role=OrgRole.OWNER).values_list("org_id", flat=True))
    roles: dict[int, list[str]] = {}
    for workspace_id, role in Participant.objects.filter(Q(user=user) | Q(team__members=user)).values_list(
        "workspace_id", "role"
    ):
        roles.setdefault(workspace_id, []).append(role)
    return [
        (
            workspace,
            WorkspaceRole.OWNER if workspace.org_id in owned_orgs else higher_role(*roles.get(workspace.id, [])),
        )
        for workspace in Workspace.objects.restrict(user, "workspace:read").select_related("org")
    ]


def trust_policy(creds: Credentials) -> str:
    """The IAM trust policy the role of `creds` needs: the keys' account may assume it with the external id."""
    principal = f"arn:aws:iam::{creds.account_id or '<ACCOUNT-ID-OF-THE-ACCESS-KEYS>'}:root"
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": creds.external_id}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
