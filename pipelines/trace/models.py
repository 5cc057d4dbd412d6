"""What Nextflow reports about a run through the trace API: its tasks, and the trace side of the
run (progress snapshot, processes, containers, metrics, the report instants that make retried and
out-of-order calls idempotent). The run's own columns (status, times, config, params, manifest,
nextflow, stats, last_heartbeat) live on `pipelines.Run` and are written by `trace.services`."""

from __future__ import annotations

from django.db import models

from pipelines.models import Run
from workspaces.models import TenantModel, TenantQuerySet, Workspace


class TaskStatus(models.TextChoices):
    NEW = "NEW", "Pending"
    SUBMITTED = "SUBMITTED", "Submitted"
    RUNNING = "RUNNING", "Running"
    CACHED = "CACHED", "Cached"
    COMPLETED = "COMPLETED", "Succeeded"
    FAILED = "FAILED", "Failed"
    ABORTED = "ABORTED", "Aborted"


# A task only moves forward: a report of an earlier state (out of order, or retried after a later
# one) never overwrites a later one. The terminal states share the last rank.
STATUS_RANK = {"NEW": 0, "SUBMITTED": 1, "RUNNING": 2, "CACHED": 3, "COMPLETED": 3, "FAILED": 3, "ABORTED": 3}
TERMINAL = ("CACHED", "COMPLETED", "FAILED", "ABORTED")

TASK_COLOURS = {
    "NEW": "text-bg-light",
    "SUBMITTED": "text-bg-primary",
    "RUNNING": "text-bg-info",
    "CACHED": "text-bg-secondary",
    "COMPLETED": "text-bg-success",
    "FAILED": "text-bg-danger",
    "ABORTED": "text-bg-warning",
}


class Task(TenantModel):
    """One Nextflow task (a process invocation, one attempt) of a run, keyed by Nextflow's task id."""

    Status = TaskStatus

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=TaskStatus.choices)
    rank = models.PositiveSmallIntegerField(default=0)  # STATUS_RANK of status
    hash = models.CharField(max_length=34, blank=True)
    name = models.CharField(max_length=255, blank=True)
    process = models.CharField(max_length=255, blank=True)
    tag = models.CharField(max_length=255, blank=True)
    native_id = models.CharField(max_length=100, blank=True)
    module = models.JSONField(default=list, blank=True)
    container = models.CharField(max_length=255, blank=True)
    attempt = models.IntegerField(null=True, blank=True)
    exit = models.IntegerField(null=True, blank=True)
    submit = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    complete = models.DateTimeField(null=True, blank=True)
    duration = models.BigIntegerField(null=True, blank=True)  # ms, submit to complete
    realtime = models.BigIntegerField(null=True, blank=True)  # ms, start to complete
    # Requested resources
    cpus = models.IntegerField(null=True, blank=True)
    memory = models.BigIntegerField(null=True, blank=True)  # bytes
    disk = models.BigIntegerField(null=True, blank=True)
    time = models.BigIntegerField(null=True, blank=True)  # ms
    queue = models.CharField(max_length=100, blank=True)
    accelerator = models.IntegerField(null=True, blank=True)
    accelerator_type = models.CharField(max_length=255, blank=True)
    # Usage (from .command.trace)
    pcpu = models.FloatField(null=True, blank=True)
    pmem = models.FloatField(null=True, blank=True)
    rss = models.BigIntegerField(null=True, blank=True)
    vmem = models.BigIntegerField(null=True, blank=True)
    peak_rss = models.BigIntegerField(null=True, blank=True)
    peak_vmem = models.BigIntegerField(null=True, blank=True)
    rchar = models.BigIntegerField(null=True, blank=True)
    wchar = models.BigIntegerField(null=True, blank=True)
    syscr = models.BigIntegerField(null=True, blank=True)
    syscw = models.BigIntegerField(null=True, blank=True)
    read_bytes = models.BigIntegerField(null=True, blank=True)
    write_bytes = models.BigIntegerField(null=True, blank=True)
    vol_ctxt = models.BigIntegerField(null=True, blank=True)
    inv_ctxt = models.BigIntegerField(null=True, blank=True)
    # Where it ran and what it cost
    executor = models.CharField(max_length=25, blank=True)
    machine_type = models.CharField(max_length=25, blank=True)
    cloud_zone = models.CharField(max_length=25, blank=True)
    price_model = models.CharField(max_length=15, blank=True)
    num_spot_interruptions = models.IntegerField(null=True, blank=True)
    resource_allocation = models.JSONField(null=True, blank=True)
    cost = models.FloatField(null=True, blank=True)
    hostname = models.CharField(max_length=255, blank=True)
    cpu_model = models.CharField(max_length=255, blank=True)
    log_stream_id = models.CharField(max_length=255, blank=True)
    error_action = models.CharField(max_length=10, blank=True)
    workdir = models.CharField(max_length=512, blank=True)
    scratch = models.CharField(max_length=255, blank=True)
    env = models.TextField(blank=True)
    script = models.TextField(blank=True)
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "task_id"], name="unique_run_task")]
        ordering = ["task_id"]
        indexes = [
            # The run page filters by status and process and pages in task-id order.
            models.Index(fields=["run", "status", "task_id"], name="task_run_status"),
            models.Index(fields=["run", "process", "task_id"], name="task_run_process"),
        ]

    def __str__(self):
        return self.name or f"task {self.task_id}"

    @property
    def status_colour(self) -> str:
        return TASK_COLOURS.get(self.status, "text-bg-secondary")

    @property
    def exit_code(self) -> int | None:
        """The exit status once the task ended (Nextflow reports Integer.MAX_VALUE before)."""
        return None if self.exit in (None, 2**31 - 1) else self.exit


class RunTrace(TenantModel):
    """The trace side of a run: created by `create`, updated by every report."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, primary_key=True, related_name="trace")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    launched_here = models.BooleanField(default=True)  # False: `-with-tower` from elsewhere (a personal token)
    process_names = models.JSONField(default=list, blank=True)
    # The latest TraceProgressData (workflow totals and per-process records) and the `instant`
    # (plugin clock, ms) it was sent at: an older snapshot arriving late is ignored.
    progress = models.JSONField(default=dict, blank=True)
    progress_instant = models.BigIntegerField(default=0)
    containers = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=list, blank=True)
    workflow = models.JSONField(default=dict, blank=True)  # the rest of the reported metadata
    begun_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # `complete` received
    last_report_at = models.DateTimeField(null=True, blank=True)
    # The usage summed over the run's tasks per (process, executor), as `trace.selectors` reads it,
    # kept for the task rows of `tasks_version` (each write of tasks adds one): a describe or a
    # progress poll of a run of 100,000 tasks sums them once per change, not once per call.
    tasks_version = models.BigIntegerField(default=0, db_default=0)
    usage = models.JSONField(null=True, blank=True)
    usage_version = models.BigIntegerField(default=-1, db_default=-1)
    # The run's task rows, kept by `services.upsert_tasks` as it adds them (the only writer of
    # tasks): the task API's total without counting 100,000 rows on every page.
    task_count = models.BigIntegerField(default=0, db_default=0)

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"trace of {self.run_id}"
