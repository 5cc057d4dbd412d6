"""Seqera shapes of the pipelines, pipeline-secrets and workflow API (``WorkflowLaunchRequest``,
``Workflow``, ``PipelineDbDto``, ``PipelineSecret``, ``LogPage`` …).

Request serializers check JSON types and translate camelCase to the services' field names;
every rule is checked once, in `pipelines.services`. Response serializers read the models with
``source=`` (lists read a `seqera.api.Page`), so the OpenAPI document is exactly what is returned."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import get_attribute

from pipelines import selectors
from pipelines.models import SECRET_NAME_PATTERN, Pipeline, Run, RunStatus
from pipelines.trace import selectors as trace_selectors
from seqera.api import MAX_ID, CharOrNull, DictOrNull, Fixed, PageQuery
from seqera.serializers import ReadSerializer
from workspaces.api.serializers import LabelDbDtoSerializer, RequestedLabels

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


class SubmitWorkflowLaunchResponseSerializer(ReadSerializer):
    workflowId = serializers.CharField()


class RandomWorkflowNameResponseSerializer(ReadSerializer):
    name = serializers.CharField()


# --------------------------------------------------------------------------- workflow
class WorkflowSerializer(ReadSerializer):
    """``Workflow``: a run."""

    id = serializers.CharField(max_length=16)
    runName = serializers.CharField(source="run_name")
    sessionId = serializers.CharField(source="session_id")
    status = serializers.ChoiceField(choices=RunStatus.choices)
    submit = serializers.DateTimeField()
    start = serializers.DateTimeField(allow_null=True)
    complete = serializers.DateTimeField(allow_null=True)
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUpdated = serializers.DateTimeField(source="last_updated")
    duration = serializers.IntegerField(source="duration_ms", allow_null=True, help_text="Milliseconds")
    exitStatus = serializers.IntegerField(source="exit_status", allow_null=True)
    success = serializers.BooleanField(allow_null=True)
    errorMessage = CharOrNull(source="error_message")
    errorReport = CharOrNull(source="error_report")
    commandLine = serializers.CharField(source="command_line")
    projectName = serializers.CharField(source="project_name")
    repository = serializers.CharField()
    revision = CharOrNull()
    commitId = CharOrNull(source="commit_id")
    workDir = serializers.CharField(source="work_dir")
    configText = serializers.CharField(source="config_text")
    params = serializers.DictField()
    profile = CharOrNull()
    resume = serializers.BooleanField(source="launch.resume")
    launchId = serializers.CharField(source="launch_id")
    operationId = CharOrNull(source="job_id", help_text="AWS Batch job id of the head job")
    userName = serializers.CharField(source="user_name")
    ownerId = serializers.IntegerField(source="owner_id", allow_null=True)
    nextflow = DictOrNull()
    manifest = DictOrNull()
    stats = DictOrNull()
    deleted = Fixed(False, serializers.BooleanField())


class Reported:
    """Mixin for ``Workflow`` fields that only Nextflow's trace reports tell (`RunTrace.workflow`):
    absent from the answer when it did not report them, or `otherwise` (a source path) then."""

    reads_context = False  # reads the run only: seqera.serializers.FastRead may share it

    def __init__(self, *, otherwise: str | None = None, **kwargs):
        self.otherwise = otherwise
        super().__init__(required=otherwise is not None, **kwargs)

    def get_attribute(self, run: Run):
        reported = trace_selectors.reported_workflow(run)
        if self.field_name in reported:
            return reported[self.field_name]
        if self.otherwise is None:
            raise serializers.SkipField
        return get_attribute(run, self.otherwise.split("."))


class ReportedChar(Reported, serializers.CharField):
    pass


class ReportedBoolean(Reported, serializers.BooleanField):
    pass


class ReportedJSON(Reported, serializers.JSONField):
    pass


class DescribedWorkflowSerializer(WorkflowSerializer):
    """``Workflow`` of DescribeWorkflow: with what the trace reported (``resume`` as Nextflow said)."""

    scriptId = ReportedChar()
    scriptFile = ReportedChar()
    scriptName = ReportedChar()
    projectDir = ReportedChar()
    launchDir = ReportedChar()
    homeDir = ReportedChar()
    container = ReportedChar()
    containerEngine = ReportedChar()
    configFiles = ReportedJSON()
    wave = ReportedJSON()
    fusion = ReportedJSON()
    stubRun = ReportedBoolean()

    fast_read_class_fields = True  # the same fields for every instance: FastRead plans once per class

    def get_fields(self):
        fields = super().get_fields()
        fields["resume"] = ReportedBoolean(otherwise="launch.resume")  # in its place among the Workflow fields
        return fields


class WorkflowLoadSerializer(ReadSerializer):
    """``WorkflowLoad``: the run's counters; the resource figures come once Nextflow has reported."""

    pending = serializers.IntegerField()
    submitted = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    cached = serializers.IntegerField()
    failed = serializers.IntegerField()
    aborted = serializers.IntegerField()
    ignored = serializers.IntegerField(required=False)
    retries = serializers.IntegerField(required=False)
    loadCpus = serializers.IntegerField(required=False)
    loadMemory = serializers.IntegerField(required=False)
    peakCpus = serializers.IntegerField(required=False)
    peakMemory = serializers.IntegerField(required=False)
    peakTasks = serializers.IntegerField(required=False)
    loadTasks = serializers.IntegerField(required=False)
    numSpotInterruptions = serializers.IntegerField(required=False)
    executors = serializers.ListField(child=serializers.CharField())
    cost = serializers.FloatField(required=False, allow_null=True)
    cpus = serializers.IntegerField(required=False)
    cpuTime = serializers.IntegerField(required=False)
    cpuLoad = serializers.IntegerField(required=False)
    memoryRss = serializers.IntegerField(required=False)
    memoryReq = serializers.IntegerField(required=False)
    readBytes = serializers.IntegerField(required=False)
    writeBytes = serializers.IntegerField(required=False)
    volCtxSwitch = serializers.IntegerField(required=False)
    invCtxSwitch = serializers.IntegerField(required=False)
    dateCreated = serializers.DateTimeField(required=False, allow_null=True)
    lastUpdated = serializers.DateTimeField()

    def to_representation(self, load: dict):
        """The figures `load` holds, in its order (before Nextflow reports: the counters only)."""
        data = super().to_representation(load)
        return {key: data[key] for key in load if key in data}


