"""Organizations and their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from workspaces.models import (
    Invitation,
    Organization,
    OrgMembership,
    Participant,
    Workspace,
)
from workspaces.permissions import OrgRole
from workspaces.services.emails import normalize_email, user_with_verified_email
from workspaces.services.invitations import _invite
from workspaces.services.roles import _check_org_owner


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
