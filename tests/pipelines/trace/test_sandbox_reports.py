"""The sandbox's played head jobs report through the trace API over real HTTP, with the run token
the launch handed them, as Nextflow's plugin would: a launched run shows its tasks and ends as
Nextflow says, failed runs included."""

import pytest

from pipelines import monitor
from pipelines import sandbox as batch_sandbox
from pipelines.models import RunStatus
from pipelines.trace import sandbox
from pipelines.trace.models import RunTrace, Task

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reporting(live_server, settings):
    settings.TOWER_API_ENDPOINT = f"{live_server.url}/api"
    reporter = sandbox.Reporter()
    batch_sandbox.add_reporter(reporter)
    yield reporter
    batch_sandbox.remove_reporter(reporter)


def follow(run):
    """Sweeps until the run is over and Batch says its head job ended (the monitor keeps reading a
    run Nextflow ended first, for its Batch state and log stream)."""
    for _ in range(14):
        monitor.sweep()
        run.refresh_from_db()
        if run.status in RunStatus.final() and run.batch_status in ("SUCCEEDED", "FAILED"):
            break
    return run


@pytest.mark.parametrize("fail", [False, True])
def test_a_sandbox_run_reports_its_tasks_and_end_through_the_trace_api(batch_ce, runner, launch, reporting, fail):
    params = '{"sandbox_fail": true}' if fail else "{}"
    run = launch(
        compute_env=batch_ce, settings={"repository": "https://github.com/nextflow-io/hello", "params_text": params}
    )
    run = follow(run)
    trace = RunTrace.objects.get(run=run)
    assert trace.begun_at and trace.completed_at and trace.process_names == ["sayHello"]
    tasks = Task.objects.filter(run=run)
    assert tasks.count() == 4 and set(tasks.values_list("process", flat=True)) == {"sayHello"}
    assert run.nextflow["version"] == "24.10.2"
    assert run.batch_status == ("FAILED" if fail else "SUCCEEDED") and run.log_stream
    if fail:
        assert run.status == RunStatus.FAILED and "sayHello" in run.error_message
        assert tasks.get(task_id=2).status == "FAILED"
    else:
        assert run.status == RunStatus.SUCCEEDED and run.exit_status == 0
        assert set(tasks.values_list("status", flat=True)) == {"COMPLETED"}
        assert trace.progress["succeeded"] == 4


def test_the_run_token_is_handed_to_the_head_job_only(tenancy, batch_ce, runner, launch, client):
    """TOWER_ACCESS_TOKEN is in the submitted job's environment, and in no page or API answer."""
    from rest_framework.test import APIClient

    from pipelines.trace import tokens

    run = launch(compute_env=batch_ce, settings={"repository": "https://github.com/nextflow-io/hello"})
    token = tokens.run_token(run.pk)
    env = {e["name"]: e["value"] for e in runner.submitted[run.job_id]["containerOverrides"]["environment"]}
    assert env["TOWER_ACCESS_TOKEN"] == token and env["TOWER_WORKFLOW_ID"] == run.pk
    assert env["TOWER_API_ENDPOINT"].endswith("/api") and env["TOWER_WORKSPACE_ID"] == str(tenancy.workspace.pk)
    follow(run)
    client.force_login(tenancy.users["owner"])
    api = APIClient()
    api.force_authenticate(tenancy.users["owner"])
    ws = tenancy.workspace
    answers = [
        client.get(run.get_absolute_url()),
        client.get(ws.url("trace:run_trace", pk=run.pk)),
        client.get(ws.url("pipelines:run_log", pk=run.pk)),
        api.get(f"/api/workflow/{run.pk}?workspaceId={ws.pk}"),
        api.get(f"/api/workflow/{run.pk}/launch?workspaceId={ws.pk}"),
        api.get(f"/api/workflow/{run.pk}/log?workspaceId={ws.pk}"),
        api.get(f"/api/workflow?workspaceId={ws.pk}"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer
        assert token.encode() not in answer.content
