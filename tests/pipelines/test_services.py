"""Launch, submission, monitor, cancel and secrets against moto with the strict layer and the runner."""

import base64
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from django.core.exceptions import ValidationError
from django.utils import timezone

from computeenvs import services as ce_services
from pipelines import monitor, services
from pipelines.models import Run, RunStatus
from tests.factories import ComputeEnvFactory, PipelineFactory, PipelineSecretFactory, RunFactory

pytestmark = pytest.mark.django_db
HELLO = {"repository": "https://github.com/nextflow-io/hello", "revision": "master"}


def follow(run, *, until=None, polls=12):
    until = until or RunStatus.final()
    for _ in range(polls):
        monitor.sweep()
        run.refresh_from_db()
        if run.status in until:
            break
    return run


def job_definition(run) -> dict:
    name, revision = run.job_definition.split(":")
    found = batch().describe_job_definitions(jobDefinitionName=name)["jobDefinitions"]
    return next(d for d in found if str(d["revision"]) == revision)


def batch():
    return boto3.client("batch", region_name="us-east-1")


# --------------------------------------------------------------------------- submission
def test_the_head_job_has_the_queue_definition_resources_environment_and_tags(tenancy, batch_ce, runner, launch):
    run = launch(
        compute_env=batch_ce,
        settings={**HELLO, "params_text": '{"greeting": "Ciao"}', "head_job_cpus": 2, "head_job_memory_mb": 6144,
                  "pre_run_script": "echo pre", "config_profiles": ["test"]},
    )  # fmt: skip
    sent = runner.submitted[run.job_id]
    assert sent["jobName"] == f"nf-workflow-{run.pk}"
    assert sent["jobQueue"] == batch_ce.config["headQueue"]
    assert sent["propagateTags"] is True
    overrides = sent["containerOverrides"]
    assert {"type": "VCPU", "value": "2"} in overrides["resourceRequirements"]
    assert {"type": "MEMORY", "value": "6144"} in overrides["resourceRequirements"]
    env = {e["name"]: e["value"] for e in overrides["environment"]}
    assert env["NXF_UUID"] == run.session_id and env["TOWER_WORKSPACE_ID"] == str(tenancy.workspace.pk)
    assert env["NXF_WORK"] == batch_ce.config["workDir"]
    config = base64.b64decode(env["NXF_CONFIG_BASE64"]).decode()
    assert f"process.queue = '{batch_ce.config['computeQueue']}'" in config and f"runName = '{run.run_name}'" in config
    assert base64.b64decode(env["NXF_PARAMS_BASE64"]).decode() == '{"greeting": "Ciao"}'
    assert "-profile test" in overrides["command"][-1] and f"-name {run.run_name}" in overrides["command"][-1]
    definition = job_definition(run)
    assert definition["containerProperties"]["image"].startswith("quay.io/seqeralabs/nf-launcher:")
    assert definition["containerProperties"]["executionRoleArn"] == batch_ce.config["executionRole"]


def test_the_job_definition_is_registered_once_and_reused(batch_ce, runner, launch, strict):
    first = launch(compute_env=batch_ce, settings=HELLO)
    second = launch(compute_env=batch_ce, settings=HELLO)
    assert first.job_definition == second.job_definition
    assert strict.calls.count(("batch", "RegisterJobDefinition")) == 1


def test_resource_labels_of_the_ce_are_the_head_jobs_tags(tenancy, strict, runner, launch):
    from tests.faults.strict import SIMPLE_DOC, forge
    from tests.helpers.documents import make_ce

    ce = forge(make_ce(tenancy, name="labelled", config=SIMPLE_DOC, label_ids=[tenancy.label.pk]))
    run = launch(compute_env=ce, settings=HELLO)
    assert runner.submitted[run.job_id]["tags"] == {"team": "genomics"}
    assert batch().describe_jobs(jobs=[run.job_id])["jobs"][0]["tags"] == {"team": "genomics"}


