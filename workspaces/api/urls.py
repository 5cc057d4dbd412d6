from django.urls import path
from rest_framework.routers import SimpleRouter

from workspaces.api import views

router = SimpleRouter(trailing_slash=False)
router.register("credentials", views.CredentialsViewSet, basename="api-credentials")
router.register("labels", views.LabelViewSet, basename="api-labels")
router.register("tokens", views.AccessTokenViewSet, basename="api-tokens")

urlpatterns = [
    path("service-info", views.ServiceInfoView.as_view(), name="api-service-info"),
    path("user-info", views.UserInfoView.as_view(), name="api-user-info"),
    path("orgs", views.OrganizationListView.as_view(), name="api-orgs"),
    path("orgs/<int:orgId>", views.OrganizationDetailView.as_view(), name="api-org"),
    path("orgs/<int:orgId>/workspaces", views.WorkspaceListView.as_view(), name="api-workspaces"),
    path("orgs/<int:orgId>/workspaces/<int:workspaceId>", views.WorkspaceDetailView.as_view(), name="api-workspace"),
    path(
        "orgs/<int:orgId>/workspaces/<int:workspaceId>/participants",
        views.ParticipantListView.as_view(),
        name="api-participants",
    ),
    path("user/<int:userId>/workspaces", views.UserWorkspacesView.as_view(), name="api-user-workspaces"),
    *router.urls,
]
