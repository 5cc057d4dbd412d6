"""Issue 14 defect 5: bad input is a 400 that names the field, never a 500.

JSON nested 100,000 deep (API bodies, the compute-environment import file), oversized API bodies,
`?validating=` with non-ASCII digits, OPTIONS on the compute-environment API, and NUL characters
in the URL, query, form fields and JSON strings (PostgreSQL refuses NUL with a DataError). The
route walk (tests/tenancy) sends deep JSON to every JSON write and HEAD/OPTIONS to every route.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from seqera.drf import BoundedJSONParser, RequestTooLarge
from seqera.jsonio import JSONInputError, parse_json
from tests.factories import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from tests.helpers.documents import forge_doc, make_ce

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def api(tenancy):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(tenancy.users["owner"])
    return client


@pytest.fixture
def pages(client, tenancy):
    client.raise_request_exception = False
    client.force_login(tenancy.users["owner"])
    return client


def ws_page(tenancy, rest=""):
    return f"/orgs/{tenancy.org.name}/workspaces/{tenancy.workspace.name}/{rest}"


# --------------------------------------------------------------------------- JSON depth and size
@pytest.mark.parametrize("text", [DEEP, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 65 + "]" * 65])
def test_parse_json_refuses_deep_nesting_without_recursion_error(text):
    with pytest.raises(JSONInputError, match="nests deeper"):
        parse_json(text)


def test_parse_json_accepts_the_documents_of_this_api():
    document = {"computeEnv": {"config": {"environment": [{"name": "A", "value": "1"}], "forge": {"subnets": []}}}}
    assert parse_json(json.dumps(document)) == document


@pytest.mark.parametrize("path", ["compute-envs", "credentials", "labels"])
def test_deep_json_on_api_writes_is_a_400(api, tenancy, path):
    response = api.post(f"/api/{path}?workspaceId={tenancy.workspace.id}", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nests deeper" in response.json()["message"]


def test_an_api_body_over_the_upload_limit_is_refused(api, tenancy, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"credentials": {"name": "x" * 2000}})
    response = api.post(f"/api/credentials?workspaceId={tenancy.workspace.id}", body, content_type="application/json")
    # Django's own check when the body was already read (400), the parser's when it streams (413)
    assert response.status_code in (400, 413)
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(io.BytesIO(body.encode()))
    assert BoundedJSONParser().parse(io.BytesIO(b'{"a": 1}')) == {"a": 1}


def test_deep_json_in_the_import_file_is_a_field_error(pages, tenancy):
    upload = SimpleUploadedFile("deep.json", DEEP.encode(), content_type="application/json")
    response = pages.post(
        ws_page(tenancy, "compute-envs/import/"), {"file": upload, "credentials": tenancy.credentials.pk}
    )
    assert response.status_code == 200
    assert b"nests deeper than 64 levels" in response.content


def test_nul_in_the_import_file_names_its_path(pages, tenancy):
    document = {"computeEnv": {"name": "imp", "platform": "aws-batch", "config": forge_doc(preRunScript="echo\x00")}}
    upload = SimpleUploadedFile("nul.json", json.dumps(document).encode(), content_type="application/json")
    response = pages.post(
        ws_page(tenancy, "compute-envs/import/"), {"file": upload, "credentials": tenancy.credentials.pk}
    )
    assert response.status_code == 200
    assert b"computeEnv.config.preRunScript" in response.content


# --------------------------------------------------------------------------- ?validating=
@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "１２", "-1", "9" * 40, ""])
def test_validating_with_odd_digits_is_ignored(pages, tenancy, value):
    ce = make_ce(tenancy)
    creds = tenancy.credentials
    for rest in (f"credentials/{creds.pk}/", f"credentials/{creds.pk}/status/",
                 f"compute-envs/{ce.pk}/", f"compute-envs/{ce.pk}/status/"):  # fmt: skip
        response = pages.get(ws_page(tenancy, rest), {"validating": value})
        assert response.status_code == 200, (rest, value)
        assert b"validating=" + value.encode() not in response.content


# --------------------------------------------------------------------------- OPTIONS
def test_options_on_the_compute_environment_api(api, tenancy, as_outsider):
    ce = make_ce(tenancy)
    for path in ("compute-envs", f"compute-envs/{ce.pk}"):
        response = api.options(f"/api/{path}?workspaceId={tenancy.workspace.id}")
        assert response.status_code == 200, path
        assert response.json()["renders"] == ["application/json"]
        outsider = as_outsider.options(f"/api/{path}?workspaceId={tenancy.workspace.id}")
        assert outsider.status_code == 404


@pytest.fixture
def as_outsider(tenancy):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(tenancy.outsider)
    return client


# --------------------------------------------------------------------------- NUL
def test_nul_in_a_json_string_names_its_path(api, tenancy):
    config = forge_doc(environment=[{"name": "A", "value": "x\x00"}])
    body = {"computeEnv": {"name": "ce-nul", "platform": "aws-batch", "credentialsId": tenancy.credentials.id,
                           "config": config}}  # fmt: skip
    response = api.post(f"/api/compute-envs?workspaceId={tenancy.workspace.id}", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["computeEnv.config.environment[0].value"]


def test_nul_in_an_unknown_json_key_is_refused_too(api, tenancy):
    body = {"credentials": {"name": "c", "provider": "aws", "ke\x00ys": {}}}
    response = api.post(f"/api/credentials?workspaceId={tenancy.workspace.id}", body, format="json")
    assert response.status_code == 400 and "credentials.ke\\x00ys" in response.json()["errors"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/compute-envs/validate?workspaceId={ws}&name=a%00b", "name"),
        ("/api/credentials?workspaceId={ws}&search=a%00b", "search"),
        ("/api/orgs/a%00b", "path"),
    ],
)
def test_nul_in_api_urls_is_a_400_naming_the_parameter(api, tenancy, path, field):
    response = api.get(path.format(ws=tenancy.workspace.id))
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Null characters are not allowed."]}


@pytest.mark.parametrize("path", ["/orgs/a%00b/", "{ws}compute-envs/?q=a%00b", "{ws}credentials/?search=%00"])
def test_nul_in_page_urls_is_a_400(pages, tenancy, path):
    response = pages.get(path.format(ws=ws_page(tenancy)))
    assert response.status_code == 400


def test_nul_in_a_form_field_is_a_400_naming_it(pages, tenancy):
    data = {"name": "nul", "description": "a\x00b", "access_key": DEMO_ACCESS_KEY, "secret_key": DEMO_SECRET_KEY}
    response = pages.post(ws_page(tenancy, "credentials/new/"), data)
    assert response.status_code == 400
    assert response.content.decode().startswith("description:")


def test_nul_in_the_admin_search_is_a_400(client, tenancy):
    from tests.factories import UserFactory

    client.raise_request_exception = False
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    assert client.get("/admin/workspaces/credentials/", {"q": "a\x00"}).status_code == 400
    assert client.get("/admin/workspaces/credentials/", {"q": "lab"}).status_code == 200