class ProcessLoadSerializer(ReadSerializer):
    """``ProcessLoad``: one process's counters as Nextflow reported them, usage summed over its tasks."""

    process = serializers.CharField()
    pending = serializers.IntegerField()
    submitted = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    cached = serializers.IntegerField()
    failed = serializers.IntegerField()
    aborted = serializers.IntegerField()
    ignored = serializers.IntegerField()
    retries = serializers.IntegerField()
    loadCpus = serializers.IntegerField()
    loadMemory = serializers.IntegerField()
    peakCpus = serializers.IntegerField()
    peakMemory = serializers.IntegerField()
    peakTasks = serializers.IntegerField()
    loadTasks = serializers.IntegerField()
    terminated = serializers.BooleanField()
    cpus = serializers.IntegerField()
    cpuTime = serializers.IntegerField()
    cpuLoad = serializers.IntegerField()
    memoryRss = serializers.IntegerField()
    memoryReq = serializers.IntegerField()
    readBytes = serializers.IntegerField()
    writeBytes = serializers.IntegerField()
    volCtxSwitch = serializers.IntegerField()
    invCtxSwitch = serializers.IntegerField()
    dateCreated = serializers.DateTimeField(allow_null=True)
    lastUpdated = serializers.DateTimeField(allow_null=True)


class ProgressDataSerializer(ReadSerializer):
    """``ProgressData`` (`selectors.run_progress`)."""

    workflowProgress = WorkflowLoadSerializer()
    processesProgress = ProcessLoadSerializer(many=True)
    totalProcesses = serializers.IntegerField()
    finished = serializers.BooleanField()


@extend_schema_field(ProgressDataSerializer)
class RunProgress(serializers.Field):
    """A run's ``ProgressData``, read when the answer is rendered."""

    reads_context = False  # a serializer of its own, without context: FastRead may share it

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, run: Run):
        return ProgressDataSerializer(selectors.run_progress(run)).data


class GetProgressResponseSerializer(ReadSerializer):
    progress = RunProgress()


class ListWorkflowsElementSerializer(ReadSerializer):
    """``ListWorkflowsResponse.ListWorkflowsElement`` (labels with the context's ``with_labels``)."""

    workflow = WorkflowSerializer(source="*")
    progress = Fixed(None, ProgressDataSerializer(allow_null=True))
    orgId = serializers.IntegerField(source="workspace.org_id")
    orgName = serializers.CharField(source="workspace.org.name")
    workspaceId = serializers.IntegerField(source="workspace_id")
    workspaceName = serializers.CharField(source="workspace.name")
    labels = RequestedLabels()
    starred = Fixed(False, serializers.BooleanField())
    optimized = Fixed(None, serializers.BooleanField(allow_null=True))


