"""The OpenAPI document and the offline docs pages."""

import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/service-info",
    "/api/user-info",
    "/api/orgs",
    "/api/orgs/{orgId}",
    "/api/orgs/{orgId}/workspaces",
    "/api/orgs/{orgId}/workspaces/{workspaceId}",
    "/api/orgs/{orgId}/workspaces/{workspaceId}/participants",
    "/api/user/{userId}/workspaces",
    "/api/credentials",
    "/api/credentials/validate",
    "/api/credentials/{credentialsId}",
    "/api/credentials/{credentialsId}/validate",
    "/api/labels",
    "/api/labels/{labelId}",
    "/api/tokens",
    "/api/tokens/{tokenId}",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_and_documents_the_paths(schema):
    validate_schema(schema)
    assert set(PATHS) <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Personal access token (POST /api/tokens).",
    }


def test_secret_key_is_write_only_in_the_schema(schema):
    components = schema["components"]["schemas"]
    assert components["AwsSecurityKeysRequest"]["properties"]["secretKey"]["writeOnly"] is True
    assert "secretKey" not in components["AwsSecurityKeys"]["properties"]
    create = schema["paths"]["/api/credentials"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CreateCredentialsRequest")
    assert create["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CreateCredentialsResponse"
    )


def test_operations_carry_seqera_operation_ids(schema):
    ids = {
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "Info",
        "UserInfo",
        "ListOrganizations",
        "DescribeWorkspace",
        "ListWorkspaceParticipants",
        "ListCredentials",
        "CreateCredentials",
        "ValidateCredentialsName",
        "DeleteCredentials",
        "ListLabels",
        "CreateLabel",
        "TokenList",
        "CreateToken",
        "DeleteToken",
    } <= ids


def local_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("url", ["/api/docs", "/api/redoc"])
def test_docs_pages_work_offline_with_self_only_scripts(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    refs = local_references(html)
    assert refs, "the page loads its assets"
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
    assert not re.search(r"<script>\s*\S", html), "no inline script"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for ref in refs:
        if ref.startswith("/static/"):
            asset = client.get(ref)
            assert asset.status_code == 200, ref
            asset.close()


def test_swagger_init_script_is_served_from_self(client):
    html = client.get("/api/docs").content.decode()
    script = next(ref for ref in local_references(html) if "script" in ref and not ref.startswith("/static/"))
    response = client.get(script.replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "/api/openapi" in response.content.decode()


@pytest.mark.parametrize(
    "path, envelope",
    [
        ("/api/credentials", "ListCredentialsResponse"),
        ("/api/labels", "ListLabelsResponse"),
        ("/api/tokens", "ListAccessTokensResponse"),
        ("/api/compute-envs", "ListComputeEnvsResponse"),
    ],
)
def test_list_operations_document_their_envelope_object_not_an_array(schema, path, envelope):
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": f"#/components/schemas/{envelope}"}


def test_the_catch_all_404_is_not_an_operation(schema):
    assert "/api/" not in schema["paths"]


def test_descriptions_never_repeat_the_scoping_base_class_docstring(schema):
    descriptions = [
        operation.get("description", "") for path in schema["paths"].values() for operation in path.values()
    ]
    assert descriptions and not any("permission_actions" in text for text in descriptions)
