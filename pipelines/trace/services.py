"""Writes of the trace API: what Nextflow's reports do to a run.

Guarantees:

* `create` attaches to the run launched here (TOWER_WORKFLOW_ID) or, for a personal token used
  with ``-with-tower`` elsewhere, makes one run in the token's workspace; a retried `create` (same
  session id and run name) answers the same run.
* Reports of one run are applied one at a time (its `RunTrace` row is locked for the call).
* A report for a finished run (SUCCEEDED, FAILED, CANCELLED) changes nothing and is refused
  (`TraceRefused`, 409), so Nextflow stops a run that was cancelled here; the one exception is a
  `complete` repeated after the `complete` that ended the run, which is answered OK again.
* Retried and out-of-order reports converge: a task never moves back to an earlier status
  (`models.STATUS_RANK`, enforced in the upsert itself), a progress snapshot older than the one
  stored (the plugin's ``instant``) is ignored, `begin` after reports changes nothing but metadata.
* Any report of a run that is UNKNOWN or SUBMITTED moves it to RUNNING (reports resumed); the
  run's status only ever changes through `pipelines.services` (start_run, finish_run, mark_unknown).
* `sweep_silent_runs` (the watchdog): a RUNNING run whose Nextflow reported once and then fell
  silent for TRACE_HEARTBEAT_TIMEOUT_SECONDS becomes UNKNOWN; one silent for TRACE_ZOMBIE_SECONDS
  ends FAILED with that reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pipelines import services as run_services
from pipelines.models import Launch, Run, RunStatus, new_session_id
from pipelines.trace.models import STATUS_RANK, TERMINAL, RunTrace, Task

ZOMBIE_DEFAULT_SECONDS = 24 * 3600


class TraceRefused(Exception):
    """A report the run cannot take (it is over); answered 409 with this message."""


@dataclass
class Principal:
    """Who calls: a run token (bound to `run_id`) or a person's access token (`user`)."""

    user: object
    run_id: str | None = None


# --------------------------------------------------------------------------- create
def _valid_run_name(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name or "")[:80] or "run"
    return name if name[0].isalnum() else ("r" + name)[:80]


def _unique_run_name(workspace_id: int, name: str) -> str:
    name = _valid_run_name(name)
    taken = set(
        Run.objects.filter(workspace_id=workspace_id, run_name__startswith=name[:70]).values_list("run_name", flat=True)
    )
    if name not in taken:
        return name
    n = 2
    while f"{name[:70]}_{n}" in taken:
        n += 1
    return f"{name[:70]}_{n}"


def create_trace(*, principal: Principal, workspace, run: Run | None, data: dict) -> Run:
    """`POST /trace/create`. `run`: the run TOWER_WORKFLOW_ID names (already authorized by the view),
    None to make one in `workspace` for a run started elsewhere with a personal token."""
    now = timezone.now()
    if run is not None and run.status in RunStatus.final():
        raise TraceRefused(f"Invalid workflow status - run {run.pk} is {run.status}: it cannot start.")
    with transaction.atomic():
        if run is None:
            run = (
                Run.objects.filter(
                    workspace=workspace,
                    session_id=data.get("sessionId") or "",
                    run_name__startswith=_valid_run_name(data.get("runName") or "")[:70],
                    job_id="",
                    owner=principal.user,
                )
                .order_by("-submit")
                .first()
            )
            if run is None:
                repository = data.get("repository") or ""
                launch = Launch.objects.create(
                    workspace=workspace,
                    repository=repository[:1024],
                    created_by=principal.user,
                    session_id=data.get("sessionId") or new_session_id(),
                )
                run = Run.objects.create(
                    workspace=workspace,
                    launch=launch,
                    run_name=_unique_run_name(workspace.pk, data.get("runName") or ""),
                    session_id=launch.session_id,
                    project_name=(data.get("projectName") or "")[:200],
                    repository=repository[:1024],
                    owner=principal.user,
                    user_name=getattr(principal.user, "username", "")[:150],
                    submit=now,
                )
        RunTrace.objects.get_or_create(
            run=run,
            defaults={
                "workspace_id": run.workspace_id,
                "launched_here": principal.run_id is not None or bool(run.job_id),
            },
        )
    return run


