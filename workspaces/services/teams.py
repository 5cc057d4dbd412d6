"""Teams and their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from seqera.db import unique_as_field_error
from workspaces.models import (
    Invitation,
    Organization,
    OrgMembership,
    Team,
)
from workspaces.services._common import _full_clean
from workspaces.services.emails import normalize_email, user_with_verified_email
from workspaces.services.invitations import _invite
from workspaces.services.roles import _check_org_owner


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
