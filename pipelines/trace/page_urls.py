"""Page routes of the trace block (mounted under /orgs/<org>/workspaces/<workspace>/, namespace "trace")."""

from django.urls import path

from pipelines.trace import views_pages

app_name = "trace"

urlpatterns = [
    path("runs/<str:pk>/trace/", views_pages.RunTraceView.as_view(), name="run_trace"),
]
