"""Django admin for compute environments: view-only (forge and dispose run in the app), with the
ledger of forged AWS resources beside each environment."""

import json

from django.contrib import admin
from django.utils.html import format_html

from computeenvs.models import ComputeEnv, ComputeEnvLabel, ForgedResource, PendingWorkspaceDeletion
from workspaces.admin import ReadOnlyAdminMixin, ReadOnlyInline


class ForgedResourceInline(ReadOnlyInline):
    model = ForgedResource
    fields = ["order", "kind", "name", "arn", "state", "message", "last_updated"]
    readonly_fields = fields


class ComputeEnvLabelInline(ReadOnlyInline):
    model = ComputeEnvLabel
    fields = ["label"]
    readonly_fields = fields
    show_change_link = False


@admin.register(ComputeEnv)
class ComputeEnvAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Seven short columns fit 1366 px; the id and credentials are on the change page and searchable.
    list_display = ["name", "workspace", "status", "mode", "region", "primary", "date_created"]
    list_filter = ["status", "mode", "region", "primary", "platform"]
    search_fields = ["name", "id", "workspace__name", "workspace__org__name", "credentials__name"]
    list_select_related = ["workspace__org", "credentials"]
    fields = [
        "id",
        "workspace",
        "name",
        "description",
        "platform",
        "region",
        "mode",
        "status",
        "message",
        "primary",
        "credentials",
        "config_document",
        "created_by",
        "date_created",
        "last_updated",
        "last_used",
    ]
    readonly_fields = fields
    inlines = [ComputeEnvLabelInline, ForgedResourceInline]
    date_hierarchy = "date_created"
    actions = ["scan_for_orphans"]

    @admin.action(description="Scan their credentials' accounts and regions for Forge resources in no ledger")
    def scan_for_orphans(self, request, queryset):
        """Read-only: lists what `manage.py forge_orphans --dispose` would remove."""
        from computeenvs.forge import orphans
        from workspaces import aws

        for credentials, region in {(ce.credentials, ce.region) for ce in queryset.select_related("credentials")}:
            try:
                found = orphans.scan(credentials, region)
            except aws.AwsError as exc:
                self.message_user(request, f"{credentials.name} {region}: {aws.error_message(exc)}", level="error")
                continue
            names = ", ".join(f"{o.kind} {o.name}" for o in found[:50]) or "none"
            self.message_user(request, f"{credentials.name} in {region}: {len(found)} orphaned resource(s): {names}")

    @admin.display(description="config")
    def config_document(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.config, indent=2, sort_keys=True))


@admin.register(ComputeEnvLabel)
class ComputeEnvLabelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["compute_env", "label"]
    search_fields = ["compute_env__name", "compute_env__id", "label__name", "label__value"]
    list_select_related = ["compute_env", "label"]


@admin.register(ForgedResource)
class ForgedResourceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "name", "compute_env", "order", "state", "workspace", "last_updated"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "arn", "compute_env__name", "compute_env__id", "workspace__name"]
    list_select_related = ["compute_env", "workspace__org"]


@admin.register(PendingWorkspaceDeletion)
class PendingWorkspaceDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["workspace", "delete_organization", "date_created"]
    search_fields = ["workspace__name", "workspace__org__name"]
    list_select_related = ["workspace__org"]
