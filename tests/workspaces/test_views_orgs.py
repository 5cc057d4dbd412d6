"""Home, organizations, members and teams pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import TeamFactory, UserFactory, WorkspaceFactory
from workspaces.models import Organization, OrgMembership, Team, VerifiedEmail


def org_url(name, org="acme", **kwargs):
    return reverse(name, kwargs={"org": org, **kwargs})


def test_home_lists_orgs_and_workspaces(client, tenancy):
    client.force_login(tenancy.users["view"])
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert b"/orgs/acme/workspaces/lab/" in page.content
    assert b"rival" not in page.content and b"globex" not in page.content
    assert b"Create organization" in page.content


def test_home_empty_state_explains_first_steps(client, user):
    client.force_login(user)
    page = client.get(reverse("home"))
    assert b"Create your first organization" in page.content
    assert b"Add AWS credentials" in page.content


def test_create_organization_makes_creator_owner(client, user):
    client.force_login(user)
    assert client.get(reverse("workspaces:org_create")).status_code == 200
    response = client.post(reverse("workspaces:org_create"), {"name": "initech", "full_name": "Initech"})
    assert response.status_code == 302 and response["Location"] == org_url("workspaces:org_detail", org="initech")
    assert Organization.objects.get(name="initech").role_of(user) == "owner"


def test_create_organization_shows_errors_beside_fields(client, user, tenancy):
    client.force_login(user)
    response = client.post(reverse("workspaces:org_create"), {"name": "-bad name"})
    assert response.status_code == 200
    assert b"is-invalid" in response.content and b"invalid-feedback" in response.content
    duplicate = client.post(reverse("workspaces:org_create"), {"name": "acme"})
    assert b"already exists" in duplicate.content


@pytest.mark.parametrize("role", ["view", "org_owner"])
def test_org_detail_renders_for_members(client, tenancy, role):
    client.force_login(tenancy.users[role])
    page = client.get(org_url("workspaces:org_detail"))
    assert page.status_code == 200 and b"lab" in page.content


def test_collaborator_sees_only_own_workspaces_and_no_member_pages(client, tenancy):
    WorkspaceFactory(org=tenancy.org, name="secret-ws")
    collaborator = tenancy.users["view"]
    OrgMembership.objects.filter(org=tenancy.org, user=collaborator).update(role="collaborator")
    client.force_login(collaborator)
    page = client.get(org_url("workspaces:org_detail"))
    assert page.status_code == 200
    assert b"secret-ws" not in page.content and b"lab" in page.content
    assert client.get(org_url("workspaces:org_members")).status_code == 403
    assert client.get(org_url("workspaces:workspace_create")).status_code == 403


def test_member_sees_only_workspaces_they_are_in(client, tenancy):
    WorkspaceFactory(org=tenancy.org, name="secret-ws")
    client.force_login(tenancy.users["view"])
    assert b"secret-ws" not in client.get(org_url("workspaces:org_detail")).content
    client.force_login(tenancy.users["org_owner"])
    assert b"secret-ws" in client.get(org_url("workspaces:org_detail")).content


def test_outsider_gets_404(client, tenancy):
    client.force_login(tenancy.outsider)
    for name in (
        "workspaces:org_detail",
        "workspaces:org_edit",
        "workspaces:org_delete",
        "workspaces:org_members",
        "workspaces:org_member_add",
        "workspaces:org_teams",
        "workspaces:team_create",
        "workspaces:workspace_create",
    ):
        assert client.get(org_url(name)).status_code == 404, name
        assert client.post(org_url(name), {"name": "x"}).status_code == 404, name


def test_member_cannot_manage_the_org(client, tenancy):
    client.force_login(tenancy.users["owner"])  # workspace owner, but only org member
    for name in ("workspaces:org_edit", "workspaces:org_delete", "workspaces:org_member_add", "workspaces:team_create"):
        assert client.get(org_url(name)).status_code == 403, name
        data = {"name": "hijack", "email": "x@example.org", "role": "owner"}
        assert client.post(org_url(name), data).status_code == 403, name


def test_owner_edits_and_deletes_org(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    page = client.get(org_url("workspaces:org_edit"))
    assert page.status_code == 200 and b"Delete" in page.content
    response = client.post(
        org_url("workspaces:org_edit"), {"name": "acme", "full_name": "Acme Corp", "description": "d"}
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="acme").full_name == "Acme Corp"
    assert client.get(org_url("workspaces:org_delete")).status_code == 200
    assert client.post(org_url("workspaces:org_delete")).status_code == 302
    assert not Organization.objects.filter(name="acme").exists()


def test_members_page_and_buttons_follow_role(client, tenancy):
    client.force_login(tenancy.users["view"])
    page = client.get(org_url("workspaces:org_members"))
    assert page.status_code == 200 and b"acme-owner" in page.content
    assert b"Invite a member" not in page.content and b"Change role" not in page.content
    assert b"Pending invitations" not in page.content
    client.force_login(tenancy.users["org_owner"])
    page = client.get(org_url("workspaces:org_members"), {"q": "admin"})
    assert b"Invite a member" in page.content and b"admin-user" in page.content and b"view-user" not in page.content
    assert b"Pending invitations" in page.content


def test_adding_a_member_invites_whether_or_not_the_address_has_an_account(client, tenancy):
    """Consent: an existing account is not added until its owner accepts; and the inviter's page
    reads the same for a known and an unknown address (no account oracle), without the link."""
    other = UserFactory(email="known@example.org")
    VerifiedEmail.objects.create(user=other, email="known@example.org")
    client.force_login(tenancy.users["org_owner"])
    pages = []
    for email in ("known@example.org", "nobody@example.org"):
        response = client.post(org_url("workspaces:org_member_add"), {"email": email, "role": "member"}, follow=True)
        assert response.status_code == 200
        alerts = re.findall(r'<div class="alert[^>]*>(.*?)<button', response.content.decode(), re.S)
        pages.append([a.strip().replace(email, "<email>") for a in alerts])
    assert pages[0] == pages[1] == ["Invitation sent to <email>: they join as member when they accept it."]
    assert tenancy.org.role_of(other) is None
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["nobody@example.org"]]
    assert "/accounts/invitations/" not in response.content.decode()
    assert "the organization Organization acme as member" in mail.outbox[0].subject


def test_add_member_twice_is_an_error_beside_the_field(client, tenancy):
    view = tenancy.users["view"]
    VerifiedEmail.objects.create(user=view, email=view.email)
    client.force_login(tenancy.users["org_owner"])
    response = client.post(org_url("workspaces:org_member_add"), {"email": view.email, "role": "member"})
    assert response.status_code == 200 and b"already a member" in response.content
    first = client.post(org_url("workspaces:org_member_add"), {"email": "x@example.org", "role": "member"})
    assert first.status_code == 302
    again = client.post(org_url("workspaces:org_member_add"), {"email": "x@example.org", "role": "member"})
    assert again.status_code == 200 and b"already pending" in again.content


def test_change_role_and_remove_member(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    membership = OrgMembership.objects.get(org=tenancy.org, user=tenancy.users["view"])
    assert client.get(org_url("workspaces:org_member_role", pk=membership.pk)).status_code == 200
    assert client.post(org_url("workspaces:org_member_role", pk=membership.pk), {"role": "owner"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "owner"
    assert client.get(org_url("workspaces:org_member_remove", pk=membership.pk)).status_code == 200
    assert client.post(org_url("workspaces:org_member_remove", pk=membership.pk)).status_code == 302
    assert not OrgMembership.objects.filter(pk=membership.pk).exists()


def test_last_owner_cannot_be_removed_or_demoted(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    membership = OrgMembership.objects.get(org=tenancy.org, user=tenancy.users["org_owner"])
    response = client.post(org_url("workspaces:org_member_remove", pk=membership.pk), follow=True)
    assert b"must keep at least one owner" in response.content
    assert OrgMembership.objects.filter(pk=membership.pk).exists()
    demote = client.post(org_url("workspaces:org_member_role", pk=membership.pk), {"role": "member"})
    assert demote.status_code == 200 and b"must keep at least one owner" in demote.content
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_membership_of_another_org_is_404(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    foreign = OrgMembership.objects.get(org__name="globex")
    assert client.get(org_url("workspaces:org_member_role", pk=foreign.pk)).status_code == 404
    assert client.post(org_url("workspaces:org_member_remove", pk=foreign.pk)).status_code == 404


def test_team_lifecycle(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    assert (
        client.post(org_url("workspaces:team_create"), {"name": "bio", "description": "Biologists"}).status_code == 302
    )
    team = Team.objects.get(org=tenancy.org, name="bio")
    detail = org_url("workspaces:team_detail", team="bio")
    assert client.get(detail).status_code == 200

    response = client.post(org_url("workspaces:team_member_add", team="bio"), {"user": tenancy.users["view"].pk})
    assert response.status_code == 302  # a member of the organization joins at once
    assert team.members.filter(pk=tenancy.users["view"].pk).exists()
    invited = client.post(
        org_url("workspaces:team_member_add", team="bio"), {"email": "fresh@example.net"}, follow=True
    )
    assert b"Invitation sent to fresh@example.net" in invited.content and len(mail.outbox) == 1
    assert b"/accounts/invitations/" not in invited.content
    assert "the team bio of the organization Organization acme" in mail.outbox[0].body
    outsider = client.post(org_url("workspaces:team_member_add", team="bio"), {"user": tenancy.outsider.pk})
    assert outsider.status_code == 200 and not team.members.filter(pk=tenancy.outsider.pk).exists()

    page = client.get(detail)
    assert b"view-user" in page.content and b"Remove" in page.content
    remove = org_url("workspaces:team_member_remove", team="bio", user_id=tenancy.users["view"].pk)
    assert client.get(remove).status_code == 200
    assert client.post(remove).status_code == 302
    assert not team.members.filter(pk=tenancy.users["view"].pk).exists()

    assert (
        client.post(org_url("workspaces:team_edit", team="bio"), {"name": "biology", "description": ""}).status_code
        == 302
    )
    assert client.post(org_url("workspaces:team_delete", team="biology")).status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()


def test_members_see_teams_but_cannot_change_them(client, tenancy):
    team = TeamFactory(org=tenancy.org, name="ops")
    client.force_login(tenancy.users["admin"])
    assert b"ops" in client.get(org_url("workspaces:org_teams")).content
    page = client.get(org_url("workspaces:team_detail", team="ops"))
    assert page.status_code == 200 and b"Add to team" not in page.content
    assert client.post(org_url("workspaces:team_member_add", team="ops"), {"email": "a@example.org"}).status_code == 403
    assert client.post(org_url("workspaces:team_delete", team="ops")).status_code == 403
    assert Team.objects.filter(pk=team.pk).exists()


def test_other_org_team_is_404(client, tenancy):
    TeamFactory(org=Organization.objects.get(name="globex"), name="spies")
    client.force_login(tenancy.users["org_owner"])
    assert client.get(org_url("workspaces:team_detail", team="spies")).status_code == 404
