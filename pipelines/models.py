"""Pipelines (saved launch settings), pipeline secrets, launches (what ran) and runs.

A `Launch` is the snapshot of exactly what a run was started with (the settings and the compute
environment as they were); a `Run` is Seqera's *Workflow*: one execution of a launch, followed
through its head job on AWS Batch. Statuses and their rules are in domain.md §4.3.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone

from seqera.ids import new_public_id
from workspaces import crypto
from workspaces.models import Credentials, Label, TenantModel, TenantQuerySet, Workspace, name_validator

RUN_NAME_MAX = 80
RUN_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"
SECRET_NAME_PATTERN = r"^[a-zA-Z_](?:[0-9A-Za-z]+|_(?!_)){1,49}$"  # Seqera's PipelineSecret.name, without its backreference (valid ECMA regex, so the OpenAPI document can carry it)
DEFAULT_HEAD_MEMORY_MB = 4096


def new_run_id() -> str:
    """Seqera-style workflow id: 14 base62 characters (e.g. ``5mDfiUtqyptDib``)."""
    return new_public_id(14)


def new_session_id() -> str:
    return str(uuid.uuid4())


class RunStatus(models.TextChoices):
    """Run statuses (domain.md §4.3); `colour` is the Bootstrap badge class of each."""

    SUBMITTED = "SUBMITTED", "Submitted"
    RUNNING = "RUNNING", "Running"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"
    UNKNOWN = "UNKNOWN", "Unknown"

    @property
    def colour(self) -> str:
        return _RUN_COLOURS[self.value]

    @classmethod
    def active(cls) -> tuple[str, ...]:
        """Statuses of a run that is not over (the monitor follows them; active = SUBMITTED, RUNNING)."""
        return (cls.SUBMITTED, cls.RUNNING)

    @classmethod
    def final(cls) -> tuple[str, ...]:
        return (cls.SUCCEEDED, cls.FAILED, cls.CANCELLED)


_RUN_COLOURS = {
    "SUBMITTED": "text-bg-primary",
    "RUNNING": "text-bg-info",
    "SUCCEEDED": "text-bg-success",
    "FAILED": "text-bg-danger",
    "CANCELLED": "text-bg-secondary",
    "UNKNOWN": "text-bg-warning",
}


class LaunchSettings(models.Model):
    """What a launch form holds (domain.md §4.1), shared by a saved pipeline and a launch snapshot."""

    repository = models.CharField(max_length=1024)
    revision = models.CharField(max_length=100, blank=True)
    config_profiles = models.JSONField(default=list, blank=True)
    params_text = models.TextField(blank=True, validators=[MaxLengthValidator(200_000)])
    work_dir = models.CharField(max_length=1024, blank=True)
    config_text = models.TextField(blank=True, validators=[MaxLengthValidator(200_000)])
    pre_run_script = models.TextField(blank=True, validators=[MaxLengthValidator(100_000)])
    post_run_script = models.TextField(blank=True, validators=[MaxLengthValidator(100_000)])
    main_script = models.CharField(max_length=200, blank=True)
    entry_name = models.CharField(max_length=200, blank=True)
    schema_name = models.CharField(max_length=200, blank=True)
    pull_latest = models.BooleanField(default=False)
    stub_run = models.BooleanField(default=False)
    resume = models.BooleanField(default=False)
    head_job_cpus = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    head_job_memory_mb = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1000), MaxValueValidator(1_000_000)]
    )
    workspace_secrets = models.JSONField(default=list, blank=True)  # names of PipelineSecret rows

    class Meta:
        abstract = True


class Pipeline(LaunchSettings, TenantModel):
    """Saved launch settings of a workspace (Seqera's *pipeline*): launched again and again."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=99, validators=[name_validator])
    description = models.TextField(blank=True, validators=[MaxLengthValidator(1000)])
    # None: the workspace's primary compute environment at launch time.
    compute_env = models.ForeignKey(
        "computeenvs.ComputeEnv", null=True, blank=True, on_delete=models.SET_NULL, related_name="pipelines"
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="pipelines")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_pipeline_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return self.workspace.url("pipelines:detail", pk=self.pk)


class PipelineSecret(TenantModel):
    """A workspace secret handed to runs through AWS Secrets Manager. The value is write-only and
    encrypted at rest like AWS secret keys (the same key ring; bound to workspace and name)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pipeline_secrets")
    name = models.CharField(
        max_length=50,
        validators=[
            RegexValidator(
                SECRET_NAME_PATTERN,
                "Use 2 to 50 letters, digits and single underscores, starting with a letter or an underscore.",
            )
        ],
    )
    value_encrypted = models.TextField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_pipeline_secret_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return self.workspace.url("pipelines:secret_list")

    def _aad(self) -> bytes:
        return crypto.associated_data(workspace_id=self.workspace_id, row_id=f"secret:{self.name}", field="value")

    def set_value(self, value: str) -> None:
        self.value_encrypted = crypto.encrypt(value, aad=self._aad())

    def get_value(self) -> str:
        return crypto.decrypt(self.value_encrypted, aad=self._aad())


class Launch(LaunchSettings, TenantModel):
    """Exactly what a run was started with: the settings as submitted and the compute environment
    as it was (`compute_env_snapshot`), so a later change to the pipeline or CE does not rewrite history."""

    id = models.CharField(primary_key=True, max_length=22, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.SET_NULL, related_name="launches")
    compute_env = models.ForeignKey(
        "computeenvs.ComputeEnv", null=True, blank=True, on_delete=models.SET_NULL, related_name="launches"
    )
    compute_env_snapshot = models.JSONField(default=dict)
    session_id = models.CharField(max_length=36, default=new_session_id)
    commit_id = models.CharField(max_length=40, blank=True)
    resume_dir = models.CharField(max_length=1024, blank=True)
    resume_commit_id = models.CharField(max_length=40, blank=True)
    launch_container = models.CharField(max_length=512, blank=True)
    resource_labels = models.JSONField(default=dict, blank=True)  # AWS tags of the head job {key: value}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-date_created"]

    def __str__(self):
        return f"launch {self.pk}"


class Run(TenantModel):
    """One execution (Seqera's *Workflow*): the head job `nf-workflow-<id>` on the CE's head queue,
    followed by the monitor (`DescribeJobs`) and by Nextflow's trace reports."""

    Status = RunStatus

    id = models.CharField(primary_key=True, max_length=16, default=new_run_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="runs")
    launch = models.OneToOneField(Launch, on_delete=models.CASCADE, related_name="run")
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    compute_env = models.ForeignKey(
        "computeenvs.ComputeEnv", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    # The AWS account and region the head job lives in (the CE's when launched; kept if the CE goes).
    credentials = models.ForeignKey(Credentials, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    region = models.CharField(max_length=30, blank=True)
    run_name = models.CharField(max_length=RUN_NAME_MAX, validators=[RegexValidator(RUN_NAME_PATTERN)])
    session_id = models.CharField(max_length=36)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.SUBMITTED)
    project_name = models.CharField(max_length=200, blank=True)  # e.g. nextflow-io/hello
    repository = models.CharField(max_length=1024, blank=True)
    revision = models.CharField(max_length=100, blank=True)
    commit_id = models.CharField(max_length=40, blank=True)
    work_dir = models.CharField(max_length=1024, blank=True)
    command_line = models.TextField(blank=True)
    config_text = models.TextField(blank=True)  # the resolved Nextflow config it ran with
    params = models.JSONField(default=dict, blank=True)
    profile = models.CharField(max_length=100, blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="runs")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    user_name = models.CharField(max_length=150, blank=True)

    # The head job on AWS Batch (operationId in Seqera's API).
    job_id = models.CharField(max_length=110, blank=True)
    job_queue = models.CharField(max_length=255, blank=True)
    job_definition = models.CharField(max_length=255, blank=True)
    batch_status = models.CharField(max_length=12, blank=True)  # last Batch state seen (RUNNABLE, …)
    batch_status_since = models.DateTimeField(null=True, blank=True)
    log_group = models.CharField(max_length=512, blank=True)
    log_stream = models.CharField(max_length=512, blank=True)
    aws_secrets = models.JSONField(default=list, blank=True)  # Secrets Manager names made for this run

    submit = models.DateTimeField(default=timezone.now)
    start = models.DateTimeField(null=True, blank=True)
    complete = models.DateTimeField(null=True, blank=True)
    exit_status = models.IntegerField(null=True, blank=True)
    success = models.BooleanField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_report = models.TextField(blank=True)
    warning = models.TextField(blank=True)  # e.g. RUNNABLE too long and the likely cause

    # Reported by Nextflow through the trace API (pipelines/trace/).
    nextflow = models.JSONField(default=dict, blank=True)  # {"version": …, "build": …}
    manifest = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    last_heartbeat = models.DateTimeField(null=True, blank=True)

    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "run_name"], name="unique_run_name")]
        ordering = ["-submit"]
        indexes = [
            # The run list: newest first (and the date filters), each filter newest first, each sort.
            models.Index(fields=["workspace", "-submit"], name="run_workspace_submit"),
            models.Index(fields=["workspace", "status", "-submit"], name="run_list_status"),
            models.Index(fields=["pipeline", "-submit"], name="run_list_pipeline"),
            models.Index(F("workspace"), Upper("user_name"), F("submit").desc(), name="run_list_user"),
            models.Index(fields=["workspace", "user_name"], name="run_list_sort_user"),
            models.Index(fields=["workspace", "project_name"], name="run_list_sort_project"),
            models.Index(fields=["workspace", "revision"], name="run_list_sort_revision"),
            models.Index(fields=["status"], name="run_status"),  # the monitor's active runs
        ]

    def __str__(self):
        return self.run_name

    def get_absolute_url(self) -> str:
        return self.workspace.url("pipelines:run_detail", pk=self.pk)

    @property
    def is_active(self) -> bool:
        return self.status in RunStatus.active()

    @property
    def status_colour(self) -> str:
        return _RUN_COLOURS.get(self.status, "text-bg-secondary")

    @property
    def duration_ms(self) -> int | None:
        """Milliseconds from start to completion (or to now while running); None before it starts."""
        if self.start is None:
            return None
        end = self.complete or timezone.now()
        return max(0, int((end - self.start).total_seconds() * 1000))

    @property
    def head_job_name(self) -> str:
        return head_job_name(self.pk)

    @property
    def task_job_prefix(self) -> str:
        return task_job_prefix(self.pk)


def head_job_name(run_id: str) -> str:
    return f"nf-workflow-{run_id}"


def task_job_prefix(run_id: str) -> str:
    """Nextflow (≥24.10, with TOWER_WORKFLOW_ID) names the run's task jobs ``tw-<runId>-<task>``."""
    return f"tw-{run_id}-"
