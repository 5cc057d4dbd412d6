from django.urls import path

from computeenvs.api.views import ComputeEnvViewSet

urlpatterns = [
    path("compute-envs", ComputeEnvViewSet.as_view({"get": "list", "post": "create"}), name="api-compute-envs"),
    path(
        "compute-envs/validate",
        ComputeEnvViewSet.as_view({"get": "validate_name"}),
        name="api-compute-env-validate-name",
    ),
    path(
        "compute-envs/<str:pk>",
        ComputeEnvViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="api-compute-env",
    ),
    path(
        "compute-envs/<str:pk>/primary",
        ComputeEnvViewSet.as_view({"post": "primary"}),
        name="api-compute-env-primary",
    ),
    path(
        "compute-envs/<str:pk>/disable",
        ComputeEnvViewSet.as_view({"post": "disable"}),
        name="api-compute-env-disable",
    ),
    path(
        "compute-envs/<str:pk>/enable",
        ComputeEnvViewSet.as_view({"post": "enable"}),
        name="api-compute-env-enable",
    ),
    path(
        "compute-envs/<str:pk>/validate",
        ComputeEnvViewSet.as_view({"post": "validate"}),
        name="api-compute-env-validate",
    ),
]