class WorkflowPageQuery(PageQuery):
    includeTotalSize = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Include totalSize, the number of runs that match (counting costs time over long histories)",
    )


@extend_schema_serializer(many=False)
class ListWorkflowsResponseSerializer(ReadSerializer):
    """Runs are counted only when asked (``includeTotalSize``), as in Seqera; `hasMore` always says
    whether more follow."""

    workflows = ListWorkflowsElementSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(source="total", required=False)
    hasMore = serializers.BooleanField(source="has_more")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.total is None:
            del data["totalSize"]
        return data


class JobInfoSerializer(ReadSerializer):
    """``JobInfoDto``: the run's head job on AWS Batch."""

    id = Fixed(None, serializers.IntegerField(allow_null=True))
    operationId = CharOrNull(source="job_id")
    status = CharOrNull(source="batch_status")
    message = CharOrNull(source="error_message")
    exitCode = serializers.IntegerField(source="exit_status", allow_null=True)


class DescribeWorkflowResponseSerializer(ReadSerializer):
    workflow = DescribedWorkflowSerializer(source="*")
    progress = RunProgress()
    labels = LabelDbDtoSerializer(many=True)
    messages = serializers.SerializerMethodField()
    jobInfo = JobInfoSerializer(source="*")
    orgId = serializers.IntegerField(source="workspace.org_id")
    orgName = serializers.CharField(source="workspace.org.name")
    workspaceId = serializers.IntegerField(source="workspace_id")
    workspaceName = serializers.CharField(source="workspace.name")
    computeEnvId = serializers.CharField(source="launch.compute_env_snapshot.id", allow_null=True)
    computeEnvName = serializers.CharField(source="launch.compute_env_snapshot.name", allow_null=True)
    pipelineId = serializers.IntegerField(source="pipeline_id", allow_null=True)

    def get_messages(self, run: Run) -> list[str]:
        return [run.warning] if run.warning else []


# --------------------------------------------------------------------------- launch
class LaunchComputeEnvSerializer(ReadSerializer):
    """The compute environment a launch ran on (its snapshot, empty for a run reported from
    elsewhere) or would run on (a `ComputeEnv`)."""

    id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    platform = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    config = serializers.DictField()

    def to_representation(self, ce):
        if isinstance(ce, dict):
            ce = {"platform": "aws-batch", "config": {}, **ce}
        return super().to_representation(ce)


class WorkflowLaunchResponseSerializer(ReadSerializer):
    """``WorkflowLaunchResponse``: the `Launch` snapshot of what ran."""

    id = serializers.CharField()
    computeEnv = LaunchComputeEnvSerializer(source="compute_env_snapshot")
    pipeline = serializers.CharField(source="repository")
    pipelineId = serializers.IntegerField(source="pipeline_id", allow_null=True)
    revision = CharOrNull()
    commitId = CharOrNull(source="commit_id")
    workDir = serializers.CharField(source="work_dir")
    configProfiles = serializers.ListField(child=serializers.CharField(), source="config_profiles")
    configText = serializers.CharField(source="config_text")
    paramsText = serializers.CharField(source="params_text")
    preRunScript = serializers.CharField(source="pre_run_script")
    postRunScript = serializers.CharField(source="post_run_script")
    mainScript = CharOrNull(source="main_script")
    entryName = CharOrNull(source="entry_name")
    schemaName = CharOrNull(source="schema_name")
    pullLatest = serializers.BooleanField(source="pull_latest")
    stubRun = serializers.BooleanField(source="stub_run")
    resume = serializers.BooleanField()
    resumeDir = CharOrNull(source="resume_dir")
    resumeCommitId = CharOrNull(source="resume_commit_id")
    sessionId = serializers.CharField(source="session_id")
    headJobCpus = serializers.IntegerField(source="head_job_cpus", allow_null=True)
    headJobMemoryMb = serializers.IntegerField(source="head_job_memory_mb", allow_null=True)
    workspaceSecrets = serializers.ListField(child=serializers.CharField(), source="workspace_secrets")
    userSecrets = Fixed([], serializers.ListField(child=serializers.CharField()))
    resourceLabels = serializers.DictField(child=serializers.CharField(), source="resource_labels")
    dateCreated = serializers.DateTimeField(source="date_created")


class DescribeWorkflowLaunchResponseSerializer(ReadSerializer):
    launch = WorkflowLaunchResponseSerializer()


