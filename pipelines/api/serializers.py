"""Seqera shapes of the pipelines, pipeline-secrets and workflow API (``WorkflowLaunchRequest``,
``Workflow``, ``PipelineDbDto``, ``PipelineSecret``, ``LogPage`` …).

Request serializers check JSON types and translate camelCase to the services' field names;
every rule is checked once, in `pipelines.services`. Response dicts are built by the ``*_dto``
functions; the serializers beside them describe those dicts for the OpenAPI document."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from pipelines.models import SECRET_NAME_PATTERN, Launch, Pipeline, PipelineSecret, Run, RunStatus
from pipelines.trace import api as trace_api
from pipelines.trace import selectors as trace_selectors
from seqera.api import MAX_ID
from workspaces.api.serializers import LabelDbDtoSerializer

# camelCase API name -> service (model) field name, for launch settings.
SETTINGS_FROM_API = {
    "pipeline": "repository",
    "revision": "revision",
    "configProfiles": "config_profiles",
    "paramsText": "params_text",
    "workDir": "work_dir",
    "configText": "config_text",
    "preRunScript": "pre_run_script",
    "postRunScript": "post_run_script",
    "mainScript": "main_script",
    "entryName": "entry_name",
    "schemaName": "schema_name",
    "pullLatest": "pull_latest",
    "stubRun": "stub_run",
    "resume": "resume",
    "headJobCpus": "head_job_cpus",
    "headJobMemoryMb": "head_job_memory_mb",
    "workspaceSecrets": "workspace_secrets",
}
# service error key -> API error key (the rest are camel-cased by seqera.api).
ERROR_KEYS = {
    **{field: api for api, field in SETTINGS_FROM_API.items()},
    "compute_env": "computeEnvId",
    "labels": "labelIds",
    "run_name": "runName",
}


def _date(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def settings_from(data: dict) -> dict:
    """The launch settings present in validated API data, by service field name."""
    return {field: data[api] for api, field in SETTINGS_FROM_API.items() if api in data and data[api] is not None}


class WorkflowLaunchRequestSerializer(serializers.Serializer):
    computeEnvId = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    pipeline = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    revision = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    workDir = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    runName = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    configProfiles = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    configText = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    paramsText = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    preRunScript = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    postRunScript = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    mainScript = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    entryName = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    schemaName = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    pullLatest = serializers.BooleanField(required=False, allow_null=True)
    stubRun = serializers.BooleanField(required=False, allow_null=True)
    resume = serializers.BooleanField(required=False, allow_null=True)
    sessionId = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    labelIds = serializers.ListField(child=serializers.IntegerField(max_value=MAX_ID), required=False, allow_null=True)
    headJobCpus = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=256)
    headJobMemoryMb = serializers.IntegerField(required=False, allow_null=True, min_value=1000, max_value=1_000_000)
    workspaceSecrets = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    userSecrets = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, help_text="Not supported: must be empty."
    )
    pipelineId = serializers.IntegerField(
        required=False, allow_null=True, max_value=MAX_ID, help_text="Launch this saved pipeline (its settings, "
        "overridden by the fields given here)."
    )  # fmt: skip


class SubmitWorkflowLaunchRequestSerializer(serializers.Serializer):
    launch = WorkflowLaunchRequestSerializer()


class SubmitWorkflowLaunchResponseSerializer(serializers.Serializer):
    workflowId = serializers.CharField()


class RandomWorkflowNameResponseSerializer(serializers.Serializer):
    name = serializers.CharField()


# --------------------------------------------------------------------------- workflow
def workflow_dto(run: Run) -> dict:
    """``Workflow``."""
    return {
        "id": run.pk,
        "runName": run.run_name,
        "sessionId": run.session_id,
        "status": run.status,
        "submit": _date(run.submit),
        "start": _date(run.start),
        "complete": _date(run.complete),
        "dateCreated": _date(run.date_created),
        "lastUpdated": _date(run.last_updated),
        "duration": run.duration_ms,
        "exitStatus": run.exit_status,
        "success": run.success,
        "errorMessage": run.error_message or None,
        "errorReport": run.error_report or None,
        "commandLine": run.command_line,
        "projectName": run.project_name,
        "repository": run.repository,
        "revision": run.revision or None,
        "commitId": run.commit_id or None,
        "workDir": run.work_dir,
        "configText": run.config_text,
        "params": run.params,
        "profile": run.profile or None,
        "resume": run.launch.resume if run.launch_id else False,
        "launchId": run.launch_id,
        "operationId": run.job_id or None,
        "userName": run.user_name,
        "ownerId": run.owner_id,
        "nextflow": run.nextflow or None,
        "manifest": run.manifest or None,
        "stats": run.stats or None,
        "deleted": False,
    }


class WorkflowSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=16)
    runName = serializers.CharField()
    sessionId = serializers.CharField()
    status = serializers.ChoiceField(choices=RunStatus.values)
    submit = serializers.DateTimeField()
    start = serializers.DateTimeField(allow_null=True)
    complete = serializers.DateTimeField(allow_null=True)
    dateCreated = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds")
    exitStatus = serializers.IntegerField(allow_null=True)
    success = serializers.BooleanField(allow_null=True)
    errorMessage = serializers.CharField(allow_null=True)
    errorReport = serializers.CharField(allow_null=True)
    commandLine = serializers.CharField()
    projectName = serializers.CharField()
    repository = serializers.CharField()
    revision = serializers.CharField(allow_null=True)
    commitId = serializers.CharField(allow_null=True)
    workDir = serializers.CharField()
    configText = serializers.CharField()
    params = serializers.DictField()
    profile = serializers.CharField(allow_null=True)
    resume = serializers.BooleanField()
    launchId = serializers.CharField()
    operationId = serializers.CharField(allow_null=True, help_text="AWS Batch job id of the head job")
    userName = serializers.CharField()
    ownerId = serializers.IntegerField(allow_null=True)
    nextflow = serializers.DictField(allow_null=True)
    manifest = serializers.DictField(allow_null=True)
    stats = serializers.DictField(allow_null=True)
    deleted = serializers.BooleanField()


def progress_dto(run: Run) -> dict:
    """``ProgressData`` (the trace API fills the per-process counters; here the run's own)."""
    finished = run.status in RunStatus.final()
    if (reported := trace_selectors.reported_progress(run)) is not None:  # what Nextflow reported
        return {**reported, "finished": finished}
    counters = {
        "pending": 0,
        "submitted": int(run.status == RunStatus.SUBMITTED),
        "running": int(run.status == RunStatus.RUNNING),
        "succeeded": int(run.status == RunStatus.SUCCEEDED),
        "failed": int(run.status == RunStatus.FAILED),
        "cached": 0,
        "aborted": int(run.status == RunStatus.CANCELLED),
    }
    return {
        "workflowProgress": {**counters, "lastUpdated": _date(run.last_updated), "executors": ["awsbatch"]},
        "processesProgress": [],
        "totalProcesses": 0,
        "finished": finished,
    }


class WorkflowLoadSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    submitted = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    cached = serializers.IntegerField()
    aborted = serializers.IntegerField()
    lastUpdated = serializers.DateTimeField()
    executors = serializers.ListField(child=serializers.CharField())


class ProgressDataSerializer(serializers.Serializer):
    workflowProgress = WorkflowLoadSerializer()
    processesProgress = serializers.ListField(child=serializers.DictField())
    totalProcesses = serializers.IntegerField()
    finished = serializers.BooleanField()


class GetProgressResponseSerializer(serializers.Serializer):
    progress = ProgressDataSerializer()


def list_element(run: Run, *, with_labels: bool) -> dict:
    """``ListWorkflowsResponse.ListWorkflowsElement``."""
    workspace = run.workspace
    return {
        "workflow": workflow_dto(run),
        "progress": None,
        "orgId": workspace.org_id,
        "orgName": workspace.org.name,
        "workspaceId": workspace.pk,
        "workspaceName": workspace.name,
        "labels": LabelDbDtoSerializer(run.labels.all(), many=True).data if with_labels else None,
        "starred": False,
        "optimized": None,
    }


class ListWorkflowsElementSerializer(serializers.Serializer):
    workflow = WorkflowSerializer()
    progress = ProgressDataSerializer(allow_null=True)
    orgId = serializers.IntegerField()
    orgName = serializers.CharField()
    workspaceId = serializers.IntegerField()
    workspaceName = serializers.CharField()
    labels = LabelDbDtoSerializer(many=True, allow_null=True)
    starred = serializers.BooleanField()
    optimized = serializers.BooleanField(allow_null=True)


@extend_schema_serializer(many=False)
class ListWorkflowsResponseSerializer(serializers.Serializer):
    workflows = ListWorkflowsElementSerializer(many=True)
    totalSize = serializers.IntegerField()
    hasMore = serializers.BooleanField()


class JobInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    operationId = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)
    exitCode = serializers.IntegerField(allow_null=True)


