"""Workflow, pipeline and pipeline-secret API in the Seqera shapes (``/api/workflow?workspaceId=``…).

Scoping, 404 for outsiders and 403 for low roles come from `WorkspaceViewSet`; every write goes
through `pipelines.services`, whose field errors are renamed to the API's camelCase names."""

from __future__ import annotations

from django.db.models import Q, prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response

from pipelines import logs, services
from pipelines.api import serializers as s
from pipelines.models import Launch, Pipeline, PipelineSecret, Run
from seqera.api import DEFAULT_PAGE, MAX_PAGE, ErrorResponseSerializer, Page, PageQuery
from seqera.prepared import ModelRows, PreparedQuery
from workspaces import aws
from workspaces.models import attach_workspace
from workspaces.tenancy import DestroyMixin, ListMixin, RetrieveMixin, WorkspaceViewSet

WORKSPACE_ID = OpenApiParameter(
    "workspaceId", OpenApiTypes.INT64, required=True, description="Workspace numeric identifier"
)
FORCE = OpenApiParameter(
    "force", OpenApiTypes.BOOL, description="Go ahead even if AWS refuses (cancel) or the run is active (delete)"
)
ERROR = OpenApiResponse(ErrorResponseSerializer)
ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR}
NO_CONTENT = {204: OpenApiResponse(description="OK - No content"), **ERRORS}
ATTRIBUTES = OpenApiParameter("attributes", OpenApiTypes.STR, description="Comma-separated extra attributes: labels")


FIELD_MAP = {key: (api,) for key, api in s.ERROR_KEYS.items()}


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": "The request body must be a JSON object."})
    return request.data


