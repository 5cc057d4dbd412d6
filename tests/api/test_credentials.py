"""Credentials API: Seqera envelopes, write-only secret, validation, roles, conflicts."""

import pytest

from computeenvs.models import ComputeEnv
from tests.api.conftest import CANARY_ACCESS_KEY, CANARY_SECRET
from tests.factories import CredentialsFactory
from workspaces import actors
from workspaces.models import Credentials

pytestmark = pytest.mark.django_db

ROLE_ARN = "arn:aws:iam::123456789012:role/seqera-batch"


def body(name="new-aws", **keys):
    keys = keys or {"accessKey": CANARY_ACCESS_KEY, "secretKey": CANARY_SECRET}
    return {"credentials": {"name": name, "description": "Batch account", "provider": "aws", "keys": keys}}


@pytest.fixture
def admin(as_user, tenancy):
    return as_user(tenancy.users["admin"])


def test_create_then_describe_round_trip_never_returns_the_secret(admin, ws_url, tenancy):
    created = admin.post(
        ws_url("credentials"),
        body(**{"accessKey": CANARY_ACCESS_KEY, "secretKey": CANARY_SECRET, "assumeRoleArn": ROLE_ARN}),
        format="json",
    )
    assert created.status_code == 200, created.content
    credentials_id = created.json()["credentialsId"]
    stored = Credentials.objects.get(pk=credentials_id)
    assert stored.workspace == tenancy.workspace and stored.get_secret() == CANARY_SECRET
    assert CANARY_SECRET not in stored.secret_encrypted

    described = admin.get(ws_url(f"credentials/{credentials_id}"))
    assert described["Cache-Control"].count("no-store") == 1
    credentials = described.json()["credentials"]
    assert credentials["id"] == credentials_id and credentials["name"] == "new-aws"
    assert credentials["provider"] == "aws" and credentials["description"] == "Batch account"
    assert credentials["keys"] == {
        "discriminator": "aws",
        "mode": "keys",
        "accessKey": CANARY_ACCESS_KEY,
        "assumeRoleArn": ROLE_ARN,
        "externalId": stored.external_id,
    }
    assert len(stored.external_id) == 32
    assert {"status", "message", "lastValidated", "lastUsed", "dateCreated", "lastUpdated"} <= credentials.keys()
    listed = admin.get(ws_url("credentials")).json()["credentials"]
    assert {c["name"] for c in listed} == {"lab-aws", "new-aws"}
    for response in (created, described):
        assert CANARY_SECRET not in response.content.decode()


def test_secret_canary_absent_from_every_credentials_response(admin, ws_url):
    credentials_id = admin.post(ws_url("credentials"), body(), format="json").json()["credentialsId"]
    responses = [
        admin.get(ws_url("credentials")),
        admin.get(ws_url("credentials", platformId="aws")),
        admin.get(ws_url(f"credentials/{credentials_id}")),
        admin.put(
            ws_url(f"credentials/{credentials_id}"), {"credentials": {"keys": {"secretKey": "short"}}}, format="json"
        ),
        admin.post(ws_url("credentials"), body(), format="json"),  # duplicate: the error must not echo it
        admin.get("/api/openapi"),
    ]
    for response in responses:
        assert CANARY_SECRET not in response.content.decode()


def test_unknown_and_read_only_fields_are_ignored(admin, ws_url, tenancy):
    payload = body()
    payload["credentials"].update(id="chosen-id", status="AVAILABLE", workspaceId=tenancy.other_workspace.id, bogus=1)
    credentials_id = admin.post(ws_url("credentials"), payload, format="json").json()["credentialsId"]
    stored = Credentials.objects.get(pk=credentials_id)
    assert credentials_id != "chosen-id" and stored.workspace == tenancy.workspace and stored.status == ""


