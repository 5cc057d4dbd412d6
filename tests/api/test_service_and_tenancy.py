"""service-info, user-info, organizations, workspaces and participants: shapes and visibility."""

import pytest

from tests.factories import OrgMembershipFactory, ParticipantFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_service_info_is_public_and_in_seqera_shape(as_user):
    response = as_user().get("/api/service-info")
    assert response.status_code == 200
    info = response.json()["serviceInfo"]
    assert {"version", "apiVersion", "authTypes", "loginPath"} <= info.keys()
    assert info["loginPath"] == "/accounts/login/"


def test_anonymous_gets_401_with_bearer_challenge(as_user):
    response = as_user().get("/api/user-info")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "message" in response.json()


def test_user_info(as_user, tenancy):
    user = tenancy.users["admin"]
    body = as_user(user).get("/api/user-info").json()
    assert body["user"]["id"] == user.id
    assert body["user"]["userName"] == "admin-user"
    assert {"email", "firstName", "lastName", "dateCreated", "lastAccess"} <= body["user"].keys()
    assert body["defaultWorkspaceId"] == tenancy.workspace.id
    assert body["needConsent"] is False


def test_list_and_describe_organizations(as_user, tenancy):
    client = as_user(tenancy.users["view"])
    body = client.get("/api/orgs").json()
    assert body["totalSize"] == 1
    [org] = body["organizations"]
    assert org["orgId"] == tenancy.org.id and org["name"] == "acme"
    assert org["memberRole"] == "member" and isinstance(org["memberId"], int)
    assert {"fullName", "description", "location", "website"} <= org.keys()

    assert client.get("/api/orgs?role=owner").json() == {"organizations": [], "totalSize": 0}
    detail = client.get(f"/api/orgs/{tenancy.org.id}").json()
    assert detail["organization"]["orgId"] == tenancy.org.id


def test_org_workspaces_lists_only_the_callers(as_user, tenancy):
    hidden = ParticipantFactory(workspace__org=tenancy.org, workspace__name="hidden").workspace
    url = f"/api/orgs/{tenancy.org.id}/workspaces"

    member = as_user(tenancy.users["view"]).get(url).json()["workspaces"]
    assert [w["name"] for w in member] == ["lab"]
    assert set(member[0]) == {"id", "name", "fullName", "description", "visibility"}

    owner = as_user(tenancy.users["org_owner"]).get(url).json()["workspaces"]
    assert {w["id"] for w in owner} == {tenancy.workspace.id, hidden.id}


def test_describe_workspace(as_user, tenancy):
    url = f"/api/orgs/{tenancy.org.id}/workspaces/{tenancy.workspace.id}"
    workspace = as_user(tenancy.users["connect"]).get(url).json()["workspace"]
    assert workspace["id"] == tenancy.workspace.id
    assert {"name", "fullName", "description", "visibility", "dateCreated", "lastUpdated"} <= workspace.keys()
    # the workspace exists, but not under that organization
    wrong_org = f"/api/orgs/{tenancy.other_workspace.org_id}/workspaces/{tenancy.workspace.id}"
    assert as_user(tenancy.users["connect"]).get(wrong_org).status_code == 404


def test_participants_shape_search_and_paging(as_user, tenancy, django_assert_max_num_queries):
    team = TeamFactory(org=tenancy.org, name="sequencing")
    ParticipantFactory(workspace=tenancy.workspace, user=None, team=team, role="launch")
    url = f"/api/orgs/{tenancy.org.id}/workspaces/{tenancy.workspace.id}/participants"
    client = as_user(tenancy.users["view"])

    with django_assert_max_num_queries(10):
        body = client.get(url).json()
    assert body["totalSize"] == 7
    by_name = {p["userName"] or p["teamName"]: p for p in body["participants"]}
    admin = by_name["admin-user"]
    assert admin["wspRole"] == "admin" and admin["type"] == "MEMBER" and admin["orgRole"] == "member"
    assert isinstance(admin["memberId"], int) and isinstance(admin["participantId"], int)
    assert by_name["sequencing"]["type"] == "TEAM" and by_name["sequencing"]["teamId"] == team.id

    assert [p["userName"] for p in client.get(url + "?search=maint").json()["participants"]] == ["maintain-user"]
    paged = client.get(url + "?max=2&offset=2").json()
    assert len(paged["participants"]) == 2 and paged["totalSize"] == 7
    bad = client.get(url + "?max=0")
    assert bad.status_code == 400 and "max" in bad.json()["errors"]


