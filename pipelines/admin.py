"""Django admin for pipelines and runs: view-only (launch, cancel and delete happen in the app);
a pipeline secret shows its name and dates, never its value or ciphertext."""

from django.contrib import admin

from pipelines.models import Launch, Pipeline, PipelineSecret, Run
from workspaces.admin import ReadOnlyAdminMixin


@admin.register(Pipeline)
class PipelineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "workspace", "repository", "revision", "compute_env", "last_updated"]
    search_fields = ["name", "repository", "workspace__name", "workspace__org__name"]
    list_select_related = ["workspace__org", "compute_env"]
    exclude = ["labels"]


@admin.register(PipelineSecret)
class PipelineSecretAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "workspace", "date_created", "last_updated", "last_used"]
    search_fields = ["name", "workspace__name"]
    list_select_related = ["workspace__org"]
    fields = ["workspace", "name", "created_by", "date_created", "last_updated", "last_used"]
    readonly_fields = fields


@admin.register(Run)
class RunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["run_name", "id", "workspace", "status", "batch_status", "project_name", "submit", "complete"]
    list_filter = ["status", "batch_status", "region"]
    search_fields = ["run_name", "id", "job_id", "project_name", "workspace__name", "user_name"]
    list_select_related = ["workspace__org"]
    date_hierarchy = "submit"
    exclude = ["labels"]


@admin.register(Launch)
class LaunchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "workspace", "repository", "revision", "date_created"]
    search_fields = ["id", "repository", "workspace__name"]
    list_select_related = ["workspace__org"]
