"""Reads of what Nextflow reported: a page of a run's tasks, and its progress in Seqera's shapes
(``ProgressData`` = ``WorkflowLoad`` + ``ProcessLoad`` per process; ``Task``).

A page of tasks is one indexed query (filter by status or process, ordered by a whitelisted column
with the task id as tie-breaker) plus a COUNT only when the page is not the last; the progress is
the stored snapshot of Nextflow's counters plus the run's usage summed over its tasks, kept on the
trace until its tasks change (`usage_groups`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from pipelines.models import Run
from pipelines.trace.models import RunTrace, Task
from seqera.api import Page
from seqera.prepared import ModelRows, PreparedQuery, prepared_reads

SORTS = {  # API sortBy / page column -> model field
    "taskId": "task_id",
    "name": "name",
    "process": "process",
    "tag": "tag",
    "status": "status",
    "submit": "submit",
    "start": "start",
    "complete": "complete",
    "duration": "duration",
    "realtime": "realtime",
    "exit": "exit",
    "cpus": "cpus",
    "memory": "memory",
    "pcpu": "pcpu",
    "pmem": "pmem",
    "peakRss": "peak_rss",
    "readBytes": "read_bytes",
    "writeBytes": "write_bytes",
    "cost": "cost",
}
COUNTERS = ("pending", "submitted", "running", "succeeded", "cached", "failed", "aborted", "ignored", "retries")


@dataclass
class TaskQuery:
    status: str = ""
    process: str = ""
    search: str = ""
    sort: str = "taskId"
    descending: bool = False

    @property
    def every_task(self) -> bool:
        """Whether the query selects every task of the run (no filter, no search): the count
        the run's trace keeps (`RunTrace.task_count`) is then its count."""
        return not (self.status or self.process or self.search)


def tasks(run: Run | str, query: TaskQuery):
    """The run's (a `Run` or its id) tasks that `query` selects, in its order."""
    qs = Task.objects.filter(run=run)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.process:
        qs = qs.filter(process=query.process)
    if query.search:
        term = query.search.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(tag__icontains=term) | Q(hash__startswith=term))
    column = SORTS.get(query.sort, "task_id")
    order = F(column).desc(nulls_last=True) if query.descending else F(column).asc(nulls_last=True)
    tie = "-task_id" if query.descending else "task_id"
    return qs.order_by(order, tie) if column != "task_id" else qs.order_by(tie)


TASK_ROWS = ModelRows(Task)
TASK_TABLE_FIELDS = (  # the task table's columns, read without the script, environment and the rest
    "id", "workspace_id", "run_id", "task_id", "name", "hash", "status", "exit", "submit", "duration",
    "realtime", "cpus", "pcpu", "peak_rss", "read_bytes", "write_bytes",
)  # fmt: skip
TASK_TABLE_ROWS = ModelRows(Task, TASK_TABLE_FIELDS)
_TASK_STATEMENTS: dict[tuple, PreparedQuery] = {}


def _task_statement(query: TaskQuery, purpose: str, select) -> PreparedQuery:
    """`select(tasks(run, query))` as a statement kept per `purpose` and shape of `query` (its
    order, which filters it has); the run and the filters' values are its parameters."""
    shape = (purpose, SORTS.get(query.sort, "task_id"), query.descending, bool(query.status), bool(query.process))
    found = _TASK_STATEMENTS.get(shape)
    if found is None:
        strs = ("run_id", *(("status",) if query.status else ()), *(("process",) if query.process else ()))

        def build(run_id, status="", process=""):
            shaped = TaskQuery(status=status, process=process, sort=query.sort, descending=query.descending)
            return select(tasks(run_id, shaped))

        found = _TASK_STATEMENTS[shape] = PreparedQuery(build, strs=strs)
    return found


def _task_values(run: Run, query: TaskQuery) -> dict[str, str]:
    values = {"run_id": run.pk}
    if query.status:
        values["status"] = query.status
    if query.process:
        values["process"] = query.process
    return values


def prepared_tasks_page(run: Run, query: TaskQuery, offset: int, limit: int) -> Page | None:
    """`seqera.api.page` of `tasks(run, query)` (the page and its count) by statements compiled
    once per shape of query, or None for a query with a search or under `stock_reads` (the
    queryset's path). Without a filter, the count is the one the run's trace keeps
    (`RunTrace.task_count`: a read of one row, not a count of every task)."""
    if query.search or not prepared_reads():
        return None
    values = _task_values(run, query)
    rows = _task_statement(query, "rows", lambda found: found.values_list(*TASK_ROWS.columns))
    page = TASK_ROWS.instances(rows.rows(limits=(offset, offset + limit), **values))
    kept = _KEPT_COUNT.rows(run_id=run.pk) if query.every_task else None
    if kept:  # every task of a run with a trace: the count its trace keeps
        return Page(page, kept[0][0], offset, limit)
    # COUNT(*) grouped by the run: one row (none when no task matches), the run's count
    count = _task_statement(
        query, "count", lambda found: found.order_by().values("run_id").annotate(n=Count("*")).values_list("n")
    )
    counted = count.rows(**values)
    return Page(page, counted[0][0] if counted else 0, offset, limit)