class DescribeWorkflowResponseSerializer(serializers.Serializer):
    workflow = WorkflowSerializer()
    progress = ProgressDataSerializer()
    labels = LabelDbDtoSerializer(many=True)
    messages = serializers.ListField(child=serializers.CharField())
    jobInfo = JobInfoSerializer()
    orgId = serializers.IntegerField()
    orgName = serializers.CharField()
    workspaceId = serializers.IntegerField()
    workspaceName = serializers.CharField()
    computeEnvId = serializers.CharField(allow_null=True)
    computeEnvName = serializers.CharField(allow_null=True)
    pipelineId = serializers.IntegerField(allow_null=True)


def describe_dto(run: Run) -> dict:
    workspace = run.workspace
    snapshot = run.launch.compute_env_snapshot
    return {
        "workflow": {**workflow_dto(run), **trace_api.workflow_extras(run)},
        "progress": progress_dto(run),
        "labels": LabelDbDtoSerializer(run.labels.all(), many=True).data,
        "messages": [run.warning] if run.warning else [],
        "jobInfo": {
            "id": None,
            "operationId": run.job_id or None,
            "status": run.batch_status or None,
            "message": run.error_message or None,
            "exitCode": run.exit_status,
        },
        "orgId": workspace.org_id,
        "orgName": workspace.org.name,
        "workspaceId": workspace.pk,
        "workspaceName": workspace.name,
        "computeEnvId": snapshot.get("id"),
        "computeEnvName": snapshot.get("name"),
        "pipelineId": run.pipeline_id,
    }


