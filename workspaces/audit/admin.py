"""The operators' view of the whole trail: read-only for everyone, superusers included."""

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from workspaces.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["time", "action", "actor", "object_type", "object_repr", "org_name", "workspace_name", "address"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "token_name", "object_repr", "object_id", "workspace_name", "org_name", "address"]
    date_hierarchy = "time"
    show_full_result_count = False  # the trail grows without bound: no COUNT(*) of all of it per page
    fields = [
        "time", "action", "actor", "object_type", "object_id", "object_repr", "org_id", "org_name",
        "workspace_id", "workspace_name", "address", "request_id", "changes_table", "detail",
    ]  # fmt: skip
    readonly_fields = fields
    actions = None

    @admin.display(description="who")
    def actor(self, obj):
        return obj.actor

    @admin.display(description="before → after")
    def changes_table(self, obj):
        rows = [(name, _show(before), _show(after)) for name, before, after in obj.changes()]
        if not rows:
            return "—"
        body = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><tr><th>field</th><th>before</th><th>after</th></tr>{}</table>", body)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _show(value) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)
