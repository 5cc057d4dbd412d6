"""The audit trail as a django-tables2 table (newest first; no COUNT(*) of the trail per page)."""

import django_tables2 as tables

from seqera.tables import BaseTable
from workspaces.audit.models import AuditEvent


class AuditEventTable(BaseTable):
    time = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="When (UTC)")
    who = tables.Column(accessor="actor", verbose_name="Who", orderable=False)
    action = tables.Column(orderable=False)
    object = tables.TemplateColumn(template_name="audit/cells/object.html", verbose_name="What", orderable=False)
    address = tables.Column(verbose_name="From", orderable=False)
    changes = tables.TemplateColumn(
        template_name="audit/cells/changes.html", verbose_name="Before → after", orderable=False
    )

    class Meta(BaseTable.Meta):
        model = AuditEvent
        fields = ("time", "who", "action", "object", "address", "changes")
        per_page = 50
        empty_text = "No events match."
        order_by = ("-time",)