def _flag(request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1")


def _with_labels(request) -> bool:
    raw = ",".join(request.query_params.getlist("attributes"))
    return "labels" in {value.strip() for value in raw.split(",")}


LAUNCH_UNLISTED = tuple(
    f"launch__{field.name}" for field in Launch._meta.concrete_fields if field.name not in ("id", "resume")
)
RUN_ORDERING = ("-submit", "-pk")
# Columns of a run the list does not show (its AWS bookkeeping): not read by the prepared page.
RUN_UNLISTED = frozenset(
    {
        "region",
        "compute_env",
        "credentials",
        "pipeline",
        "job_queue",
        "job_definition",
        "batch_status",
        "batch_status_since",
        "log_group",
        "log_stream",
        "aws_secrets",
        "warning",
        "last_heartbeat",
    }
)
RUN_ROWS = ModelRows(
    Run,
    fields=[field.name for field in Run._meta.concrete_fields if field.name not in RUN_UNLISTED],
    related={"launch": ("resume",)},
)
# One page of a workspace's runs, newest first: `WorkflowViewSet.list` without a search.
RUN_PAGE = PreparedQuery(
    lambda workspace_id: (
        Run.objects.filter(workspace_id=workspace_id).order_by(*RUN_ORDERING).values_list(*RUN_ROWS.columns)
    ),
    ints=("workspace_id",),
)


@extend_schema_view(
    list=extend_schema(
        operation_id="ListWorkflows",
        summary="List workflows (search: words in the run or project name, status:<STATUS>)",
        tags=["workflows"],
        parameters=[
            WORKSPACE_ID,
            ATTRIBUTES,
            s.WorkflowPageQuery,
        ],
        responses={200: s.ListWorkflowsResponseSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="DescribeWorkflow",
        summary="Describe workflow",
        tags=["workflows"],
        parameters=[WORKSPACE_ID, ATTRIBUTES],
        responses={200: s.DescribeWorkflowResponseSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        operation_id="DeleteWorkflow",
        summary="Delete a run that has ended (force: cancel an active one first)",
        tags=["workflows"],
        parameters=[WORKSPACE_ID, FORCE],
        responses=NO_CONTENT,
    ),
)
class WorkflowViewSet(ListMixin, RetrieveMixin, DestroyMixin, WorkspaceViewSet):
    model = Run
    lookup_url_kwarg = "workflowId"
    permission_actions = {
        "list": "workflow:read",
        "retrieve": "workflow:read",
        "launch_of": "workflow:read",
        "log": "workflow:read",
        "progress": "workflow:read",
        "random_name": "workflow:read",
        "launch": "workflow:execute",
        "cancel": "workflow:execute",
        "destroy": "workflow:delete",
    }

    object_related = ("launch", "credentials")  # the workspace: the request's (in_workspace)
    not_found = "Workflow not found"
    service_fields = FIELD_MAP
    list_serializer = s.ListWorkflowsResponseSerializer
    list_related = ("launch",)
    ordering = RUN_ORDERING
    retrieve_serializer = s.DescribeWorkflowResponseSerializer
    retrieve_prefetch = ("labels", "trace")
    page_query = s.WorkflowPageQuery

    def count_rows(self, params):
        return params["includeTotalSize"]

    def list_queryset(self, queryset):
        # A listed run shows one field of its launch (resume): not the launch's scripts, config
        # and CE snapshot, up to 600 KB a run.
        return queryset.defer(*LAUNCH_UNLISTED)

    def prepared_page(self, params, context):
        # Without a search or a count: the runs (the columns the answer shows, the launch's
        # `resume`) by `RUN_PAGE`, as the queryset path reads them (`list_queryset`'s deferral
        # aside: neither path reads what the answer does not show).
        if (params.get("search") or "").split() or self.count_rows(params):
            return None
        offset, limit = params.get("offset", 0), params.get("max", DEFAULT_PAGE)
        runs = RUN_ROWS.instances(RUN_PAGE.rows(limits=(offset, offset + limit + 1), workspace_id=self.workspace.pk))
        attach_workspace(runs, self.workspace)
        if context.get("with_labels"):
            prefetch_related_objects(runs, "labels")
        return Page(runs[:limit], None, offset, limit, more=len(runs) > limit)

    def search(self, queryset, params):
        for word in (params.get("search") or "").split():
            key, _, value = word.partition(":")
            if key == "status" and value:
                queryset = queryset.filter(status=value.upper())
            else:
                queryset = queryset.filter(Q(run_name__icontains=word) | Q(project_name__icontains=word))
        return queryset

    def serializer_context(self):
        return {**super().serializer_context(), "with_labels": _with_labels(self.request)}

    def perform_destroy(self, run):
        services.delete_run(run=run, user=self.request.user, force=_flag(self.request, "force"))

    @extend_schema(
        operation_id="CreateWorkflowLaunch",
        summary="Launch workflow (a saved pipeline with pipelineId, or a repository: maintain and up)",
        tags=["workflows"],
        parameters=[WORKSPACE_ID],
        request=s.SubmitWorkflowLaunchRequestSerializer,
        responses={200: s.SubmitWorkflowLaunchResponseSerializer, **ERRORS},
    )
    def launch(self, request):
        body = s.SubmitWorkflowLaunchRequestSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data["launch"]
        if data.get("userSecrets"):
            raise exceptions.ValidationError({"userSecrets": "User secrets are not supported: use workspace secrets."})
        pipeline = None
        if data.get("pipelineId") is not None:
            pipeline = Pipeline.objects.filter(workspace=self.workspace, pk=data["pipelineId"]).first()
            if pipeline is None:
                raise exceptions.ValidationError({"pipelineId": "Not found in this workspace."})
        with self.service_errors():
            run = services.launch_run(
                workspace=self.workspace,
                user=request.user,
                role=self.role,
                pipeline=pipeline,
                compute_env=data.get("computeEnvId") or None,
                run_name=data.get("runName") or "",
                label_ids=data.get("labelIds"),
                settings=s.settings_from(data),
            )
        return Response({"workflowId": run.pk})

    @extend_schema(
        operation_id="GenerateRandomWorkflowName",
        summary="A random run name (adjective_surname) not used in the workspace",
        tags=["workflows"],
        parameters=[WORKSPACE_ID],
        responses={200: s.RandomWorkflowNameResponseSerializer, **ERRORS},
    )
    def random_name(self, request):
        return Response({"name": services.random_run_name(workspace=self.workspace)})

    @extend_schema(
        operation_id="CancelWorkflow",
        summary="Cancel workflow: terminates its head job and task jobs (force: cancelled even if AWS refuses)",
        tags=["workflows"],
        parameters=[WORKSPACE_ID, FORCE],
        request=None,
        responses=NO_CONTENT,
    )
    def cancel(self, request, workflowId=None):  # noqa: N803 (the path parameter's Seqera name)
        with self.service_errors():
            services.cancel_run(run=self.get_object(), user=request.user, force=_flag(request, "force"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="DescribeWorkflowLaunch",
        summary="Describe workflow launch (the snapshot of what ran)",
        tags=["workflows"],
        parameters=[WORKSPACE_ID],
        responses={200: s.DescribeWorkflowLaunchResponseSerializer, **ERRORS},
    )
    def launch_of(self, request, workflowId=None):  # noqa: N803
        return Response(s.DescribeWorkflowLaunchResponseSerializer({"launch": self.get_object().launch}).data)

    @extend_schema(
        operation_id="GetWorkflowLog",
        summary="One page of the head job's CloudWatch log (the latest lines without `next`)",
        tags=["workflows"],
        parameters=[
            WORKSPACE_ID,
            OpenApiParameter("next", OpenApiTypes.STR, description="forwardToken or rewindToken of a previous page"),
            OpenApiParameter(
                "maxLength", OpenApiTypes.INT64, description="Maximum number of lines (default 200, at most 10000)"
            ),
        ],
        responses={200: s.WorkflowLogResponseSerializer, **ERRORS},
    )
    def log(self, request, workflowId=None):  # noqa: N803
        run = self.get_object()
        raw = request.query_params.get("maxLength") or logs.PAGE_LINES
        try:
            limit = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"maxLength": "Give a whole number."}) from None
        if not 1 <= limit <= 2**63 - 1:
            raise exceptions.ValidationError({"maxLength": "Give a positive number."})
        try:
            result = logs.read_page(run, token=request.query_params.get("next") or None, limit=limit)
        except aws.AwsError as exc:
            raise exceptions.ValidationError(
                {"next": f"CloudWatch refused the read: {aws.error_message(exc)}"}
            ) from None
        return Response({"log": result.as_api()})

    @extend_schema(
        operation_id="DescribeWorkflowProgress",
        summary="Retrieve the execution progress",
        tags=["workflows"],
        parameters=[WORKSPACE_ID],
        responses={200: s.GetProgressResponseSerializer, **ERRORS},
    )
    def progress(self, request, workflowId=None):  # noqa: N803
        return Response(s.GetProgressResponseSerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(
        operation_id="ListPipelines",
        summary="List pipelines",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID, ATTRIBUTES, PageQuery],
        responses={200: s.ListPipelinesResponseSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="DescribePipeline",
        summary="Describe pipeline",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID, ATTRIBUTES],
        responses={200: s.PipelineResponseSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        operation_id="DeletePipeline",
        summary="Delete pipeline (its runs stay)",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID],
        responses=NO_CONTENT,
    ),
)
class PipelineViewSet(ListMixin, RetrieveMixin, DestroyMixin, WorkspaceViewSet):
    model = Pipeline
    lookup_url_kwarg = "pipelineId"
    permission_actions = {
        "list": "pipeline:read",
        "retrieve": "pipeline:read",
        "launch_settings": "pipeline:read",
        "validate_name": "pipeline:read",
        "create": "pipeline:write",
        "update": "pipeline:write",
        "destroy": "pipeline:delete",
    }

    object_related = list_related = ("compute_env", "created_by")
    not_found = "Pipeline not found"
    service_fields = FIELD_MAP
    list_serializer = s.ListPipelinesResponseSerializer
    retrieve_serializer = s.PipelineResponseSerializer

    def search(self, queryset, params):
        if params.get("search"):
            queryset = queryset.filter(Q(name__icontains=params["search"]) | Q(repository__icontains=params["search"]))
        return queryset

    def serializer_context(self):
        return {**super().serializer_context(), "with_labels": _with_labels(self.request)}

    def perform_destroy(self, pipeline):
        services.delete_pipeline(pipeline=pipeline)

    def pipeline_response(self, pipeline: Pipeline) -> Response:
        return Response(s.PipelineResponseSerializer(pipeline, context={"with_labels": True}).data)

    @extend_schema(
        operation_id="CreatePipeline",
        summary="Create pipeline (saved launch settings)",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID],
        request=s.CreatePipelineRequestSerializer,
        responses={200: s.PipelineResponseSerializer, **ERRORS},
    )
    def create(self, request):
        body = s.CreatePipelineRequestSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        launch = data.get("launch") or {}
        with self.service_errors():
            pipeline = services.create_pipeline(
                workspace=self.workspace,
                created_by=request.user,
                name=data["name"],
                description=data.get("description") or "",
                settings=s.settings_from(launch),
                compute_env=launch.get("computeEnvId") or None,
                label_ids=data.get("labelIds"),
            )
        return self.pipeline_response(pipeline)

    @extend_schema(
        operation_id="UpdatePipeline",
        summary="Update pipeline (labelIds replaces its labels)",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID],
        request=s.UpdatePipelineRequestSerializer,
        responses={200: s.PipelineResponseSerializer, **ERRORS},
    )
    def update(self, request, pipelineId=None):  # noqa: N803
        pipeline = self.get_object()
        body = s.UpdatePipelineRequestSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        launch = data.get("launch")
        with self.service_errors():
            services.update_pipeline(
                pipeline=pipeline,
                name=data.get("name"),
                description=data.get("description"),
                settings=s.settings_from(launch) if launch else None,
                compute_env=(launch.get("computeEnvId") or None) if launch and "computeEnvId" in launch else ...,
                label_ids=data.get("labelIds") or [],
            )
        pipeline.refresh_from_db()
        return self.pipeline_response(pipeline)

    @extend_schema(
        operation_id="DescribePipelineLaunch",
        summary="Describe pipeline launch (its settings, with the compute environment a launch would use)",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID],
        responses={200: s.DescribeLaunchResponseSerializer, **ERRORS},
    )
    def launch_settings(self, request, pipelineId=None):  # noqa: N803
        pipeline = self.get_object()
        ce = pipeline.compute_env or services.primary_compute_env(self.workspace)
        return Response(s.DescribeLaunchResponseSerializer(pipeline, context={"compute_env": ce}).data)

    @extend_schema(
        operation_id="ValidatePipelineName",
        summary="Validate pipeline name",
        tags=["pipelines"],
        parameters=[WORKSPACE_ID, OpenApiParameter("name", OpenApiTypes.STR, required=True)],
        responses={**NO_CONTENT, 409: ERROR},
    )
    def validate_name(self, request):
        name = request.query_params.get("name", "")
        problem = services.pipeline_name_error(workspace=self.workspace, name=name)
        if problem is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if Pipeline.objects.filter(workspace=self.workspace, name__iexact=name).exists():
            return Response(
                {"message": "Duplicate element", "errors": {"name": [problem]}}, status=status.HTTP_409_CONFLICT
            )
        raise exceptions.ValidationError({"name": problem})