def test_validation_errors_per_field_with_api_names(admin, ws_url):
    response = admin.post(
        ws_url("credentials"), body(name="bad name!", accessKey="lowercase", secretKey="x" * 40), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"name", "keys.accessKey"}
    assert response.json()["message"]

    missing = admin.post(ws_url("credentials"), body(accessKey=CANARY_ACCESS_KEY), format="json")
    assert missing.status_code == 400 and "keys.secretKey" in missing.json()["errors"]

    bad_arn = admin.post(ws_url("credentials"), body(assumeRoleArn="arn:aws:iam::1:user/x"), format="json")
    assert bad_arn.status_code == 400 and "keys.assumeRoleArn" in bad_arn.json()["errors"]

    provider = admin.post(
        ws_url("credentials"), {"credentials": {**body()["credentials"], "provider": "google"}}, format="json"
    )
    assert provider.status_code == 400 and "provider" in provider.json()["errors"]


def test_duplicate_name_is_400_and_validate_name_reports_it(admin, ws_url):
    duplicate = admin.post(ws_url("credentials"), body(name="LAB-AWS"), format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]

    assert admin.get(ws_url("credentials/validate", name="free-name")).status_code == 204
    taken = admin.get(ws_url("credentials/validate", name="lab-aws"))
    assert taken.status_code == 409 and "already exist" in taken.json()["message"]
    assert admin.get(ws_url("credentials/validate", name="no spaces")).status_code == 400
    assert admin.get(ws_url("credentials/validate")).status_code == 400


def test_role_matrix_spot_checks(as_user, ws_url, tenancy):
    for role, expected in {
        "view": 403,
        "connect": 403,
        "launch": 403,
        "maintain": 403,
        "admin": 200,
        "owner": 200,
    }.items():
        response = as_user(tenancy.users[role]).post(ws_url("credentials"), body(name=f"by-{role}"), format="json")
        assert response.status_code == expected, role
    assert (
        as_user(tenancy.users["org_owner"])
        .post(ws_url("credentials"), body(name="by-org-owner"), format="json")
        .status_code
        == 200
    )
    viewer = as_user(tenancy.users["view"])
    assert viewer.get(ws_url("credentials")).status_code == 200
    assert viewer.get(ws_url(f"credentials/{tenancy.credentials.id}")).status_code == 200
    assert viewer.delete(ws_url(f"credentials/{tenancy.credentials.id}")).status_code == 403
    assert (
        viewer.put(
            ws_url(f"credentials/{tenancy.credentials.id}"), {"credentials": {"name": "x"}}, format="json"
        ).status_code
        == 403
    )
    assert viewer.post(ws_url(f"credentials/{tenancy.credentials.id}/validate")).status_code == 403


def test_workspace_id_is_required(admin):
    response = admin.get("/api/credentials")
    assert response.status_code == 400 and "workspaceId" in response.json()["errors"]
    assert admin.get("/api/credentials?workspaceId=abc").status_code == 400


def test_update_name_description_and_role(admin, ws_url, tenancy):
    url = ws_url(f"credentials/{tenancy.credentials.id}")
    response = admin.put(
        url,
        {"credentials": {"name": "renamed", "description": "d", "keys": {"assumeRoleArn": ROLE_ARN}}},
        format="json",
    )
    assert response.status_code == 204, response.content
    credentials = admin.get(url).json()["credentials"]
    assert credentials["name"] == "renamed" and credentials["description"] == "d"
    assert credentials["keys"]["assumeRoleArn"] == ROLE_ARN and credentials["keys"]["externalId"]
    assert credentials["keys"]["accessKey"] == tenancy.credentials.access_key

    clash = CredentialsFactory(workspace=tenancy.workspace, name="other")
    response = admin.put(ws_url(f"credentials/{clash.id}"), {"credentials": {"name": "renamed"}}, format="json")
    assert response.status_code == 400 and "name" in response.json()["errors"]


