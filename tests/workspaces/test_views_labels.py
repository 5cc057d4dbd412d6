"""Label pages: filter, create/edit/delete for admins, service errors beside fields."""

import pytest
from django.urls import reverse

from tests.factories import LabelFactory
from workspaces.models import Label

WS = {"org": "acme", "workspace": "lab"}


def ws_url(name, **kwargs):
    return reverse(name, kwargs={**WS, **kwargs})


def test_list_filters_by_type_and_search(client, tenancy):
    LabelFactory(workspace=tenancy.workspace, name="urgent", value="", resource=False)
    client.force_login(tenancy.users["view"])
    page = client.get(ws_url("workspaces:label_list"))
    assert page.status_code == 200 and b"urgent" in page.content and b"genomics" in page.content
    assert b"Add label" not in page.content
    simple = client.get(ws_url("workspaces:label_list"), {"type": "simple"})
    assert b"urgent" in simple.content and b"genomics" not in simple.content
    resource = client.get(ws_url("workspaces:label_list"), {"type": "resource"})
    assert b"urgent" not in resource.content and b"genomics" in resource.content
    search = client.get(ws_url("workspaces:label_list"), {"q": "urg"})
    assert b"urgent" in search.content and b"genomics" not in search.content


def test_list_paginates_at_25(client, tenancy):
    for n in range(30):
        LabelFactory(workspace=tenancy.workspace, name=f"bulk{n:02d}", value="v1")
    client.force_login(tenancy.users["view"])
    page = client.get(ws_url("workspaces:label_list"))
    assert page.content.count(b"bulk") == 25 and b"pagination" in page.content


def test_admin_creates_resource_label_with_default(client, tenancy):
    client.force_login(tenancy.users["admin"])
    assert client.get(ws_url("workspaces:label_create")).status_code == 200
    response = client.post(
        ws_url("workspaces:label_create"), {"name": "project", "value": "x42", "resource": "on", "is_default": "on"}
    )
    assert response.status_code == 302
    label = Label.objects.get(workspace=tenancy.workspace, name="project")
    assert (label.value, label.resource, label.is_default) == ("x42", True, True)


@pytest.mark.parametrize(
    "data,field_message",
    [
        ({"name": "team", "value": "x1", "resource": "on"}, b"already exists"),
        ({"name": "awsthing", "value": "x1", "resource": "on"}, b"reserved by AWS"),
        ({"name": "ok", "resource": "on"}, b"needs a value"),
        ({"name": "simple", "is_default": "on"}, b"Only resource labels can be used as defaults"),
        ({"name": "a--b"}, b"2\xe2\x80\x9339 letters"),
    ],
)
def test_service_errors_shown_beside_fields(client, tenancy, data, field_message):
    client.force_login(tenancy.users["admin"])
    response = client.post(ws_url("workspaces:label_create"), data)
    assert response.status_code == 200
    assert field_message in response.content and b"invalid-feedback" in response.content


def test_admin_edits_and_deletes(client, tenancy):
    label = tenancy.label
    client.force_login(tenancy.users["owner"])
    page = client.get(ws_url("workspaces:label_edit", pk=label.pk))
    assert page.status_code == 200 and b"genomics" in page.content
    response = client.post(
        ws_url("workspaces:label_edit", pk=label.pk), {"name": "team", "value": "proteomics", "resource": ""}
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.value == "proteomics" and label.resource  # the type cannot change
    assert client.get(ws_url("workspaces:label_delete", pk=label.pk)).status_code == 200
    assert client.post(ws_url("workspaces:label_delete", pk=label.pk)).status_code == 302
    assert not Label.objects.filter(pk=label.pk).exists()


def test_writes_need_admin(client, tenancy):
    client.force_login(tenancy.users["maintain"])
    assert client.get(ws_url("workspaces:label_create")).status_code == 403
    for name in ("workspaces:label_edit", "workspaces:label_delete"):
        assert client.post(ws_url(name, pk=tenancy.label.pk), {"name": "x"}).status_code == 403, name
    assert Label.objects.filter(pk=tenancy.label.pk, name="team").exists()


def test_label_of_another_workspace_is_404(client, tenancy):
    other = LabelFactory(workspace=tenancy.other_workspace, name="rival")
    client.force_login(tenancy.users["owner"])
    assert client.get(ws_url("workspaces:label_edit", pk=other.pk)).status_code == 404
    assert client.post(ws_url("workspaces:label_delete", pk=other.pk)).status_code == 404
