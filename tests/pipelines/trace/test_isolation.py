"""Tenant isolation of every trace route: a run token opens its own run's trace calls and nothing
else; a personal token needs the launch role in the run's workspace; nothing changes on a refusal."""

import json

import pytest
from rest_framework.test import APIClient

from pipelines.trace import tokens
from pipelines.trace.models import RunTrace, Task
from tests.factories import RunFactory
from tests.pipelines.trace.plugin import PluginRun, auth_header
from workspaces import services as workspace_services

pytestmark = pytest.mark.django_db
KINDS = ("begin", "progress", "heartbeat", "complete")


def client_with(token):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=auth_header(token))
    return client


def bodies(run_id):
    plugin = PluginRun(tower_workflow_id=run_id)
    calls = dict(plugin.calls(run_id)[::-1])  # one body of each kind
    calls["heartbeat"] = {"progress": calls["progress"]["progress"], "instant": calls["progress"]["instant"]}
    return plugin.create_request(), calls


def call(client, run_id, kind, body, workspace_id=None):
    query = f"?workspaceId={workspace_id}" if workspace_id else ""
    if kind == "create":
        return client.post(f"/api/trace/create{query}", json.dumps(body), content_type="application/json")
    return client.put(f"/api/trace/{run_id}/{kind}{query}", json.dumps(body), content_type="application/json")


@pytest.fixture
def runs(tenancy):
    mine = RunFactory(workspace=tenancy.workspace, owner=tenancy.users["launch"])
    theirs = RunFactory(workspace=tenancy.other_workspace, owner=tenancy.outsider)
    return mine, theirs


def unchanged(run):
    run.refresh_from_db()
    return run.status == "SUBMITTED" and not Task.objects.filter(run=run).exists() and run.last_heartbeat is None


def test_a_run_token_is_useless_for_another_run_or_workspace(tenancy, runs):
    mine, theirs = runs
    client = client_with(tokens.run_token(mine.pk))
    create, calls = bodies(theirs.pk)
    assert call(client, theirs.pk, "create", create).status_code == 404  # TOWER_WORKFLOW_ID of another run
    for kind in KINDS:
        assert call(client, theirs.pk, kind, calls[kind]).status_code == 404
        assert call(client, theirs.pk, kind, calls[kind], tenancy.other_workspace.pk).status_code == 404
        # Its own run, but named in another workspace.
        assert call(client, mine.pk, kind, calls[kind], tenancy.other_workspace.pk).status_code == 404
    assert unchanged(theirs) and unchanged(mine)
    assert not RunTrace.objects.filter(run=theirs).exists()


@pytest.mark.parametrize(
    "path",
    ["/api/user-info", "/api/compute-envs?workspaceId={ws}", "/api/credentials?workspaceId={ws}",
     "/api/workflow/{run}/tasks?workspaceId={ws}"],
)  # fmt: skip
def test_a_run_token_opens_no_other_route(tenancy, runs, path):
    mine, _ = runs
    url = path.format(ws=tenancy.workspace.pk, run=mine.pk)
    for header in (auth_header(tokens.run_token(mine.pk)), f"Bearer {tokens.run_token(mine.pk)}"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(url).status_code == 401


def test_a_forged_or_foreign_token_is_refused(tenancy, runs):
    mine, _ = runs
    good = tokens.run_token(mine.pk)
    create, calls = bodies(mine.pk)
    for token in (good[:-1] + ("0" if good[-1] != "0" else "1"), f"sqr_{mine.pk}_" + "0" * 64, "sqt_nope", None):
        client = client_with(token)
        assert call(client, mine.pk, "create", create).status_code == 401
        for kind in KINDS:
            assert call(client, mine.pk, kind, calls[kind]).status_code == 401
    basic_other_user = APIClient()
    basic_other_user.credentials(
        HTTP_AUTHORIZATION="Basic " + __import__("base64").b64encode(f"admin:{good}".encode()).decode()
    )
    assert call(basic_other_user, mine.pk, "begin", calls["begin"]).status_code == 401
    assert unchanged(mine)


@pytest.mark.parametrize(("who", "expected"), [("outsider", 404), ("view", 403), ("connect", 403), ("launch", 200)])
def test_personal_tokens_need_the_launch_role_in_the_runs_workspace(tenancy, runs, who, expected):
    mine, _ = runs
    user = tenancy.outsider if who == "outsider" else tenancy.users[who]
    _, token = workspace_services.create_api_token(user=user, name="nf")
    client = client_with(token)
    create, calls = bodies(mine.pk)
    assert call(client, mine.pk, "create", create, tenancy.workspace.pk).status_code == expected
    assert call(client, mine.pk, "begin", calls["begin"]).status_code == expected
    if expected != 200:
        assert unchanged(mine)
        # Nor can it make a run in that workspace.
        new = PluginRun(run_name="sneaky").create_request()
        assert call(client, None, "create", new, tenancy.workspace.pk).status_code == expected
        assert not tenancy.workspace.runs.filter(run_name="sneaky").exists()


def test_task_routes_are_scoped_by_workspace(tenancy, runs):
    mine, theirs = runs
    Task.objects.create(workspace=theirs.workspace, run=theirs, task_id=1, status="NEW")
    client = APIClient()
    client.force_authenticate(tenancy.users["owner"])
    ws = tenancy.workspace.pk
    assert client.get(f"/api/workflow/{theirs.pk}/tasks?workspaceId={ws}").status_code == 404
    assert client.get(f"/api/workflow/{theirs.pk}/task/1?workspaceId={ws}").status_code == 404
    assert client.get(f"/api/workflow/{theirs.pk}/tasks?workspaceId={theirs.workspace_id}").status_code == 404
    assert client.get(f"/api/workflow/{mine.pk}/tasks?workspaceId={ws}").json() == {"tasks": [], "total": 0}
