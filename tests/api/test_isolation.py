"""Outsiders see nothing: every object route of another tenant is 404, never 403 or 200."""

import pytest

pytestmark = pytest.mark.django_db


def object_routes(tenancy):
    org, ws, creds, label = tenancy.org, tenancy.workspace, tenancy.credentials, tenancy.label
    q = f"?workspaceId={ws.id}"
    return [
        ("get", f"/api/orgs/{org.id}", None),
        ("get", f"/api/orgs/{org.id}/workspaces", None),
        ("get", f"/api/orgs/{org.id}/workspaces/{ws.id}", None),
        ("get", f"/api/orgs/{org.id}/workspaces/{ws.id}/participants", None),
        ("get", f"/api/credentials{q}", None),
        (
            "post",
            f"/api/credentials{q}",
            {"credentials": {"name": "x", "keys": {"assumeRoleArn": "arn:aws:iam::123456789012:role/r"}}},
        ),
        ("get", f"/api/credentials/validate{q}&name=free", None),
        ("get", f"/api/credentials/{creds.id}{q}", None),
        ("put", f"/api/credentials/{creds.id}{q}", {"credentials": {"name": "stolen"}}),
        ("delete", f"/api/credentials/{creds.id}{q}", None),
        ("post", f"/api/credentials/{creds.id}/validate{q}", None),
        ("get", f"/api/labels{q}", None),
        ("post", f"/api/labels{q}", {"name": "x1", "value": "y1", "resource": True}),
        ("put", f"/api/labels/{label.id}{q}", {"value": "stolen"}),
        ("delete", f"/api/labels/{label.id}{q}", None),
    ]


def test_outsider_gets_404_on_every_object_route(as_user, tenancy):
    client = as_user(tenancy.outsider)
    for method, url, data in object_routes(tenancy):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert set(response.json()) == {"message"}
    tenancy.credentials.refresh_from_db()
    assert tenancy.credentials.name == "lab-aws"


def test_object_of_another_workspace_is_404_even_for_its_workspace_owner(as_user, tenancy):
    """The outsider owns `rival`; naming their own workspace does not reach lab's objects."""
    client = as_user(tenancy.outsider)
    q = f"?workspaceId={tenancy.other_workspace.id}"
    assert client.get(f"/api/credentials/{tenancy.credentials.id}{q}").status_code == 404
    assert client.delete(f"/api/labels/{tenancy.label.id}{q}").status_code == 404
    assert client.get(f"/api/credentials/{tenancy.other_credentials.id}{q}").status_code == 200
    assert (
        client.get(f"/api/credentials/{tenancy.other_credentials.id}?workspaceId={tenancy.workspace.id}").status_code
        == 404
    )


def test_unknown_workspace_is_404(as_user, tenancy):
    assert as_user(tenancy.users["owner"]).get("/api/credentials?workspaceId=987654").status_code == 404


def test_anonymous_is_401_everywhere(as_user, tenancy):
    client = as_user()
    routes = [
        *object_routes(tenancy),
        ("get", "/api/orgs", None),
        ("get", "/api/tokens", None),
        ("get", f"/api/user/{tenancy.outsider.id}/workspaces", None),
    ]
    for method, url, data in routes:
        assert getattr(client, method)(url, data, format="json").status_code == 401, url


def test_options_and_head_follow_the_read_permission(as_user, tenancy):
    q = f"?workspaceId={tenancy.workspace.id}"
    viewer, outsider = as_user(tenancy.users["view"]), as_user(tenancy.outsider)
    for url in (f"/api/credentials{q}", f"/api/labels{q}", f"/api/credentials/{tenancy.credentials.id}{q}"):
        assert viewer.options(url).status_code == 200, url
        assert viewer.head(url).status_code == 200, url
        assert outsider.options(url).status_code == 404, url
    assert viewer.options("/api/tokens").status_code == 200