_KEPT_COUNT = PreparedQuery(
    lambda run_id: RunTrace.objects.filter(run_id=run_id).order_by().values_list("task_count"), strs=("run_id",)
)


def prepared_task_rows(run: Run, query: TaskQuery, low: int, high: int) -> list[Task] | None:
    """``tasks(run, query)[low:high]`` read with the task table's columns (`TASK_TABLE_ROWS`) by a
    statement compiled once per shape of query, or None for a query with a search or under
    `stock_reads`."""
    if query.search or not prepared_reads():
        return None
    if high <= low:
        return []  # an empty page (no task yet): no statement to run
    rows = _task_statement(query, "table rows", lambda found: found.values_list(*TASK_TABLE_ROWS.columns))
    return TASK_TABLE_ROWS.instances(rows.rows(limits=(low, high), **_task_values(run, query)))


def process_names(run: Run, trace: RunTrace | None = None) -> list[str]:
    trace = trace or RunTrace.objects.filter(run=run).first()
    names = list(trace.process_names) if trace else []
    for record in (trace.progress or {}).get("processes", []) if trace else []:
        if record.get("name") and record["name"] not in names:
            names.append(record["name"])
    return names


def _int(value) -> int:
    return int(value or 0)


def _usage(rows) -> dict:
    return {
        "cpus": _int(rows.get("sum_cpus")),
        "cpuTime": _int(rows.get("sum_cpu_time")),
        "cpuLoad": _int(rows.get("sum_cpu_load")),
        "memoryRss": _int(rows.get("sum_rss")),
        "memoryReq": _int(rows.get("sum_memory")),
        "readBytes": _int(rows.get("sum_read_bytes")),
        "writeBytes": _int(rows.get("sum_write_bytes")),
        "volCtxSwitch": _int(rows.get("sum_vol_ctxt")),
        "invCtxSwitch": _int(rows.get("sum_inv_ctxt")),
    }


_AGGREGATES = {
    "sum_cpus": Sum("cpus"),
    "sum_cpu_time": Sum(F("cpus") * F("realtime")),
    "sum_cpu_load": Sum(F("pcpu") * F("realtime") / 100.0),
    "sum_rss": Sum("peak_rss"),
    "sum_memory": Sum("memory"),
    "sum_read_bytes": Sum("read_bytes"),
    "sum_write_bytes": Sum("write_bytes"),
    "sum_vol_ctxt": Sum("vol_ctxt"),
    "sum_inv_ctxt": Sum("inv_ctxt"),
    "sum_cost": Sum("cost"),
    "n": Count("pk"),
}


def _by_process(groups: list[dict]) -> dict[str, list[dict]]:
    by_process: dict[str, list[dict]] = {}
    for row in groups:
        by_process.setdefault(row["process"], []).append(row)
    return by_process


def _summed(rows: list[dict]) -> dict:
    """`_AGGREGATES` of several groups as one: sums; the cost stays None when no task had one."""
    summed = {key: sum((row.get(key) or 0) for row in rows) for key in _AGGREGATES}
    summed["sum_cost"] = None if all(row.get("sum_cost") is None for row in rows) else summed["sum_cost"]
    return summed


