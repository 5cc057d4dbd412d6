"""Whole runs replayed through the trace routes exactly as Nextflow's tower plugin sends them
(URLs, methods, the Authorization header it makes of the token, bodies), including retried and
out-of-order calls, a failed run, a run cancelled here, and a run started elsewhere with a
personal token."""

import json
import random

import pytest
from rest_framework.test import APIClient

from pipelines.models import Run
from pipelines.trace import tokens
from pipelines.trace.models import RunTrace, Task
from pipelines.trace.services import sweep_silent_runs
from seqera.prepared import stock_reads
from tests.factories import RunFactory
from tests.pipelines.trace.plugin import PluginRun, auth_header
from workspaces import services as workspace_services

pytestmark = pytest.mark.django_db


class Nextflow:
    """Plays the plugin's HTTP calls with a token, against the test client."""

    def __init__(self, token: str, workspace_id: int | None):
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=auth_header(token))
        self.query = f"?workspaceId={workspace_id}" if workspace_id is not None else ""

    def create(self, body):
        return self.client.post(f"/api/trace/create{self.query}", json.dumps(body), content_type="application/json")

    def report(self, workflow_id, kind, body):
        return self.client.put(
            f"/api/trace/{workflow_id}/{kind}{self.query}", json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def launched(tenancy):
    """A run launched here (SUBMITTED) and the Nextflow of its head job, with its run token."""
    run = RunFactory(workspace=tenancy.workspace, owner=tenancy.users["launch"])
    env = tokens.head_environment(run, run.launch)
    assert env["TOWER_WORKFLOW_ID"] == run.pk
    nf = Nextflow(env["TOWER_ACCESS_TOKEN"], int(env["TOWER_WORKSPACE_ID"]))
    return run, nf, PluginRun(tower_workflow_id=run.pk)


def play(nf, plugin, workflow_id, calls):
    for kind, body in calls:
        response = nf.report(workflow_id, kind, body)
        assert response.status_code == 200, (kind, response.content)


def test_a_launched_run_reports_from_create_to_complete(launched):
    run, nf, plugin = launched
    created = nf.create(plugin.create_request())
    assert created.status_code == 200, created.content
    assert created.json()["workflowId"] == run.pk and "/runs/" in created.json()["watchUrl"]
    calls = plugin.calls(run.pk)
    begin = nf.report(run.pk, *calls[0])
    assert begin.status_code == 200 and begin.json()["status"] == "OK" and begin.json()["watchUrl"]
    run.refresh_from_db()
    assert run.status == "RUNNING" and run.nextflow["version"] == "25.04.6"
    assert run.params == {"greeting": "Bonjour", "outdir": "results", "fail": False}
    assert "executor = 'awsbatch'" in run.config_text and run.command_line.startswith("nextflow run")
    assert run.manifest["name"] == "nextflow-io/hello" and run.commit_id.startswith("2ce0b0e")
    play(nf, plugin, run.pk, calls[1:-1])
    mid = Task.objects.filter(run=run)
    assert mid.count() == len(plugin.tasks)
    play(nf, plugin, run.pk, calls[-1:])
    run.refresh_from_db()
    assert (
        run.status == "SUCCEEDED" and run.success is True and run.exit_status == 0 and run.stats["succeededCount"] == 13
    )
    tasks = Task.objects.filter(run=run)
    assert set(tasks.values_list("status", flat=True)) == {"COMPLETED"}
    task = tasks.get(task_id=1)
    assert task.process == "FASTQC" and task.tag == "sample_1" and task.exit_code == 0 and task.memory == 4 * 1024**3
    assert task.complete > task.start > task.submit and task.realtime > 0 and task.machine_type == "m5.large"
    trace = RunTrace.objects.get(run=run)
    assert trace.process_names == ["FASTQC", "ALIGN", "MULTIQC"]
    assert [p["succeeded"] for p in trace.progress["processes"]] == [6, 6, 1]
    assert trace.containers[0]["targetImage"] == "quay.io/nextflow/bash:latest" and len(trace.containers) == 1
    assert trace.metrics[0]["process"] == "FASTQC"


def test_a_failed_run_ends_failed_with_nextflows_message(launched):
    run, nf, _ = launched
    plugin = PluginRun(tower_workflow_id=run.pk, fail_process="ALIGN")
    assert nf.create(plugin.create_request()).status_code == 200
    play(nf, plugin, run.pk, plugin.calls(run.pk))
    run.refresh_from_db()
    assert run.status == "FAILED" and run.success is False and run.exit_status == 1
    assert "ALIGN (sample_6)" in run.error_message and "Command exit status" in run.error_report
    statuses = dict(Task.objects.filter(run=run).values_list("name", "status"))
    assert statuses["ALIGN (sample_6)"] == "FAILED"
    # Tasks still running when Nextflow stopped are aborted, not left running forever.
    assert "RUNNING" not in statuses.values() and "ABORTED" in statuses.values()


def test_retried_and_out_of_order_reports_converge_to_the_same_run(launched, tenancy):
    run, nf, plugin = launched
    assert nf.create(plugin.create_request()).status_code == 200
    assert nf.create(plugin.create_request()).json()["workflowId"] == run.pk  # retried create
    calls = plugin.calls(run.pk)
    begin, reports, complete = calls[0], calls[1:-1], calls[-1]
    shuffled = reports + reports[: len(reports) // 2]  # every report once, half of them twice
    random.Random(7).shuffle(shuffled)
    play(nf, plugin, run.pk, [begin, begin, *shuffled])
    play(nf, plugin, run.pk, [complete, complete])  # the second `complete`: its answer was lost

    # The same run played in order, in another run row, gives the same tasks and progress.
    other = RunFactory(workspace=tenancy.workspace, owner=tenancy.users["launch"])
    nf2 = Nextflow(tokens.run_token(other.pk), tenancy.workspace.pk)
    plugin2 = PluginRun(tower_workflow_id=other.pk)
    assert nf2.create(plugin2.create_request()).status_code == 200
    play(nf2, plugin2, other.pk, plugin2.calls(other.pk))

    def state(r):
        fields = ("task_id", "status", "exit", "submit", "start", "complete", "realtime", "peak_rss", "native_id")
        return list(Task.objects.filter(run=r).order_by("task_id").values_list(*fields))

    assert state(run) == state(other)
    assert RunTrace.objects.get(run=run).progress == RunTrace.objects.get(run=other).progress
    run.refresh_from_db()
    assert run.status == "SUCCEEDED"
    # Every task counted once by the trace, however often and in whatever order it was reported:
    # the task API's total is that count, and a filtered list still counts what it selects.
    api = APIClient()
    api.force_authenticate(tenancy.users["owner"])
    for played in (run, other):
        kept = RunTrace.objects.get(run=played).task_count
        assert kept == Task.objects.filter(run=played).count() == len(plugin.tasks)
        tasks = f"/api/workflow/{played.pk}/tasks?workspaceId={tenancy.workspace.pk}&max=5"
        assert api.get(tasks).json()["total"] == kept
        with stock_reads():
            assert api.get(tasks).json()["total"] == kept
        of_align = Task.objects.filter(run=played, process="ALIGN").count()
        assert 0 < of_align < kept and api.get(f"{tasks}&process=ALIGN").json()["total"] == of_align


def test_a_late_report_of_an_earlier_state_never_moves_a_task_back(launched):
    run, nf, plugin = launched
    nf.create(plugin.create_request())
    task = {"taskId": 1, "status": "COMPLETED", "process": "P", "name": "P (1)", "exit": 0}
    assert nf.report(run.pk, "progress", {"tasks": [task], "instant": 2000}).status_code == 200
    stale = {**task, "status": "RUNNING", "exit": 2**31 - 1}
    assert nf.report(run.pk, "progress", {"tasks": [stale], "instant": 1000}).status_code == 200
    assert Task.objects.get(run=run, task_id=1).status == "COMPLETED"
    older = {"progress": {"running": 5, "processes": []}, "instant": 500}
    nf.report(run.pk, "heartbeat", {"progress": {"succeeded": 1, "processes": []}, "instant": 3000})
    nf.report(run.pk, "heartbeat", older)
    assert RunTrace.objects.get(run=run).progress["succeeded"] == 1


def test_reports_for_a_finished_run_are_refused_without_change(launched):
    run, nf, plugin = launched
    nf.create(plugin.create_request())
    calls = plugin.calls(run.pk)
    play(nf, plugin, run.pk, calls[:3])
    from pipelines import services as run_services

    assert run_services.finish_run(run, status="CANCELLED")
    before = list(Task.objects.filter(run=run).values_list("task_id", "status", "last_updated"))
    for kind, body in calls[3:]:
        response = nf.report(run.pk, kind, body)
        assert response.status_code == 409, (kind, response.content)
        assert "CANCELLED" in response.json()["message"]
    run.refresh_from_db()
    assert run.status == "CANCELLED"
    assert list(Task.objects.filter(run=run).values_list("task_id", "status", "last_updated")) == before
    assert nf.create(plugin.create_request()).status_code == 409  # a Nextflow starting late is stopped too


def test_silence_makes_a_running_run_unknown_and_reports_bring_it_back(launched, settings):
    from datetime import timedelta

    from django.utils import timezone

    run, nf, plugin = launched
    nf.create(plugin.create_request())
    calls = plugin.calls(run.pk)
    play(nf, plugin, run.pk, calls[:2])
    settings.TRACE_HEARTBEAT_TIMEOUT_SECONDS = 190
    assert sweep_silent_runs(now=timezone.now() + timedelta(seconds=100)) == (0, 0)
    assert sweep_silent_runs(now=timezone.now() + timedelta(seconds=200)) == (1, 0)
    run.refresh_from_db()
    assert run.status == "UNKNOWN" and "not reported" in run.warning
    assert nf.report(run.pk, *calls[2]).status_code == 200  # reports resume
    run.refresh_from_db()
    assert run.status == "RUNNING" and run.warning == ""
    # Silent for a day: the run ends FAILED, saying why.
    Run.objects.filter(pk=run.pk).update(status="UNKNOWN")
    assert sweep_silent_runs(now=timezone.now() + timedelta(days=2)) == (0, 1)
    run.refresh_from_db()
    assert run.status == "FAILED" and "stopped reporting" in run.error_message


def test_a_run_that_never_reported_is_left_to_the_batch_monitor(tenancy):
    from datetime import timedelta

    from django.utils import timezone

    run = RunFactory(workspace=tenancy.workspace, status="RUNNING")
    assert sweep_silent_runs(now=timezone.now() + timedelta(days=3)) == (0, 0)
    run.refresh_from_db()
    assert run.status == "RUNNING"


def test_a_personal_token_run_from_elsewhere_makes_a_run_in_its_workspace(tenancy):
    user = tenancy.users["launch"]
    _, token = workspace_services.create_api_token(user=user, name="laptop")
    nf = Nextflow(token, tenancy.workspace.pk)
    plugin = PluginRun(run_name="laptop_run")
    created = nf.create(plugin.create_request())
    assert created.status_code == 200, created.content
    workflow_id = created.json()["workflowId"]
    assert nf.create(plugin.create_request()).json()["workflowId"] == workflow_id  # retried
    run = Run.objects.get(pk=workflow_id)
    assert run.workspace == tenancy.workspace and run.owner == user and run.run_name == "laptop_run"
    assert run.job_id == "" and run.status == "SUBMITTED"
    play(nf, plugin, workflow_id, plugin.calls(workflow_id))
    run.refresh_from_db()
    assert run.status == "SUCCEEDED" and Task.objects.filter(run=run).count() == len(plugin.tasks)
    # Without a workspace, the plugin is told which setting to give.
    missing = Nextflow(token, None).create(plugin.create_request())
    assert missing.status_code == 400 and "workspaceId" in missing.json()["message"]


def test_the_plugin_basic_and_bearer_headers_are_both_accepted(launched):
    run, _, plugin = launched
    token = tokens.run_token(run.pk)
    for header in (auth_header(token), f"Bearer {token}"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.post(
            "/api/trace/create", json.dumps(plugin.create_request()), content_type="application/json"
        )
        assert response.status_code == 200, response.content


def test_nextflow_silent_while_the_head_job_failed_ends_the_run_failed(launched):
    """The monitor reads the head job FAILED while Nextflow said nothing more: the run ends FAILED
    with AWS's reason, and a late report of that Nextflow is refused without change."""
    from django.utils import timezone

    from pipelines import monitor

    run, nf, plugin = launched
    nf.create(plugin.create_request())
    calls = plugin.calls(run.pk)
    play(nf, plugin, run.pk, calls[:3])
    run.refresh_from_db()
    assert run.status == "RUNNING"
    job = {
        "jobId": "j-1",
        "status": "FAILED",
        "statusReason": "Host EC2 instance terminated",
        "container": {"exitCode": 137},
    }
    assert monitor.apply(run, job, now=timezone.now())
    run.refresh_from_db()
    assert run.status == "FAILED" and "Host EC2 instance terminated" in run.error_message and run.exit_status == 137
    tasks_before = Task.objects.filter(run=run).count()
    late = nf.report(run.pk, *calls[3])
    assert late.status_code == 409 and Task.objects.filter(run=run).count() == tasks_before
