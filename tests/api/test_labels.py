"""Labels API: list filters and paging, create (idempotent for an identical label), update, delete."""

import pytest

from computeenvs.models import ComputeEnv, ComputeEnvLabel
from tests.factories import LabelFactory
from workspaces.models import Label

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(as_user, tenancy):
    return as_user(tenancy.users["admin"])


def test_list_shape_filters_and_paging(as_user, ws_url, tenancy):
    LabelFactory(workspace=tenancy.workspace, name="simple", value="", resource=False)
    LabelFactory(workspace=tenancy.workspace, name="project", value="rnaseq", is_default=True)
    LabelFactory(workspace=tenancy.other_workspace, name="rival-only")
    client = as_user(tenancy.users["view"])

    body = client.get(ws_url("labels")).json()
    assert body["totalSize"] == 3
    assert [label["name"] for label in body["labels"]] == ["project", "simple", "team"]
    assert set(body["labels"][0]) == {"id", "name", "value", "resource", "isDefault", "dateCreated"}

    assert [x["name"] for x in client.get(ws_url("labels", type="simple")).json()["labels"]] == ["simple"]
    assert [x["name"] for x in client.get(ws_url("labels", type="resource")).json()["labels"]] == ["project", "team"]
    assert [x["name"] for x in client.get(ws_url("labels", isDefault="true")).json()["labels"]] == ["project"]
    assert [x["name"] for x in client.get(ws_url("labels", search="genom")).json()["labels"]] == ["team"]
    paged = client.get(ws_url("labels", max=1, offset=1)).json()
    assert [x["name"] for x in paged["labels"]] == ["simple"] and paged["totalSize"] == 3
    assert client.get(ws_url("labels", type="weird")).status_code == 400


def test_create_update_delete(admin, ws_url, tenancy):
    created = admin.post(
        ws_url("labels"), {"name": "cost-center", "value": "cc-42", "resource": True, "isDefault": True}, format="json"
    )
    assert created.status_code == 200, created.content
    label = created.json()
    assert set(label) == {"id", "name", "value", "resource", "isDefault"}
    assert label["isDefault"] is True and Label.objects.get(pk=label["id"]).workspace == tenancy.workspace

    again = admin.post(ws_url("labels"), {"name": "cost-center", "value": "cc-42", "resource": True}, format="json")
    assert again.status_code == 200 and again.json()["id"] == label["id"]  # Seqera: returns the existing label

    updated = admin.put(ws_url(f"labels/{label['id']}"), {"value": "cc-43", "isDefault": False}, format="json")
    assert updated.json() == {"id": label["id"], "name": "cost-center", "value": "cc-43", "isDefault": False}

    assert admin.delete(ws_url(f"labels/{label['id']}")).status_code == 204
    assert not Label.objects.filter(pk=label["id"]).exists()


def test_validation_errors(admin, ws_url, tenancy):
    duplicate = admin.post(ws_url("labels"), {"name": "team", "value": "other", "resource": True}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]
    reserved = admin.post(ws_url("labels"), {"name": "awsome", "value": "x1", "resource": True}, format="json")
    assert reserved.status_code == 400 and "name" in reserved.json()["errors"]
    no_value = admin.post(ws_url("labels"), {"name": "needs-value", "resource": True}, format="json")
    assert no_value.status_code == 400 and "value" in no_value.json()["errors"]
    simple_default = admin.post(ws_url("labels"), {"name": "plain", "isDefault": True}, format="json")
    assert simple_default.status_code == 400 and "isDefault" in simple_default.json()["errors"]
    bad_update = admin.put(ws_url(f"labels/{tenancy.label.id}"), {"value": "-bad-"}, format="json")
    assert bad_update.status_code == 400 and "value" in bad_update.json()["errors"]


def test_label_in_use_cannot_be_deleted(admin, ws_url, tenancy):
    ce = ComputeEnv.objects.create(
        workspace=tenancy.workspace, name="ce", credentials=tenancy.credentials, region="eu-west-1", mode="manual"
    )
    ComputeEnvLabel.objects.create(compute_env=ce, label=tenancy.label)
    response = admin.delete(ws_url(f"labels/{tenancy.label.id}"))
    assert response.status_code == 400 and "cannot be deleted" in response.json()["message"]


@pytest.mark.parametrize(("role", "allowed"), [("view", False), ("maintain", False), ("admin", True), ("owner", True)])
def test_only_admins_and_owners_write_labels(as_user, ws_url, tenancy, role, allowed):
    client = as_user(tenancy.users[role])
    assert client.get(ws_url("labels")).status_code == 200
    create = client.post(ws_url("labels"), {"name": f"by-{role}", "value": "v1", "resource": True}, format="json")
    update = client.put(ws_url(f"labels/{tenancy.label.id}"), {"value": "changed"}, format="json")
    delete = client.delete(ws_url(f"labels/{tenancy.label.id}"))
    assert (create.status_code, update.status_code, delete.status_code) == (
        (200, 200, 204) if allowed else (403, 403, 403)
    )
