"""Contract test of the REST API against its own OpenAPI document (schemathesis, in-process WSGI).

Pass 1 fuzzes every operation as the owner of workspace "lab" (real Bearer token, `workspaceId`
of "lab", path ids either generated or those of real objects) and requires: no 5xx, documented
status codes, content types and response bodies, and no response carrying the canary secret.
Pass 2 replays every tenant-scoped operation as the owner of another workspace with "lab"'s ids:
only 401/403/404 are acceptable. Methods a path does not document are 405.
"""

import json
from types import SimpleNamespace

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from computeenvs.models import ComputeEnv
from pipelines.trace.models import Task
from seqera.wsgi import application
from tests.api.conftest import CANARY_ACCESS_KEY, CANARY_SECRET
from tests.factories import PipelineFactory, PipelineSecretFactory, RunFactory
from tests.helpers.documents import make_ce, manual_doc
from workspaces import services

pytestmark = pytest.mark.django_db

SETTINGS = hypothesis.settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


# Random bodies practically never carry a valid key pair or compute-env config (happy paths: tests/api/
# test_credentials.py, tests/computeenvs/test_api.py); the canary credentials are in use: delete is 409.
# The fuzzed compute environment is AVAILABLE, and enable needs a DISABLED one (happy path: tests/
# computeenvs/test_views.py and tests/faults/test_forge.py).
NEVER_2XX = {
    "POST /api/compute-envs",
    "POST /api/credentials",
    "DELETE /api/credentials/{credentialsId}",
    "POST /api/compute-envs/{id}/enable",
    # Random launch bodies never name a repository and an AVAILABLE CE (happy path: tests/pipelines/test_api.py).
    "POST /api/workflow/launch",
    "POST /api/pipelines",
    # Secret names follow a strict pattern random strings rarely meet (happy path: tests/pipelines/test_api.py).
    "GET /api/pipeline-secrets/validate",
}


def no_canary_secret(ctx, response, case):
    """No response body may carry the secret access key stored before the run."""
    if CANARY_SECRET.encode() in response.content:
        raise AssertionError(f"{case.method} {case.formatted_path} returned the canary secret")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    no_canary_secret,
]


@pytest.fixture
def world(tenancy, broker):
    """Lab's objects (canary credentials in use by a compute env, a label, a spare token) and
    Bearer tokens for lab's owner and for the outsider."""
    owner = tenancy.users["owner"]
    canary = services.create_credentials(
        workspace=tenancy.workspace,
        created_by=owner,
        name="canary",
        access_key=CANARY_ACCESS_KEY,
        secret_key=CANARY_SECRET,
    )
    ce = make_ce(tenancy, credentials=canary, config=manual_doc())
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE)  # so it may become primary
    pipeline = PipelineFactory(workspace=tenancy.workspace, compute_env=ce)
    secret = PipelineSecretFactory(workspace=tenancy.workspace, value=CANARY_SECRET)
    # An active run (not submitted yet: cancel needs no AWS call), on no CE (the CE stays deletable).
    run = RunFactory(workspace=tenancy.workspace, credentials=canary, pipeline=pipeline)
    auth_token, owner_token = services.create_api_token(user=owner, name="schemathesis")
    spare_token, _ = services.create_api_token(user=owner, name="spare")
    _, outsider_token = services.create_api_token(user=tenancy.outsider, name="outsider")
    Task.objects.create(workspace=tenancy.workspace, run=run, task_id=1, status="RUNNING", name="P (1)", process="P")
    return {
        "owner_token": owner_token,
        "auth_token_id": auth_token.pk,
        "outsider_token": outsider_token,
        "ids": {
            "orgId": tenancy.org.pk,
            "workspaceId": tenancy.workspace.pk,
            "userId": owner.pk,
            "credentialsId": canary.pk,
            "labelId": tenancy.label.pk,
            "tokenId": spare_token.pk,
            "id": ce.pk,
            "workflowId": run.pk,
            "taskId": 1,
            "pipelineId": pipeline.pk,
            "secretId": secret.pk,
        },
    }