# --------------------------------------------------------------------------- launch
def launch_dto(launch: Launch) -> dict:
    """``WorkflowLaunchResponse`` / ``LaunchDbDto``: the snapshot of what ran."""
    snapshot = launch.compute_env_snapshot
    return {
        "id": launch.pk,
        "computeEnv": {
            "id": snapshot.get("id"),
            "name": snapshot.get("name"),
            "platform": snapshot.get("platform", "aws-batch"),
            "region": snapshot.get("region"),
            "config": snapshot.get("config") or {},
        },
        "pipeline": launch.repository,
        "pipelineId": launch.pipeline_id,
        "revision": launch.revision or None,
        "commitId": launch.commit_id or None,
        "workDir": launch.work_dir,
        "configProfiles": launch.config_profiles,
        "configText": launch.config_text,
        "paramsText": launch.params_text,
        "preRunScript": launch.pre_run_script,
        "postRunScript": launch.post_run_script,
        "mainScript": launch.main_script or None,
        "entryName": launch.entry_name or None,
        "schemaName": launch.schema_name or None,
        "pullLatest": launch.pull_latest,
        "stubRun": launch.stub_run,
        "resume": launch.resume,
        "resumeDir": launch.resume_dir or None,
        "resumeCommitId": launch.resume_commit_id or None,
        "sessionId": launch.session_id,
        "headJobCpus": launch.head_job_cpus,
        "headJobMemoryMb": launch.head_job_memory_mb,
        "workspaceSecrets": launch.workspace_secrets,
        "userSecrets": [],
        "resourceLabels": launch.resource_labels,
        "dateCreated": _date(launch.date_created),
    }


class LaunchComputeEnvSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    platform = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    config = serializers.DictField()


