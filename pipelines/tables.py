import django_tables2 as tables
from django.utils.html import format_html

from pipelines.models import Pipeline, PipelineSecret, Run
from pipelines.templatetags.pipeline_tags import run_badge
from seqera.tables import BaseTable, actions
from workspaces.permissions import role_allows


class PipelineTable(BaseTable):
    name = tables.Column()
    repository = tables.Column(verbose_name="Repository")
    revision = tables.Column(default="")
    compute_env = tables.Column(accessor="compute_env__name", verbose_name="Compute environment", default="primary")
    last_updated = tables.DateTimeColumn(verbose_name="Updated", format="Y-m-d H:i")
    launch = actions()

    class Meta(BaseTable.Meta):
        model = Pipeline
        fields = ("name", "repository", "revision", "compute_env", "last_updated")
        empty_text = "No saved pipelines yet."

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def render_launch(self, record):
        if not role_allows((getattr(self, "context", None) or {}).get("role"), "workflow:execute"):
            return ""
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}" aria-label="Launch {}">Launch</a>',
            record.workspace.url("pipelines:launch", pk=record.pk),
            record.name,
        )


class RunTable(BaseTable):
    status = tables.Column()
    run_name = tables.Column(verbose_name="Run")
    project_name = tables.Column(verbose_name="Pipeline")
    revision = tables.Column(default="")
    # Not sortable: its name is another table's column, which no index of the runs can order.
    compute_env = tables.Column(
        accessor="compute_env__name", verbose_name="Compute environment", default="(deleted)", orderable=False
    )
    user_name = tables.Column(verbose_name="User")
    submit = tables.DateTimeColumn(verbose_name="Submitted", format="Y-m-d H:i:s")
    duration = tables.Column(accessor="duration_ms", verbose_name="Duration", orderable=False, default="")

    class Meta(BaseTable.Meta):
        model = Run
        fields = ("status", "run_name", "project_name", "revision", "compute_env", "user_name", "submit")
        order_by = ("-submit",)
        empty_text = "No runs yet: launch a pipeline."

    def render_status(self, record, value):
        return run_badge(record)

    def render_run_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def render_duration(self, record, value):
        from pipelines.templatetags.pipeline_tags import duration

        return duration(value)


class SecretTable(BaseTable):
    name = tables.Column(attrs={"td": {"class": "font-monospace"}})
    date_created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")
    last_updated = tables.DateTimeColumn(verbose_name="Updated", format="Y-m-d H:i")
    last_used = tables.DateTimeColumn(verbose_name="Last used", format="Y-m-d H:i", default="never")
    row_actions = actions("pipelines/cells/secret_actions.html")

    class Meta(BaseTable.Meta):
        model = PipelineSecret
        fields = ("name", "date_created", "last_updated", "last_used")
        empty_text = "No pipeline secrets yet."