def test_user_workspaces_for_self_only(as_user, tenancy):
    user = tenancy.users["launch"]
    team = TeamFactory(org=tenancy.org)
    team.members.add(user)
    ParticipantFactory(workspace=tenancy.workspace, user=None, team=team, role="maintain")
    client = as_user(user)

    entries = client.get(f"/api/user/{user.id}/workspaces").json()["orgsAndWorkspaces"]
    org_entry = next(e for e in entries if e["workspaceId"] is None)
    assert org_entry["orgId"] == tenancy.org.id and org_entry["roles"] == ["member"]
    ws_entry = next(e for e in entries if e["workspaceId"] == tenancy.workspace.id)
    assert ws_entry["roles"] == ["maintain"]  # the higher of direct (launch) and team (maintain)
    assert {"orgName", "workspaceName", "workspaceFullName", "visibility", "orgLogoUrl"} <= ws_entry.keys()

    owner_entries = as_user(tenancy.users["org_owner"]).get(f"/api/user/{tenancy.users['org_owner'].id}/workspaces")
    assert next(e for e in owner_entries.json()["orgsAndWorkspaces"] if e["workspaceId"])["roles"] == ["owner"]

    assert client.get(f"/api/user/{tenancy.outsider.id}/workspaces").status_code == 403
    assert client.get("/api/user/999999/workspaces").status_code == 403


def test_collaborator_sees_org_and_workspace(as_user, tenancy):
    membership = OrgMembershipFactory(org=tenancy.org, role="collaborator")
    ParticipantFactory(workspace=tenancy.workspace, user=membership.user, role="view")
    client = as_user(membership.user)
    assert client.get("/api/orgs").json()["organizations"][0]["memberRole"] == "collaborator"
    url = f"/api/orgs/{tenancy.org.id}/workspaces/{tenancy.workspace.id}/participants?search={membership.user.username}"
    [me] = client.get(url).json()["participants"]
    assert me["type"] == "COLLABORATOR" and me["orgRole"] == "collaborator"


TOO_BIG = 2**64  # more than any database integer holds (found by schemathesis: these were 500s)


def test_ids_and_offsets_too_big_for_the_database_are_404_or_400(as_user, tenancy):
    client, org, ws = as_user(tenancy.users["owner"]), tenancy.org.pk, tenancy.workspace.pk
    assert client.get(f"/api/orgs/{TOO_BIG}/workspaces/{ws}").status_code == 404
    assert client.get(f"/api/orgs/{TOO_BIG}/workspaces/{ws}/participants").status_code == 404
    assert client.get(f"/api/orgs/{org}/workspaces/{TOO_BIG}").status_code == 404
    response = client.get(f"/api/orgs/{org}/workspaces/{ws}/participants?offset={TOO_BIG}")
    assert response.status_code == 400 and "offset" in response.json()["errors"]


def test_workspace_under_another_org_id_is_404(as_user, tenancy):
    other_org = tenancy.other_workspace.org.pk
    response = as_user(tenancy.users["owner"]).get(f"/api/orgs/{other_org}/workspaces/{tenancy.workspace.pk}")
    assert response.status_code == 404


def test_unrouted_api_urls_are_json_404s(as_user, tenancy):
    client = as_user(tenancy.users["owner"])
    for url in ("/api/labels/not-a-number", "/api/user/-1/workspaces", "/api/nothing-here"):
        response = client.delete(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json" and "message" in response.json()


@pytest.mark.parametrize(
    "method, path",
    [("get", "labels/1"), ("put", "credentials"), ("delete", "credentials"), ("patch", "labels/1")],
)
def test_unmapped_methods_on_workspace_viewsets_are_405(as_user, ws_url, tenancy, method, path):
    response = getattr(as_user(tenancy.users["owner"]), method)(ws_url(path))
    assert response.status_code == 405
    assert "message" in response.json()