@pytest.fixture
def schema(world):
    """The schema, served by the real WSGI app in this process and this test's transaction.

    Django's own test client stops a request from closing the connection; schemathesis calls the
    WSGI app directly, so the same is done here (on PostgreSQL the test transaction would close).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation, world, mode, statuses) -> list[str]:
    """Run one operation's generated cases; the failures as text (empty: all checks held)."""
    ids = world["ids"]
    failures: list[str] = []

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def run(case, real_ids):
        if case.path_parameters and real_ids:
            case.path_parameters = {name: ids[name] for name in case.path_parameters}
        if any(p.name == "workspaceId" for p in operation.query):
            case.query = {**(case.query or {}), "workspaceId": ids["workspaceId"]}
        with transaction.atomic():  # every case starts from the same data: deletes do not starve later cases
            try:
                response = case.call(headers={"Authorization": f"Bearer {world['owner_token']}"})
                statuses.setdefault(operation.label, set()).add(response.status_code)
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:  # keep fuzzing; report every distinct failure at the end
                for failure in getattr(exc, "exceptions", [exc]):
                    request = f"query={case.query} path={case.path_parameters} body={str(case.body)[:200]}"
                    failures.append(
                        f"{operation.label} [{mode.value}] {failure.title}: {failure.message[:400]}\n  {request}"
                    )
            finally:
                transaction.set_rollback(True)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:  # negative mode of an operation with nothing to invalidate
        assert mode == schemathesis.GenerationMode.NEGATIVE
    return failures


def test_api_conforms_to_its_openapi_document(schema, world):
    failures, statuses = [], {}
    for operation in operations(schema):
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            failures += fuzz(operation, world, mode, statuses)
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
    never_2xx = {label for label, codes in statuses.items() if not any(200 <= code < 300 for code in codes)}
    assert never_2xx <= NEVER_2XX, statuses


def test_no_canary_check_catches_the_secret():
    leak = SimpleNamespace(content=f'{{"secretKey": "{CANARY_SECRET}"}}'.encode())
    case = SimpleNamespace(method="GET", formatted_path="/api/credentials")
    with pytest.raises(AssertionError):
        no_canary_secret(None, leak, case)
    no_canary_secret(None, SimpleNamespace(content=b"{}"), case)


def test_undocumented_methods_are_405_never_5xx(schema, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['owner_token']}")
    documented: dict[str, set[str]] = {}
    for operation in operations(schema):
        path = operation.path.format(**{p.name: world["ids"][p.name] for p in operation.path_parameters})
        documented.setdefault(path, set()).add(operation.method.upper())
    wrong = []
    for path, methods in documented.items():
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - methods:
            response = client.generic(
                method,
                path,
                "{}",
                content_type="application/json",
                QUERY_STRING=_qs({"workspaceId": world["ids"]["workspaceId"]}),
            )
            if response.status_code != 405:
                wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_an_outsider_gets_only_401_403_404_with_lab_ids(schema, world, tenancy):
    ids = world["ids"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['outsider_token']}")
    checked, wrong = 0, []
    for operation in operations(schema):
        path_names = [p.name for p in operation.path_parameters]
        takes_workspace = any(p.name == "workspaceId" for p in operation.query)
        if not path_names and not takes_workspace:
            continue  # only the caller's own data (service info, user info, own orgs and tokens)
        path = operation.path.format(**{name: ids[name] for name in path_names})
        query = {"workspaceId": ids["workspaceId"]} if takes_workspace else {}
        if any(p.name == "name" for p in operation.query):
            query["name"] = "canary"
        body = json.dumps({}) if operation.method.upper() in ("POST", "PUT") else None
        response = client.generic(
            operation.method.upper(), path, body or "", content_type="application/json", QUERY_STRING=_qs(query)
        )
        checked += 1
        if response.status_code not in (401, 403, 404) or CANARY_SECRET.encode() in response.content:
            wrong.append(f"{operation.label}: {response.status_code} {response.content[:200]!r}")
    assert checked >= 20
    assert not wrong, "\n".join(wrong)


def _qs(query: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in query.items())
