import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from computeenvs.models import ComputeEnv
from seqera.tables import BaseTable
from workspaces.templatetags.workspace_tags import status_badge


class ComputeEnvTable(BaseTable):
    name = tables.Column(linkify=False)
    status = tables.Column()
    mode = tables.Column(verbose_name="Config mode")
    region = tables.Column()
    credentials = tables.Column(accessor="credentials__name", verbose_name="Credentials", order_by="credentials__name")
    work_dir = tables.Column(accessor="config__workDir", verbose_name="Work directory", orderable=False, default="")
    primary = tables.BooleanColumn(yesno="Primary,")
    date_created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = ComputeEnv
        fields = ("name", "status", "mode", "region", "credentials", "work_dir", "primary", "date_created")
        empty_text = "No compute environments yet."

    def render_name(self, record, value):
        url = reverse(
            "computeenvs:detail",
            kwargs={"org": record.workspace.org.name, "workspace": record.workspace.name, "pk": record.pk},
        )
        return format_html('<a href="{}">{}</a>', url, value)

    def render_status(self, record, value):
        return status_badge(record.status, record.message)
