"""The one permission map: action -> minimum workspace role (Seqera's matrix, domain.md §5.2).

Views, the API, templates (which buttons show) and tests all ask `role_allows(role, action)`.
"""

from django.db import models


class WorkspaceRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MAINTAIN = "maintain", "Maintain"
    LAUNCH = "launch", "Launch"
    CONNECT = "connect", "Connect"
    VIEW = "view", "View"


class OrgRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"
    COLLABORATOR = "collaborator", "Collaborator"


# Lowest first: a role allows everything a lower role allows.
ROLE_ORDER: tuple[str, ...] = ("view", "connect", "launch", "maintain", "admin", "owner")
ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLE_ORDER)}

PERMISSIONS: dict[str, str] = {
    "workspace:read": "view",
    "workspace:write": "admin",
    "workspace:delete": "owner",
    "participant:read": "view",
    "participant:write": "admin",
    "credentials:read": "view",
    "credentials:write": "admin",
    "credentials:delete": "admin",
    "credentials_encrypted:read": "launch",
    "compute_environment:read": "view",
    "compute_environment:write": "admin",
    "compute_environment:delete": "admin",
    "label:read": "view",
    # Resource labels are cloud tags: only admins and owners create, edit or delete them (D-RLBL).
    "label:write": "admin",
    "label:delete": "admin",
    "pipeline:read": "view",
    "pipeline:write": "maintain",
    "pipeline:delete": "maintain",
    "workflow:read": "view",
    "workflow:execute": "launch",
    "workflow:write": "launch",
    "workflow:delete": "launch",
    "workflow_quick:execute": "maintain",
    # Pipeline secrets: names are visible to everyone (to pick them at launch); values never are.
    "pipeline_secrets:read": "view",
    "pipeline_secrets:write": "maintain",
    "pipeline_secrets:delete": "maintain",
    # The workspace's audit trail (who did what, refused access): admins and owners.
    "audit:read": "admin",
}


def min_role(action: str) -> str:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"Unknown permission action {action!r}; add it to PERMISSIONS") from None


def role_allows(role: str | None, action: str) -> bool:
    """True when `role` (None = not a participant) is at least the minimum role for `action`."""
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[min_role(action)]


def roles_allowing(action: str) -> list[str]:
    floor = ROLE_RANK[min_role(action)]
    return [role for role in ROLE_ORDER if ROLE_RANK[role] >= floor]


def higher_role(*roles: str | None) -> str | None:
    present = [r for r in roles if r]
    return max(present, key=ROLE_RANK.__getitem__) if present else None
