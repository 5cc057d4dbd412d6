"""REST API of the workspaces app, in the shapes of the Seqera Platform API, one module per area.

Workspace-owned objects (credentials, labels) are served by `WorkspaceViewSet`s scoped by
``?workspaceId=``; organizations, workspaces and participants are looked up through the caller's
memberships, so anything the caller is not part of is 404. Every write goes through
`workspaces.services`; its field-keyed `ValidationError`s become 400s keyed by API field names.
"""

from workspaces.api.views.accounts import ServiceInfoView, UserInfoView
from workspaces.api.views.common import ApiWorkspaceViewSet, BearerTokenScheme, LabelQuery, unwrap
from workspaces.api.views.credentials import CONFLICT_TYPES, CREDENTIALS_FIELDS, CredentialsViewSet, conflict
from workspaces.api.views.labels import LabelViewSet
from workspaces.api.views.organizations import (
    OrganizationDetailView,
    OrganizationListView,
    ParticipantListView,
    UserWorkspacesView,
    WorkspaceDetailView,
    WorkspaceListView,
    visible_workspace,
)
from workspaces.api.views.tokens import AccessTokenViewSet

__all__ = [
    "CONFLICT_TYPES",
    "CREDENTIALS_FIELDS",
    "AccessTokenViewSet",
    "ApiWorkspaceViewSet",
    "BearerTokenScheme",
    "CredentialsViewSet",
    "LabelQuery",
    "LabelViewSet",
    "OrganizationDetailView",
    "OrganizationListView",
    "ParticipantListView",
    "ServiceInfoView",
    "UserInfoView",
    "UserWorkspacesView",
    "WorkspaceDetailView",
    "WorkspaceListView",
    "conflict",
    "unwrap",
    "visible_workspace",
]
