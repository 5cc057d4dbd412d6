"""What Nextflow reported, read through the API in Seqera's shapes: ``GET
/workflow/{workflowId}/tasks`` (``ListTasksResponse``) and ``/workflow/{workflowId}/task/{taskId}``
(``DescribeTaskResponse``). `progress_response` / `workflow_extras` are what the pipelines API's
``/workflow/{id}/progress`` and ``/workflow/{id}`` add from the trace."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from pipelines.models import Run
from pipelines.trace import selectors
from pipelines.trace.models import RunTrace, Task
from pipelines.trace.serializers import TASK_STATUSES
from seqera.api import ERRORS, MAX_ID, PageQuery, page, query_params
from workspaces.tenancy import WorkspaceViewSet


def _date(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def task_dto(task: Task) -> dict:
    """Seqera's ``Task``."""
    return {
        "id": task.pk,
        "taskId": task.task_id,
        "status": task.status,
        "hash": task.hash,
        "name": task.name,
        "process": task.process,
        "tag": task.tag or None,
        "nativeId": task.native_id or None,
        "module": task.module,
        "container": task.container or None,
        "attempt": task.attempt,
        "exit": task.exit_code,
        "exitStatus": task.exit_code,
        "submit": _date(task.submit),
        "start": _date(task.start),
        "complete": _date(task.complete),
        "duration": task.duration,
        "realtime": task.realtime,
        "cpus": task.cpus,
        "memory": task.memory,
        "disk": task.disk,
        "time": task.time,
        "queue": task.queue or None,
        "pcpu": task.pcpu,
        "pmem": task.pmem,
        "rss": task.rss,
        "vmem": task.vmem,
        "peakRss": task.peak_rss,
        "peakVmem": task.peak_vmem,
        "rchar": task.rchar,
        "wchar": task.wchar,
        "syscr": task.syscr,
        "syscw": task.syscw,
        "readBytes": task.read_bytes,
        "writeBytes": task.write_bytes,
        "volCtxt": task.vol_ctxt,
        "invCtxt": task.inv_ctxt,
        "executor": task.executor or None,
        "machineType": task.machine_type or None,
        "cloudZone": task.cloud_zone or None,
        "priceModel": task.price_model or None,
        "numSpotInterruptions": task.num_spot_interruptions,
        "resourceAllocation": task.resource_allocation,
        "cost": task.cost,
        "logStreamId": task.log_stream_id or None,
        "errorAction": task.error_action or None,
        "workdir": task.workdir or None,
        "scratch": task.scratch or None,
        "env": task.env or None,
        "script": task.script or None,
        "dateCreated": _date(task.date_created),
        "lastUpdated": _date(task.last_updated),
    }


def progress_response(run: Run) -> dict:
    """``GetProgressResponse``."""
    return {"progress": selectors.progress_data(run)}


def workflow_extras(run: Run) -> dict:
    """Trace-reported fields of ``Workflow`` that the run row does not hold (for ``GET /workflow/{id}``)."""
    trace = RunTrace.objects.filter(run=run).first()
    if trace is None:
        return {}
    wf = trace.workflow
    return {
        key: wf.get(key)
        for key in (
            "scriptId",
            "scriptFile",
            "scriptName",
            "projectDir",
            "launchDir",
            "homeDir",
            "container",
            "containerEngine",
            "configFiles",
            "wave",
            "fusion",
            "resume",
            "stubRun",
        )  # fmt: skip
        if key in wf
    }


class TaskListQuery(PageQuery):
    sortBy = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="taskId")
    sortDir = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="asc")
    status = serializers.ChoiceField(choices=TASK_STATUSES, required=False, help_text="Only tasks in this status")
    process = serializers.CharField(required=False, max_length=255, help_text="Only tasks of this process")


WORKFLOW_ID = OpenApiParameter("workflowId", str, OpenApiParameter.PATH, description="Workflow string identifier")
TASK_ID = OpenApiParameter("taskId", int, OpenApiParameter.PATH, description="Task numeric identifier")
WORKSPACE_ID = OpenApiParameter(
    "workspaceId", int, OpenApiParameter.QUERY, required=True, description="Workspace numeric identifier"
)
TaskSchema = inline_serializer("Task", {"taskId": serializers.IntegerField(), "status": serializers.CharField()})
DescribeTaskSchema = inline_serializer("DescribeTaskResponse", {"task": TaskSchema})
ListTasksSchema = inline_serializer(
    "ListTasksResponse", {"tasks": serializers.ListField(child=DescribeTaskSchema), "total": serializers.IntegerField()}
)


class WorkflowTaskViewSet(WorkspaceViewSet):
    """Tasks of a run (``?workspaceId=``; the run must be in that workspace)."""

    model = Run
    lookup_url_kwarg = "workflowId"
    permission_actions = {"tasks": "workflow:read", "task": "workflow:read"}

    def get_run(self) -> Run:
        run = self.get_queryset().filter(pk=self.kwargs["workflowId"]).first()
        if run is None:
            raise exceptions.NotFound("Workflow not found")
        return run

    @extend_schema(
        operation_id="ListWorkflowTasks",
        summary="List the tasks for the given Workflow ID and filter parameters",
        tags=["workflows"],
        parameters=[WORKFLOW_ID, WORKSPACE_ID, TaskListQuery],
        responses={200: ListTasksSchema, **ERRORS},
    )
    def tasks(self, request, workflowId=None):
        params = query_params(request, TaskListQuery)
        run = self.get_run()
        query = selectors.TaskQuery(
            status=params.get("status", ""),
            process=params.get("process", ""),
            search=params.get("search", ""),
            sort=params["sortBy"],
            descending=params["sortDir"] == "desc",
        )
        items, total = page(selectors.tasks(run, query), params)
        return Response({"tasks": [{"task": task_dto(t)} for t in items], "total": total})

    @extend_schema(
        operation_id="DescribeWorkflowTask",
        summary="Describe a task entity with the given ID",
        tags=["workflows"],
        parameters=[WORKFLOW_ID, TASK_ID, WORKSPACE_ID],
        responses={200: DescribeTaskSchema, **ERRORS},
    )
    def task(self, request, workflowId=None, taskId=None):
        run = self.get_run()
        if not 0 <= int(taskId) <= MAX_ID:
            raise exceptions.NotFound("Task not found")
        task = Task.objects.filter(run=run, task_id=int(taskId)).first()
        if task is None:
            raise exceptions.NotFound("Task not found")
        return Response({"task": task_dto(task)})
