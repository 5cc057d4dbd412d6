"""Issue 14 defect 1: nobody grants a role above their own; only an owner grants, changes or
removes an owner; a workspace and an organization always keep an owner. Enforced in the services
(every entry point goes through them), offered accordingly by the forms."""

import pytest
from django.urls import reverse

from tests.factories import ParticipantFactory, TeamFactory
from workspaces import services
from workspaces.models import OrgMembership, Participant, Workspace
from workspaces.permissions import ROLE_ORDER, ROLE_RANK

pytestmark = pytest.mark.django_db
WS = {"org": "acme", "workspace": "lab"}


def ws_url(name, **kwargs):
    return reverse(name, kwargs={**WS, **kwargs})


def participant(tenancy, role):
    return Participant.objects.get(workspace=tenancy.workspace, user=tenancy.users[role])


def test_the_reported_attack_admin_makes_self_owner_demotes_owner_and_deletes_the_workspace(client, tenancy):
    """The exact requests of the report, in the pages: each step is refused and changes nothing."""
    admin, owner = participant(tenancy, "admin"), participant(tenancy, "owner")
    client.force_login(tenancy.users["admin"])

    promote = client.post(ws_url("workspaces:participant_role", pk=admin.pk), {"role": "owner"})
    assert promote.status_code == 200  # the form again, with the refusal
    admin.refresh_from_db()
    assert admin.role == "admin"

    demote = client.post(ws_url("workspaces:participant_role", pk=owner.pk), {"role": "view"})
    assert demote.status_code == 200 and b"Only an owner can change or remove an owner" in demote.content
    owner.refresh_from_db()
    assert owner.role == "owner"

    remove = client.post(ws_url("workspaces:participant_remove", pk=owner.pk), follow=True)
    assert b"Only an owner can change or remove an owner" in remove.content
    assert Participant.objects.filter(pk=owner.pk).exists()

    assert client.post(ws_url("workspaces:workspace_delete")).status_code == 403
    assert Workspace.objects.filter(pk=tenancy.workspace.pk).exists()

    added = client.post(
        ws_url("workspaces:participant_add"), {"team": TeamFactory(org=tenancy.org).pk, "role": "owner"}
    )
    assert added.status_code == 200 and not Participant.objects.filter(workspace=tenancy.workspace, team__isnull=False)


def test_the_attack_is_refused_by_the_services_themselves(tenancy):
    """Whatever the entry point (page, API, admin, command), the service refuses."""
    actor = tenancy.users["admin"]
    with pytest.raises(services.NotAllowed, match="above your own"):
        services.change_participant_role(participant=participant(tenancy, "admin"), role="owner", actor=actor)
    with pytest.raises(services.NotAllowed, match="Only an owner"):
        services.change_participant_role(participant=participant(tenancy, "owner"), role="view", actor=actor)
    with pytest.raises(services.NotAllowed, match="Only an owner"):
        services.remove_participant(participant=participant(tenancy, "owner"), actor=actor)
    with pytest.raises(services.NotAllowed, match="above your own"):
        services.add_participant(workspace=tenancy.workspace, role="owner", actor=actor, email="x@example.org")
    with pytest.raises(services.NotAllowed, match="above your own"):
        services.add_participant(
            workspace=tenancy.workspace, role="owner", actor=actor, team=TeamFactory(org=tenancy.org)
        )
    assert participant(tenancy, "owner").role == "owner" and participant(tenancy, "admin").role == "admin"


@pytest.mark.parametrize("actor_role", ROLE_ORDER)
@pytest.mark.parametrize("target_role", ["view", "admin", "owner"])
@pytest.mark.parametrize("new_role", ["view", "admin", "owner"])
def test_change_role_matrix(tenancy, actor_role, target_role, new_role):
    target = ParticipantFactory(workspace=tenancy.workspace, role=target_role)  # not the actor
    actor = tenancy.users[actor_role]
    allowed = (
        ROLE_RANK[actor_role] >= ROLE_RANK["admin"]
        and ROLE_RANK[new_role] <= ROLE_RANK[actor_role]
        and (target_role != "owner" or actor_role == "owner")
    )
    if allowed:
        assert services.change_participant_role(participant=target, role=new_role, actor=actor).role == new_role
    else:
        with pytest.raises(services.NotAllowed):
            services.change_participant_role(participant=target, role=new_role, actor=actor)
        target.refresh_from_db()
        assert target.role == target_role


