"""Organizations, workspaces and participants, looked up through the caller's memberships (anything the caller is not part of is 404)."""

from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from seqera.api import PageQuery, page, query_params, responses
from workspaces import selectors
from workspaces.api import serializers as s
from workspaces.models import (
    OrgMembership,
    Participant,
    Workspace,
)
from workspaces.permissions import OrgRole


# --------------------------------------------------------------------------- organizations and workspaces
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
        orgs = selectors.member_orgs(request.user)
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
        org = get_object_or_404(selectors.member_orgs(request.user), pk=orgId)
        return Response(s.DescribeOrganizationResponseSerializer({"organization": org}).data)


@extend_schema(tags=["workspaces"])
class WorkspaceListView(APIView):
    @extend_schema(
        operation_id="ListWorkspaces",
        summary="List the organization's workspaces you belong to",
        responses=responses({200: s.ListWorkspacesResponseSerializer}, 404),
    )
    def get(self, request, orgId: int):  # noqa: N803
        org = get_object_or_404(selectors.member_orgs(request.user), pk=orgId)
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
        return Response(s.ListParticipantsResponseSerializer(page(participants, params)).data)


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
        owned = {m.org_id for m in memberships if m.role == OrgRole.OWNER}
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
        entries += [
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
            for workspace, role in selectors.workspace_roles(user, owned_org_ids=owned)
        ]
        return Response(s.ListWorkspacesAndOrgResponseSerializer({"orgsAndWorkspaces": entries}).data)
