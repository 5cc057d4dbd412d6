from django.urls import path

from computeenvs import views

app_name = "computeenvs"

urlpatterns = [
    path("", views.ComputeEnvListView.as_view(), name="list"),
    path("new/", views.ComputeEnvCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("pickers/<str:kind>/", views.PickerView.as_view(), name="picker"),
    path("<str:pk>/", views.ComputeEnvDetailView.as_view(), name="detail"),
    path("<str:pk>/status/", views.ComputeEnvStatusView.as_view(), name="status"),
    path("<str:pk>/edit/", views.ComputeEnvEditView.as_view(), name="edit"),
    path("<str:pk>/delete/", views.ComputeEnvDeleteView.as_view(), name="delete"),
    path("<str:pk>/primary/", views.MakePrimaryView.as_view(), name="primary"),
    path("<str:pk>/disable/", views.DisableView.as_view(), name="disable"),
    path("<str:pk>/enable/", views.EnableView.as_view(), name="enable"),
    path("<str:pk>/validate/", views.ValidateView.as_view(), name="validate"),
    path("<str:pk>/retry/", views.RetryForgeView.as_view(), name="retry"),
    path("<str:pk>/export/", views.ExportView.as_view(), name="export"),
    path("<str:pk>/policy/", views.PolicyView.as_view(), name="policy"),
]
