"""The audit pages: a workspace's trail for its admins and owners, an organization's trail for
its owners, each with filters, paging and a CSV export of what the filters select."""

import csv
import json

from django.http import StreamingHttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django_tables2.paginators import LazyPaginator

from seqera.views.generic import ObjectListView
from workspaces.audit.filters import AuditEventFilterSet, OrgAuditEventFilterSet
from workspaces.audit.models import AuditEvent
from workspaces.audit.tables import AuditEventTable
from workspaces.permissions import OrgRole
from workspaces.tenancy import OrgPage, WorkspacePage

EXPORT_COLUMNS = (
    "time", "action", "user", "token", "object_type", "object_id", "object", "organization", "workspace",
    "address", "request_id", "before", "after", "detail",
)  # fmt: skip
CSV_BATCH = 2000


class WorkspaceTrail:
    permission_action = "audit:read"
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        return AuditEvent.objects.filter(workspace_id=self.workspace.pk)

    def export_url(self) -> str:
        return self.ws_url("workspaces:workspace_audit_export")


class OrgTrail:
    min_org_role = OrgRole.OWNER
    filterset_class = OrgAuditEventFilterSet

    def get_queryset(self):
        return AuditEvent.objects.filter(org_id=self.org.pk)

    def export_url(self) -> str:
        return self.org_url("workspaces:org_audit_export")


@method_decorator(never_cache, name="dispatch")
class AuditListView(ObjectListView):
    table_class = AuditEventTable
    template_name = "audit/list.html"
    section = "audit"
    page_title = "Audit log"
    table_pagination = {"per_page": 50, "paginator_class": LazyPaginator}
    intro = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(export_url=self.export_url(), intro=self.intro)
        return context


class WorkspaceAuditView(WorkspaceTrail, WorkspacePage, AuditListView):
    intro = "Every change in this workspace, every refused access to it, newest first."


class OrgAuditView(OrgTrail, OrgPage, AuditListView):
    intro = "Every change in this organization and its workspaces, every refused access, newest first."

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.columns["object"].column.extra_context = {"show_workspace": True}
        return table


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, default=str)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@method_decorator(never_cache, name="dispatch")
class AuditExportView(View):
    """The filtered trail as CSV, streamed in batches (memory stays flat however long it is)."""

    filename = "audit"

    def get(self, request, *args, **kwargs):
        filterset = self.filterset_class(request.GET, queryset=self.get_queryset())
        events = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(EXPORT_COLUMNS)
            for e in events.order_by("-time", "-id").iterator(chunk_size=CSV_BATCH):
                row = (
                    e.time.isoformat(), e.action, e.username, e.token_name, e.object_type, e.object_id,
                    e.object_repr, e.org_name, e.workspace_name, e.address, e.request_id, e.before, e.after, e.detail,
                )  # fmt: skip
                yield writer.writerow([_cell(v) for v in row])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response


class WorkspaceAuditExportView(WorkspaceTrail, WorkspacePage, AuditExportView):
    def get_filename(self):
        return f"audit-{self.org.name}-{self.workspace.name}"


class OrgAuditExportView(OrgTrail, OrgPage, AuditExportView):
    def get_filename(self):
        return f"audit-{self.org.name}"