# --------------------------------------------------------------------------- reports
def _locked_trace(run: Run) -> RunTrace:
    trace, _ = RunTrace.objects.get_or_create(run=run, defaults={"workspace_id": run.workspace_id})
    return RunTrace.objects.select_for_update().get(pk=trace.pk)


def _refuse_if_over(run: Run) -> None:
    run.refresh_from_db(fields=["status", "start", "complete"])
    if run.status in RunStatus.final():
        raise TraceRefused(
            f"Invalid workflow status - run {run.pk} is {run.status}: reports for a finished run are refused."
        )


def _alive(run: Run, trace: RunTrace, *, now: datetime, at: datetime | None = None) -> None:
    """A report arrived: the run is running (back from UNKNOWN, or ahead of the monitor)."""
    Run.objects.filter(pk=run.pk).update(last_heartbeat=now)
    trace.last_report_at = now
    if run.status in (RunStatus.SUBMITTED, RunStatus.UNKNOWN):
        run_services.start_run(run, at=at or now)


def _apply_progress(trace: RunTrace, progress: dict | None, instant: int | None) -> None:
    if not progress:
        return
    if instant is None or instant >= trace.progress_instant:
        trace.progress = progress
        trace.progress_instant = instant if instant is not None else trace.progress_instant


_RUN_FIELDS = {  # workflow metadata key -> Run column (reported values replace launch-time guesses)
    "commandLine": "command_line",
    "configText": "config_text",
    "params": "params",
    "commitId": "commit_id",
    "revision": "revision",
    "profile": "profile",
    "workDir": "work_dir",
    "projectName": "project_name",
    "repository": "repository",
    "nextflow": "nextflow",
    "manifest": "manifest",
    "stats": "stats",
}
_EXTRA_FIELDS = (
    "scriptId", "scriptFile", "scriptName", "projectDir", "launchDir", "outputDir", "homeDir", "userName",
    "container", "containerEngine", "resume", "stubRun", "configFiles", "wave", "fusion", "operationId",
    "logFile", "outFile", "sessionId", "runName",
)  # fmt: skip


def _record_workflow(run: Run, trace: RunTrace, workflow: dict) -> None:
    updates = {}
    for key, column in _RUN_FIELDS.items():
        value = workflow.get(key)
        if value in (None, "", {}):
            continue
        if column in ("params", "nextflow", "manifest", "stats") and not isinstance(value, dict):
            continue
        if isinstance(value, str):
            value = value[: Run._meta.get_field(column).max_length or None]
        updates[column] = value
    if updates:
        Run.objects.filter(pk=run.pk).update(**updates)
        for column, value in updates.items():
            setattr(run, column, value)
    extra = {key: workflow[key] for key in _EXTRA_FIELDS if workflow.get(key) is not None}
    if extra:
        trace.workflow = {**trace.workflow, **_jsonable(extra)}


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def begin(*, run: Run, data: dict) -> None:
    """`PUT /trace/{id}/begin`: the run is RUNNING; the metadata Nextflow resolved is recorded."""
    now = timezone.now()
    with transaction.atomic():
        trace = _locked_trace(run)
        _refuse_if_over(run)
        workflow = data.get("workflow") or {}
        _record_workflow(run, trace, workflow)
        if data.get("processNames"):
            trace.process_names = data["processNames"]
        trace.begun_at = trace.begun_at or now
        _alive(run, trace, now=now, at=workflow.get("start"))
        trace.save()


def progress(*, run: Run, data: dict) -> int:
    """`PUT /trace/{id}/progress`: tasks upserted (never backwards), progress, new containers.
    Returns the number of task rows written."""
    now = timezone.now()
    with transaction.atomic():
        trace = _locked_trace(run)
        _refuse_if_over(run)
        written = upsert_tasks(run, data.get("tasks") or [], trace=trace)
        if written:
            trace.tasks_version += 1
        _apply_progress(trace, data.get("progress"), data.get("instant"))
        containers = [c for c in data.get("containers") or [] if c.get("targetImage")]
        if containers:
            known = {c.get("targetImage") for c in trace.containers}
            trace.containers = trace.containers + [_jsonable(c) for c in containers if c["targetImage"] not in known]
        _alive(run, trace, now=now)
        trace.save()
    return written