def test_team_participant_follows_the_same_rules(tenancy):
    team = TeamFactory(org=tenancy.org)
    team_participant = Participant.objects.create(workspace=tenancy.workspace, team=team, role="owner")
    with pytest.raises(services.NotAllowed):
        services.change_participant_role(participant=team_participant, role="view", actor=tenancy.users["admin"])
    with pytest.raises(services.NotAllowed):
        services.remove_participant(participant=team_participant, actor=tenancy.users["admin"])
    services.change_participant_role(participant=team_participant, role="view", actor=tenancy.users["owner"])


def test_owners_manage_owners_and_the_workspace_keeps_one(tenancy):
    tenancy.org.memberships.filter(role="owner").update(role="member")  # no org owner to fall back on
    owner = participant(tenancy, "owner")
    services.change_participant_role(participant=participant(tenancy, "admin"), role="owner", actor=owner.user)
    services.change_participant_role(participant=owner, role="admin", actor=tenancy.users["admin"])
    last = participant(tenancy, "admin")
    with pytest.raises(Exception, match="must keep at least one owner"):
        services.remove_participant(participant=last, actor=last.user)


@pytest.mark.parametrize(
    ("role", "offered"),
    [("admin", ["admin", "maintain", "launch", "connect", "view"]), ("owner", list(reversed(ROLE_ORDER)))],
)
def test_forms_offer_only_the_roles_the_actor_may_grant(client, tenancy, role, offered):
    client.force_login(tenancy.users[role])
    for page in (
        ws_url("workspaces:participant_add"),
        ws_url("workspaces:participant_role", pk=participant(tenancy, "view").pk),
    ):
        form = client.get(page).context["form"]
        assert [value for value, _ in form.fields["role"].choices] == offered


def test_org_members_and_teams_are_managed_by_owners_only(tenancy):
    member = tenancy.users["admin"]  # an org member (not owner)
    owner = tenancy.users["org_owner"]
    membership = OrgMembership.objects.get(org=tenancy.org, user=tenancy.users["view"])
    owner_membership = OrgMembership.objects.get(org=tenancy.org, user=owner)
    team = TeamFactory(org=tenancy.org)
    refused = [
        lambda: services.change_org_member_role(membership=membership, role="owner", actor=member),
        lambda: services.change_org_member_role(membership=owner_membership, role="member", actor=member),
        lambda: services.remove_org_member(membership=owner_membership, actor=member),
        lambda: services.add_org_member(org=tenancy.org, email="x@example.org", role="owner", actor=member),
        lambda: services.create_team(org=tenancy.org, name="mine", actor=member),
        lambda: services.update_team(team=team, name="renamed", actor=member),
        lambda: services.add_team_member(team=team, user=member, actor=member),
        lambda: services.remove_team_member(team=team, user=owner, actor=member),
        lambda: services.delete_team(team=team, actor=member),
    ]
    for call in refused:
        with pytest.raises(services.NotAllowed):
            call()
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner" and not team.members.exists()
    # Owners may; and the organization keeps an owner.
    services.change_org_member_role(membership=membership, role="owner", actor=owner)
    services.change_org_member_role(membership=owner_membership, role="member", actor=tenancy.users["view"])
    membership.refresh_from_db()
    with pytest.raises(Exception, match="keep at least one owner"):
        services.change_org_member_role(membership=membership, role="member", actor=tenancy.users["view"])


def test_member_pages_refuse_non_owners(client, tenancy):
    client.force_login(tenancy.users["admin"])
    membership = OrgMembership.objects.get(org=tenancy.org, user=tenancy.users["admin"])
    url = reverse("workspaces:org_member_role", kwargs={"org": "acme", "pk": membership.pk})
    assert client.post(url, {"role": "owner"}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == "member"


def test_owner_rows_offer_no_changes_to_admins(client, tenancy):
    owner = participant(tenancy, "owner")
    role_url = ws_url("workspaces:participant_role", pk=owner.pk)
    client.force_login(tenancy.users["admin"])
    page = client.get(ws_url("workspaces:participant_list")).content.decode()
    assert role_url not in page and ws_url("workspaces:participant_role", pk=participant(tenancy, "view").pk) in page
    client.force_login(tenancy.users["owner"])
    assert role_url in client.get(ws_url("workspaces:participant_list")).content.decode()


def test_the_api_answers_a_role_refusal_with_403_and_the_message(tenancy):
    from seqera.api import api_errors

    with pytest.raises(services.NotAllowed) as refused:
        services.change_participant_role(
            participant=participant(tenancy, "owner"), role="view", actor=tenancy.users["admin"]
        )
    error = api_errors(refused.value)
    assert error.status_code == 403 and "Only an owner can change or remove an owner" in str(error.detail)
