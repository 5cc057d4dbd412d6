"""The trace routes Nextflow's tower plugin calls: ``POST /trace/create``, ``PUT
/trace/{workflowId}/begin|progress|heartbeat|complete`` (each with optional ``?workspaceId=``).

Authorization, for every route: a run token opens its own run only (another workflowId, or a
workspaceId that is not the run's, is 404); a personal token needs the launch role
(``workflow:execute``) in the run's workspace (not a participant: 404; a lower role: 403).
Reports for a finished run are 409 (the plugin then stops the pipeline)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from pipelines.models import Run
from pipelines.trace import serializers as s
from pipelines.trace import services
from pipelines.trace.authentication import TraceAuthentication
from seqera.api import ERRORS
from workspaces import audit
from workspaces.models import Workspace
from workspaces.permissions import role_allows
from workspaces.tenancy import beyond_reach

ACTION = "workflow:execute"
WORKSPACE_PARAM = OpenApiParameter(
    "workspaceId", int, OpenApiParameter.QUERY, required=False, description="Workspace numeric identifier"
)
WORKFLOW_PARAM = OpenApiParameter("workflowId", str, OpenApiParameter.PATH, description="Workflow string identifier")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The run does not take this report."


def workspace_param(request) -> int | None:
    raw = request.query_params.get("workspaceId")
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({"workspaceId": "Must be a numeric workspace id."}) from None
    if not 0 < value < 2**63:
        raise exceptions.NotFound("Workspace not found")
    return value


def watch_url(request, run: Run) -> str:
    return request.build_absolute_uri(run.get_absolute_url())


class TraceView(APIView):
    permission_action = ACTION  # what a personal token needs in the run's workspace (declared for the walk)
    authentication_classes = [TraceAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = None

    def body(self, request) -> dict:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        ser = self.serializer_class(data=request.data)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    def authorize_workspace(self, request, workspace: Workspace, instance=None) -> None:
        """404 outside the workspace, 403 below the launch role; each refusal audited on what was refused."""
        request._request.workspace = workspace  # the request's log line
        role = workspace.role_of(request.user)
        if role is None:
            audit.record_denial(request, instance=instance or workspace, status=404)
            raise exceptions.NotFound("Workspace not found")
        if not role_allows(role, ACTION):
            audit.record_denial(request, instance=instance or workspace, status=403)
            raise exceptions.PermissionDenied("Your role in this workspace does not allow this operation")

    def resolve_run(self, request, workflow_id: str) -> Run:
        principal = request.auth
        wanted_ws = workspace_param(request)
        run = Run.objects.select_related("workspace__org").filter(pk=workflow_id).first()
        foreign = principal.run_id is not None and workflow_id != principal.run_id
        if run is None or foreign or (wanted_ws is not None and run.workspace_id != wanted_ws):
            audit.record_denial(request, instance=beyond_reach(run, request.user), status=404)
            raise exceptions.NotFound("Workflow not found")
        if principal.run_id is None:
            self.authorize_workspace(request, run.workspace, instance=run)
        else:
            request._request.workspace = run.workspace
        return run


class TraceCreateView(TraceView):
    serializer_class = s.TraceCreateRequestSerializer

    @extend_schema(
        operation_id="CreateTrace",
        summary="Create workflow execution trace",
        tags=["trace"],
        parameters=[WORKSPACE_PARAM],
        request=s.TraceCreateRequestSerializer,
        responses={200: s.TraceCreateResponseSerializer, **ERRORS},
    )
    def post(self, request):
        data = self.body(request)
        principal = request.auth
        wanted_ws = workspace_param(request)
        workflow_id = data.get("workflowId")
        if principal.run_id is not None:
            run = self.resolve_run(request, workflow_id or principal.run_id)
            workspace = run.workspace
        else:
            if wanted_ws is None:
                raise exceptions.ValidationError(
                    {
                        "workspaceId": "Give the workspace to record the run in (tower.workspaceId or TOWER_WORKSPACE_ID)."
                    }
                )
            workspace = Workspace.objects.select_related("org").filter(pk=wanted_ws).first()
            if workspace is None:
                raise exceptions.NotFound("Workspace not found")
            self.authorize_workspace(request, workspace)
            run = self.resolve_run(request, workflow_id) if workflow_id else None
        try:
            run = services.create_trace(principal=principal, workspace=workspace, run=run, data=data)
        except services.TraceRefused as exc:
            raise Conflict(str(exc)) from None
        return Response(
            {
                "workflowId": run.pk,
                "watchUrl": watch_url(request, run),
                "message": None,
                "metadata": {
                    "userId": request.user.pk,
                    "userName": request.user.get_username(),
                    "workspaceId": workspace.pk,
                    "workspaceName": workspace.name,
                    "workspaceFullName": workspace.full_name,
                    "orgName": workspace.org.name,
                    "computeEnvId": run.compute_env_id,
                    "pipelineId": run.pipeline_id,
                    "pipelineName": run.pipeline.name if run.pipeline_id else None,
                    "revision": run.revision or None,
                },
            }
        )


class TraceReportView(TraceView):
    kind = ""

    def put(self, request, workflowId):
        data = self.body(request)
        run = self.resolve_run(request, workflowId)
        try:
            answer = self.apply(request, run, data)
        except services.TraceRefused as exc:
            raise Conflict(str(exc)) from None
        return Response(answer)


def _report_schema(kind: str, operation_id: str, summary: str, request, response):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        tags=["trace"],
        parameters=[WORKFLOW_PARAM, WORKSPACE_PARAM],
        request=request,
        responses={200: response, **ERRORS},
    )


class TraceBeginView(TraceReportView):
    serializer_class = s.TraceBeginRequestSerializer

    def apply(self, request, run, data):
        services.begin(run=run, data=data)
        return {"status": "OK", "workflowId": run.pk, "watchUrl": watch_url(request, run)}

    @_report_schema(
        "begin",
        "UpdateTraceBegin",
        "Signal workflow execution start",
        s.TraceBeginRequestSerializer,
        s.TraceStatusResponseSerializer,
    )
    def put(self, request, workflowId):
        return super().put(request, workflowId)


class TraceProgressView(TraceReportView):
    serializer_class = s.TraceProgressRequestSerializer

    def apply(self, request, run, data):
        services.progress(run=run, data=data)
        return {"status": "OK", "workflowId": run.pk}

    @_report_schema(
        "progress",
        "UpdateTraceProgress",
        "Store workflow task execution metadata",
        s.TraceProgressRequestSerializer,
        s.TraceStatusResponseSerializer,
    )
    def put(self, request, workflowId):
        return super().put(request, workflowId)


class TraceHeartbeatView(TraceReportView):
    serializer_class = s.TraceHeartbeatRequestSerializer

    def apply(self, request, run, data):
        services.heartbeat(run=run, data=data)
        return {"message": "OK"}

    @_report_schema(
        "heartbeat",
        "UpdateTraceHeartbeat",
        "Signal workflow execution heartbeat",
        s.TraceHeartbeatRequestSerializer,
        s.TraceHeartbeatResponseSerializer,
    )
    def put(self, request, workflowId):
        return super().put(request, workflowId)


class TraceCompleteView(TraceReportView):
    serializer_class = s.TraceCompleteRequestSerializer

    def apply(self, request, run, data):
        services.complete(run=run, data=data)
        return {"status": "OK", "workflowId": run.pk}

    @_report_schema(
        "complete",
        "UpdateTraceComplete",
        "Signal workflow execution completion",
        s.TraceCompleteRequestSerializer,
        s.TraceStatusResponseSerializer,
    )
    def put(self, request, workflowId):
        return super().put(request, workflowId)