class WorkflowLaunchResponseSerializer(serializers.Serializer):
    id = serializers.CharField()
    computeEnv = LaunchComputeEnvSerializer()
    pipeline = serializers.CharField()
    pipelineId = serializers.IntegerField(allow_null=True)
    revision = serializers.CharField(allow_null=True)
    commitId = serializers.CharField(allow_null=True)
    workDir = serializers.CharField()
    configProfiles = serializers.ListField(child=serializers.CharField())
    configText = serializers.CharField()
    paramsText = serializers.CharField()
    preRunScript = serializers.CharField()
    postRunScript = serializers.CharField()
    mainScript = serializers.CharField(allow_null=True)
    entryName = serializers.CharField(allow_null=True)
    schemaName = serializers.CharField(allow_null=True)
    pullLatest = serializers.BooleanField()
    stubRun = serializers.BooleanField()
    resume = serializers.BooleanField()
    resumeDir = serializers.CharField(allow_null=True)
    resumeCommitId = serializers.CharField(allow_null=True)
    sessionId = serializers.CharField()
    headJobCpus = serializers.IntegerField(allow_null=True)
    headJobMemoryMb = serializers.IntegerField(allow_null=True)
    workspaceSecrets = serializers.ListField(child=serializers.CharField())
    userSecrets = serializers.ListField(child=serializers.CharField())
    resourceLabels = serializers.DictField(child=serializers.CharField())
    dateCreated = serializers.DateTimeField()


class DescribeWorkflowLaunchResponseSerializer(serializers.Serializer):
    launch = WorkflowLaunchResponseSerializer()


class PipelineLaunchSerializer(serializers.Serializer):
    """``LaunchDbDto`` of a saved pipeline: its settings, ready to launch."""

    computeEnv = LaunchComputeEnvSerializer(allow_null=True)
    pipeline = serializers.CharField()
    revision = serializers.CharField(allow_null=True)
    workDir = serializers.CharField(allow_null=True)
    configProfiles = serializers.ListField(child=serializers.CharField())
    configText = serializers.CharField()
    paramsText = serializers.CharField()
    preRunScript = serializers.CharField()
    postRunScript = serializers.CharField()
    mainScript = serializers.CharField(allow_null=True)
    entryName = serializers.CharField(allow_null=True)
    schemaName = serializers.CharField(allow_null=True)
    pullLatest = serializers.BooleanField()
    stubRun = serializers.BooleanField()
    resume = serializers.BooleanField()
    headJobCpus = serializers.IntegerField(allow_null=True)
    headJobMemoryMb = serializers.IntegerField(allow_null=True)
    workspaceSecrets = serializers.ListField(child=serializers.CharField())


class DescribeLaunchResponseSerializer(serializers.Serializer):
    launch = PipelineLaunchSerializer()


def pipeline_launch_dto(pipeline: Pipeline, compute_env) -> dict:
    ce = compute_env
    return {
        "computeEnv": None
        if ce is None
        else {"id": ce.pk, "name": ce.name, "platform": ce.platform, "region": ce.region, "config": ce.config},
        "pipeline": pipeline.repository,
        "revision": pipeline.revision or None,
        "workDir": pipeline.work_dir or (ce.config.get("workDir") if ce else None),
        "configProfiles": pipeline.config_profiles,
        "configText": pipeline.config_text,
        "paramsText": pipeline.params_text,
        "preRunScript": pipeline.pre_run_script,
        "postRunScript": pipeline.post_run_script,
        "mainScript": pipeline.main_script or None,
        "entryName": pipeline.entry_name or None,
        "schemaName": pipeline.schema_name or None,
        "pullLatest": pipeline.pull_latest,
        "stubRun": pipeline.stub_run,
        "resume": pipeline.resume,
        "headJobCpus": pipeline.head_job_cpus,
        "headJobMemoryMb": pipeline.head_job_memory_mb,
        "workspaceSecrets": pipeline.workspace_secrets,
    }


# --------------------------------------------------------------------------- log
class LogPageSerializer(serializers.Serializer):
    entries = serializers.ListField(child=serializers.CharField(allow_blank=True))
    forwardToken = serializers.CharField(allow_null=True, help_text="Pass as `next` to read newer lines")
    rewindToken = serializers.CharField(allow_null=True, help_text="Pass as `next` to read older lines")
    pending = serializers.BooleanField(help_text="The run is active: more lines may come")
    truncated = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    downloads = serializers.ListField(child=serializers.DictField())


class WorkflowLogResponseSerializer(serializers.Serializer):
    log = LogPageSerializer()


