from django.contrib import admin

from seqera.models import WorkItem


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    """Durable background work, for operators: what is pending, running, done or given up, and
    why. Read-only: the dispatcher and the workers own these rows (arguments are ids only)."""

    list_display = ["key", "actor", "state", "attempts", "not_before", "sent_at", "lease_until", "deadline"]
    list_filter = ["state", "actor"]
    search_fields = ["key", "last_error"]
    date_hierarchy = "submitted_at"
    show_facets = admin.ShowFacets.ALWAYS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # finished rows are purged by the dispatcher; a pending one deleted would be work lost
