from django.urls import path

from pipelines import views

app_name = "pipelines"

urlpatterns = [
    path("pipelines/", views.PipelineListView.as_view(), name="list"),
    path("pipelines/new/", views.PipelineCreateView.as_view(), name="create"),
    path("pipelines/<int:pk>/", views.PipelineDetailView.as_view(), name="detail"),
    path("pipelines/<int:pk>/edit/", views.PipelineEditView.as_view(), name="edit"),
    path("pipelines/<int:pk>/duplicate/", views.PipelineDuplicateView.as_view(), name="duplicate"),
    path("pipelines/<int:pk>/delete/", views.PipelineDeleteView.as_view(), name="delete"),
    path("pipelines/<int:pk>/launch/", views.PipelineLaunchView.as_view(), name="launch"),
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("runs/launch/", views.QuickLaunchView.as_view(), name="quick_launch"),
    path("runs/badges/", views.RunBadgesView.as_view(), name="run_badges"),
    path("runs/<str:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<str:pk>/status/", views.RunStatusView.as_view(), name="run_status"),
    path("runs/<str:pk>/log/", views.RunLogView.as_view(), name="run_log"),
    path("runs/<str:pk>/log/download/", views.RunLogDownloadView.as_view(), name="run_log_download"),
    path("runs/<str:pk>/cancel/", views.RunCancelView.as_view(), name="run_cancel"),
    path("runs/<str:pk>/relaunch/", views.RelaunchView.as_view(), name="run_relaunch"),
    path("runs/<str:pk>/resume/", views.RunResumeView.as_view(), name="run_resume"),
    path("runs/<str:pk>/delete/", views.RunDeleteView.as_view(), name="run_delete"),
    path("secrets/", views.SecretListView.as_view(), name="secret_list"),
    path("secrets/new/", views.SecretCreateView.as_view(), name="secret_create"),
    path("secrets/<int:pk>/replace/", views.SecretReplaceView.as_view(), name="secret_replace"),
    path("secrets/<int:pk>/delete/", views.SecretDeleteView.as_view(), name="secret_delete"),
]
