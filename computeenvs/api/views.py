"""Compute-environment API in the Seqera shapes (``/api/compute-envs?workspaceId=``).

Scoping, 404 for outsiders and 403 for low roles come from `WorkspaceViewSet`; every write goes
through `computeenvs.services`, whose errors are keyed ``name``, ``credentialsId``, ``labelIds``
and ``config.<camelCase path>``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response

from computeenvs import selectors, services
from computeenvs.api import serializers as s
from computeenvs.models import ComputeEnv
from seqera.api import ERRORS as RESPONSES
from seqera.api import WORKSPACE_ID, PageQuery
from workspaces.tenancy import ListMixin, RetrieveMixin, WorkspaceViewSet

ATTRIBUTES = OpenApiParameter(
    "attributes", OpenApiTypes.STR, description="Comma-separated extra attributes to include: labels, resources"
)
ERRORS = {code: RESPONSES[code] for code in (400, 401, 403, 404)}
NO_CONTENT = {204: OpenApiResponse(description="OK - No content"), **ERRORS}


def _attributes(request) -> set[str]:
    raw = ",".join(request.query_params.getlist("attributes"))
    values = {value.strip() for value in raw.split(",") if value.strip()}
    unknown = values - {"labels", "resources"}
    if unknown:
        raise exceptions.ValidationError(
            {"attributes": f"Unknown attributes: {', '.join(sorted(unknown))}. Use labels, resources."}
        )
    return values


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": "The request body must be a JSON object."})
    return request.data


@extend_schema_view(
    list=extend_schema(
        operation_id="ListComputeEnvs",
        summary="List compute environments",
        tags=["compute-envs"],
        parameters=[
            WORKSPACE_ID,
            ATTRIBUTES,
            OpenApiParameter("status", OpenApiTypes.STR, description="Compute environment status"),
            PageQuery,
        ],
        responses={200: s.ListComputeEnvsResponseSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="DescribeComputeEnv",
        summary="Describe compute environment",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID, ATTRIBUTES],
        responses={200: s.DescribeComputeEnvResponseSerializer, **ERRORS},
    ),
)
class ComputeEnvViewSet(ListMixin, RetrieveMixin, WorkspaceViewSet):
    model = ComputeEnv
    permission_actions = {
        "list": "compute_environment:read",
        "retrieve": "compute_environment:read",
        "validate_name": "compute_environment:read",
        "create": "compute_environment:write",
        "update": "compute_environment:write",
        "primary": "compute_environment:write",
        "disable": "compute_environment:write",
        "enable": "compute_environment:write",
        "validate": "compute_environment:write",
        "destroy": "compute_environment:delete",
    }

    object_related = ("workspace", "credentials")
    not_found = "Compute environment not found"
    list_serializer = s.ListComputeEnvsResponseSerializer
    retrieve_serializer = s.DescribeComputeEnvResponseSerializer

    def serializer_context(self):
        return {**super().serializer_context(), "with_labels": "labels" in _attributes(self.request)}

    def list_queryset(self, queryset):
        queryset = selectors.for_listing(queryset)
        if wanted := self.request.query_params.get("status"):
            if wanted.upper() not in s.STATUSES:
                raise exceptions.ValidationError(
                    {"status": f"Unknown status {wanted}. Use one of {', '.join(s.STATUSES)}."}
                )
            queryset = queryset.filter(status=wanted.upper())
        return queryset

    def search(self, queryset, params):
        if params.get("search"):
            queryset = queryset.filter(name__icontains=params["search"])
        return queryset

    @extend_schema(
        operation_id="CreateComputeEnv",
        summary="Create compute environment",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=s.CreateComputeEnvRequestSerializer,
        responses={200: s.CreateComputeEnvResponseSerializer, **ERRORS},
    )
    def create(self, request):
        request_data = s.CreateComputeEnvRequestSerializer(data=_body(request))
        request_data.is_valid(raise_exception=True)
        body, label_ids = request_data.validated_data["computeEnv"], request_data.validated_data["labelIds"]
        if body["platform"] != selectors.PLATFORM:
            raise exceptions.ValidationError(
                {"platform": f"Only {selectors.PLATFORM} is supported (got {body['platform']})."}
            )
        ce = services.create_compute_env(
            workspace=self.workspace,
            created_by=request.user,
            name=body["name"],
            description=body["description"] or "",
            credentials=body["credentialsId"],
            config=body["config"],
            label_ids=label_ids,
        )
        return Response({"computeEnvId": ce.pk})

    @extend_schema(
        operation_id="UpdateComputeEnv",
        summary="Update compute environment (name, description, credentials)",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=s.UpdateComputeEnvRequestSerializer,
        responses={**NO_CONTENT, 409: RESPONSES[409]},
    )
    def update(self, request, pk=None):
        ce = self.get_object()
        request_data = s.UpdateComputeEnvRequestSerializer(data=_body(request))
        request_data.is_valid(raise_exception=True)
        data = request_data.validated_data
        services.update_compute_env(
            ce=ce,
            name=data.get("name"),
            description=data.get("description"),
            credentials=data.get("credentialsId") or None,
            config=data.get("config"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="DeleteComputeEnv",
        summary="Delete compute environment (a Forge CE with Dispose resources on shows DELETING until its "
        "AWS resources are gone)",
        tags=["compute-envs"],
        parameters=[
            WORKSPACE_ID,
            OpenApiParameter(
                "force",
                OpenApiTypes.BOOL,
                description="Drop the record at once, keeping what is left in AWS (only ERRORED, INVALID or DELETING).",
            ),
        ],
        responses={**NO_CONTENT, 400: RESPONSES[400]},
    )
    def destroy(self, request, pk=None):
        force = request.query_params.get("force", "").lower() in ("true", "1")
        try:
            services.delete_compute_env(ce=self.get_object(), force=force)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"force": exc.messages}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="UpdateComputeEnvPrimary",
        summary="Define primary compute environment",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=None,
        responses=NO_CONTENT,
    )
    def primary(self, request, pk=None):
        services.make_primary(ce=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="DisableComputeEnv",
        summary="Disable a compute environment: no launches, not primary, Forge queues disabled in AWS",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=None,
        responses=NO_CONTENT,
    )
    def disable(self, request, pk=None):
        services.disable_compute_env(ce=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="EnableComputeEnv",
        summary="Enable a disabled compute environment (asynchronous: its queues are enabled or checked again)",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=None,
        responses=NO_CONTENT,
    )
    def enable(self, request, pk=None):
        services.enable_compute_env(ce=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="ValidateComputeEnv",
        summary="Check the job queues and the work directory in AWS again (asynchronous; watch the status)",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID],
        request=None,
        responses={202: OpenApiResponse(description="Validation enqueued"), **ERRORS},
    )
    def validate(self, request, pk=None):
        ce = self.get_object()
        try:
            services.request_validation(ce)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"status": exc.messages}) from None
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="ValidateComputeEnvName",
        summary="Validate compute environment name",
        tags=["compute-envs"],
        parameters=[WORKSPACE_ID, OpenApiParameter("name", OpenApiTypes.STR, required=True)],
        responses={**NO_CONTENT, 409: RESPONSES[409]},
    )
    def validate_name(self, request):
        name = request.query_params.get("name", "")
        problem = services.name_error(workspace=self.workspace, name=name)
        if problem is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if ComputeEnv.objects.filter(workspace=self.workspace, name__iexact=name).exists():
            return Response(
                {"message": "Duplicate element", "errors": {"name": [problem]}}, status=status.HTTP_409_CONFLICT
            )
        raise exceptions.ValidationError({"name": problem})