def heartbeat(*, run: Run, data: dict) -> None:
    now = timezone.now()
    with transaction.atomic():
        trace = _locked_trace(run)
        _refuse_if_over(run)
        _apply_progress(trace, data.get("progress"), data.get("instant"))
        _alive(run, trace, now=now)
        trace.save()


def complete(*, run: Run, data: dict) -> None:
    """`PUT /trace/{id}/complete`: the run ends SUCCEEDED or FAILED as Nextflow says, with its
    exit status, error message and report; tasks left unfinished are ABORTED."""
    now = timezone.now()
    workflow = data.get("workflow") or {}
    with transaction.atomic():
        trace = _locked_trace(run)
        run.refresh_from_db(fields=["status", "start", "complete"])
        if run.status in RunStatus.final():
            if trace.completed_at is not None:
                return  # the same report again (its answer was lost): nothing changes
            raise TraceRefused(f"Invalid workflow status - run {run.pk} is already {run.status}.")
        _record_workflow(run, trace, workflow)
        _apply_progress(trace, data.get("progress"), data.get("instant"))
        if data.get("metrics"):
            trace.metrics = _jsonable(data["metrics"])
        success = workflow.get("success")
        exit_status = workflow.get("exitStatus")
        if success is None:
            success = exit_status == 0
        if run.status == RunStatus.SUBMITTED:
            run_services.start_run(run, at=workflow.get("start") or now)
        run_services.finish_run(
            run,
            status=RunStatus.SUCCEEDED if success else RunStatus.FAILED,
            exit_status=exit_status,
            error_message=workflow.get("errorMessage") or ("" if success else "The workflow failed."),
            error_report=workflow.get("errorReport") or "",
            at=workflow.get("complete") or now,
        )
        if (
            Task.objects.filter(run=run)
            .exclude(status__in=TERMINAL)
            .update(status=Task.Status.ABORTED, rank=STATUS_RANK["ABORTED"], last_updated=now)
        ):
            trace.tasks_version += 1
        Run.objects.filter(pk=run.pk).update(last_heartbeat=now)
        trace.completed_at = now
        trace.last_report_at = now
        trace.save()


# --------------------------------------------------------------------------- task upsert
_TASK_COLUMNS = {  # report key -> Task column
    "status": "status", "hash": "hash", "name": "name", "process": "process", "tag": "tag",
    "nativeId": "native_id", "module": "module", "container": "container", "attempt": "attempt",
    "exit": "exit", "submit": "submit", "start": "start", "complete": "complete",
    "duration": "duration", "realtime": "realtime", "cpus": "cpus", "memory": "memory", "disk": "disk",
    "time": "time", "queue": "queue", "accelerator": "accelerator", "acceleratorType": "accelerator_type",
    "pcpu": "pcpu", "pmem": "pmem", "rss": "rss", "vmem": "vmem", "peakRss": "peak_rss",
    "peakVmem": "peak_vmem", "rchar": "rchar", "wchar": "wchar", "syscr": "syscr", "syscw": "syscw",
    "readBytes": "read_bytes", "writeBytes": "write_bytes", "volCtxt": "vol_ctxt", "invCtxt": "inv_ctxt",
    "executor": "executor", "machineType": "machine_type", "cloudZone": "cloud_zone",
    "priceModel": "price_model", "numSpotInterruptions": "num_spot_interruptions",
    "resourceAllocation": "resource_allocation", "cost": "cost", "hostname": "hostname",
    "cpuModel": "cpu_model", "logStreamId": "log_stream_id", "errorAction": "error_action",
    "workdir": "workdir", "scratch": "scratch", "env": "env", "script": "script",
}  # fmt: skip


