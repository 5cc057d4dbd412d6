"""What Nextflow reported, read through the API in Seqera's shapes: ``GET
/workflow/{workflowId}/tasks`` (``ListTasksResponse``) and ``/workflow/{workflowId}/task/{taskId}``
(``DescribeTaskResponse``). (The pipelines API's ``/workflow/{id}`` and ``/workflow/{id}/progress``
read the rest of the trace through `pipelines.trace.selectors`.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from pipelines.models import Run
from pipelines.trace import selectors
from pipelines.trace.models import Task
from pipelines.trace.serializers import TASK_STATUSES
from seqera.api import DEFAULT_PAGE, ERRORS, MAX_ID, CharOrNull, PageQuery, page, query_params
from seqera.serializers import ReadSerializer
from workspaces.tenancy import WorkspaceObjectMixin, WorkspaceViewSet


class TaskSerializer(ReadSerializer):
    """Seqera's ``Task``: one task as Nextflow reported it."""

    id = serializers.IntegerField()
    taskId = serializers.IntegerField(source="task_id")
    status = serializers.ChoiceField(choices=TASK_STATUSES)
    hash = serializers.CharField()
    name = serializers.CharField()
    process = serializers.CharField()
    tag = CharOrNull()
    nativeId = CharOrNull(source="native_id")
    module = serializers.ListField()
    container = CharOrNull()
    attempt = serializers.IntegerField(allow_null=True)
    exit = serializers.IntegerField(source="exit_code", allow_null=True)
    exitStatus = serializers.IntegerField(source="exit_code", allow_null=True)
    submit = serializers.DateTimeField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    complete = serializers.DateTimeField(allow_null=True)
    duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds, submit to complete")
    realtime = serializers.IntegerField(allow_null=True, help_text="Milliseconds, start to complete")
    cpus = serializers.IntegerField(allow_null=True)
    memory = serializers.IntegerField(allow_null=True, help_text="Bytes")
    disk = serializers.IntegerField(allow_null=True)
    time = serializers.IntegerField(allow_null=True, help_text="Milliseconds")
    queue = CharOrNull()
    pcpu = serializers.FloatField(allow_null=True)
    pmem = serializers.FloatField(allow_null=True)
    rss = serializers.IntegerField(allow_null=True)
    vmem = serializers.IntegerField(allow_null=True)
    peakRss = serializers.IntegerField(source="peak_rss", allow_null=True)
    peakVmem = serializers.IntegerField(source="peak_vmem", allow_null=True)
    rchar = serializers.IntegerField(allow_null=True)
    wchar = serializers.IntegerField(allow_null=True)
    syscr = serializers.IntegerField(allow_null=True)
    syscw = serializers.IntegerField(allow_null=True)
    readBytes = serializers.IntegerField(source="read_bytes", allow_null=True)
    writeBytes = serializers.IntegerField(source="write_bytes", allow_null=True)
    volCtxt = serializers.IntegerField(source="vol_ctxt", allow_null=True)
    invCtxt = serializers.IntegerField(source="inv_ctxt", allow_null=True)
    executor = CharOrNull()
    machineType = CharOrNull(source="machine_type")
    cloudZone = CharOrNull(source="cloud_zone")
    priceModel = CharOrNull(source="price_model")
    numSpotInterruptions = serializers.IntegerField(source="num_spot_interruptions", allow_null=True)
    resourceAllocation = serializers.JSONField(source="resource_allocation", allow_null=True)
    cost = serializers.FloatField(allow_null=True)
    logStreamId = CharOrNull(source="log_stream_id")
    errorAction = CharOrNull(source="error_action")
    workdir = CharOrNull()
    scratch = CharOrNull()
    env = CharOrNull()
    script = CharOrNull()
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUpdated = serializers.DateTimeField(source="last_updated")


class DescribeTaskResponseSerializer(ReadSerializer):
    task = TaskSerializer(source="*")


@extend_schema_serializer(many=False)
class ListTasksResponseSerializer(ReadSerializer):
    tasks = DescribeTaskResponseSerializer(many=True, source="items")
    total = serializers.IntegerField()


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


class WorkflowTaskViewSet(WorkspaceObjectMixin, WorkspaceViewSet):
    """Tasks of a run (``?workspaceId=``; the run must be in that workspace)."""

    model = Run
    lookup_url_kwarg = "workflowId"
    not_found = "Workflow not found"
    permission_actions = {"tasks": "workflow:read", "task": "workflow:read"}

    @extend_schema(
        operation_id="ListWorkflowTasks",
        summary="List the tasks for the given Workflow ID and filter parameters",
        tags=["workflows"],
        parameters=[WORKFLOW_ID, WORKSPACE_ID, TaskListQuery],
        responses={200: ListTasksResponseSerializer, **ERRORS},
    )
    def tasks(self, request, workflowId=None):
        params = query_params(request, TaskListQuery)
        run = self.get_object()
        query = selectors.TaskQuery(
            status=params.get("status", ""),
            process=params.get("process", ""),
            search=params.get("search", ""),
            sort=params["sortBy"],
            descending=params["sortDir"] == "desc",
        )
        offset, limit = params.get("offset", 0), params.get("max", DEFAULT_PAGE)
        found = selectors.prepared_tasks_page(run, query, offset, limit)
        if found is None:
            found = page(selectors.tasks(run, query), params)
        return Response(ListTasksResponseSerializer(found).data)

    @extend_schema(
        operation_id="DescribeWorkflowTask",
        summary="Describe a task entity with the given ID",
        tags=["workflows"],
        parameters=[WORKFLOW_ID, TASK_ID, WORKSPACE_ID],
        responses={200: DescribeTaskResponseSerializer, **ERRORS},
    )
    def task(self, request, workflowId=None, taskId=None):
        run = self.get_object()
        if not 0 <= int(taskId) <= MAX_ID:
            raise exceptions.NotFound("Task not found")
        task = Task.objects.filter(run=run, task_id=int(taskId)).first()
        if task is None:
            raise exceptions.NotFound("Task not found")
        return Response(DescribeTaskResponseSerializer(task).data)