@extend_schema_view(
    retrieve=extend_schema(
        operation_id="DescribePipelineSecret",
        summary="Describe pipeline secret",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID],
        responses={200: s.DescribePipelineSecretResponseSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        operation_id="DeletePipelineSecret",
        summary="Delete pipeline secret",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID],
        responses=NO_CONTENT,
    ),
)
class PipelineSecretViewSet(RetrieveMixin, DestroyMixin, WorkspaceViewSet):
    model = PipelineSecret
    lookup_url_kwarg = "secretId"
    permission_actions = {
        "list": "pipeline_secrets:read",
        "retrieve": "pipeline_secrets:read",
        "validate_name": "pipeline_secrets:read",
        "create": "pipeline_secrets:write",
        "update": "pipeline_secrets:write",
        "destroy": "pipeline_secrets:delete",
    }

    not_found = "Pipeline secret not found"
    service_fields = FIELD_MAP
    retrieve_serializer = s.DescribePipelineSecretResponseSerializer

    def perform_destroy(self, secret):
        services.delete_pipeline_secret(secret=secret)

    @extend_schema(
        operation_id="ListPipelineSecrets",
        summary="List pipeline secrets (names and dates; values are never returned)",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID],
        responses={200: s.ListPipelineSecretsResponseSerializer, **ERRORS},
    )
    def list(self, request):
        secrets = list(self.get_queryset().order_by("name")[:MAX_PAGE])  # one page of all there are, no COUNT
        return Response(s.ListPipelineSecretsResponseSerializer(Page(secrets, len(secrets), limit=MAX_PAGE)).data)

    @extend_schema(
        operation_id="CreatePipelineSecret",
        summary="Create pipeline secret (the value is write-only)",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID],
        request=s.CreatePipelineSecretRequestSerializer,
        responses={200: s.CreatePipelineSecretResponseSerializer, **ERRORS},
    )
    def create(self, request):
        body = s.CreatePipelineSecretRequestSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        with self.service_errors():
            secret = services.create_pipeline_secret(
                workspace=self.workspace,
                created_by=request.user,
                name=body.validated_data["name"],
                value=body.validated_data["value"],
            )
        return Response({"secretId": secret.pk})

    @extend_schema(
        operation_id="UpdatePipelineSecret",
        summary="Update secret (its value)",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID],
        request=s.UpdatePipelineSecretRequestSerializer,
        responses=NO_CONTENT,
    )
    def update(self, request, secretId=None):  # noqa: N803
        secret = self.get_object()
        body = s.UpdatePipelineSecretRequestSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        with self.service_errors():
            services.update_pipeline_secret(secret=secret, value=body.validated_data["value"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="ValidatePipelineSecretName",
        summary="Validate secret name",
        tags=["pipeline-secrets"],
        parameters=[WORKSPACE_ID, OpenApiParameter("name", OpenApiTypes.STR, required=True)],
        responses={**NO_CONTENT, 409: ERROR},
    )
    def validate_name(self, request):
        name = request.query_params.get("name", "")
        problem = services.secret_name_error(workspace=self.workspace, name=name)
        if problem is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if PipelineSecret.objects.filter(workspace=self.workspace, name=name).exists():
            return Response(
                {"message": "Duplicate element", "errors": {"name": [problem]}}, status=status.HTTP_409_CONFLICT
            )
        raise exceptions.ValidationError({"name": problem})