def test_a_submission_is_sent_once_even_when_its_answer_is_lost(batch_ce, runner, launch, strict):
    lost = {"armed": True}

    def lose_the_answer(phase, service, operation):
        if phase == "after" and operation == "SubmitJob" and lost.pop("armed", False):
            raise ReadTimeoutError(endpoint_url="https://batch.us-east-1.amazonaws.com")

    strict.fault = lose_the_answer
    run = launch(compute_env=batch_ce, settings=HELLO, submit=False)
    with pytest.raises(ReadTimeoutError):  # transient: the durable actor retries
        services.submit_run(run_id=run.pk, workspace_id=run.workspace_id)
    run.refresh_from_db()
    assert run.status == RunStatus.SUBMITTED and not run.job_id
    services.submit_run(run_id=run.pk, workspace_id=run.workspace_id)  # the retry
    run.refresh_from_db()
    jobs = batch().list_jobs(
        jobQueue=batch_ce.config["headQueue"], filters=[{"name": "JOB_NAME", "values": [f"nf-workflow-{run.pk}"]}]
    )["jobSummaryList"]
    assert [job["jobId"] for job in jobs] == [run.job_id]
    assert strict.calls.count(("batch", "SubmitJob")) == 1


def test_aws_refusing_the_head_job_fails_the_run_with_awss_message(batch_ce, runner, launch):
    client = batch()
    queue = batch_ce.config["headQueue"]
    client.update_job_queue(jobQueue=queue, state="DISABLED")
    for _ in range(5):
        client.describe_job_queues(jobQueues=[queue])
    client.delete_job_queue(jobQueue=queue)
    run = launch(compute_env=batch_ce, settings=HELLO)
    assert run.status == RunStatus.FAILED
    assert "AWS Batch refused the head job" in run.error_message and queue in run.error_message


def test_cancelled_before_submission_sends_nothing(batch_ce, runner, launch, strict):
    run = launch(compute_env=batch_ce, settings=HELLO, submit=False)
    services.cancel_run(run=run)
    services.submit_run(run_id=run.pk, workspace_id=run.workspace_id)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and not run.job_id
    assert ("batch", "SubmitJob") not in strict.calls


# --------------------------------------------------------------------------- launch rules
def test_launch_refuses_a_ce_that_is_not_available_saying_why(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials, status="INVALID",
                           name="broken", message="Job queue q was not found in us-east-1.")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        launch(compute_env=ce, settings=HELLO, submit=False)
    assert "broken is INVALID (Job queue q was not found" in str(refused.value.message_dict["compute_env"])


