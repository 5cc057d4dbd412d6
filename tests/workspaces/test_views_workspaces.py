"""Workspace pages: create, overview, settings, delete, participants."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import TeamFactory, WorkspaceFactory
from workspaces.models import Participant, Workspace

WS = {"org": "acme", "workspace": "lab"}


def ws_url(name, **kwargs):
    return reverse(name, kwargs={**WS, **kwargs})


def test_member_creates_workspace_and_becomes_owner(client, tenancy):
    user = tenancy.users["view"]
    client.force_login(user)
    url = reverse("workspaces:workspace_create", kwargs={"org": "acme"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "wet-lab", "full_name": "", "visibility": "PRIVATE"})
    assert response.status_code == 302 and response["Location"] == "/orgs/acme/workspaces/wet-lab/"
    assert Workspace.objects.get(org=tenancy.org, name="wet-lab").role_of(user) == "owner"


def test_duplicate_workspace_name_is_shown_beside_the_field(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    response = client.post(
        reverse("workspaces:workspace_create", kwargs={"org": "acme"}), {"name": "LAB", "visibility": "PRIVATE"}
    )
    assert response.status_code == 200 and b"already exists" in response.content


@pytest.mark.parametrize("role", ["view", "connect", "owner", "org_owner"])
def test_overview_renders_for_every_role(client, tenancy, role):
    client.force_login(tenancy.users[role])
    page = client.get(ws_url("workspaces:workspace_detail"))
    assert page.status_code == 200
    content = page.content.decode()
    for link in ("credentials/", "labels/", "participants/", "compute-envs/"):
        assert f"/orgs/acme/workspaces/lab/{link}" in content
    assert ("/settings/" in content) == (role in ("owner", "org_owner"))


def test_navbar_switcher_lists_only_my_workspaces(client, tenancy):
    WorkspaceFactory(org=tenancy.org, name="hidden-ws")
    client.force_login(tenancy.users["view"])
    content = client.get(ws_url("workspaces:workspace_detail")).content
    assert b'id="workspace-switcher"' in content
    assert b"/orgs/acme/workspaces/lab/" in content and b"hidden-ws" not in content


def test_outsider_gets_404_on_workspace_pages(client, tenancy):
    client.force_login(tenancy.outsider)
    names = (
        "workspaces:workspace_detail",
        "workspaces:workspace_edit",
        "workspaces:workspace_delete",
        "workspaces:participant_list",
        "workspaces:participant_add",
        "workspaces:credentials_list",
        "workspaces:credentials_create",
        "workspaces:label_list",
        "workspaces:label_create",
    )
    for name in names:
        assert client.get(ws_url(name)).status_code == 404, name
        assert client.post(ws_url(name), {"name": "x"}).status_code == 404, name
    for name in (
        "workspaces:credentials_detail",
        "workspaces:credentials_edit",
        "workspaces:credentials_delete",
        "workspaces:credentials_validate",
    ):
        assert client.post(ws_url(name, pk=tenancy.credentials.pk)).status_code == 404, name
    for name in ("workspaces:label_edit", "workspaces:label_delete"):
        assert client.post(ws_url(name, pk=tenancy.label.pk)).status_code == 404, name


def test_settings_need_admin(client, tenancy):
    client.force_login(tenancy.users["maintain"])
    assert client.get(ws_url("workspaces:workspace_edit")).status_code == 403
    assert (
        client.post(ws_url("workspaces:workspace_edit"), {"name": "renamed", "visibility": "PRIVATE"}).status_code
        == 403
    )
    client.force_login(tenancy.users["admin"])
    page = client.get(ws_url("workspaces:workspace_edit"))
    assert page.status_code == 200 and b"Delete" not in page.content  # admins cannot delete
    response = client.post(
        ws_url("workspaces:workspace_edit"), {"name": "lab2", "full_name": "Lab two", "visibility": "SHARED"}
    )
    assert response.status_code == 302 and response["Location"] == "/orgs/acme/workspaces/lab2/"
    tenancy.workspace.refresh_from_db()
    assert (tenancy.workspace.name, tenancy.workspace.visibility) == ("lab2", "SHARED")


def test_delete_needs_owner(client, tenancy):
    client.force_login(tenancy.users["admin"])
    assert client.post(ws_url("workspaces:workspace_delete")).status_code == 403
    client.force_login(tenancy.users["owner"])
    page = client.get(ws_url("workspaces:workspace_delete")).content.decode()
    assert 'name="confirm_name"' in page and "Type <strong" in page
    refused = client.post(ws_url("workspaces:workspace_delete"), {"confirm_name": "LAB"}, follow=True)
    assert "Type lab to confirm the delete; nothing was deleted." in refused.content.decode()
    assert Workspace.objects.filter(pk=tenancy.workspace.pk).exists()
    assert client.post(ws_url("workspaces:workspace_delete"), {"confirm_name": "lab"}).status_code == 302
    assert not Workspace.objects.filter(pk=tenancy.workspace.pk).exists()


def test_participants_list_shows_type_and_role(client, tenancy):
    client.force_login(tenancy.users["view"])
    page = client.get(ws_url("workspaces:participant_list"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "maintain-user" in content and ">Member<" in content and "higher of" in content
    assert "MEMBER" not in content  # the type reads as a word, not the API constant
    assert "Add participant" not in content and "Change role" not in content


def test_admin_adds_changes_and_removes_participants(client, tenancy):
    client.force_login(tenancy.users["admin"])
    assert client.get(ws_url("workspaces:participant_add")).status_code == 200
    response = client.post(
        ws_url("workspaces:participant_add"), {"email": "guest@example.net", "role": "view"}, follow=True
    )
    assert response.status_code == 200 and b"Invitation sent to guest@example.net" in response.content
    assert b"/accounts/invitations/" not in response.content and len(mail.outbox) == 1
    assert not Participant.objects.filter(workspace=tenancy.workspace, user__email="guest@example.net").exists()
    assert b"Pending invitations" in response.content and b"guest@example.net" in response.content

    link = re.search(r"https?://testserver(/accounts/invitations/\S+/)", mail.outbox[0].body).group(1)
    invitee = Client()
    page = invitee.get(link, follow=True)
    assert b"Create account and accept" in page.content
    form = {"username": "guest", "password1": "a-Long-pass-phrase-42", "password2": "a-Long-pass-phrase-42"}
    invitee.post(page.redirect_chain[-1][0], form)
    guest = Participant.objects.get(workspace=tenancy.workspace, user__email="guest@example.net")
    assert guest.type == "COLLABORATOR"
    assert b">Collaborator<" in client.get(ws_url("workspaces:participant_list")).content

    team = TeamFactory(org=tenancy.org, name="bio")
    assert client.post(ws_url("workspaces:participant_add"), {"team": team.pk, "role": "launch"}).status_code == 302
    assert Participant.objects.filter(workspace=tenancy.workspace, team=team, role="launch").exists()

    assert client.post(ws_url("workspaces:participant_role", pk=guest.pk), {"role": "maintain"}).status_code == 302
    guest.refresh_from_db()
    assert guest.role == "maintain"
    assert client.get(ws_url("workspaces:participant_remove", pk=guest.pk)).status_code == 200
    assert client.post(ws_url("workspaces:participant_remove", pk=guest.pk)).status_code == 302
    assert not Participant.objects.filter(pk=guest.pk).exists()


def test_participant_form_needs_email_or_team(client, tenancy):
    client.force_login(tenancy.users["admin"])
    response = client.post(ws_url("workspaces:participant_add"), {"role": "view"})
    assert response.status_code == 200 and b"Choose a member or a team, or give an e-mail address" in response.content
    foreign_team = TeamFactory(org__name="initech")
    response = client.post(ws_url("workspaces:participant_add"), {"team": foreign_team.pk, "role": "view"})
    assert response.status_code == 200 and b"Select a valid choice" in response.content


def test_participant_writes_need_admin(client, tenancy):
    client.force_login(tenancy.users["maintain"])
    target = Participant.objects.get(workspace=tenancy.workspace, user=tenancy.users["view"])
    assert client.get(ws_url("workspaces:participant_add")).status_code == 403
    assert client.post(ws_url("workspaces:participant_role", pk=target.pk), {"role": "owner"}).status_code == 403
    assert client.post(ws_url("workspaces:participant_remove", pk=target.pk)).status_code == 403


def test_participant_of_another_workspace_is_404(client, tenancy):
    client.force_login(tenancy.users["admin"])
    foreign = Participant.objects.get(workspace=tenancy.other_workspace)
    assert client.get(ws_url("workspaces:participant_role", pk=foreign.pk)).status_code == 404
    assert client.post(ws_url("workspaces:participant_remove", pk=foreign.pk)).status_code == 404


def test_last_workspace_owner_cannot_be_removed_without_org_owner(client, tenancy):
    tenancy.org.memberships.filter(role="owner").update(role="member")
    owner = Participant.objects.get(workspace=tenancy.workspace, user=tenancy.users["owner"])
    client.force_login(tenancy.users["owner"])
    response = client.post(ws_url("workspaces:participant_remove", pk=owner.pk), follow=True)
    assert b"must keep at least one owner" in response.content
    assert Participant.objects.filter(pk=owner.pk).exists()
