"""The workflow, pipelines and pipeline-secrets API (Seqera shapes) end to end over the runner."""

import pytest
from rest_framework.test import APIClient

from pipelines import monitor, services
from pipelines.models import Pipeline, PipelineSecret, Run, RunStatus
from tests.factories import PipelineFactory, RunFactory
from workspaces import services as ws_services

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    _, token = ws_services.create_api_token(user=user, name="api-test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_launch_follow_log_and_describe_through_the_api(tenancy, batch_ce, runner, django_capture_on_commit_callbacks):
    api, ws = client_for(tenancy.users["maintain"]), tenancy.workspace.pk
    name = api.get(f"/api/workflow/random-name?workspaceId={ws}").json()["name"]
    body = {"launch": {"pipeline": "https://github.com/nextflow-io/hello", "computeEnvId": batch_ce.pk,
                       "runName": name, "revision": "master", "paramsText": "greeting: Hola"}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/workflow/launch?workspaceId={ws}", body, format="json")
    assert response.status_code == 200, response.json()
    run_id = response.json()["workflowId"]
    services.submit_run(run_id=run_id, workspace_id=ws)
    for _ in range(12):
        monitor.sweep()
        if Run.objects.get(pk=run_id).status in RunStatus.final():
            break
    described = api.get(f"/api/workflow/{run_id}?workspaceId={ws}").json()
    assert described["workflow"]["status"] == "SUCCEEDED" and described["workflow"]["runName"] == name
    assert described["workflow"]["params"] == {"greeting": "Hola"} and described["jobInfo"]["operationId"]
    log = api.get(f"/api/workflow/{run_id}/log?workspaceId={ws}").json()["log"]
    assert "Succeeded   : 4" in log["entries"] and log["pending"] is False and log["rewindToken"]
    launch = api.get(f"/api/workflow/{run_id}/launch?workspaceId={ws}").json()["launch"]
    assert launch["pipeline"] == "https://github.com/nextflow-io/hello" and launch["computeEnv"]["id"] == batch_ce.pk
    listed = api.get(f"/api/workflow?workspaceId={ws}&search=status:succeeded").json()
    assert [w["workflow"]["id"] for w in listed["workflows"]] == [run_id]
    assert api.delete(f"/api/workflow/{run_id}?workspaceId={ws}").status_code == 204
    assert not Run.objects.filter(pk=run_id).exists()


def test_launch_errors_are_keyed_by_api_field_and_roles_are_403(tenancy, batch_ce):
    maintain, launcher = client_for(tenancy.users["maintain"]), client_for(tenancy.users["launch"])
    ws = tenancy.workspace.pk
    bad = {"launch": {"pipeline": "not a repo", "computeEnvId": batch_ce.pk, "paramsText": "- a list"}}
    errors = maintain.post(f"/api/workflow/launch?workspaceId={ws}", bad, format="json").json()["errors"]
    assert {"pipeline", "paramsText"} <= set(errors)
    quick = {"launch": {"pipeline": "https://github.com/nextflow-io/hello", "computeEnvId": batch_ce.pk}}
    assert launcher.post(f"/api/workflow/launch?workspaceId={ws}", quick, format="json").status_code == 403
    pipeline = PipelineFactory(workspace=tenancy.workspace, compute_env=batch_ce)
    changed = {"launch": {"pipelineId": pipeline.pk, "revision": "dev"}}
    assert launcher.post(f"/api/workflow/launch?workspaceId={ws}", changed, format="json").status_code == 403


def test_pipelines_crud_and_launch_settings(tenancy, batch_ce):
    api, ws = client_for(tenancy.users["maintain"]), tenancy.workspace.pk
    body = {"name": "hello", "description": "d", "launch": {"pipeline": "https://github.com/nextflow-io/hello",
            "computeEnvId": batch_ce.pk, "configProfiles": ["test"], "paramsText": "a: 1"}}  # fmt: skip
    created = api.post(f"/api/pipelines?workspaceId={ws}", body, format="json")
    assert created.status_code == 200, created.json()
    pid = created.json()["pipeline"]["pipelineId"]
    assert api.get(f"/api/pipelines/validate?workspaceId={ws}&name=hello").status_code == 409
    assert api.get(f"/api/pipelines/validate?workspaceId={ws}&name=other").status_code == 204
    settings = api.get(f"/api/pipelines/{pid}/launch?workspaceId={ws}").json()["launch"]
    assert settings["configProfiles"] == ["test"] and settings["computeEnv"]["id"] == batch_ce.pk
    updated = api.put(f"/api/pipelines/{pid}?workspaceId={ws}", {"description": "new"}, format="json")
    assert updated.status_code == 200 and Pipeline.objects.get(pk=pid).description == "new"
    viewer = client_for(tenancy.users["view"])
    assert viewer.delete(f"/api/pipelines/{pid}?workspaceId={ws}").status_code == 403
    assert api.delete(f"/api/pipelines/{pid}?workspaceId={ws}").status_code == 204


def test_pipeline_secret_values_are_write_only(tenancy):
    api, ws = client_for(tenancy.users["maintain"]), tenancy.workspace.pk
    created = api.post(f"/api/pipeline-secrets?workspaceId={ws}", {"name": "TOKEN", "value": "zz-v"}, format="json")
    secret_id = created.json()["secretId"]
    for path in (f"/api/pipeline-secrets?workspaceId={ws}", f"/api/pipeline-secrets/{secret_id}?workspaceId={ws}"):
        assert b"zz-v" not in api.get(path).content
    assert (
        api.put(f"/api/pipeline-secrets/{secret_id}?workspaceId={ws}", {"value": "zz-w"}, format="json").status_code
        == 204
    )
    assert PipelineSecret.objects.get(pk=secret_id).get_value() == "zz-w"
    assert api.get(f"/api/pipeline-secrets/validate?workspaceId={ws}&name=TOKEN").status_code == 409
    launcher = client_for(tenancy.users["launch"])
    assert (
        launcher.post(
            f"/api/pipeline-secrets?workspaceId={ws}", {"name": "X1", "value": "v"}, format="json"
        ).status_code
        == 403
    )


def test_runs_are_counted_only_when_asked_and_has_more_says_what_follows(tenancy):
    for _ in range(5):
        RunFactory(workspace=tenancy.workspace)
    RunFactory()  # another workspace's: neither listed nor counted
    api, ws = client_for(tenancy.users["view"]), tenancy.workspace.pk
    first = api.get(f"/api/workflow?workspaceId={ws}&max=2").json()
    assert len(first["workflows"]) == 2 and first["hasMore"] is True and "totalSize" not in first
    last = api.get(f"/api/workflow?workspaceId={ws}&max=2&offset=4").json()
    assert len(last["workflows"]) == 1 and last["hasMore"] is False
    exact = api.get(f"/api/workflow?workspaceId={ws}&max=5&includeTotalSize=true").json()
    assert exact["totalSize"] == 5 and exact["hasMore"] is False
    assert api.get(f"/api/workflow?workspaceId={ws}&max=4&includeTotalSize=true").json()["hasMore"] is True
    assert api.get(f"/api/workflow?workspaceId={ws}&includeTotalSize=maybe").status_code == 400