# --------------------------------------------------------------------------- pipelines
class CreatePipelineRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    icon = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    labelIds = serializers.ListField(child=serializers.IntegerField(max_value=MAX_ID), required=False, allow_null=True)
    launch = WorkflowLaunchRequestSerializer(required=False, default=dict)


class UpdatePipelineRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    icon = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    labelIds = serializers.ListField(
        child=serializers.IntegerField(max_value=MAX_ID),
        required=False,
        allow_null=True,
        help_text="Replaces the labels; null, empty or omitted removes them (as Seqera does).",
    )
    launch = WorkflowLaunchRequestSerializer(required=False)


def pipeline_dto(pipeline: Pipeline, *, with_labels: bool = False) -> dict:
    """``PipelineDbDto``."""
    workspace = pipeline.workspace
    ce = pipeline.compute_env
    return {
        "pipelineId": pipeline.pk,
        "name": pipeline.name,
        "description": pipeline.description,
        "icon": None,
        "repository": pipeline.repository,
        "userId": pipeline.created_by_id,
        "userName": pipeline.created_by.username if pipeline.created_by else None,
        "orgId": workspace.org_id,
        "orgName": workspace.org.name,
        "workspaceId": workspace.pk,
        "workspaceName": workspace.name,
        "visibility": workspace.visibility,
        "deleted": False,
        "lastUpdated": _date(pipeline.last_updated),
        "computeEnv": None
        if ce is None
        else {"id": ce.pk, "name": ce.name, "platform": ce.platform, "region": ce.region},
        "labels": LabelDbDtoSerializer(pipeline.labels.all(), many=True).data if with_labels else None,
    }


class PipelineComputeEnvSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    platform = serializers.CharField()
    region = serializers.CharField()


class PipelineDbDtoSerializer(serializers.Serializer):
    pipelineId = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    icon = serializers.CharField(allow_null=True)
    repository = serializers.CharField()
    userId = serializers.IntegerField(allow_null=True)
    userName = serializers.CharField(allow_null=True)
    orgId = serializers.IntegerField()
    orgName = serializers.CharField()
    workspaceId = serializers.IntegerField()
    workspaceName = serializers.CharField()
    visibility = serializers.CharField()
    deleted = serializers.BooleanField()
    lastUpdated = serializers.DateTimeField()
    computeEnv = PipelineComputeEnvSerializer(allow_null=True)
    labels = LabelDbDtoSerializer(many=True, allow_null=True)


class PipelineResponseSerializer(serializers.Serializer):
    pipeline = PipelineDbDtoSerializer()


@extend_schema_serializer(many=False)
class ListPipelinesResponseSerializer(serializers.Serializer):
    pipelines = PipelineDbDtoSerializer(many=True)
    totalSize = serializers.IntegerField()


# --------------------------------------------------------------------------- pipeline secrets
@extend_schema_field({"type": "string", "pattern": SECRET_NAME_PATTERN, "maxLength": 50})
class SecretNameField(serializers.CharField):
    """Documents the name rule; the service checks it (and says why)."""


class CreatePipelineSecretRequestSerializer(serializers.Serializer):
    name = SecretNameField(required=False, allow_blank=True, default="")
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
    )


class UpdatePipelineSecretRequestSerializer(serializers.Serializer):
    value = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False, write_only=True)


class CreatePipelineSecretResponseSerializer(serializers.Serializer):
    secretId = serializers.IntegerField()


def secret_dto(secret: PipelineSecret) -> dict:
    """``PipelineSecret``: name and dates, never the value."""
    return {
        "id": secret.pk,
        "name": secret.name,
        "dateCreated": _date(secret.date_created),
        "lastUpdated": _date(secret.last_updated),
        "lastUsed": _date(secret.last_used),
    }


class PipelineSecretSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    dateCreated = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    lastUsed = serializers.DateTimeField(allow_null=True)


class DescribePipelineSecretResponseSerializer(serializers.Serializer):
    pipelineSecret = PipelineSecretSerializer()


@extend_schema_serializer(many=False)
class ListPipelineSecretsResponseSerializer(serializers.Serializer):
    pipelineSecrets = PipelineSecretSerializer(many=True)
    totalSize = serializers.IntegerField()