def test_launch_refuses_credentials_that_are_not_available(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    tenancy.credentials.status, tenancy.credentials.message = "INVALID", "The security token is invalid."
    tenancy.credentials.save()
    with pytest.raises(ValidationError) as refused:
        launch(compute_env=ce, settings=HELLO, submit=False)
    assert "lab-aws" in str(refused.value) and "INVALID: The security token is invalid." in str(refused.value)


def test_roles_quick_launch_needs_maintain_and_launch_may_only_change_parameters(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    with pytest.raises(ValidationError, match="saved pipelines only"):
        launch(role="launch", compute_env=ce, settings=HELLO, submit=False)
    pipeline = PipelineFactory(workspace=tenancy.workspace, compute_env=ce)
    with pytest.raises(ValidationError) as refused:
        launch(role="launch", pipeline=pipeline, settings={"revision": "dev"}, submit=False)
    assert "revision" in refused.value.message_dict
    run = launch(role="launch", pipeline=pipeline, settings={"params_text": "x: 1"}, submit=False)
    assert run.params == {"x": 1} and run.compute_env == ce
    with pytest.raises(ValidationError, match="does not allow"):
        launch(role="view", pipeline=pipeline, submit=False)


def test_run_names_are_unique_in_the_workspace_and_random_ones_are_adjective_surname(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    first = launch(compute_env=ce, settings=HELLO, submit=False)
    adjective, surname = first.run_name.split("_")[:2]
    assert adjective.isalpha() and surname.isalpha()
    with pytest.raises(ValidationError) as refused:
        launch(compute_env=ce, settings=HELLO, run_name=first.run_name, submit=False)
    assert "already exists" in str(refused.value.message_dict["run_name"])


def test_params_must_be_a_json_or_yaml_mapping(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    for text in ("{not json", "- a\n- b", "key: [unclosed"):
        with pytest.raises(ValidationError) as refused:
            launch(compute_env=ce, settings={**HELLO, "params_text": text}, submit=False)
        assert "params_text" in refused.value.message_dict


def test_a_ce_with_active_runs_cannot_be_deleted_and_the_runs_are_named(tenancy):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    RunFactory(workspace=tenancy.workspace, compute_env=ce, run_name="busy_turing", status=RunStatus.RUNNING)
    with pytest.raises(ValidationError, match="busy_turing"):
        ce_services.delete_compute_env(ce=ce)
    Run.objects.filter(run_name="busy_turing").update(status=RunStatus.SUCCEEDED)
    assert ce_services.delete_compute_env(ce=ce)


# --------------------------------------------------------------------------- monitor
def test_the_monitor_maps_batch_states_and_times(batch_ce, runner, launch):
    run = launch(compute_env=batch_ce, settings=HELLO)
    seen = []
    for _ in range(12):
        monitor.sweep()
        run.refresh_from_db()
        seen.append((run.batch_status, run.status))
        if run.status in RunStatus.final():
            break
    assert seen[:3] == [("RUNNABLE", "SUBMITTED"), ("STARTING", "SUBMITTED"), ("RUNNING", "RUNNING")]
    assert run.status == RunStatus.SUCCEEDED and run.success is True and run.exit_status == 0
    assert run.start <= run.complete and run.duration_ms >= 0 and run.log_stream


def test_a_failed_head_job_fails_the_run_with_its_reason_and_exit_code(batch_ce, runner, launch):
    run = follow(launch(compute_env=batch_ce, settings={**HELLO, "params_text": "sandbox_fail: true"}))
    assert run.status == RunStatus.FAILED and run.exit_status == 1 and run.success is False
    assert "Essential container in task exited" in run.error_message


def test_runnable_too_long_warns_with_the_likely_cause(tenancy, settings):
    settings.RUN_RUNNABLE_WARNING_SECONDS = 600
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials)
    run = RunFactory(workspace=tenancy.workspace, compute_env=ce, job_id="job-1", batch_status="RUNNABLE",
                     batch_status_since=timezone.now() - timedelta(minutes=15))  # fmt: skip
    run.launch.compute_env_snapshot = {"config": {"forge": {"maxCpus": 2}}}
    run.launch.head_job_cpus = 4
    run.launch.save()
    job = {"jobId": "job-1", "status": "RUNNABLE", "statusReason": "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"}
    assert monitor.apply(run, job, now=timezone.now())
    run.refresh_from_db()
    assert run.status == RunStatus.SUBMITTED and "RUNNABLE for 15 min" in run.warning
    assert "Max CPUs (2) is below the head job's 4 vCPUs" in run.warning and "MAX_RESOURCE" in run.warning


def test_one_describe_per_hundred_runs_and_a_vanished_job_makes_the_run_unknown(tenancy, strict):
    RunFactory.create_batch(
        250, workspace=tenancy.workspace, credentials=tenancy.credentials, region="us-east-1", status="RUNNING",
        job_id=factory_job_id(),
    )  # fmt: skip
    report = monitor.sweep()
    assert report.runs == 250 and report.calls == 3
    assert strict.calls.count(("batch", "DescribeJobs")) == 3
    assert Run.objects.filter(status=RunStatus.UNKNOWN).count() == 250


def factory_job_id():
    import factory

    return factory.Sequence(lambda n: f"00000000-0000-0000-0000-{n:012d}")


# --------------------------------------------------------------------------- cancel
def test_cancel_terminates_the_runs_jobs_and_no_one_elses(batch_ce, runner, launch):
    mine, other = launch(compute_env=batch_ce, settings=HELLO), launch(compute_env=batch_ce, settings=HELLO)
    for _ in range(4):  # both RUNNING with their task jobs
        monitor.sweep()
    assert {p.status for p in runner.plays.values()} == {"RUNNING"}
    assert all(len(p.tasks) == 4 for p in runner.plays.values())
    mine.refresh_from_db()
    message = services.cancel_run(run=mine)
    mine.refresh_from_db()
    assert mine.status == RunStatus.CANCELLED and "cancelled" in message
    mine_play, other_play = runner.plays[mine.job_id], runner.plays[other.job_id]
    assert mine_play.status == "FAILED" and all(t.status == "FAILED" for t in mine_play.tasks)
    assert other_play.status == "RUNNING" and all(t.status == "RUNNING" for t in other_play.tasks)
    monitor.sweep()  # the terminated head job does not turn the cancelled run into FAILED
    mine.refresh_from_db()
    assert mine.status == RunStatus.CANCELLED


def test_forced_cancel_marks_cancelled_when_aws_refuses_and_says_so(batch_ce, runner, launch, strict):
    run = follow(launch(compute_env=batch_ce, settings=HELLO), until=(RunStatus.RUNNING,))

    def refuse(phase, service, operation):
        if phase == "before" and operation == "TerminateJob":
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, operation)

    strict.fault = refuse
    with pytest.raises(ValidationError, match="not authorized"):
        services.cancel_run(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    message = services.cancel_run(run=run, force=True)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and "may still run" in message and "may still run" in run.error_message


# --------------------------------------------------------------------------- pipeline secrets
def test_secrets_go_to_secrets_manager_by_reference_and_are_deleted_when_the_run_ends(
    tenancy, batch_ce, runner, launch, django_capture_on_commit_callbacks
):
    PipelineSecretFactory(workspace=tenancy.workspace, name="API_TOKEN", value="zq-very-secret-value")
    run = launch(compute_env=batch_ce, settings={**HELLO, "workspace_secrets": ["API_TOKEN"]})
    manager = boto3.client("secretsmanager", region_name="us-east-1")
    name = f"tower-{run.pk}-API_TOKEN"
    assert manager.get_secret_value(SecretId=name)["SecretString"] == "zq-very-secret-value"
    definition = job_definition(run)
    assert definition["containerProperties"]["secrets"][0]["name"] == "API_TOKEN"
    assert f":secret:{name}" in definition["containerProperties"]["secrets"][0]["valueFrom"]
    assert "zq-very-secret-value" not in str(runner.submitted[run.job_id])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        follow(run)
    assert run.status == RunStatus.SUCCEEDED and run.aws_secrets == [name]
    assert callbacks  # the cleanup was enqueued on commit
    services.dispose_run_secrets(run_id=run.pk, workspace_id=run.workspace_id)
    run.refresh_from_db()
    assert run.aws_secrets == []
    assert not [s for s in manager.list_secrets()["SecretList"] if s["Name"] == name]


def test_a_ce_without_execution_role_refuses_a_launch_with_secrets(tenancy, launch):
    ce = ComputeEnvFactory(workspace=tenancy.workspace, credentials=tenancy.credentials, name="no-role")
    PipelineSecretFactory(workspace=tenancy.workspace, name="API_TOKEN")
    with pytest.raises(ValidationError) as refused:
        launch(compute_env=ce, settings={**HELLO, "workspace_secrets": ["API_TOKEN"]}, submit=False)
    assert "no-role has no execution role" in str(refused.value.message_dict["workspace_secrets"])
