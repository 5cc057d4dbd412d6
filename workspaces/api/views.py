"""REST API of the workspaces app, in the shapes of the Seqera Platform API.

Workspace-owned objects (credentials, labels) are served by `WorkspaceViewSet`s scoped by
``?workspaceId=``; organizations, workspaces and participants are looked up through the caller's
memberships, so anything the caller is not part of is 404. Every write goes through
`workspaces.services`; its field-keyed `ValidationError`s become 400s keyed by API field names.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from seqera.api import ERRORS, WORKSPACE_ID, PageQuery, api_errors, page, query_params, responses
from workspaces import services
from workspaces.api import serializers as s
from workspaces.models import (
    ApiToken,
    Credentials,
    Label,
    Organization,
    OrgMembership,
    Participant,
    Workspace,
    name_validator,
)
from workspaces.permissions import OrgRole, WorkspaceRole, higher_role
from workspaces.tenancy import WorkspaceViewSet

User = get_user_model()


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workspaces.api.authentication.BearerTokenAuthentication"
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Personal access token (POST /api/tokens)."}


def unwrap(request, envelope: str, serializer_class) -> dict:
    """Validated content of a Seqera envelope (`{"credentials": {...}}`); errors are keyed inside it."""
    content = request.data.get(envelope) if isinstance(request.data, dict) else None
    if not isinstance(content, dict):
        raise exceptions.ValidationError({envelope: [f'Send the fields inside "{envelope}": {{...}}.']})
    body = serializer_class(data=content)
    body.is_valid(raise_exception=True)
    return body.validated_data


class LabelQuery(PageQuery):
    type = serializers.ChoiceField(choices=["simple", "resource", "all"], default="all", help_text="Label type")
    isDefault = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="Label default flag")


# --------------------------------------------------------------------------- service and user
class ServiceInfoView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="Info",
        summary="General service features and version",
        tags=["service-info"],
        responses={200: s.ServiceInfoResponseSerializer},
    )
    def get(self, request):
        info = {
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "apiVersion": settings.SPECTACULAR_SETTINGS["VERSION"],
            "authTypes": ["bearer", "session"],
            "loginPath": resolve_url(settings.LOGIN_URL),
            "contactEmail": settings.DEFAULT_FROM_EMAIL,
            "heartbeatInterval": 60,
            "userWorkspaceEnabled": False,
            "allowInstanceCredentials": settings.ALLOW_INSTANCE_CREDENTIALS,
            "seqeraCloud": False,
            "waveEnabled": False,
        }
        return Response(s.ServiceInfoResponseSerializer({"serviceInfo": info}).data)


class UserInfoView(APIView):
    @extend_schema(
        operation_id="UserInfo",
        summary="Describe current user",
        tags=["users"],
        responses=responses({200: s.DescribeUserResponseSerializer}),
    )
    def get(self, request):
        first_workspace = (
            Workspace.objects.restrict(request.user, "workspace:read").values_list("id", flat=True).first()
        )
        payload = {"user": request.user, "needConsent": False, "defaultWorkspaceId": first_workspace}
        return Response(s.DescribeUserResponseSerializer(payload).data)


# --------------------------------------------------------------------------- organizations and workspaces
def member_orgs(user):
    """Organizations `user` belongs to, annotated with their membership (`member_id`, `member_role`)."""
    mine = OrgMembership.objects.filter(org=OuterRef("pk"), user=user)
    return Organization.objects.annotate(
        member_id=Subquery(mine.values("id")[:1]), member_role=Subquery(mine.values("role")[:1])
    ).filter(member_id__isnull=False)


def visible_workspace(user, org_id: int, workspace_id: int) -> Workspace:
    # `pk` lookups treat ids too large for the database as not found; `org_id` (a foreign key) would not.
    workspace = get_object_or_404(
        Workspace.objects.restrict(user, "workspace:read").select_related("org"), pk=workspace_id
    )
    if workspace.org_id != org_id:
        raise exceptions.NotFound()
    return workspace


@extend_schema(tags=["orgs"])
class OrganizationListView(APIView):
    @extend_schema(
        operation_id="ListOrganizations",
        summary="List organizations",
        parameters=[OpenApiParameter("role", str, enum=OrgRole.values, description="Organization user role")],
        responses=responses({200: s.ListOrganizationsResponseSerializer}),
    )
    def get(self, request):
        orgs = member_orgs(request.user)
        if role := request.query_params.get("role"):
            orgs = orgs.filter(member_role=role)
        orgs = list(orgs)
        return Response(s.ListOrganizationsResponseSerializer({"organizations": orgs, "totalSize": len(orgs)}).data)


@extend_schema(tags=["orgs"])
class OrganizationDetailView(APIView):
    @extend_schema(
        operation_id="DescribeOrganization",
        summary="Describe organization",
        responses=responses({200: s.DescribeOrganizationResponseSerializer}, 404),
    )
    def get(self, request, orgId: int):  # noqa: N803
        org = get_object_or_404(member_orgs(request.user), pk=orgId)
        return Response(s.DescribeOrganizationResponseSerializer({"organization": org}).data)


@extend_schema(tags=["workspaces"])
class WorkspaceListView(APIView):
    @extend_schema(
        operation_id="ListWorkspaces",
        summary="List the organization's workspaces you belong to",
        responses=responses({200: s.ListWorkspacesResponseSerializer}, 404),
    )
    def get(self, request, orgId: int):  # noqa: N803
        org = get_object_or_404(member_orgs(request.user), pk=orgId)
        workspaces = Workspace.objects.restrict(request.user, "workspace:read").filter(org=org)
        return Response(s.ListWorkspacesResponseSerializer({"workspaces": workspaces}).data)


@extend_schema(tags=["workspaces"])
class WorkspaceDetailView(APIView):
    @extend_schema(
        operation_id="DescribeWorkspace",
        summary="Describe workspace",
        responses=responses({200: s.DescribeWorkspaceResponseSerializer}, 404),
    )
    def get(self, request, orgId: int, workspaceId: int):  # noqa: N803
        workspace = visible_workspace(request.user, orgId, workspaceId)
        return Response(s.DescribeWorkspaceResponseSerializer({"workspace": workspace}).data)


@extend_schema(tags=["workspaces"])
class ParticipantListView(APIView):
    @extend_schema(
        operation_id="ListWorkspaceParticipants",
        summary="List workspace participants",
        parameters=[PageQuery],
        responses=responses({200: s.ListParticipantsResponseSerializer}, 404),
    )
    def get(self, request, orgId: int, workspaceId: int):  # noqa: N803
        workspace = visible_workspace(request.user, orgId, workspaceId)
        params = query_params(request, PageQuery)
        participants = (
            Participant.objects.restrict(request.user, "participant:read")
            .in_workspace(workspace)
            .select_related("user", "team", "workspace")
            .prefetch_related(
                Prefetch("user__org_memberships", queryset=OrgMembership.objects.filter(org=workspace.org))
            )
            .order_by("id")
        )
        if term := params.get("search"):
            participants = participants.filter(
                Q(user__username__icontains=term)
                | Q(user__email__icontains=term)
                | Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(team__name__icontains=term)
            )
        items, total = page(participants, params)
        return Response(s.ListParticipantsResponseSerializer({"participants": items, "totalSize": total}).data)


@extend_schema(tags=["workspaces"])
class UserWorkspacesView(APIView):
    @extend_schema(
        operation_id="ListWorkspacesUser",
        summary="List your workspaces and organizations",
        description="Only your own `userId` is allowed; any other id is 403.",
        responses=responses({200: s.ListWorkspacesAndOrgResponseSerializer}, 403, 404),
    )
    def get(self, request, userId: int):  # noqa: N803
        user = request.user
        if userId != user.pk:
            raise exceptions.PermissionDenied("You can only list your own workspaces.")
        memberships = list(OrgMembership.objects.filter(user=user).select_related("org").order_by("org__name"))
        owned_orgs = {m.org_id for m in memberships if m.role == OrgRole.OWNER}
        roles: dict[int, list[str]] = {}
        for workspace_id, role in Participant.objects.filter(Q(user=user) | Q(team__members=user)).values_list(
            "workspace_id", "role"
        ):
            roles.setdefault(workspace_id, []).append(role)
        entries = [
            {
                "orgId": m.org_id,
                "orgName": m.org.name,
                "orgLogoUrl": None,
                "workspaceId": None,
                "workspaceName": None,
                "workspaceFullName": None,
                "visibility": None,
                "roles": [m.role],
            }
            for m in memberships
        ]
        for workspace in Workspace.objects.restrict(user, "workspace:read").select_related("org"):
            role = WorkspaceRole.OWNER if workspace.org_id in owned_orgs else higher_role(*roles.get(workspace.id, []))
            entries.append(
                {
                    "orgId": workspace.org_id,
                    "orgName": workspace.org.name,
                    "orgLogoUrl": None,
                    "workspaceId": workspace.id,
                    "workspaceName": workspace.name,
                    "workspaceFullName": workspace.full_name,
                    "visibility": workspace.visibility,
                    "roles": [role],
                }
            )
        return Response(s.ListWorkspacesAndOrgResponseSerializer({"orgsAndWorkspaces": entries}).data)


# --------------------------------------------------------------------------- workspace-scoped viewsets
class ApiWorkspaceViewSet(WorkspaceViewSet):
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request workspace
            return self.model.objects.none()
        return super().get_queryset()


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
        items, total = page(credentials.order_by("name"), params)
        return Response(s.ListCredentialsResponseSerializer({"credentials": items, "totalSize": total}).data)

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
        access_key = data.get("access_key", "").strip()
        secret_key = data.get("secret_key", "")
        if access_key and access_key != credentials.access_key and not secret_key:
            raise exceptions.ValidationError(
                {"keys": {"secretKey": ["Give the secret access key of the new access key id."]}}
            )
        try:
            with transaction.atomic():
                services.update_credentials(
                    credentials=credentials,
                    name=data.get("name", credentials.name),
                    description=data.get("description", credentials.description),
                    assume_role_arn=data.get("assume_role_arn"),
                )
                if secret_key:
                    services.replace_secret(
                        credentials=credentials, access_key=access_key or credentials.access_key, secret_key=secret_key
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


@extend_schema(tags=["labels"], parameters=[WORKSPACE_ID])
@extend_schema_view(
    list=extend_schema(
        operation_id="ListLabels",
        summary="List labels",
        parameters=[LabelQuery],
        responses=responses({200: s.ListLabelsResponseSerializer}, 403, 404),
    ),
    create=extend_schema(
        operation_id="CreateLabel",
        summary="Create label (or return the identical existing one)",
        request=s.CreateLabelSerializer,
        responses=responses({200: s.CreateLabelResponseSerializer}, 403, 404),
    ),
    update=extend_schema(
        operation_id="UpdateLabel",
        summary="Update label",
        request=s.UpdateLabelSerializer,
        responses=responses({200: s.UpdateLabelResponseSerializer}, 403, 404),
    ),
    destroy=extend_schema(
        operation_id="DeleteLabel", summary="Delete label", responses=responses({204: None}, 403, 404)
    ),
)
class LabelViewSet(ApiWorkspaceViewSet):
    model = Label
    serializer_class = s.CreateLabelSerializer  # what OPTIONS describes
    lookup_url_kwarg = "labelId"
    lookup_value_regex = r"\d+"
    permission_actions = {
        "list": "label:read",
        "metadata": "label:read",
        "create": "label:write",
        "update": "label:write",
        "destroy": "label:delete",
    }

    def list(self, request):
        params = query_params(request, LabelQuery)
        labels = self.get_queryset().order_by("name")
        if params["type"] != "all":
            labels = labels.filter(resource=params["type"] == "resource")
        if params.get("isDefault") is not None:
            labels = labels.filter(is_default=params["isDefault"])
        if term := params.get("search"):
            labels = labels.filter(Q(name__icontains=term) | Q(value__icontains=term))
        items, total = page(labels, params)
        return Response(s.ListLabelsResponseSerializer({"labels": items, "totalSize": total}).data)

    def create(self, request):
        body = s.CreateLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        name, value, resource = data["name"].strip(), (data.get("value") or "").strip(), data["resource"]
        label = self.get_queryset().filter(name=name, value=value, resource=resource).first()
        if label is None:
            try:
                label = services.create_label(
                    workspace=self.workspace, name=name, value=value, resource=resource, is_default=data["isDefault"]
                )
            except DjangoValidationError as exc:
                raise api_errors(exc) from None
        return Response(s.CreateLabelResponseSerializer(label).data)

    def update(self, request, **kwargs):
        label = self.get_object()
        body = s.UpdateLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            services.update_label(
                label=label,
                name=data.get("name", label.name),
                value=(data["value"] or "") if "value" in data else label.value,
                is_default=data.get("isDefault"),
            )
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        return Response(s.UpdateLabelResponseSerializer(label).data)

    def destroy(self, request, **kwargs):
        try:
            services.delete_label(label=self.get_object())
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- access tokens
@extend_schema(tags=["tokens"])
@extend_schema_view(
    list=extend_schema(
        operation_id="TokenList",
        summary="List your access tokens",
        responses=responses({200: s.ListAccessTokensResponseSerializer}),
    ),
    create=extend_schema(
        operation_id="CreateToken",
        summary="Create an access token (shown once)",
        request=s.CreateAccessTokenSerializer,
        responses=responses({200: s.CreateAccessTokenResponseSerializer, 409: ERRORS[409]}),
    ),
    destroy=extend_schema(
        operation_id="DeleteToken", summary="Revoke one of your access tokens", responses=responses({204: None}, 404)
    ),
)
class AccessTokenViewSet(viewsets.GenericViewSet):
    """The caller's own personal access tokens; the token itself is returned once, at creation."""

    serializer_class = s.CreateAccessTokenSerializer  # what OPTIONS describes
    lookup_url_kwarg = "tokenId"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def list(self, request):
        return Response(s.ListAccessTokensResponseSerializer({"tokens": self.get_queryset()}).data)

    def create(self, request):
        body = s.CreateAccessTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = body.validated_data["name"].strip()
        if self.get_queryset().filter(name=name).exists():
            return Response({"message": f"You already have a token named {name}."}, status=status.HTTP_409_CONFLICT)
        try:
            token, plaintext = services.create_api_token(
                user=request.user, name=name, expires_at=body.validated_data.get("expiresAt")
            )
        except DjangoValidationError as exc:
            raise api_errors(exc, {"expires_at": ("expiresAt",)}) from None
        return Response(s.CreateAccessTokenResponseSerializer({"accessKey": plaintext, "token": token}).data)

    def destroy(self, request, **kwargs):
        services.revoke_api_token(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
