from django.contrib import admin
from django.urls import include, path

from seqera import health, metrics

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("seqera.api_urls")),
    path("", include("workspaces.account_urls")),
    path("", include("workspaces.urls")),
    path("orgs/<str:org>/workspaces/<str:workspace>/compute-envs/", include("computeenvs.urls")),
    path("orgs/<str:org>/workspaces/<str:workspace>/", include("pipelines.urls")),
    path("orgs/<str:org>/workspaces/<str:workspace>/", include("pipelines.trace.page_urls")),
]

handler400 = "seqera.errors.bad_request"
handler403 = "seqera.errors.permission_denied"
handler404 = "seqera.errors.page_not_found"
handler500 = "seqera.errors.server_error"