def _plain(value):
    """An aggregate as JSON keeps it: PostgreSQL sums integers as numeric (Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def usage_groups(run: Run, trace: RunTrace | None) -> list[dict]:
    """`_AGGREGATES` of the run's tasks per (process, executor): summed once for each change of
    its tasks (`RunTrace.tasks_version`) and kept on the trace, so repeated reads cost one row.
    A sum is stamped with the version read before summing, so a report landing meanwhile leaves it
    stale, never served; the conditional UPDATE keeps an older sum from replacing a newer one."""
    if trace is not None and trace.usage is not None and trace.usage_version == trace.tasks_version:
        return trace.usage
    groups = [
        {key: _plain(value) for key, value in row.items()}
        for row in Task.objects.filter(run=run).order_by().values("process", "executor").annotate(**_AGGREGATES)
    ]
    if trace is not None:
        RunTrace.objects.filter(pk=trace.pk, tasks_version=trace.tasks_version).update(
            usage=groups, usage_version=trace.tasks_version
        )
        trace.usage, trace.usage_version = groups, trace.tasks_version
    return groups


def progress_data(run: Run, trace: RunTrace | None = None) -> dict:
    """``ProgressData``: Nextflow's latest counters (workflow and per process) with usage summed
    from the run's tasks. Empty counters before Nextflow reported anything."""
    trace = trace or RunTrace.objects.filter(run=run).first()
    snapshot = (trace.progress if trace else None) or {}
    stamp = trace.last_report_at.isoformat().replace("+00:00", "Z") if trace and trace.last_report_at else None
    # The run's sums per (process, executor), folded per process and in all.
    groups = usage_groups(run, trace)
    per_process = {name: _summed(rows) for name, rows in _by_process(groups).items()}
    totals = _summed(groups)
    executors = sorted({row["executor"] for row in groups if row["executor"]})
    counts = {k: _int(snapshot.get(k)) for k in COUNTERS}
    workflow = {
        **counts,
        "loadCpus": _int(snapshot.get("loadCpus")),
        "loadMemory": _int(snapshot.get("loadMemory")),
        "peakCpus": _int(snapshot.get("peakCpus")),
        "peakMemory": _int(snapshot.get("peakMemory")),
        "peakTasks": _int(snapshot.get("peakRunning")),
        "loadTasks": counts["running"],
        "numSpotInterruptions": _int(snapshot.get("numSpotInterruptions")),
        "executors": executors,
        "cost": totals.get("sum_cost"),
        **_usage(totals),
        "dateCreated": trace.begun_at.isoformat().replace("+00:00", "Z") if trace and trace.begun_at else None,
        "lastUpdated": stamp,
    }
    names = process_names(run, trace)
    records = {r.get("name"): r for r in snapshot.get("processes", []) if r.get("name")}
    processes = []
    for name in names:
        record = records.get(name, {})
        processes.append(
            {
                "process": name,
                **{k: _int(record.get(k)) for k in COUNTERS},
                "loadCpus": _int(record.get("loadCpus")),
                "loadMemory": _int(record.get("loadMemory")),
                "peakCpus": _int(record.get("peakCpus")),
                "peakMemory": _int(record.get("peakMemory")),
                "peakTasks": _int(record.get("peakRunning")),
                "loadTasks": _int(record.get("running")),
                "terminated": bool(record.get("terminated")),
                **_usage(per_process.get(name, {})),
                "dateCreated": workflow["dateCreated"],
                "lastUpdated": stamp,
            }
        )
    return {"workflowProgress": workflow, "processesProgress": processes, "totalProcesses": len(processes)}


def reported_workflow(run: Run) -> dict:
    """The workflow metadata Nextflow reported beyond the run's columns (`RunTrace.workflow`; {}
    before any report). One query per run object, however many fields read it."""
    try:
        return run.trace.workflow
    except RunTrace.DoesNotExist:
        return {}


def reported_from_outside(run: Run) -> dict | None:
    """What is known of a run Nextflow reported from outside this service (``-with-tower`` with a
    personal token: no compute environment, no head job), None for a run launched here. Reads
    `run.trace` (join it: ``select_related("trace")``)."""
    try:
        trace = run.trace
    except RunTrace.DoesNotExist:
        return None
    if trace.launched_here:
        return None
    workflow = trace.workflow
    return {
        "reported_by": run.user_name,
        "os_user": workflow.get("userName") or "",
        "launch_dir": workflow.get("launchDir") or "",
        "log_file": workflow.get("logFile") or "",
    }


def has_reports(run: Run) -> bool:
    return RunTrace.objects.filter(run=run, last_report_at__isnull=False).exists()


def reported_progress(run: Run) -> dict | None:
    """`progress_data` once Nextflow has reported on the run (None before: the run's own status
    is all there is). Reads `run.trace`: the row already read for this run object if it was
    (`reported_workflow` reads it too: one query for both)."""
    try:
        trace = run.trace
    except RunTrace.DoesNotExist:
        return None
    if trace.last_report_at is None:
        return None
    data = progress_data(run, trace)
    data["workflowProgress"]["lastUpdated"] = data["workflowProgress"]["lastUpdated"] or run.last_updated.isoformat()
    return data


def process_bars(run: Run, trace: RunTrace | None = None) -> list[dict]:
    """Per process: counts and the share of each state in its total, for the run page's bars.
    From Nextflow's counters only (no query over the tasks: the page stays cheap at 100,000)."""
    trace = trace or RunTrace.objects.filter(run=run).first()
    records = {
        r.get("name"): r for r in ((trace.progress or {}).get("processes", []) if trace else []) if r.get("name")
    }
    bars = []
    for name in process_names(run, trace):
        p = {"process": name, **{k: _int(records.get(name, {}).get(k)) for k in COUNTERS}}
        total = sum(p[k] for k in ("pending", "submitted", "running", "succeeded", "cached", "failed", "aborted"))
        done = p["succeeded"] + p["cached"]
        segments, offset = [], 0.0
        for state in ("succeeded", "cached", "failed", "running", "submitted", "pending", "aborted"):
            if p[state]:
                share = 100.0 * p[state] / total
                segments.append({"state": state, "count": p[state], "x": round(offset, 3), "width": round(share, 3)})
                offset += share
        bars.append({**p, "total": total, "done": done, "segments": segments})
    return bars
