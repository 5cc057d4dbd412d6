from django.urls import path

from pipelines.api.views import PipelineSecretViewSet, PipelineViewSet, WorkflowViewSet

urlpatterns = [
    path("workflow", WorkflowViewSet.as_view({"get": "list"}), name="api-workflows"),
    path("workflow/launch", WorkflowViewSet.as_view({"post": "launch"}), name="api-workflow-launch"),
    path("workflow/random-name", WorkflowViewSet.as_view({"get": "random_name"}), name="api-workflow-random-name"),
    path(
        "workflow/<str:workflowId>",
        WorkflowViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api-workflow",
    ),
    path("workflow/<str:workflowId>/cancel", WorkflowViewSet.as_view({"post": "cancel"}), name="api-workflow-cancel"),
    path(
        "workflow/<str:workflowId>/launch", WorkflowViewSet.as_view({"get": "launch_of"}), name="api-workflow-launch-of"
    ),
    path("workflow/<str:workflowId>/log", WorkflowViewSet.as_view({"get": "log"}), name="api-workflow-log"),
    path(
        "workflow/<str:workflowId>/progress", WorkflowViewSet.as_view({"get": "progress"}), name="api-workflow-progress"
    ),
    path("pipelines", PipelineViewSet.as_view({"get": "list", "post": "create"}), name="api-pipelines"),
    path("pipelines/validate", PipelineViewSet.as_view({"get": "validate_name"}), name="api-pipeline-validate-name"),
    path(
        "pipelines/<int:pipelineId>",
        PipelineViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="api-pipeline",
    ),
    path(
        "pipelines/<int:pipelineId>/launch",
        PipelineViewSet.as_view({"get": "launch_settings"}),
        name="api-pipeline-launch",
    ),
    path(
        "pipeline-secrets",
        PipelineSecretViewSet.as_view({"get": "list", "post": "create"}),
        name="api-pipeline-secrets",
    ),
    path(
        "pipeline-secrets/validate",
        PipelineSecretViewSet.as_view({"get": "validate_name"}),
        name="api-pipeline-secret-validate-name",
    ),
    path(
        "pipeline-secrets/<int:secretId>",
        PipelineSecretViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="api-pipeline-secret",
    ),
]