def test_put_with_secret_replaces_the_key_pair(admin, ws_url, tenancy):
    url = ws_url(f"credentials/{tenancy.credentials.id}")
    response = admin.put(
        url, {"credentials": {"keys": {"accessKey": CANARY_ACCESS_KEY, "secretKey": CANARY_SECRET}}}, format="json"
    )
    assert response.status_code == 204
    stored = Credentials.objects.get(pk=tenancy.credentials.id)
    assert stored.access_key == CANARY_ACCESS_KEY and stored.get_secret() == CANARY_SECRET
    assert stored.name == "lab-aws"  # omitted fields keep their value

    new_key_without_secret = admin.put(
        url, {"credentials": {"keys": {"accessKey": "AKIAOTHER0000000000X"}}}, format="json"
    )
    assert new_key_without_secret.status_code == 400
    assert "keys.secretKey" in new_key_without_secret.json()["errors"]
    assert Credentials.objects.get(pk=tenancy.credentials.id).access_key == CANARY_ACCESS_KEY


def test_delete_and_delete_in_use_conflict(admin, ws_url, tenancy):
    ce = ComputeEnv.objects.create(
        workspace=tenancy.workspace, name="batch-ce", credentials=tenancy.credentials, region="eu-west-1", mode="manual"
    )
    url = ws_url(f"credentials/{tenancy.credentials.id}")
    response = admin.delete(url)
    assert response.status_code == 409
    body_ = response.json()
    assert body_["credentialsId"] == tenancy.credentials.id
    assert body_["conflicts"] == [
        {
            "id": ce.id,
            "name": "batch-ce",
            "type": "compute-env",
            "url": f"/api/compute-envs/{ce.id}?workspaceId={tenancy.workspace.id}",
        }
    ]
    assert "batch-ce" in body_["message"]

    ce.delete()
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_validate_enqueues_ids_only(admin, ws_url, tenancy, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(ws_url(f"credentials/{tenancy.credentials.id}/validate"))
    assert response.status_code == 202
    assert [(m.actor_name, m.args, m.kwargs) for m in sent()] == [
        ("validate_credentials", (tenancy.credentials.id, tenancy.workspace.id), {})
    ]


def test_validation_result_is_reported(admin, ws_url, tenancy, aws):
    actors.validate_credentials(tenancy.credentials.id, tenancy.workspace.id)
    credentials = admin.get(ws_url(f"credentials/{tenancy.credentials.id}")).json()["credentials"]
    assert credentials["status"] == "AVAILABLE" and credentials["lastValidated"]


def test_list_query_count_does_not_grow(admin, ws_url, tenancy, django_assert_max_num_queries):
    for n in range(15):
        CredentialsFactory(workspace=tenancy.workspace, name=f"bulk-{n}")
    with django_assert_max_num_queries(8):
        assert len(admin.get(ws_url("credentials")).json()["credentials"]) == 16
    assert admin.get(ws_url("credentials", platformId="google")).json() == {"credentials": [], "totalSize": 0}


def test_list_pages_with_max_and_offset(admin, ws_url, tenancy):
    for n in range(4):
        CredentialsFactory(workspace=tenancy.workspace, name=f"page-{n}")
    first = admin.get(ws_url("credentials", max=2)).json()
    rest = admin.get(ws_url("credentials", max=2, offset=2)).json()
    last = admin.get(ws_url("credentials", max=2, offset=4)).json()
    names = [c["name"] for c in first["credentials"] + rest["credentials"] + last["credentials"]]
    assert names == sorted(names) and len(set(names)) == 5
    assert first["totalSize"] == rest["totalSize"] == last["totalSize"] == 5
    assert admin.get(ws_url("credentials", max=0)).status_code == 400


def test_request_field_errors_share_the_service_error_paths(admin, ws_url):
    too_long = admin.post(ws_url("credentials"), body(accessKey="A" * 200, secretKey="x" * 40), format="json")
    assert too_long.status_code == 400 and set(too_long.json()["errors"]) == {"keys.accessKey"}
    no_envelope = admin.post(ws_url("credentials"), {"name": "flat"}, format="json")
    assert no_envelope.status_code == 400 and "credentials" in no_envelope.json()["errors"]


def test_offset_too_big_for_the_database_is_400(admin, ws_url):
    response = admin.get(ws_url("credentials", offset=2**64))  # was a 500 (found by schemathesis)
    assert response.status_code == 400
    assert "offset" in response.json()["errors"]