def _task_row(run: Run, report: dict, now: datetime) -> dict:
    row = {
        "workspace_id": run.workspace_id,
        "run_id": run.pk,
        "task_id": report["taskId"],
        "date_created": now,
        "last_updated": now,
    }
    for key, column in _TASK_COLUMNS.items():
        value = report.get(key)
        field = Task._meta.get_field(column)
        if value is None and not field.null:
            value = [] if column == "module" else ""
        if column == "module" and not isinstance(value, list):
            value = [value] if value else []
        row[column] = value
    row["rank"] = STATUS_RANK[row["status"]]
    return row


def upsert_tasks(run: Run, reports: list[dict], *, trace: RunTrace) -> int:
    """One INSERT … ON CONFLICT (run, task_id) DO UPDATE … WHERE rank <= new rank for the batch:
    a report of an earlier status never overwrites a later one. Within a batch the last report of
    a task wins, as in the plugin. On PostgreSQL the batch travels as one JSON parameter
    (``jsonb_to_recordset``), elsewhere as one parameter per value. `trace` (locked by the
    caller, who saves it) counts the tasks the batch adds (`RunTrace.task_count`)."""
    if not reports:
        return 0
    now = timezone.now()
    latest: dict[int, dict] = {}
    for report in reports:
        latest[report["taskId"]] = report
    known = Task.objects.filter(run=run, task_id__in=list(latest)).count()
    trace.task_count += len(latest) - known
    rows = [_task_row(run, latest[task_id], now) for task_id in sorted(latest)]
    columns = list(rows[0])
    fields = [Task._meta.get_field(c[:-3] if c in ("workspace_id", "run_id") else c) for c in columns]
    quote = connection.ops.quote_name
    table = quote(Task._meta.db_table)
    quoted = [quote(f.column) for f in fields]
    keep = {"workspace_id", "run_id", "task_id", "date_created"}
    updates = ", ".join(f"{q} = EXCLUDED.{q}" for c, q in zip(columns, quoted, strict=True) if c not in keep)
    conflict = f"ON CONFLICT ({quote('run_id')}, {quote('task_id')}) DO UPDATE SET {updates} WHERE {table}.{quote('rank')} <= EXCLUDED.{quote('rank')}"
    # Names come from the model's metadata, quoted; every value is a parameter.
    if connection.vendor == "postgresql":
        record = ", ".join(f"{q} {f.db_type(connection)}" for q, f in zip(quoted, fields, strict=True))
        source = f"SELECT {', '.join(quoted)} FROM jsonb_to_recordset(%s::jsonb) AS t({record})"  # noqa: S608
        params = [
            json.dumps([{f.column: row[c] for c, f in zip(columns, fields, strict=True)} for row in rows], default=_iso)
        ]
    else:
        source = "VALUES " + ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
        params = [f.get_db_prep_save(row[c], connection) for row in rows for c, f in zip(columns, fields, strict=True)]
    sql = f"INSERT INTO {table} ({', '.join(quoted)}) {source} {conflict}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --------------------------------------------------------------------------- watchdog
def sweep_silent_runs(*, now: datetime | None = None) -> tuple[int, int]:
    """(runs made UNKNOWN, runs ended FAILED) because Nextflow fell silent."""
    now = now or timezone.now()
    timeout = timedelta(seconds=getattr(settings, "TRACE_HEARTBEAT_TIMEOUT_SECONDS", 190))
    zombie = timedelta(seconds=getattr(settings, "TRACE_ZOMBIE_SECONDS", ZOMBIE_DEFAULT_SECONDS))
    unknown = ended = 0
    silent = Run.objects.filter(status=RunStatus.RUNNING, last_heartbeat__lt=now - timeout, trace__isnull=False)
    for run in silent.iterator(chunk_size=500):
        minutes = max(1, int((now - run.last_heartbeat).total_seconds() // 60))
        unknown += run_services.mark_unknown(run, reason=f"Nextflow has not reported for {minutes} min.")
    dead = Run.objects.filter(status=RunStatus.UNKNOWN, last_heartbeat__lt=now - zombie, trace__isnull=False)
    for run in dead.iterator(chunk_size=500):
        hours = int((now - run.last_heartbeat).total_seconds() // 3600)
        ended += run_services.finish_run(
            run,
            status=RunStatus.FAILED,
            error_message=f"Nextflow stopped reporting {hours} h ago and the run was not heard of since.",
        )
    return unknown, ended