class PipelineLaunchSerializer(ReadSerializer):
    """``LaunchDbDto`` of a saved pipeline: its settings, ready to launch on the context's
    ``compute_env`` (the pipeline's, else the workspace's primary one; may be None)."""

    computeEnv = serializers.SerializerMethodField()
    pipeline = serializers.CharField(source="repository")
    revision = CharOrNull()
    workDir = serializers.SerializerMethodField()
    configProfiles = serializers.ListField(child=serializers.CharField(), source="config_profiles")
    configText = serializers.CharField(source="config_text")
    paramsText = serializers.CharField(source="params_text")
    preRunScript = serializers.CharField(source="pre_run_script")
    postRunScript = serializers.CharField(source="post_run_script")
    mainScript = CharOrNull(source="main_script")
    entryName = CharOrNull(source="entry_name")
    schemaName = CharOrNull(source="schema_name")
    pullLatest = serializers.BooleanField(source="pull_latest")
    stubRun = serializers.BooleanField(source="stub_run")
    resume = serializers.BooleanField()
    headJobCpus = serializers.IntegerField(source="head_job_cpus", allow_null=True)
    headJobMemoryMb = serializers.IntegerField(source="head_job_memory_mb", allow_null=True)
    workspaceSecrets = serializers.ListField(child=serializers.CharField(), source="workspace_secrets")

    @extend_schema_field(LaunchComputeEnvSerializer(allow_null=True))
    def get_computeEnv(self, pipeline: Pipeline):  # noqa: N802 (the API's field name)
        ce = self.context["compute_env"]
        return None if ce is None else LaunchComputeEnvSerializer(ce).data

    def get_workDir(self, pipeline: Pipeline) -> str | None:  # noqa: N802
        ce = self.context["compute_env"]
        return pipeline.work_dir or (ce.config.get("workDir") if ce else None)


class DescribeLaunchResponseSerializer(ReadSerializer):
    launch = PipelineLaunchSerializer(source="*")


# --------------------------------------------------------------------------- log
class LogPageSerializer(ReadSerializer):
    entries = serializers.ListField(child=serializers.CharField(allow_blank=True))
    forwardToken = serializers.CharField(allow_null=True, help_text="Pass as `next` to read newer lines")
    rewindToken = serializers.CharField(allow_null=True, help_text="Pass as `next` to read older lines")
    pending = serializers.BooleanField(help_text="The run is active: more lines may come")
    truncated = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    downloads = serializers.ListField(child=serializers.DictField())


class WorkflowLogResponseSerializer(ReadSerializer):
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


class PipelineComputeEnvSerializer(ReadSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    platform = serializers.CharField()
    region = serializers.CharField()


class PipelineDbDtoSerializer(ReadSerializer):
    """``PipelineDbDto`` (labels with the context's ``with_labels``)."""

    pipelineId = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    icon = Fixed(None, serializers.CharField(allow_null=True))
    repository = serializers.CharField()
    userId = serializers.IntegerField(source="created_by_id", allow_null=True)
    userName = serializers.CharField(source="created_by.username", allow_null=True)
    orgId = serializers.IntegerField(source="workspace.org_id")
    orgName = serializers.CharField(source="workspace.org.name")
    workspaceId = serializers.IntegerField(source="workspace_id")
    workspaceName = serializers.CharField(source="workspace.name")
    visibility = serializers.CharField(source="workspace.visibility")
    deleted = Fixed(False, serializers.BooleanField())
    lastUpdated = serializers.DateTimeField(source="last_updated")
    computeEnv = PipelineComputeEnvSerializer(source="compute_env", allow_null=True)
    labels = RequestedLabels()


class PipelineResponseSerializer(ReadSerializer):
    pipeline = PipelineDbDtoSerializer(source="*")


@extend_schema_serializer(many=False)
class ListPipelinesResponseSerializer(ReadSerializer):
    pipelines = PipelineDbDtoSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(source="total")


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


class CreatePipelineSecretResponseSerializer(ReadSerializer):
    secretId = serializers.IntegerField()


class PipelineSecretSerializer(ReadSerializer):
    """``PipelineSecret``: name and dates, never the value."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUpdated = serializers.DateTimeField(source="last_updated")
    lastUsed = serializers.DateTimeField(source="last_used", allow_null=True)


class DescribePipelineSecretResponseSerializer(ReadSerializer):
    pipelineSecret = PipelineSecretSerializer(source="*")


@extend_schema_serializer(many=False)
class ListPipelineSecretsResponseSerializer(ReadSerializer):
    pipelineSecrets = PipelineSecretSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(source="total")
