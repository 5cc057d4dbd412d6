"""API routes of the trace API (mounted under /api/ by seqera/api_urls.py)."""

from django.urls import path

from pipelines.trace import views
from pipelines.trace.api import WorkflowTaskViewSet

urlpatterns = [
    path("trace/create", views.TraceCreateView.as_view(), name="api-trace-create"),
    path("trace/<str:workflowId>/begin", views.TraceBeginView.as_view(), name="api-trace-begin"),
    path("trace/<str:workflowId>/progress", views.TraceProgressView.as_view(), name="api-trace-progress"),
    path("trace/<str:workflowId>/heartbeat", views.TraceHeartbeatView.as_view(), name="api-trace-heartbeat"),
    path("trace/<str:workflowId>/complete", views.TraceCompleteView.as_view(), name="api-trace-complete"),
    path("workflow/<str:workflowId>/tasks", WorkflowTaskViewSet.as_view({"get": "tasks"}), name="api-workflow-tasks"),
    path(
        "workflow/<str:workflowId>/task/<int:taskId>",
        WorkflowTaskViewSet.as_view({"get": "task"}),
        name="api-workflow-task",
    ),
]
