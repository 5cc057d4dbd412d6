"""AWS credentials of a workspace (write-only secrets)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from seqera.api import ERRORS, WORKSPACE_ID, PageQuery, api_errors, page, query_params, responses
from workspaces import services
from workspaces.api import serializers as s
from workspaces.api.views.common import ApiWorkspaceViewSet, unwrap
from workspaces.models import (
    Credentials,
    name_validator,
)

CREDENTIALS_FIELDS = {
    "access_key": ("keys", "accessKey"),
    "secret_key": ("keys", "secretKey"),
    "assume_role_arn": ("keys", "assumeRoleArn"),
    "external_id": ("keys", "externalId"),
}
CONFLICT_TYPES = {"computeenvs.computeenv": ("compute-env", "/api/compute-envs/{id}?workspaceId={workspace_id}")}


def conflict(obj) -> dict:
    kind, url = CONFLICT_TYPES.get(obj._meta.label_lower, (obj._meta.model_name, None))
    return {
        "id": str(obj.pk),
        "name": getattr(obj, "name", str(obj)),
        "type": kind,
        "url": url.format(id=obj.pk, workspace_id=getattr(obj, "workspace_id", "")) if url else None,
    }


@extend_schema(tags=["credentials"], parameters=[WORKSPACE_ID])
@extend_schema_view(
    list=extend_schema(
        operation_id="ListCredentials",
        summary="List credentials",
        parameters=[OpenApiParameter("platformId", str, description="Only `aws` is supported"), PageQuery],
        responses=responses({200: s.ListCredentialsResponseSerializer}, 403, 404),
    ),
    create=extend_schema(
        operation_id="CreateCredentials",
        summary="Create credentials",
        request=s.CreateCredentialsSerializer,
        responses=responses({200: s.CreateCredentialsResponseSerializer}, 403, 404),
    ),
    retrieve=extend_schema(
        operation_id="DescribeCredentials",
        summary="Describe credentials",
        responses=responses({200: s.DescribeCredentialsResponseSerializer}, 403, 404),
    ),
    update=extend_schema(
        operation_id="UpdateCredentials",
        summary="Update credentials",
        description="Omitted fields keep their value. A `keys.secretKey` replaces the key pair "
        "(with `keys.accessKey`, or the current access key id when omitted).",
        request=s.UpdateCredentialsSerializer,
        responses=responses({204: None}, 403, 404),
    ),
    destroy=extend_schema(
        operation_id="DeleteCredentials",
        summary="Delete credentials",
        responses=responses({204: None, 409: s.DeleteCredentialsConflictResponseSerializer}, 403, 404),
    ),
    validate_name=extend_schema(
        operation_id="ValidateCredentialsName",
        summary="Validate credentials name",
        parameters=[OpenApiParameter("name", str, required=True)],
        responses=responses({204: None, 409: ERRORS[409]}, 403, 404),
    ),
    revalidate=extend_schema(
        operation_id="ValidateCredentials",
        summary="Check credentials against AWS (queued)",
        description="Queues a check (STS GetCallerIdentity, AssumeRole when a role is set); "
        "the result appears in `status`, `message` and `lastValidated`.",
        request=None,
        responses=responses({202: None}, 403, 404),
    ),
)
class CredentialsViewSet(ApiWorkspaceViewSet):
    """AWS credentials of a workspace. `keys.secretKey` is accepted, never returned; no response is cached."""

    model = Credentials
    serializer_class = s.CreateCredentialsSerializer  # what OPTIONS describes
    lookup_url_kwarg = "credentialsId"
    lookup_value_regex = "[A-Za-z0-9]+"
    permission_actions = {
        "list": "credentials:read",
        "retrieve": "credentials:read",
        "validate_name": "credentials:read",
        "metadata": "credentials:read",
        "create": "credentials:write",
        "update": "credentials:write",
        "revalidate": "credentials:write",
        "destroy": "credentials:delete",
    }

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def list(self, request):
        params = query_params(request, PageQuery)
        credentials = self.get_queryset()
        if request.query_params.get("platformId", "aws") != "aws":
            credentials = credentials.none()
        if params.get("search"):
            credentials = credentials.filter(name__icontains=params["search"])
        return Response(s.ListCredentialsResponseSerializer(page(credentials.order_by("name"), params)).data)

    def create(self, request):
        data = unwrap(request, "credentials", s.CredentialsSerializer)
        try:
            credentials = services.create_credentials(
                workspace=self.workspace,
                created_by=request.user,
                name=data["name"],
                description=data.get("description", ""),
                access_key=data.get("access_key", ""),
                secret_key=data.get("secret_key", ""),
                assume_role_arn=data.get("assume_role_arn", ""),
            )
        except DjangoValidationError as exc:
            raise api_errors(exc, CREDENTIALS_FIELDS) from None
        return Response(s.CreateCredentialsResponseSerializer({"credentialsId": credentials.id}).data)

    def retrieve(self, request, **kwargs):
        return Response(s.DescribeCredentialsResponseSerializer({"credentials": self.get_object()}).data)

    def update(self, request, **kwargs):
        credentials = self.get_object()
        data = unwrap(request, "credentials", s.UpdateCredentialsBodySerializer)
        try:
            services.change_credentials(
                credentials=credentials,
                name=data.get("name", credentials.name),
                description=data.get("description", credentials.description),
                assume_role_arn=data.get("assume_role_arn"),
                access_key=data.get("access_key", ""),
                secret_key=data.get("secret_key", ""),
            )
        except DjangoValidationError as exc:
            raise api_errors(exc, CREDENTIALS_FIELDS) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def destroy(self, request, **kwargs):
        credentials = self.get_object()
        try:
            services.delete_credentials(credentials=credentials)
        except services.CredentialsInUse as exc:
            body = {
                "message": exc.messages[0],
                "credentialsId": credentials.id,
                "conflicts": [conflict(u) for u in exc.users],
            }
            return Response(s.DeleteCredentialsConflictResponseSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["get"], url_path="validate", url_name="validate-name")
    def validate_name(self, request):
        name = request.query_params.get("name", "").strip()
        if not name:
            raise exceptions.ValidationError({"name": ["This query parameter is required."]})
        try:
            name_validator(name)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"name": exc.messages}) from None
        longest = Credentials._meta.get_field("name").max_length
        if len(name) > longest:
            raise exceptions.ValidationError({"name": [f"At most {longest} characters."]})
        if taken := services.credentials_name_taken(workspace=self.workspace, name=name):
            return Response({"message": taken}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="validate", url_name="validate")
    def revalidate(self, request, **kwargs):
        services.request_credentials_validation(credentials=self.get_object())
        return Response(status=status.HTTP_202_ACCEPTED)
